"""Region ids are unique within an annotation (`region-id-duplicate`), except for the one
reuse Label Studio makes itself: a region labelled in two Labels controls is one id with
one item per control over the same offsets. Validate and release count the same regions."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from factories import RELEASE_SALT, annotation, labels, region, relation, task
from newsclaims.core.errors import Severity
from newsclaims.core.ids import article_id
from newsclaims.core.result_rules import check_result
from newsclaims.export.validate import validate
from newsclaims.release.release import release

TEXT = "Minister Ana Pires said the port in Lisbon would close. Unions said it would not."


def _attribution() -> list:
    return [
        *region("c1", "CLAIM", TEXT, "the port in Lisbon would close",
                attribution_type="INDIRECT"),
        *region("s1", "SOURCE", TEXT, "Minister Ana Pires", source_type="NAMED_PERSON"),
        *region("u1", "CUE", TEXT, "said"),
        relation("c1", "s1", "source"), relation("c1", "u1", "cue"),
    ]


def _codes(result: list) -> list[tuple[str, str | None]]:
    return [(p.code, p.region_id) for p in check_result(result, TEXT)
            if p.severity is Severity.ERROR]


def test_two_sources_sharing_an_id_are_an_error() -> None:
    second = region("s1", "SOURCE", TEXT, "Unions", source_type="ANONYMOUS")
    assert _codes([*_attribution(), *second]) == [("region-id-duplicate", "s1")]


def test_an_entity_taking_a_claims_id_is_an_error() -> None:
    lisbon = labels("c1", "GPE", TEXT, *_span("Lisbon"), control="entity")
    assert _codes([*_attribution(), lisbon]) == [("region-id-duplicate", "c1")]


def test_the_same_item_twice_is_an_error() -> None:
    cue = labels("u1", "CUE", TEXT, *_span("said"))
    assert _codes([*_attribution(), cue]) == [("region-id-duplicate", "u1")]


def test_one_region_in_two_controls_is_label_studios_own_reuse() -> None:
    person = labels("s1", "PERSON", TEXT, *_span("Minister Ana Pires"), control="entity")
    assert _codes([*_attribution(), person]) == []
    # a third item of a control the region already has is a duplicate again
    again = labels("s1", "PERSON", TEXT, *_span("Minister Ana Pires"), control="entity")
    assert _codes([*_attribution(), person, again]) == [("region-id-duplicate", "s1")]


def _span(fragment: str) -> tuple[int, int]:
    start = TEXT.index(fragment)
    return start, start + len(fragment)


def _export(tmp_path: Path, result: list) -> Path:
    path = tmp_path / "export.json"
    tasks = [task(1, TEXT, annotation(7, result, completed_by=1), article_id=article_id(TEXT))]
    path.write_text(json.dumps(tasks), "utf-8")
    return path


def _places(problems: list) -> list[tuple]:
    return sorted((p.code, p.task_id, p.annotation_id, p.region_id) for p in problems
                  if p.severity is Severity.ERROR)


def test_validate_and_release_refuse_a_shared_id_alike(tmp_path: Path) -> None:
    unions = region("s1", "SOURCE", TEXT, "Unions", source_type="ANONYMOUS")
    export = _export(tmp_path, [*_attribution(), *unions])
    report = validate(export)
    built = release(export, version="0.1.0", dataset_dir=tmp_path / "dataset",
                    salt=RELEASE_SALT)
    assert _places(report.problems) == [("region-id-duplicate", 1, 7, "s1")]
    assert not built.ok and _places(built.problems) == _places(report.problems)
    assert not (tmp_path / "dataset" / "v0.1.0").exists()


def test_validate_and_release_count_the_same_regions(tmp_path: Path) -> None:
    person = labels("s1", "PERSON", TEXT, *_span("Minister Ana Pires"), control="entity")
    result = [*_attribution(), person]
    export = _export(tmp_path, result)
    report = validate(export)
    built = release(export, version="0.1.0", dataset_dir=tmp_path / "dataset",
                    salt=RELEASE_SALT)
    assert report.ok and built.ok, [str(p) for p in built.problems]
    annotations = pq.read_table(built.path / "annotations").to_pylist()
    spans = pq.read_table(built.path / "annotation_spans").to_pylist()
    # three regions (c1, s1 in two controls, u1); four labels items, so four span rows
    assert report.counts["regions"] == sum(a["n_regions"] for a in annotations) == 3
    assert len(spans) == sum(item["type"] == "labels" for item in result) == 4
