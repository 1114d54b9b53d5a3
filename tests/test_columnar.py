"""DuckDB's region tables (newsclaims.release.columnar) give the rows Python's
`export.convert` gives, on an export made to hit what differs between the two:
code points beyond the BMP and combining marks, Unicode whitespace trimmed off a
span, a labels item without its own copy of the text, a relation drawn right to left,
a choice given twice, a claim with two sources (one linked twice), one with a cue and
no source, a cancelled annotation, and a ground truth next to another annotation."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from factories import annotation, choice, find, labels, region, relation, task
from newsclaims.core.ids import article_id
from newsclaims.export.convert import convert
from newsclaims.release.columnar import WHITESPACE
from newsclaims.release.release import release
from newsclaims.release.tables import table_specs

SALT = "columnar-salt"
TEXT = ("Minister\u00a0🦆 Ana Lund said on Tuesday that the plan \u201cwill cost "
        "E\u0301lan billions\u201d.\nCritics from Oslo\u3000 disagreed, a study found.")


def _tricky_tasks() -> list[dict]:
    claim = labels("c1", "CLAIM", TEXT, *find(TEXT, "the plan \u201cwill cost E\u0301lan"))
    trimmed_source = labels("s1", "SOURCE", TEXT, find(TEXT, "\u00a0🦆 Ana")[0],
                            find(TEXT, "Lund said")[0] + 4)  # "\u00a0🦆 Ana Lund", trimmed
    second_source = labels("s2", "SOURCE", TEXT, *find(TEXT, "a study"))
    cue = labels("q1", "CUE", TEXT, *find(TEXT, "said"))
    del cue["value"]["text"]  # no copy of the text: taken from data.text
    person = labels("e1", "PERSON", TEXT, *find(TEXT, "Ana Lund"), control="entity")
    place = labels("e2", "GPE", TEXT, find(TEXT, "Oslo")[0], find(TEXT, "Oslo")[1] + 2,
                   control="entity")  # "Oslo\u3000 ": trailing ideographic space trimmed
    other_claim = region("c2", "CLAIM", TEXT, "Critics from Oslo\u3000 disagreed",
                         attribution_type="UNATTRIBUTED")
    first = annotation(
        11, claim, choice(claim, "attribution_type", "INDIRECT"),
        choice(claim, "attribution_type", "MIXED"),  # given twice: the last one counts
        choice(claim, "certainty", "HEDGED"),
        trimmed_source, choice(trimmed_source, "source_type", "NAMED_PERSON"),
        second_source, choice(second_source, "source_type", "DOCUMENT"), cue,
        relation("c1", "s2", "source"), relation("s1", "c1", "source", direction="left"),
        relation("c1", "s1", "source"),  # the same link again
        relation("c1", "q1", "cue"), person, place, other_claim,
        completed_by={"id": 7, "email": "a@example.org"})
    lone_cue = labels("q2", "CUE", TEXT, *find(TEXT, "found"))
    reviewed = annotation(
        12, region("c9", "CLAIM", TEXT, "disagreed", attribution_type="UNATTRIBUTED"),
        person, lone_cue, relation("c9", "q2", "cue"),  # a cue and no source
        ground_truth=True, completed_by={"id": 8, "email": "b@example.org"})
    cancelled = annotation(13, person, was_cancelled=True, completed_by=9)
    plain = "The council met on Monday.\n"
    return [
        task(1, TEXT, first, article_id=article_id(TEXT)),
        task(2, TEXT + " Again.", reviewed, annotation(14, other_claim, completed_by=7),
             cancelled, article_id=article_id(TEXT + " Again.")),
        task(3, plain, annotation(15, region("c3", "CLAIM", plain, "The council met",
                                             attribution_type="UNATTRIBUTED"),
                                  completed_by=7), article_id=article_id(plain)),
    ]


def _rows(release_dir: Path, table: str) -> list[dict]:
    data = pa.concat_tables(pq.read_table(p) for p in sorted((release_dir / table).glob("*")))
    return sorted((_plain(row) for row in data.to_pylist()), key=json.dumps)


def _plain(row: dict) -> dict:
    return {key: value for key, value in row.items() if key != "split"}


def _expected(rows: list[dict], table: str, keep: set | None = None) -> list[dict]:
    columns = [c for c in table_specs()[table].columns if c != "split"]
    chosen = [r for r in rows if keep is None or r["annotation_id"] in keep]
    return sorted(({c: row.get(c) for c in columns} for row in chosen), key=json.dumps)


def test_duckdb_region_tables_match_convert(tmp_path: Path) -> None:
    tasks = _tricky_tasks()
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks, ensure_ascii=False), "utf-8")
    made = release(export, version="0.1.0", dataset_dir=tmp_path / "dataset", salt=SALT)
    assert made.ok, [str(p) for p in made.problems]
    reference = convert(tasks, salt=SALT)
    for task_rows in (reference.spans, reference.claims, reference.relations):
        for row in task_rows:
            row["article_id"] = next(t["data"]["article_id"] for t in tasks
                                     if any(a["id"] == row["annotation_id"]
                                            for a in t["annotations"]))
    assert _rows(made.path, "annotation_spans") == _expected(reference.spans,
                                                             "annotation_spans")
    gold = {11, 12, 15}  # task 2: the ground truth (12), not 14; 13 was cancelled
    assert _rows(made.path, "spans") == _expected(reference.spans, "spans", gold)
    assert _rows(made.path, "relations") == _expected(reference.relations, "relations", gold)
    assert _rows(made.path, "claims") == _expected(reference.claims, "claims", gold)
    # What the case was made for is really in it.
    spans = {r["region_id"]: r for r in _rows(made.path, "annotation_spans")
             if r["annotation_id"] == 11}
    assert spans["s1"]["text"] == "🦆 Ana Lund" and spans["s1"]["trimmed"] is True
    assert spans["e2"]["text"] == "Oslo" and spans["c1"]["attribution_type"] == "MIXED"
    claim = next(r for r in _rows(made.path, "claims") if r["claim_id"] == "c1")
    assert (claim["source_id"], claim["n_sources"], claim["cue_text"]) == ("s1", 2, "said")
    claim = next(r for r in _rows(made.path, "claims") if r["claim_id"] == "c9")
    assert (claim["source_id"], claim["n_sources"], claim["cue_id"]) == (None, 0, "q2")
    counts = {r["annotation_id"]: (r["n_regions"], r["n_relations"])
              for r in _rows(made.path, "annotations")}
    assert counts[11] == (7, 4) and counts[14] == (1, 0)


def test_whitespace_set_is_every_character_python_strips() -> None:
    # Written out in columnar.py; fails if a Python's Unicode data ever changes the set.
    every = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    assert every == WHITESPACE
