"""Validation rules: one fixture export per rule (tests/fixtures/exports/make_fixtures.py),
each asserting the problem code, its severity and its place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsclaims.core.errors import NewsclaimsError, Severity
from newsclaims.export.validate import fix_offsets, validate

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
E, W = Severity.ERROR, Severity.WARNING
A1, A2 = "6ebe868b232dcff7", "47afed7c1126bd3c"  # article ids of clean.json's two tasks

# fixture -> expected (severity, code, task, article, annotation, region) problems,
# leaving out the info about clean.json's cancelled annotation 22.
CASES = {
    "schema": [(E, "schema", 1, A1, 11, None)],
    "task-data": [(E, "task-data", 2, A2, None, None)],
    "control-unknown": [(E, "control-unknown", 1, A1, 11, "e2")],
    "label-unknown": [(E, "label-unknown", 1, A1, 11, "e2")],
    "label-count": [(E, "label-count", 1, A1, 11, "e2")],
    "choice-unknown": [(E, "choice-unknown", 1, A1, 11, "c2")],
    "choice-count": [(E, "choice-count", 1, A1, 11, "c1")],
    "offset-negative": [(E, "offset-negative", 1, A1, 11, "e2")],
    "offset-out-of-range": [(E, "offset-out-of-range", 2, A2, 21, "k5")],
    "span-empty": [(E, "span-empty", 1, A1, 11, "e2")],
    "span-blank": [(E, "span-blank", 1, A1, 11, "e2")],
    "text-mismatch": [(E, "text-mismatch", 1, A1, 11, "e2")],
    "span-whitespace": [(W, "span-whitespace", 1, A1, 11, "s3")],
    "result-item-invalid": [
        (E, "result-item-invalid", 1, A1, 11, "r1"),
        (E, "result-item-invalid", 1, A1, 11, "r2"),
    ],
    "relation-dangling": [(E, "relation-dangling", 1, A1, 11, "c2")],
    "relation-unknown": [(E, "relation-unknown", 1, A1, 11, "c3")],
    "relation-untyped": [(E, "relation-untyped", 1, A1, 11, "c2")],
    "relation-endpoints": [(E, "relation-endpoints", 1, A1, 11, "s1")],
    "choice-orphan": [(E, "choice-orphan", 1, A1, 11, "gone")],
    "choice-wrong-label": [(E, "choice-wrong-label", 1, A1, 11, "s2")],
    "choice-missing": [(E, "choice-missing", 1, A1, 11, "c2")],
    "choice-missing-source": [(E, "choice-missing", 1, A1, 11, "s2")],
    "unattributed-with-source": [(E, "unattributed-with-source", 1, A1, 11, "c2")],
    "attributed-without-link": [(E, "attributed-without-link", 1, A1, 11, "c3")],
    "quote-without-marks": [(W, "quote-without-marks", 1, A1, 11, "c2")],
    "region-duplicate": [(W, "region-duplicate", 1, A1, 11, "e2b")],
    "region-id-duplicate": [(E, "region-id-duplicate", 1, A1, 11, "e1")],
    "article-id-mismatch": [(E, "article-id-mismatch", 2, "0123456789abcdef", None, None)],
    "prediction-problem": [(W, "label-unknown", 1, A1, None, "e2")],
}


def places(report) -> list[tuple]:
    return [
        (p.severity, p.code, p.task_id, p.article_id, p.annotation_id, p.region_id)
        for p in report.problems if p.code != "annotation-cancelled"
    ]


def test_clean_export_has_no_errors_and_counts_everything() -> None:
    report = validate(FIXTURES / "clean.json")
    assert report.ok
    assert places(report) == []
    assert report.counts == {"tasks": 2, "annotations": 3, "cancelled": 1, "predictions": 1,
                             "regions": 11 + 9 + 5, "relations": 6 + 6 + 2}


def test_cancelled_annotation_is_an_info_with_its_place() -> None:
    [info] = validate(FIXTURES / "clean.json").problems
    assert (info.severity, info.code, info.task_id, info.annotation_id) == (
        Severity.INFO, "annotation-cancelled", 2, 22)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_defect_is_reported_with_code_and_place(name: str) -> None:
    report = validate(FIXTURES / f"{name}.json")
    assert places(report) == CASES[name]
    assert report.ok is (not any(severity is E for severity, *_ in CASES[name]))
    assert all(p.file == str(FIXTURES / f"{name}.json") for p in report.problems)


def test_duplicate_article_names_the_first_task() -> None:
    [problem] = validate(FIXTURES / "article-duplicate.json").problems
    assert (problem.code, problem.task_id, problem.article_id) == (
        "article-duplicate", 2, A1)
    assert problem.extra["first_task"] == 1


def test_prediction_problems_are_warnings_naming_the_prediction() -> None:
    [problem] = [p for p in validate(FIXTURES / "prediction-problem.json").problems
                 if p.code == "label-unknown"]
    assert problem.extra["prediction_id"] == 101
    assert "prediction 101" in problem.message


def test_utf16_offsets_are_errors_and_fix_offsets_repairs_them(tmp_path: Path) -> None:
    report = validate(FIXTURES / "offset-utf16.json")
    assert {(p.code, p.task_id, p.annotation_id, p.region_id) for p in report.problems
            if p.severity is E} == {("offset-utf16", 3, 31, r) for r in ("a1", "a2", "a3", "a4")}
    out = tmp_path / "fixed.json"
    repairs = fix_offsets(FIXTURES / "offset-utf16.json", out)
    assert repairs.tasks == 3
    # four regions and the two per-region choices that repeat their offsets
    assert sorted((r["region_id"], r["type"]) for r in repairs.repairs) == [
        ("a1", "choices"), ("a1", "labels"), ("a2", "choices"), ("a2", "labels"),
        ("a3", "labels"), ("a4", "labels")]
    assert validate(out).ok
    assert json.loads(out.read_text("utf-8")) == json.loads(
        (FIXTURES / "clean-astral.json").read_text("utf-8"))


def test_code_point_export_with_astral_text_validates_clean() -> None:
    assert places(validate(FIXTURES / "clean-astral.json")) == []


def test_fix_offsets_leaves_nothing_behind_for_a_truncated_export(tmp_path: Path) -> None:
    out = tmp_path / "fixed.json"
    with pytest.raises(NewsclaimsError):
        fix_offsets(FIXTURES / "truncated.json", out)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["truncated.json", "not-a-list.json", "item-not-object.json"])
def test_unreadable_exports_raise(name: str) -> None:
    with pytest.raises(NewsclaimsError):
        validate(FIXTURES / name)


def test_validate_accepts_tasks_in_memory() -> None:
    tasks = json.loads((FIXTURES / "choice-orphan.json").read_text("utf-8"))
    report = validate(tasks)
    assert [(p.code, p.region_id, p.file) for p in report.problems if p.severity is E] == [
        ("choice-orphan", "gone", None)]


def test_garbage_inside_tasks_never_raises() -> None:
    tasks = [
        {"id": "x", "data": "text"},
        {"id": 2, "data": {"text": 5}},
        {"id": 3, "data": {"text": "Hi.", "article_id": None}, "annotations": [7, {"id": 1}]},
        {"id": 4, "data": {"text": "Hi."}, "annotations": [{"id": 2, "result": "no"}],
         "predictions": [3, {"id": 9, "result": [None, {"type": "relation"}]}]},
    ]
    report = validate(tasks)
    assert not report.ok
    assert {p.code for p in report.problems} >= {"schema", "task-data", "result-item-invalid"}


def test_malformed_names_and_ids_are_problems_not_crashes() -> None:
    """A list where a control name or a region id belongs (found by fuzzing the rules)."""
    text = "Officials said the plan failed."
    item = {"type": "labels", "to_name": "text",
            "value": {"start": 0, "end": 9, "text": "Officials", "labels": ["SOURCE"]}}
    tasks = [{"id": 1, "data": {"text": text}, "annotations": [{"id": 5, "result": [
        {**item, "id": ["r1"], "from_name": "attribution"},
        {**item, "id": "r2", "from_name": ["attribution"]}]}]}]
    report = validate(tasks)
    assert {(p.code, p.annotation_id) for p in report.problems
            if p.code in {"result-item-invalid", "control-unknown"}} == {
        ("result-item-invalid", 5), ("control-unknown", 5)}
    assert report.counts["regions"] == 2
