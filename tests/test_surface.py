"""Surface-text gold: offsets, errors that name the span, export shape, the seed gold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from label_studio_sdk.label_interface import LabelInterface

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.ids import article_id
from newsclaims.core.schemas import errors as schema_errors
from newsclaims.core.scheme import load_scheme
from newsclaims.ingest.ingest import ingest
from newsclaims.review.surface import load_surface_gold, to_export_task, to_result

ROOT = Path(__file__).resolve().parents[1]
SEED_GOLD = ROOT / "dataset" / "gold" / "seed-000_3555f0db28fc0288.yaml"
SEED_RAW = ROOT / "seeds" / "000_3555f0db28fc0288.txt"

# Astral characters (emoji, a flag, a mathematical letter) sit before the spans so
# that any UTF-16 / byte offset confusion would shift every region.
ASTRAL_TEXT = (
    "🚀🇻🇪 Officials in 𝒳-ville said the bridge cost $4 million.\n\n"
    "The mayor, María José Núñez 😀, said the bridge opened on Monday. "
    "Núñez said it was safe."
)


def write_gold(tmp_path: Path, gold: dict) -> Path:
    path = tmp_path / "gold.yaml"
    path.write_text(yaml.safe_dump(gold, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def astral_gold(**overrides) -> dict:
    spans = [
        {"id": "c1", "label": "CLAIM", "text": "the bridge opened on Monday",
         "attribution_type": "INDIRECT", "certainty": "ASSERTED"},
        {"id": "s1", "label": "SOURCE", "text": "The mayor, María José Núñez",
         "source_type": "NAMED_PERSON"},
        {"id": "q1", "label": "CUE", "text": "said", "occurrence": 2},
        {"id": "e1", "label": "PERSON", "text": "Núñez", "after": "q1"},
        {"id": "e2", "label": "MONEY", "text": "$4 million"},
        {"id": "e3", "label": "DATE", "text": "Monday"},
    ]
    relations = [{"from": "c1", "to": "s1", "type": "source"},
                 {"from": "c1", "to": "q1", "type": "cue"}]
    return {"spans": spans, "relations": relations, **overrides}


def regions(result: list[dict]) -> dict[str, dict]:
    return {item["id"]: item for item in result if item["type"] == "labels"}


def test_offsets_round_trip_on_astral_text(tmp_path):
    gold = load_surface_gold(write_gold(tmp_path, astral_gold()))
    result = to_result(gold, ASTRAL_TEXT)
    for item in result:
        if item["type"] in ("labels", "choices"):
            value = item["value"]
            assert ASTRAL_TEXT[value["start"]:value["end"]] == value["text"]
    by_id = regions(result)
    # Positions counted by hand in code points: "🚀🇻🇪 " is 4 code points.
    assert by_id["e2"]["value"]["start"] == ASTRAL_TEXT.index("$4 million") == 46
    assert by_id["e1"]["value"]["text"] == "Núñez"
    # `after: q1` (the second "said") picks the second "Núñez", the one in "Núñez said".
    assert by_id["e1"]["value"]["start"] == ASTRAL_TEXT.rindex("Núñez")
    assert by_id["q1"]["value"]["start"] == ASTRAL_TEXT.index("said", 40)


def test_result_items_have_native_shape(tmp_path):
    result = to_result(load_surface_gold(write_gold(tmp_path, astral_gold())), ASTRAL_TEXT)
    claim = regions(result)["c1"]
    assert claim["from_name"] == "attribution" and claim["to_name"] == "text"
    assert claim["value"]["labels"] == ["CLAIM"] and claim["origin"] == "manual"
    assert regions(result)["e3"]["from_name"] == "entity"
    choices = {(i["id"], i["from_name"]): i["value"]["choices"]
               for i in result if i["type"] == "choices"}
    assert choices == {
        ("c1", "attribution_type"): ["INDIRECT"],
        ("c1", "certainty"): ["ASSERTED"],
        ("s1", "source_type"): ["NAMED_PERSON"],
    }
    choice = next(i for i in result if i["type"] == "choices")
    assert choice["value"]["start"] == claim["value"]["start"]
    relations = [i for i in result if i["type"] == "relation"]
    assert relations == [
        {"from_id": "c1", "to_id": "s1", "type": "relation", "direction": "right",
         "labels": ["source"]},
        {"from_id": "c1", "to_id": "q1", "type": "relation", "direction": "right",
         "labels": ["cue"]},
    ]


def test_whole_words_only():
    gold = {"spans": [{"id": "e1", "label": "GPE", "text": "Venezuela"}]}
    text = "Venezuelan bases. Venezuela’s coast."
    (item,) = to_result(gold, text)
    assert item["value"]["start"] == 18  # not the "Venezuela" inside "Venezuelan"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda g: g["spans"][3].pop("after"),
         r"span e1: text 'Núñez' occurs 2 times \(starts 81, 124\)"),
        (lambda g: g["spans"][2].update(occurrence=5), r"span q1: occurrence 5 asked.*3 time"),
        (lambda g: g["spans"][4].update(text="$5 million"),
         r"span e2: text '\$5 million' not found"),
        (lambda g: g["spans"][0].update(label="CLAIMS"), r"span c1: unknown label 'CLAIMS'"),
        (lambda g: g["spans"][0].update(certainty="SURE"), r"span c1: certainty 'SURE' is not one"),
        (lambda g: g["spans"][0].update(source_type="ANONYMOUS"),
         r"span c1: choice 'source_type' does not apply to CLAIM"),
        (lambda g: g["spans"][1].pop("source_type"), r"span s1: SOURCE needs `source_type`"),
        (lambda g: g["spans"][5].update(id="c1"), r"span c1: duplicate span id"),
        (lambda g: g["relations"].append({"from": "c1", "to": "q1", "type": "source"}),
         r"\(c1 -> q1\): a source relation joins CLAIM -> SOURCE, not CLAIM -> CUE"),
        (lambda g: g["relations"].append({"from": "c1", "to": "x9", "type": "cue"}),
         r"span 'x9' is not defined"),
        (lambda g: g["relations"].append({"from": "c1", "to": "s1", "type": "speaker"}),
         r"unknown type 'speaker'"),
        (lambda g: g.update(article_id="0000000000000000"),
         r"article_id 0000000000000000 does not"),
    ],
)
def test_errors_name_file_and_span(tmp_path, change, message):
    gold = astral_gold()
    change(gold)
    path = write_gold(tmp_path, gold)
    with pytest.raises(NewsclaimsError, match=message) as caught:
        to_result(load_surface_gold(path), ASTRAL_TEXT)
    assert str(path) in str(caught.value)


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(NewsclaimsError, match="cannot read gold file"):
        load_surface_gold(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("spans: [ {id: c1", encoding="utf-8")
    with pytest.raises(NewsclaimsError, match=f"{re.escape(str(bad))}: not valid YAML"):
        load_surface_gold(bad)


def test_export_task_is_deterministic_and_valid(tmp_path):
    result = to_result(load_surface_gold(write_gold(tmp_path, astral_gold())), ASTRAL_TEXT)
    article = {"text": ASTRAL_TEXT, "article_id": article_id(ASTRAL_TEXT), "title": "Bridge",
               "tags": ["Local"], "origin": {"path": "x.txt", "format": "txt"}}
    task = to_export_task(article, result, task_id=7, annotation_id=70, completed_by=3)
    assert task == to_export_task(article, result, task_id=7, annotation_id=70, completed_by=3)
    assert "origin" not in task["data"]  # ingest provenance is not task data
    assert list(schema_errors("task", task["data"])) == []
    (annotation,) = task["annotations"]
    assert (task["id"], annotation["id"], annotation["completed_by"]) == (7, 70, 3)
    assert annotation["result"] is result and annotation["was_cancelled"] is False
    assert annotation["ground_truth"] is False and task["predictions"] == []
    with pytest.raises(NewsclaimsError, match="task 8"):
        to_export_task({"title": "no text"}, [], task_id=8, annotation_id=80)


def ingested_seed() -> dict:
    """The seed article as `ingest` makes it: the text the gold's offsets refer to."""
    result = ingest([SEED_RAW])
    assert result.problems == []
    (article,) = result.articles
    return article


