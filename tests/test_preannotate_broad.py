"""rules-2026.12: the broader cues and speakers of real news. Each test is an invented
sentence with the spans a careful annotator would mark (docs/guidelines.md), written
by hand; the same sentence under rules-2026.11 shows what changed."""

from __future__ import annotations

import pytest

from newsclaims.core.ids import article_id
from newsclaims.export.result_rows import parse_result
from newsclaims.preannotate import MODEL_VERSION, preannotate

NEW, OLD = "rules-2026.12", "rules-2026.11"


def _triples(text: str, version: str = NEW) -> list[tuple[str, str | None, str]]:
    """(claim, source, cue) texts of every attributed claim."""
    prediction = preannotate({"text": text, "article_id": article_id(text)}, version=version)
    parsed = parse_result(prediction["result"], text)
    assert parsed.problems == []
    by_id = {(s["region_id"], s["label"]): s for s in parsed.spans}
    found = []
    for claim in (s for s in parsed.spans if s["label"] == "CLAIM"):
        linked = {r["type"]: by_id[(r["to_id"], r["to_label"])]["text"]
                  for r in parsed.relations if r["from_id"] == claim["region_id"]}
        if "cue" in linked:
            found.append((claim["text"], linked.get("source"), linked["cue"]))
    return found


def test_the_new_rules_are_the_default() -> None:
    assert MODEL_VERSION == NEW


def test_a_speech_verb_takes_any_speaker_phrase() -> None:
    text = "The Ohio senator said the bill would pass before the recess."
    assert _triples(text) == [("the bill would pass before the recess", "The Ohio senator", "said")]
    assert _triples(text, OLD) == []  # "senator" was in no list of speakers


def test_two_apostrophes_quote_and_a_pronoun_speaker() -> None:
    text = "''We will win this state by ten points,'' she said."
    assert _triples(text) == [("We will win this state by ten points", "she", "said")]


def test_a_relative_pronoun_is_the_source() -> None:
    text = "Ms. Vance, who said the audit was flawed, left the meeting early."
    assert ("the audit was flawed", "who", "said") in _triples(text)


def test_a_particle_joins_the_cue_and_a_noun_phrase_is_the_content() -> None:
    text = "Governor Ruiz has called for an independent audit of the port."
    assert _triples(text) == [
        ("an independent audit of the port", "Governor Ruiz", "has called for")
    ]


def test_coordinated_cues_share_the_speaker_and_split_the_content() -> None:
    text = "The mayor praised the firefighters and said the city would rebuild the depot."
    assert _triples(text) == [
        ("the firefighters", "The mayor", "praised"),
        ("the city would rebuild the depot", "The mayor", "said"),
    ]


def test_an_intention_is_attributed_to_a_named_speaker() -> None:
    text = "Senator Okafor plans to introduce a new tariff bill in March."
    assert _triples(text) == [
        ("to introduce a new tariff bill in March", "Senator Okafor", "plans")
    ]


def test_a_verb_form_that_is_also_a_noun_needs_a_speaker() -> None:
    assert _triples("The budget plans for the harbour were published in May.") == []
    assert _triples("Trump’s support rose by four points in the latest count.") == []


def test_an_apposition_after_a_name_belongs_to_the_speaker() -> None:
    text = "Lena Ortiz, 41, a nurse from Dayton, said the clinic closed in June."
    assert _triples(text) == [
        ("the clinic closed in June", "Lena Ortiz, 41, a nurse from Dayton", "said")
    ]


def test_a_headline_colon_is_a_cue() -> None:
    text = "Ruiz: The port deal will cost jobs\n\nThe port deal was signed on Monday."
    assert _triples(text) == [("The port deal will cost jobs", "Ruiz", ":")]


def test_a_quote_closing_the_sentence_before_is_the_content() -> None:
    text = "“How tall will the wall be?” Ortiz asked at the hearing."
    assert _triples(text) == [("How tall will the wall be", "Ortiz", "asked")]


@pytest.mark.parametrize("text", [
    "If you want to understand the vote, look at the map of the county.",
    "Among voters who want lower taxes, most back the incumbent, the count showed.",
])
def test_beliefs_without_a_speaker_are_no_attribution(text: str) -> None:
    assert all(cue not in ("want", "want lower") for _, _, cue in _triples(text))
