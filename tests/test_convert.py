"""Conversion to canonical records: the column contract, choices folded into spans,
claims with their first source and cue, pseudonyms, nothing dropped silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factories import choice, labels
from factories import relation as rel
from newsclaims.core.errors import NewsclaimsError, Severity
from newsclaims.core.ids import pseudonym
from newsclaims.export.claims import claims_from
from newsclaims.export.convert import convert, convert_task
from newsclaims.export.result_rows import parse_result

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
SALT = "test-salt"

SPAN_COLUMNS = {
    "region_id", "layer", "label", "start", "end", "text", "trimmed",
    "attribution_type", "certainty", "source_type",
}
CLAIM_COLUMNS = {
    "claim_id", "claim_text", "claim_start", "claim_end", "attribution_type", "certainty",
    "source_id", "source_text", "source_start", "source_end", "source_type",
    "cue_id", "cue_text", "cue_start", "cue_end", "n_sources", "n_cues",
}
PER_ANNOTATION = {"article_id", "annotation_id", "annotator"}


@pytest.fixture(scope="module")
def records():
    return convert(FIXTURES / "clean.json", salt=SALT)


def test_tables_have_the_contract_columns(records) -> None:
    assert set(records.articles[0]) == {
        "article_id", "task_id", "title", "source", "url", "published", "tags", "language",
        "text",
    }
    assert set(records.annotations[0]) == {
        "annotation_id", "task_id", "article_id", "annotator", "created_at", "updated_at",
        "lead_time", "ground_truth", "n_regions", "n_relations",
    }
    assert set(records.spans[0]) == SPAN_COLUMNS | PER_ANNOTATION
    assert set(records.relations[0]) == {
        "from_id", "to_id", "type", "from_label", "to_label"} | PER_ANNOTATION
    assert set(records.claims[0]) == CLAIM_COLUMNS | PER_ANNOTATION


def test_articles_and_provenance(records) -> None:
    first, second = records.articles
    assert first["title"] == "Bridge to reopen"
    assert first["tags"] == ["city", "infrastructure"]
    assert second["tags"] == []  # absent tags become an empty list, not None
    assert second["url"] is None
    by_id = {a["annotation_id"]: a for a in records.annotations}
    assert set(by_id) == {11, 12, 21}  # 22 was cancelled
    assert by_id[11]["n_regions"] == 11 and by_id[11]["n_relations"] == 6
    assert by_id[12]["n_regions"] == 9
    assert by_id[11]["lead_time"] == 278.5
    assert by_id[11]["created_at"] == "2025-11-03T10:15:02.123456Z"
    assert by_id[11]["ground_truth"] is False


def test_cancelled_annotation_is_reported_as_info(records) -> None:
    [problem] = records.problems
    assert (problem.severity, problem.code) == (Severity.INFO, "annotation-cancelled")
    assert (problem.task_id, problem.annotation_id) == (2, 22)


def test_annotators_are_pseudonyms_of_the_user_id_only(records) -> None:
    by_id = {a["annotation_id"]: a["annotator"] for a in records.annotations}
    assert by_id[11] == pseudonym("1", SALT)
    assert by_id[21] == pseudonym("3", SALT)  # completed_by was a user object
    dumped = json.dumps([records.articles, records.annotations, records.spans,
                         records.relations, records.claims], default=str)
    for secret in ("ada@example.org", "Ada", "Lovelace"):
        assert secret not in dumped
    other = convert(FIXTURES / "clean.json", salt="another")
    assert other.annotations[0]["annotator"] != records.annotations[0]["annotator"]


def test_claim_rows_carry_source_and_cue(records) -> None:
    claim = next(c for c in records.claims if c["annotation_id"] == 11 and c["claim_id"] == "c2")
    text = records.articles[0]["text"]
    assert claim["claim_text"] == "repairs cost $4 million"
    assert text[claim["claim_start"]:claim["claim_end"]] == "repairs cost $4 million"
    assert claim["attribution_type"] == "INDIRECT"
    assert claim["source_text"] == "a city report"
    assert claim["source_type"] == "DOCUMENT"
    assert claim["cue_text"] == "According to"
    assert text[claim["cue_start"]:claim["cue_end"]] == "According to"
    assert (claim["n_sources"], claim["n_cues"]) == (1, 1)
    hedged = next(c for c in records.claims if c["annotation_id"] == 11 and c["claim_id"] == "c3")
    assert hedged["certainty"] == "HEDGED"


def test_choices_fold_into_the_span_they_apply_to(records) -> None:
    spans = {(s["annotation_id"], s["region_id"]): s for s in records.spans}
    assert spans[(11, "s1")]["source_type"] == "NAMED_PERSON"
    assert spans[(11, "s1")]["attribution_type"] is None
    assert spans[(11, "c1")]["attribution_type"] == "DIRECT_QUOTE"
    assert spans[(11, "e1")]["layer"] == "entity"
    assert spans[(11, "e1")]["label"] == "MONEY"


def test_parse_trims_whitespace_and_records_it() -> None:
    text = "He said  it rained. "
    parsed = parse_result([labels("a", "CLAIM", text, 7, 20)], text)
    [span] = parsed.spans
    assert (span["start"], span["end"], span["text"]) == (9, 19, "it rained.")
    assert span["trimmed"] is True
    assert parsed.problems == []


def test_parse_works_on_code_points_with_astral_characters() -> None:
    text = "😀 Ana said 👩‍👩‍👧 is a family emoji."
    start = text.index("👩")
    end = text.index(" is")
    parsed = parse_result([labels("a", "CLAIM", text, start, end)], text)
    assert parsed.spans[0]["text"] == "👩‍👩‍👧"
    assert parsed.problems == []


def test_parse_reports_what_it_cannot_use() -> None:
    text = "Ana said it rained."
    result = [
        labels("a", "CLAIM", text, 9, 19),
        labels("b", "SOURCE", text, 0, 3),
        {"id": "c", "type": "labels", "from_name": "attribution",
         "value": {"start": 5, "end": 50, "labels": ["CUE"]}},
        choice("ghost", "attribution_type", "INDIRECT"),
        choice("b", "attribution_type", "INDIRECT"),
        rel("a", "nowhere", "source"),
        {"id": "x", "type": "rectanglelabels", "value": {}},
    ]
    parsed = parse_result(result, text)
    assert [s["region_id"] for s in parsed.spans] == ["a", "b"]
    assert parsed.relations == []
    assert sorted((p.code, p.region_id) for p in parsed.problems) == [
        ("choice-orphan", "ghost"),
        ("choice-wrong-label", "b"),
        ("offset-out-of-range", "c"),
        ("relation-dangling", "a"),
        ("result-item-invalid", "x"),
    ]
    assert all(p.severity is Severity.ERROR for p in parsed.problems)


def test_text_mismatch_is_reported_but_span_comes_from_data_text() -> None:
    text = "Ana said it rained."
    item = labels("a", "CLAIM", text, 9, 19)
    item["value"]["text"] = "it snowed."
    parsed = parse_result([item], text)
    assert parsed.spans[0]["text"] == "it rained."
    assert [p.code for p in parsed.problems] == ["text-mismatch"]


def test_left_pointing_relation_is_read_in_arrow_direction() -> None:
    text = "Ana said it rained."
    result = [labels("a", "CLAIM", text, 9, 19), labels("b", "SOURCE", text, 0, 3),
              rel("b", "a", "source", direction="left")]
    [relation] = parse_result(result, text).relations
    assert (relation["from_id"], relation["to_id"]) == ("a", "b")
    assert (relation["from_label"], relation["to_label"]) == ("CLAIM", "SOURCE")


def test_claims_pick_the_first_source_by_offset_and_count_all() -> None:
    text = "Ana and Bo said that it rained."
    result = [
        labels("claim", "CLAIM", text, 21, 31),
        labels("bo", "SOURCE", text, 8, 10),
        labels("ana", "SOURCE", text, 0, 3),
        choice("claim", "attribution_type", "INDIRECT"),
        rel("claim", "bo", "source"),
        rel("claim", "ana", "source"),
    ]
    parsed = parse_result(result, text)
    [claim] = claims_from(parsed.spans, parsed.relations)
    assert claim["source_id"] == "ana"
    assert claim["n_sources"] == 2
    assert claim["cue_id"] is None and claim["n_cues"] == 0


def test_unattributed_claim_has_empty_source_columns() -> None:
    text = "It rained."
    parsed = parse_result(
        [labels("a", "CLAIM", text, 0, 10), choice("a", "attribution_type", "UNATTRIBUTED")], text
    )
    [claim] = claims_from(parsed.spans, parsed.relations)
    assert claim["attribution_type"] == "UNATTRIBUTED"
    assert claim["source_text"] is None and claim["n_sources"] == 0


def test_task_without_text_is_skipped_and_reported() -> None:
    records = convert([{"id": 5, "data": {}, "annotations": []}], salt=SALT)
    assert records.articles == []
    assert [(p.code, p.task_id) for p in records.problems] == [("task-no-text", 5)]


def test_convert_needs_a_salt() -> None:
    with pytest.raises(NewsclaimsError, match="salt"):
        convert([], salt="")


def test_one_task_converts_alone_as_it_does_in_its_export(records) -> None:
    tasks = json.loads((FIXTURES / "clean.json").read_text("utf-8"))
    alone = [convert_task(task, salt=SALT) for task in tasks]
    assert [r.articles for r in alone] == [[article] for article in records.articles]
    assert [row for r in alone for row in r.spans] == records.spans
    assert [row for r in alone for row in r.claims] == records.claims
    skipped = convert_task({"id": 5, "data": {}, "annotations": []}, salt=SALT)
    assert skipped.articles == [] and [p.code for p in skipped.problems] == ["task-no-text"]
    with pytest.raises(NewsclaimsError, match="salt"):
        convert_task(tasks[0], salt="")
