"""The export JSON Schema is the documented contract; validation checks result items
with plain code for speed. These tests keep the two in agreement on the fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from newsclaims.core.schemas import errors, load_schema
from newsclaims.export.validate import validate

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
READABLE = sorted(
    p for p in FIXTURES.glob("*.json")
    if p.name not in {"truncated.json", "not-a-list.json", "item-not-object.json"}
)


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(load_schema("labelstudio-export"))


@pytest.mark.parametrize("name", ["clean.json", "clean-astral.json"])
def test_clean_fixtures_satisfy_the_whole_schema(name: str) -> None:
    export = json.loads((FIXTURES / name).read_text("utf-8"))
    assert list(errors("labelstudio-export", export)) == []


@pytest.mark.parametrize("path", READABLE, ids=lambda p: p.stem)
def test_schema_and_plain_checks_agree_on_result_items(path: Path) -> None:
    export = json.loads(path.read_text("utf-8"))
    by_schema = set()
    for error in errors("labelstudio-export", export):
        where = list(error.absolute_path)
        if "result" in where:
            task = export[where[0]]
            by_schema.add((task["id"], task[where[1]][where[2]]["id"]))
    by_code = set()
    for problem in validate(export).problems:
        if problem.code == "result-item-invalid":
            by_code.add((problem.task_id, problem.annotation_id))
    assert by_schema == by_code


def _mutations() -> list[tuple[str, object]]:
    return [
        ("id", "x"), ("id", True), ("meta", 5), ("drafts", {}), ("created_at", 3),
        ("annotations", {}), ("annotations", [7]),
        ("annotations.0.id", "11"), ("annotations.0.lead_time", True),
        ("annotations.0.lead_time", "slow"), ("annotations.0.completed_by", "ada"),
        ("annotations.0.completed_by", {"id": "3"}), ("annotations.0.was_cancelled", "no"),
        ("annotations.0.ground_truth", 1), ("annotations.0.result", {}),
        ("predictions", [True]), ("predictions.0.score", "high"),
        ("predictions.0.model_version", 2), ("predictions.0.result", None),
        ("updated_at", None), ("meta", []), ("drafts", "x"),
        ("annotations.0.created_at", 1), ("annotations.0.updated_at", []),
        ("predictions.0.score", False),
    ]


def _mutated(where: str, value: object) -> dict:
    [task] = json.loads((FIXTURES / "clean.json").read_text("utf-8"))[:1]
    *parents, last = where.split(".")
    target = task
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is _ABSENT:
        del target[int(last) if isinstance(target, list) else last]
    else:
        target[int(last) if isinstance(target, list) else last] = value
    return task


_ABSENT = object()


@pytest.mark.parametrize(("where", "value"), _mutations())
def test_plain_envelope_check_never_accepts_what_the_schema_rejects(where, value) -> None:
    from newsclaims.export.validate import _plain_envelope_ok

    task = _mutated(where, value)
    assert list(errors("labelstudio-export", [task]))  # the mutation breaks the schema
    assert not _plain_envelope_ok(task)
    codes = {p.code for p in validate([task]).problems}
    assert "schema" in codes or "result-item-invalid" in codes


@pytest.mark.parametrize(("where", "value"), [
    ("meta", None), ("meta", {}), ("drafts", []), ("created_at", _ABSENT),
    ("annotations.0.lead_time", None), ("annotations.0.lead_time", 3),
    ("annotations.0.lead_time", _ABSENT), ("annotations.0.was_cancelled", _ABSENT),
    ("annotations.0.completed_by", None), ("annotations.0.completed_by", {"id": 3}),
    ("predictions.0.score", None), ("predictions.0.score", _ABSENT),
    ("predictions.0.model_version", None), ("predictions.0.model_version", _ABSENT),
])
def test_plain_envelope_check_accepts_what_the_schema_accepts(where, value) -> None:
    """Optional keys absent or null where the schema allows it: the plain check passes
    them (else every such task would pay for the schema)."""
    from newsclaims.export.validate import _plain_envelope_ok

    task = _mutated(where, value)
    assert not list(errors("labelstudio-export", [task]))
    assert _plain_envelope_ok(task)
