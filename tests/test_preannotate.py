"""Pre-annotation rules: each test is a sentence a reader can check by eye, with the
spans a careful annotator would mark (docs/guidelines.md), written down by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.ids import article_id
from newsclaims.core.scheme import load_scheme
from newsclaims.export.result_rows import parse_result
from newsclaims.export.validate import check_result
from newsclaims.preannotate import MODEL_VERSION, preannotate, preannotate_articles
from newsclaims.preannotate import rules as rules_module

RULES_DIR = Path(rules_module.__file__).parent / "rules" / MODEL_VERSION


def _article(text: str) -> dict:
    return {"text": text, "article_id": article_id(text)}


def _parsed(text: str):
    prediction = preannotate(_article(text))
    parsed = parse_result(prediction["result"], text)
    assert parsed.problems == []
    return prediction, parsed


def _spans(parsed, label: str) -> list[str]:
    return [s["text"] for s in parsed.spans if s["label"] == label]


def _one(parsed, label: str) -> dict:
    found = [s for s in parsed.spans if s["label"] == label]
    assert len(found) == 1, found
    return found[0]


def _linked(parsed, claim: dict, relation: str) -> list[str]:
    by_id = {(s["region_id"], s["label"]): s for s in parsed.spans}
    return [
        by_id[(r["to_id"], r["to_label"])]["text"]
        for r in parsed.relations
        if r["from_id"] == claim["region_id"] and r["type"] == relation
    ]


# --- the rule data names only what the scheme has -----------------------------------


def test_every_name_in_the_rule_files_exists_in_the_scheme() -> None:
    scheme = load_scheme()
    labels = yaml.safe_load((RULES_DIR / "labels.yaml").read_text("utf-8"))
    entities = yaml.safe_load((RULES_DIR / "entities.yaml").read_text("utf-8"))
    named = [*labels["labels"].values(), *labels["entities"].values()]
    named += [*entities["gazetteers"], *entities["suffix_labels"]]
    assert set(named) <= set(scheme.all_labels), set(named) - set(scheme.all_labels)
    for control, values in labels["choices"].items():
        assert control in scheme.choices
        assert set(values.values()) <= set(scheme.choices[control].values)


def test_rules_naming_a_label_the_scheme_lacks_do_not_load(tmp_path, monkeypatch) -> None:
    broken = tmp_path / "rules-broken"
    shutil.copytree(RULES_DIR, broken)
    labels = yaml.safe_load((broken / "labels.yaml").read_text("utf-8"))
    labels["labels"]["cue"] = "CUE_WORDS"
    (broken / "labels.yaml").write_text(yaml.safe_dump(labels), "utf-8")
    monkeypatch.setattr(rules_module, "RULES_DIR", tmp_path)
    with pytest.raises(NewsclaimsError, match="CUE_WORDS"):
        rules_module.load_rules("rules-broken")


def test_unknown_model_version_is_a_clear_error() -> None:
    with pytest.raises(NewsclaimsError, match=r"no rules for model_version 'rules-1999\.01'"):
        preannotate(_article("Officials said the bridge was safe."), version="rules-1999.01")


# --- attribution ------------------------------------------------------------------


def test_anonymous_source_before_a_present_tense_cue() -> None:
    _, parsed = _parsed("Sources close to the administration say the goal is to weaken the cartel.")
    claim = _one(parsed, "CLAIM")
    assert claim["text"] == "the goal is to weaken the cartel"
    assert claim["attribution_type"] == "INDIRECT"
    source = _one(parsed, "SOURCE")
    assert source["text"] == "Sources close to the administration"
    assert source["source_type"] == "ANONYMOUS"
    assert _linked(parsed, claim, "source") == ["Sources close to the administration"]
    assert _linked(parsed, claim, "cue") == ["say"]


def test_according_to_puts_the_source_after_and_the_claim_before() -> None:
    _, parsed = _parsed("Prices rose sharply in March, according to a report by the central bank.")
    claim = _one(parsed, "CLAIM")
    assert claim["text"] == "Prices rose sharply in March"
    assert _one(parsed, "CUE")["text"] == "according to"
    source = _one(parsed, "SOURCE")
    assert source["text"] == "a report by the central bank"
    assert source["source_type"] == "DOCUMENT"


def test_curly_quote_then_speaker_with_audience_in_the_cue() -> None:
    text = "“We will not back down,” Senator Ana Ruiz told reporters on Monday."
    _, parsed = _parsed(text)
    claim = _one(parsed, "CLAIM")
    assert claim["text"] == "We will not back down"
    assert claim["attribution_type"] == "DIRECT_QUOTE"
    assert _linked(parsed, claim, "source") == ["Senator Ana Ruiz"]
    assert _one(parsed, "SOURCE")["source_type"] == "NAMED_PERSON"
    assert _linked(parsed, claim, "cue") == ["told reporters"]


def test_straight_quotes_and_an_inverted_cue() -> None:
    _, parsed = _parsed('"The numbers speak for themselves," said the Finance Ministry.')
    claim = _one(parsed, "CLAIM")
    assert claim["text"] == "The numbers speak for themselves"
    assert claim["attribution_type"] == "DIRECT_QUOTE"
    assert _linked(parsed, claim, "source") == ["the Finance Ministry"]
    assert _one(parsed, "SOURCE")["source_type"] == "NAMED_ORGANIZATION"


def test_a_partial_quote_inside_a_paraphrase_is_mixed() -> None:
    text = "Mayor Lena Ortiz said the budget was “a disaster in the making” for the city."
    _, parsed = _parsed(text)
    claim = _one(parsed, "CLAIM")
    assert claim["text"] == "the budget was “a disaster in the making” for the city"
    assert claim["attribution_type"] == "MIXED"


def test_a_document_source_with_a_that_clause_and_a_hedge() -> None:
    _, parsed = _parsed("The study found that wells in the valley could run dry by 2044.")
    claim = _one(parsed, "CLAIM")
    assert claim["text"] == "wells in the valley could run dry by 2044"
    assert claim["certainty"] == "HEDGED"
    source = _one(parsed, "SOURCE")
    assert (source["text"], source["source_type"]) == ("The study", "DOCUMENT")
    assert _one(parsed, "CUE")["text"] == "found"


def test_reportedly_is_a_cue_without_a_source() -> None:
    _, parsed = _parsed("The company will reportedly cut 300 jobs in its Ohio plant.")
    claim = _one(parsed, "CLAIM")
    assert claim["text"] == "The company will reportedly cut 300 jobs in its Ohio plant"
    assert _linked(parsed, claim, "cue") == ["reportedly"]
    assert _linked(parsed, claim, "source") == []
    assert _spans(parsed, "SOURCE") == []


def test_an_identifying_apposition_belongs_to_the_source() -> None:
    # guidelines §6.5: kept up to the comma that closes it
    text = "Its president, Hector Ballantyne, said the study relied on badly placed wells."
    _, parsed = _parsed(text)
    assert _spans(parsed, "SOURCE") == ["Its president, Hector Ballantyne"]
    assert _one(parsed, "SOURCE")["source_type"] == "NAMED_PERSON"
    assert _spans(parsed, "CLAIM") == ["the study relied on badly placed wells"]
    _, parsed = _parsed("Jane Doe, a spokeswoman for the ministry, said the fees would rise.")
    assert _spans(parsed, "SOURCE") == ["Jane Doe, a spokeswoman for the ministry"]


def test_a_relative_clause_after_the_source_is_left_out() -> None:
    text = "The agent, who spoke on condition of anonymity, said a fee was on the table."
    _, parsed = _parsed(text)
    assert _spans(parsed, "SOURCE") == ["The agent"]
    assert _spans(parsed, "CLAIM") == ["a fee was on the table"]


def test_a_chinese_quote_and_name() -> None:
    text = "“我们已经准备好了,” 王伟 told Reuters on Monday."
    _, parsed = _parsed(text)
    claim = _one(parsed, "CLAIM")
    assert (claim["text"], claim["attribution_type"]) == ("我们已经准备好了", "DIRECT_QUOTE")
    assert _linked(parsed, claim, "source") == ["王伟"]
    assert _linked(parsed, claim, "cue") == ["told Reuters"]


def test_a_negated_cue_is_no_attribution() -> None:
    _, parsed = _parsed("Officials have not confirmed whether the talks took place.")
    assert _spans(parsed, "CUE") == []
    assert _spans(parsed, "SOURCE") == []


def test_a_noun_that_looks_like_a_cue_is_not_one() -> None:
    _, parsed = _parsed("The report by the agency was published in May after long delays.")
    assert _spans(parsed, "CUE") == []


def test_a_plain_factual_sentence_is_an_unattributed_claim() -> None:
    text = "The city spent $4 million on the Harbor Street bridge repairs in 2024."
    _, parsed = _parsed(text)
    claim = _one(parsed, "CLAIM")
    assert claim["text"] == text.removesuffix(".")
    assert claim["attribution_type"] == "UNATTRIBUTED"
    assert parsed.relations == []


def test_the_writers_evaluation_is_not_a_claim() -> None:
    _, parsed = _parsed("The administration appears prepared to deliver a decisive blow in 2026.")
    assert _spans(parsed, "CLAIM") == []


def test_non_latin_names_and_emoji_keep_code_point_offsets() -> None:
    text = "🚀 Launch day. “Мы готовы к запуску,” said Иван Петров, the mission director."
    prediction, parsed = _parsed(text)
    claim = _one(parsed, "CLAIM")
    assert claim["text"] == "Мы готовы к запуску"
    assert text[claim["start"]:claim["end"]] == claim["text"]
    assert _spans(parsed, "SOURCE") == ["Иван Петров"]
    assert check_result(prediction["result"], text) == []


# --- entities ---------------------------------------------------------------------


def test_pattern_entities() -> None:
    text = (
        "Attorney General Pam Bondi said Acme Holdings paid $50 million, about 12 percent "
        "of its Venezuelan revenue, in August 2025 to the United Nations."
    )
    _, parsed = _parsed(text)
    entities = {(s["label"], s["text"]) for s in parsed.spans if s["layer"] == "entity"}
    assert {
        ("PERSON", "Pam Bondi"),
        ("ORG", "Acme Holdings"),
        ("MONEY", "$50 million"),
        ("PERCENT", "about 12 percent"),
        ("NORP", "Venezuelan"),
        ("DATE", "August 2025"),
        ("ORG", "United Nations"),
    } <= entities


# --- the prediction as a whole ------------------------------------------------------


def test_prediction_shape_and_choices_reuse_region_ids() -> None:
    text = "Sources close to the talks say a deal could be signed within days."
    prediction = preannotate(_article(text))
    assert set(prediction) == {"article_id", "model_version", "score", "result"}
    assert prediction["article_id"] == article_id(text)
    assert prediction["model_version"] == MODEL_VERSION
    assert 0 <= prediction["score"] <= 1
    scheme = load_scheme()
    regions = {i["id"]: i for i in prediction["result"] if i["type"] == "labels"}
    for item in prediction["result"]:
        if item["type"] == "labels":
            (label,) = item["value"]["labels"]
            assert item["from_name"] == scheme.control_of_label[label]
            assert item["to_name"] == scheme.text_name
        elif item["type"] == "choices":
            region = regions[item["id"]]
            assert {k: item["value"][k] for k in ("start", "end", "text")} == {
                k: region["value"][k] for k in ("start", "end", "text")
            }
        else:
            assert item["type"] == "relation"
            assert item["direction"] == "right"
            assert item["from_id"] in regions and item["to_id"] in regions
    assert check_result(prediction["result"], text) == []


def test_predictions_are_deterministic_and_in_input_order() -> None:
    texts = ["Officials said the plan was ready for a vote.", "“No comment,” she said."]
    first = preannotate_articles([_article(t) for t in texts])
    second = preannotate_articles([_article(t) for t in texts])
    assert first == second
    assert [p["article_id"] for p in first] == [article_id(t) for t in texts]


def test_seed_and_dev_predictions_pass_the_project_validator() -> None:
    from eval_fixtures import load_articles

    for fixture in load_articles("dev"):
        prediction = preannotate(fixture.record())
        assert check_result(prediction["result"], fixture.text) == [], fixture.name