def test_seed_gold_matches_the_ingested_seed():
    article = ingested_seed()
    text = article["text"]
    gold = load_surface_gold(SEED_GOLD)
    assert gold["article_id"] == article_id(text)
    result = to_result(gold, text)
    labelled = regions(result)
    assert len(labelled) == len(gold["spans"])
    for item in labelled.values():
        assert text[item["value"]["start"]:item["value"]["end"]] == item["value"]["text"]
    claims = [i for i in labelled.values() if i["value"]["labels"] == ["CLAIM"]]
    typed = {i["id"] for i in result if i.get("from_name") == "attribution_type"}
    assert {c["id"] for c in claims} == typed
    task = to_export_task(article, result, task_id=1, annotation_id=1)
    assert task["data"]["article_id"] == gold["article_id"]


def test_seed_gold_follows_the_linking_rules():
    """Guidelines §2.2-§2.4, §10: every SOURCE/CUE is linked, UNATTRIBUTED claims are not,
    every attributed claim has a cue."""
    gold = load_surface_gold(SEED_GOLD)
    spans = {span["id"]: span for span in gold["spans"]}
    linked_from = {r["from"] for r in gold["relations"]}
    linked_to = {r["to"] for r in gold["relations"]}
    cued = {r["from"] for r in gold["relations"] if r["type"] == "cue"}
    for span_id, span in spans.items():
        if span["label"] in ("SOURCE", "CUE"):
            assert span_id in linked_to, span_id
        if span["label"] == "CLAIM":
            assert "certainty" in span, span_id
            unattributed = span["attribution_type"] == "UNATTRIBUTED"
            assert (span_id in linked_from) is not unattributed, span_id
            assert (span_id in cued) is not unattributed, span_id


def test_sdk_label_interface_accepts_the_results(tmp_path):
    """Label Studio's own SDK checks labels, choices and relation ids against the config."""
    interface = LabelInterface(load_scheme().config_xml)
    seed = to_result(load_surface_gold(SEED_GOLD), ingested_seed()["text"])
    astral = to_result(load_surface_gold(write_gold(tmp_path, astral_gold())), ASTRAL_TEXT)
    assert interface.validate_annotation({"result": seed})
    assert interface.validate_annotation({"result": astral})
    # The check can fail: a label the config does not know is refused.
    broken = [{**seed[0], "value": {**seed[0]["value"], "labels": ["NOT_A_LABEL"]}}, *seed[1:]]
    assert not interface.validate_annotation({"result": broken})
