"""Which engine for the columnar release path? The same work in DuckDB, polars and
Arrow (pyarrow from orjson objects), each in a fresh process on one thread, CPU
seconds and peak RSS, beside the naive floor (`cases.floor`):

- spans: every label region of every annotation as a row (the floor's rows);
- folded: plus per-region choices folded into their region's row, rows sorted as
  `annotation_spans` is, written by pyarrow with page checksums (release format 2);
- folded, DuckDB's own writer (COPY ... TO parquet): no page checksums.

    python benchmarks/engines.py benchmarks/.data/export-20000.json [--runs 3]

Prints one JSON document; the figures go into benchmarks/SHORTFALLS.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cases import DUCKDB_REGIONS  # noqa: E402

CONTROLS = ("attribution_type", "source_type", "certainty")
FOLDED = f"""
    WITH regions AS ({DUCKDB_REGIONS}),
    choices AS (
        SELECT annotation_id, region_id,
               {", ".join(f"max(choice) FILTER (control = '{c}') AS {c}" for c in CONTROLS)}
        FROM regions WHERE type = 'choices' GROUP BY ALL)
    SELECT s.article_id, s.annotation_id, s.region_id, s.control AS layer, s.label, s.start,
           s."end", s.text, {", ".join(f"c.{c}" for c in CONTROLS)}
    FROM regions s LEFT JOIN choices c USING (annotation_id, region_id)
    WHERE s.type = 'labels'
    ORDER BY s.article_id, s.annotation_id, s.start, s."end", s.region_id"""

SIDES = {
    "duckdb spans": """
import duckdb, pyarrow.parquet as pq
from cases import DUCKDB_SPANS
def work():
    con = duckdb.connect(config={"threads": 1})
    t = con.sql(DUCKDB_SPANS, params=[EXPORT]).to_arrow_table()
    pq.write_table(t, OUT + "/s.parquet", write_page_checksum=True)
    return t.num_rows
""",
    "duckdb folded + sorted, pyarrow writer (page checksums)": """
import duckdb, pyarrow.parquet as pq
from engines import FOLDED
def work():
    con = duckdb.connect(config={"threads": 1})
    t = con.sql(FOLDED, params=[EXPORT]).to_arrow_table()
    pq.write_table(t, OUT + "/s.parquet", write_page_checksum=True, compression="zstd")
    return t.num_rows
""",
    "duckdb folded + sorted, DuckDB's writer (no page checksums)": """
import duckdb
from engines import FOLDED
def work():
    con = duckdb.connect(config={"threads": 1})
    con.execute(f"COPY ({FOLDED.replace('?', repr(EXPORT))}) TO '{OUT}/s.parquet' "
                "(FORMAT parquet, COMPRESSION zstd)")
    return con.sql(f"SELECT count(*) FROM '{OUT}/s.parquet'").fetchall()[0][0]
""",
    "polars spans": """
import polars as pl
def work():
    tasks = pl.read_json(EXPORT)
    rows = (tasks.select(pl.col("id").alias("task_id"), pl.col("annotations"))
            .explode("annotations").unnest("annotations", separator="_")
            .select("task_id", pl.col("annotations_id").alias("annotation_id"),
                    "annotations_result")
            .explode("annotations_result").unnest("annotations_result", separator="_")
            .filter(pl.col("annotations_result_type") == "labels")
            .unnest("annotations_result_value", separator="_"))
    rows.write_parquet(OUT + "/s.parquet")
    return rows.height
""",
    "pyarrow from orjson objects, spans": """
import orjson, pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
REGION = pa.struct([("id", pa.string()), ("type", pa.string()), ("value", pa.struct([
    ("start", pa.int32()), ("end", pa.int32()), ("text", pa.string()),
    ("labels", pa.list_(pa.string()))]))])
TASK = pa.struct([("id", pa.int64()), ("annotations", pa.list_(pa.struct([
    ("id", pa.int64()), ("result", pa.list_(REGION))])))])
def work():
    with open(EXPORT, "rb") as fh:
        tasks = pa.array(orjson.loads(fh.read()), TASK)
    annotations = pc.list_flatten(tasks.field("annotations"))
    items = pc.list_flatten(annotations.field("result"))
    labels = items.filter(pc.equal(items.field("type"), "labels"))
    value = labels.field("value")
    t = pa.table({"region_id": labels.field("id"), "start": value.field("start"),
                  "end": value.field("end"), "text": value.field("text"),
                  "label": pc.list_element(value.field("labels"), 0)})
    pq.write_table(t, OUT + "/s.parquet", write_page_checksum=True)
    return t.num_rows
""",
}

RUNNER = """
import json, resource, sys, time
sys.path.insert(0, HERE)
{code}
started, cpu = time.perf_counter(), time.process_time()
rows = work()
print(json.dumps({{"seconds": time.perf_counter() - started,
                  "cpu_seconds": time.process_time() - cpu, "rows": rows}}))
"""


def run(code: str, export: Path) -> dict:
    out = tempfile.mkdtemp(prefix="engine-", dir=HERE / ".data")
    try:
        prelude = f"HERE = {str(HERE)!r}\nEXPORT = {str(export)!r}\nOUT = {out!r}\n"
        proc = subprocess.Popen([sys.executable, "-c", prelude + RUNNER.format(code=code)],
                                stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "POLARS_MAX_THREADS": "1",
                                     "OMP_NUM_THREADS": "1"})
        output = proc.stdout.read() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status):
            return {"failed": os.waitstatus_to_exitcode(status)}
        return {**json.loads(output.strip().splitlines()[-1]),
                "peak_rss_mb": usage.ru_maxrss / 1024}
    finally:
        shutil.rmtree(out, ignore_errors=True)


def floor(export: Path) -> dict:
    code = """
from cases import floor
work = floor(EXPORT, OUT)
_inner = work
def work():
    return _inner()["rows"]
"""
    return run(code, export)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    measured: dict[str, list[dict]] = {"naive floor": [], **{name: [] for name in SIDES}}
    for _ in range(args.runs):  # sides interleaved, so load drifts hit them alike
        measured["naive floor"].append(floor(args.export))
        for name, code in SIDES.items():
            measured[name].append(run(code, args.export))
    summary = {}
    base = statistics.median(r["cpu_seconds"] for r in measured["naive floor"])
    base_rss = statistics.median(r["peak_rss_mb"] for r in measured["naive floor"])
    for name, runs in measured.items():
        ok = [r for r in runs if "failed" not in r]
        if not ok:
            summary[name] = {"failed": runs[0]["failed"]}
            continue
        cpu = statistics.median(r["cpu_seconds"] for r in ok)
        rss = statistics.median(r["peak_rss_mb"] for r in ok)
        summary[name] = {"cpu_seconds": round(cpu, 2), "cpu_vs_floor": round(cpu / base, 2),
                         "peak_rss_mb": round(rss), "rss_vs_floor": round(rss / base_rss, 2),
                         "rows": ok[0]["rows"], "runs": runs}
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
