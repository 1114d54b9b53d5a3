"""One benchmark case per function, run in a fresh process by run.py so that the
peak RSS it reports belongs to that case alone.

A case does its set-up (imports, paths) and returns the work to time; main() times
only that work and prints one JSON line: {"seconds": <wall time of the work>,
"cpu_seconds": <CPU time of the process, all threads, during it>, ...what it returned}.
CPU time is the steadier figure on a shared machine.

    python benchmarks/cases.py floor EXPORT OUT_DIR
    python benchmarks/cases.py duckdb_spans EXPORT OUT_DIR   # the physical-limit anchor
    python benchmarks/cases.py release EXPORT OUT_DIR
    python benchmarks/cases.py validate EXPORT
    python benchmarks/cases.py read_table DATASET_DIR      # the folder holding vX.Y.Z
    python benchmarks/cases.py load DATASET_DIR
    python benchmarks/cases.py preannotate N
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

Work = Callable[[], dict]
CASES: dict[str, Callable[..., Work]] = {}
RELEASE_VERSION = "1.0.0"
LOAD_TABLE = "claims"


def case(func: Callable[..., Work]) -> Callable[..., Work]:
    CASES[func.__name__] = func
    return func


@case
def floor(export: str, out_dir: str) -> Work:
    """The naive floor: json.load, flatten span regions to rows, one pyarrow write.
    No validation, no other tables: the least any release must do."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def work() -> dict:
        with open(export, encoding="utf-8") as fh:
            tasks = json.load(fh)
        names = ("task_id", "annotation_id", "region_id", "label", "start", "end", "text")
        columns: dict[str, list] = {name: [] for name in names}
        for task in tasks:
            for annotation in task["annotations"]:
                for item in annotation["result"]:
                    if item.get("type") != "labels":
                        continue
                    value = item["value"]
                    columns["task_id"].append(task["id"])
                    columns["annotation_id"].append(annotation["id"])
                    columns["region_id"].append(item["id"])
                    columns["label"].append(value["labels"][0])
                    columns["start"].append(value["start"])
                    columns["end"].append(value["end"])
                    columns["text"].append(value["text"])
        pq.write_table(pa.table(columns), Path(out_dir) / "spans.parquet")
        return {"rows": len(columns["label"])}

    return work


# The export's columns DuckDB needs for span rows, declared so nothing is inferred.
_REGION = ('STRUCT(id VARCHAR, type VARCHAR, from_name VARCHAR, value STRUCT(start INTEGER, '
           '"end" INTEGER, text VARCHAR, labels VARCHAR[], choices VARCHAR[]))')
DUCKDB_COLUMNS = {"id": "BIGINT", "data": "STRUCT(article_id VARCHAR)",
                  "annotations": f"STRUCT(id BIGINT, result {_REGION}[])[]"}
DUCKDB_REGIONS = f"""
    WITH annotations AS (
        SELECT t.id AS task_id, t.data.article_id AS article_id, unnest(t.annotations) AS a
        FROM read_json(?, format = 'array', columns = {DUCKDB_COLUMNS!r}) AS t),
    items AS (
        SELECT task_id, article_id, a.id AS annotation_id, unnest(a.result) AS r
        FROM annotations)
    SELECT task_id, article_id, annotation_id, r.id AS region_id, r.type AS type,
           r.from_name AS control, r.value.labels[1] AS label, r.value.choices[1] AS choice,
           r.value.start AS start, r.value."end" AS "end", r.value.text AS text
    FROM items"""
DUCKDB_SPANS = f"""
    SELECT task_id, annotation_id, region_id, label, start, "end", text
    FROM ({DUCKDB_REGIONS}) WHERE type = 'labels'"""


@case
def duckdb_spans(export: str, out_dir: str) -> Work:
    """The physical-limit anchor: DuckDB (one thread) reads the export with explicit
    columns, unnests every label region into span rows (the floor's rows) and pyarrow
    writes them with page checksums, as a release does."""
    import duckdb
    import pyarrow.parquet as pq

    def work() -> dict:
        con = duckdb.connect(config={"threads": 1})
        table = con.sql(DUCKDB_SPANS, params=[export]).to_arrow_table()
        pq.write_table(table, Path(out_dir) / "spans.parquet", write_page_checksum=True)
        return {"rows": table.num_rows}

    return work


@case
def release(export: str, out_dir: str) -> Work:
    """The full validated release, through the library function the CLI calls, with
    the allocator the CLI chooses."""
    from newsclaims.release.release import prefer_jemalloc
    from newsclaims.release.release import release as make_release

    prefer_jemalloc()

    def work() -> dict:
        result = make_release(export, version=RELEASE_VERSION, dataset_dir=out_dir,
                              salt="benchmark-salt")
        if not result.ok:
            shown = "; ".join(f"{p.code}: {p.message}" for p in result.problems[:5])
            raise SystemExit(f"release refused: {shown}")
        return {"spans": result.manifest["tables"]["spans"]["rows"] if result.manifest else None}

    return work


@case
def validate(export: str) -> Work:
    from newsclaims.core.errors import Severity
    from newsclaims.export.validate import validate as run_validate

    def work() -> dict:
        report = run_validate(export)
        by_severity = {s.value: sum(1 for p in report.problems if p.severity is s)
                       for s in Severity}
        return {"problems": by_severity, "counts": report.counts,
                "megabytes": Path(export).stat().st_size / 1e6}

    return work


def _claims_files(dataset_dir: str) -> list[Path]:
    """The files newsclaims.load reads for the table, from the latest release's manifest."""
    from newsclaims.release.tables import SPLITS

    release_dir = max(Path(dataset_dir).glob("v*"))
    files = json.loads((release_dir / "manifest.json").read_text("utf-8"))["tables"]
    return [release_dir / files[LOAD_TABLE]["files"][split] for split in SPLITS]


@case
def read_table(dataset_dir: str) -> Work:
    """Baseline for load: pyarrow reads the same files, pandas converts (default dtypes)."""
    import pandas  # noqa: F401  (imported before the clock, as load's module does)
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = _claims_files(dataset_dir)

    def work() -> dict:
        frame = pa.concat_tables(pq.read_table(path) for path in paths).to_pandas()
        return {"rows": len(frame)}

    return work


@case
def load(dataset_dir: str) -> Work:
    import newsclaims

    load_table = newsclaims.load  # the public entry point; imports pandas/pyarrow now

    def work() -> dict:
        frame = load_table(LOAD_TABLE, dataset_dir=dataset_dir)
        return {"rows": len(frame)}

    return work


@case
def preannotate(n: str) -> Work:
    """Articles per second on one core: bench_preannotate (owned by the pre-annotation
    stage) times the rule path itself, after compiling the rules."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_preannotate import measure

    return lambda: measure(int(n))


def source_digest() -> str:
    """A digest of the library modules this process imported, as they were on disk: the
    working tree is shared and changes while others work, so every run records which
    code it measured."""
    src = Path(__file__).resolve().parents[1] / "src" / "newsclaims"
    files = {Path(m.__file__) for m in list(sys.modules.values())
             if getattr(m, "__file__", None) and Path(m.__file__).is_relative_to(src)}
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.relative_to(src).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def main() -> None:
    name, *args = sys.argv[1:]
    work = CASES[name](*args)
    started, cpu_started = time.perf_counter(), time.process_time()
    extra = work()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "source": source_digest(),
                      **extra}))


if __name__ == "__main__":
    main()
