"""The region tables, computed by DuckDB from the export: every annotation's spans
with their per-region choices folded in, its relations and its claims.

Flattening millions of result items into rows is what a columnar engine is built for:
DuckDB reads the export with declared columns (nothing inferred), unnests the result
lists and folds, joins and counts in C++, on one thread, while the Python pass
validates, chooses the gold and tokenises (`build.build_tables` starts it first and
collects it after the pass). The SQL restates `export.convert` for an export that
validated: every labels item is then a usable span (`value.text`, when present,
equals the text it points at), every relation joins two regions with the endpoint
labels its type requires, every choice belongs to a region of the label it applies
to. tests/test_columnar.py checks both give the same rows; label and control names
come from the scheme, never typed here.

Rows come back as Arrow tables with plain string columns (the builders' batch
schema), streamed into spill files in the release's spill folder and memory-mapped
from there (`tables.spill_batches`), never whole in memory;
`table_files.write_sorted_splits` sorts and dictionary-encodes them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.scheme import RELATION_ENDPOINTS, Scheme
from newsclaims.release.tables import ROW_GROUP_ROWS, SpillFile, spill_batches

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

# Python's str.strip() removes exactly these (every c with c.isspace()), written out:
# scanning the Basic Multilingual Plane for them cost ~6 ms of every release's start
# (tests/test_columnar.py scans every plane and holds this to it).
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
              "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_ITEM = ('STRUCT(id VARCHAR, type VARCHAR, from_name VARCHAR, from_id VARCHAR, to_id VARCHAR, '
         'direction VARCHAR, labels VARCHAR[], value STRUCT(start BIGINT, "end" BIGINT, '
         'text VARCHAR, labels VARCHAR[], choices VARCHAR[]))')
# DuckDB's JSON reader holds a buffer of twice this per read; one task is far smaller.
MAX_TASK_BYTES = 1 << 26
# DuckDB's memory while it flattens; beyond it, its tables spill to a temporary folder
# in the dataset folder (measured on 20,000 tasks: 512 MB holds them, 256 MB spills
# 50 MB for +15% of DuckDB's CPU time).
MEMORY_LIMIT = "512MB"
_COLUMNS = {"data": "STRUCT(article_id VARCHAR, text VARCHAR)",
            "annotations": f"STRUCT(id BIGINT, was_cancelled BOOLEAN, result {_ITEM}[])[]"}


def _sql(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _items_sql() -> str:
    """One row per result item of every annotation that counts (not cancelled), with
    its place in the result list and, for a labels item, the text it covers."""
    return f"""
    CREATE TEMP TABLE items AS
    WITH annotations AS (
        SELECT t.data.article_id AS article_id, t.data.text AS body, unnest(t.annotations) AS a
        FROM read_json($export, format = 'array', columns = {_COLUMNS!r},
                       maximum_object_size = {MAX_TASK_BYTES}) AS t),
    listed AS (
        SELECT article_id, body, a.id AS annotation_id, unnest(a.result) AS r,
               generate_subscripts(a.result, 1) AS ordinal
        FROM annotations WHERE NOT coalesce(a.was_cancelled, false))
    SELECT article_id, annotation_id, ordinal, r.type AS type, r.id AS region_id,
           r.from_name AS control, r.value.labels[1] AS label, r.value.start AS start,
           r.value.choices[1] AS choice, r.from_id, r.to_id, r.direction, r.labels,
           CASE WHEN r.type = 'labels' THEN coalesce(
               r.value.text, substring(body, r.value.start + 1, r.value."end" - r.value.start))
           END AS raw
    FROM listed"""


def _spans_sql(scheme: Scheme) -> str:
    """Every annotation's spans: trimmed as convert trims, choices folded in (the last
    value of a control for the region, if the control applies to the span's label)."""
    controls = [c for c in scheme.choices.values() if c.per_region]
    picked = ", ".join(f"arg_max(choice, ordinal) FILTER (control = {_sql(c.name)}) "
                       f"AS {c.name}" for c in controls)
    folded = ", ".join(
        (f"CASE WHEN s.label = {_sql(c.applies_to)} THEN f.{c.name} END"
         if c.applies_to is not None else f"f.{c.name}") + f" AS {c.name}"
        for c in controls)
    ws = _sql(WHITESPACE)
    return f"""
    CREATE TEMP TABLE spans AS
    WITH choices AS (
        SELECT annotation_id, region_id, {picked}
        FROM items WHERE type = 'choices' GROUP BY ALL),
    edges AS (
        -- raw[1], raw[-1]: the first and last code points, as left() and right() give
        -- them, without counting the length (0.12 -> 0.03 CPU s on 750,000 spans)
        SELECT *, contains({ws}, raw[1]) AS leads, contains({ws}, raw[-1]) AS trails
        FROM items WHERE type = 'labels'),
    cut AS (
        -- trim() with a character set costs DuckDB ~3 CPU s on 750,000 spans, and
        -- almost no span has whitespace at an edge: trim only those that do.
        SELECT *, CASE WHEN leads THEN length(raw) - length(ltrim(raw, {ws})) ELSE 0 END AS lead,
               CASE WHEN leads OR trails THEN trim(raw, {ws}) ELSE raw END AS stripped
        FROM edges)
    SELECT s.article_id, s.annotation_id, s.region_id, s.control AS layer, s.label,
           CAST(s.start + s.lead AS INTEGER) AS start,
           CAST(s.start + s.lead + length(s.stripped) AS INTEGER) AS "end",
           s.stripped AS text, length(s.stripped) <> length(s.raw) AS trimmed, {folded}
    FROM cut s LEFT JOIN choices f USING (annotation_id, region_id)"""


def _relations_sql() -> str:
    endpoints = " ".join(f"WHEN {_sql(kind)} THEN [{_sql(a)}, {_sql(b)}]"
                         for kind, (a, b) in RELATION_ENDPOINTS.items())
    return f"""
    CREATE TEMP TABLE relations AS
    WITH flipped AS (
        SELECT article_id, annotation_id,
               CASE WHEN direction = 'left' THEN to_id ELSE from_id END AS from_id,
               CASE WHEN direction = 'left' THEN from_id ELSE to_id END AS to_id,
               unnest(labels) AS type
        FROM items WHERE type = 'relation')
    SELECT article_id, annotation_id, from_id, to_id, type,
           (CASE type {endpoints} END)[1] AS from_label,
           (CASE type {endpoints} END)[2] AS to_label
    FROM flipped"""


def _claims_sql(claim_label: str, links: dict[str, str]) -> str:
    """One row per CLAIM span with its first linked source and cue (by start, end,
    region id) and how many distinct ones it has, as `claims.claims_from`.

    Sources and cues are folded in one grouping by claim (FILTER per kind) and joined
    once: half the joins and groups of a grouping per kind (0.79 -> 0.59 CPU s on
    20,000 tasks)."""
    wanted = " ".join(f"WHEN {_sql(kind)} THEN {_sql(label)}" for kind, label in links.items())
    kinds = ", ".join(_sql(kind) for kind in links)
    order = "{'start': start, 'end': \"end\", 'region_id': region_id}"

    def first(kind: str, extra: str = "") -> str:
        return (f"arg_min({{'region_id': region_id, 'text': text, 'start': start, "
                f"'end': \"end\"{extra}}}, {order}) FILTER (type = {_sql(kind)}) AS {kind}, "
                f"CAST(count(*) FILTER (type = {_sql(kind)}) AS INTEGER) AS n_{kind}")

    def picked(kind: str) -> str:
        return (f"p.{kind}.region_id AS {kind}_id, p.{kind}.text AS {kind}_text, "
                f"p.{kind}.start AS {kind}_start, p.{kind}.\"end\" AS {kind}_end, ")

    return f"""
    WITH linked AS (
        SELECT DISTINCT r.annotation_id, r.from_id AS claim, r.type, t.region_id, t.start,
               t."end", t.text, t.source_type
        FROM relations r JOIN spans t ON t.annotation_id = r.annotation_id
             AND t.region_id = r.to_id AND t.label = CASE r.type {wanted} END
        WHERE r.type IN ({kinds})),
    per_claim AS (
        SELECT annotation_id, claim, {first("source", ", 'source_type': source_type")},
               {first("cue")}
        FROM linked GROUP BY ALL)
    SELECT c.article_id, c.annotation_id, c.region_id AS claim_id, c.text AS claim_text,
           c.start AS claim_start, c."end" AS claim_end, c.attribution_type, c.certainty,
           {picked("source")}p.source.source_type AS source_type, {picked("cue")}
           coalesce(p.n_source, 0) AS n_sources, coalesce(p.n_cue, 0) AS n_cues
    FROM spans c
    LEFT JOIN per_claim p ON p.annotation_id = c.annotation_id AND p.claim = c.region_id
    WHERE c.label = {_sql(claim_label)}"""


@dataclass
class RegionTables:
    """DuckDB's flattening of one export, run in a thread while the Python pass runs
    (DuckDB releases the GIL; on one thread of its own it takes the second core)."""

    export_path: Path
    scheme: Scheme
    spill_dir: Path
    error: Exception | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)
    _con: DuckDBPyConnection | None = field(default=None, repr=False)

    def start(self) -> RegionTables:
        import duckdb

        self._con = duckdb.connect(config={"threads": 1, "memory_limit": MEMORY_LIMIT,
                                           "temp_directory": str(self.spill_dir)})
        self._con.execute("SET enable_progress_bar = false")  # no bar on the user's stderr
        self._thread = threading.Thread(target=self._flatten, name="newsclaims-duckdb",
                                        daemon=True)
        self._thread.start()
        return self

    def _flatten(self) -> None:
        assert self._con is not None
        try:
            self._con.execute(_items_sql(), {"export": str(self.export_path)})
            self._con.execute(_spans_sql(self.scheme))
            self._con.execute(_relations_sql())
            self._con.execute("DROP TABLE items")
        except Exception as exc:  # re-raised by collect(), in the caller's thread
            self.error = exc

    def cancel(self) -> None:
        """Stop the flattening (the release was refused or failed) and free it."""
        if self._con is None or self._thread is None:
            return
        self._con.interrupt()
        self._thread.join()
        self._con.close()
        self._con = None

    def collect(self, *, gold: pa.Table, annotators: pa.Table,
                splits: pa.Table) -> dict[str, pa.Table]:
        """The region tables once the pass is over: `annotation_spans` for every
        annotation; `spans`, `relations` and `claims` for the annotations in `gold`
        (article_id, annotation_id); pseudonyms and splits joined in; each
        annotation's region and relation counts (`region_counts`, `relation_counts`)."""
        assert self._thread is not None and self._con is not None
        self._thread.join()
        con, self._con = self._con, None
        try:
            if self.error is not None:
                raise NewsclaimsError(f"cannot flatten {self.export_path} with DuckDB: "
                                      f"{self.error}") from self.error
            for name, table in (("gold", gold), ("annotators", annotators), ("splits", splits)):
                con.register(f"py_{name}", table)
            links = {kind: RELATION_ENDPOINTS[kind][1] for kind in ("source", "cue")}
            claims = f"({_claims_sql(RELATION_ENDPOINTS['source'][0], links)})"  # read once
            count = ("SELECT article_id, annotation_id, CAST(count({}) AS INTEGER) AS n "
                     "FROM {} GROUP BY ALL")
            fetched = {name: spill_batches(_fetch(con, table), self.spill_dir, name)
                       for name, table in (("relations", "relations"), ("claims", claims))}
            return {
                **_spans(con, self.spill_dir),
                **fetched,
                "region_counts": con.sql(count.format("DISTINCT region_id", "spans")
                                         ).to_arrow_table(),
                "relation_counts": con.sql(count.format("*", "relations")).to_arrow_table(),
            }
        finally:
            con.close()


# Every region row's pseudonym and split.
_JOINS = ("LEFT JOIN py_annotators a USING (article_id, annotation_id) "
          "LEFT JOIN py_splits p USING (article_id)")


def _fetch(con: DuckDBPyConnection, table: str) -> pa.RecordBatchReader:
    """The rows of one region table for the gold annotations, with pseudonyms and
    splits, as a stream."""
    return con.sql(f"SELECT t.*, a.annotator, p.split FROM {table} t SEMI JOIN py_gold "
                   f"USING (article_id, annotation_id) {_JOINS}"
                   ).to_arrow_reader(batch_size=ROW_GROUP_ROWS)


def _spans(con: DuckDBPyConnection, folder: Path) -> dict[str, pa.Table]:
    """`annotation_spans` and its gold rows, `spans`, from one read of the spans: each
    batch goes to one spill file and its gold rows to another (reading the spans
    twice cost 0.57 CPU s on 20,000 tasks, this 0.43)."""
    batches = con.sql(
        "SELECT t.*, a.annotator, p.split, g.gold FROM spans t LEFT JOIN (SELECT DISTINCT "
        "article_id, annotation_id, true AS gold FROM py_gold) g "
        f"USING (article_id, annotation_id) {_JOINS}").to_arrow_reader(batch_size=ROW_GROUP_ROWS)
    schema = batches.schema.remove(batches.schema.get_field_index("gold"))
    every, gold = SpillFile(folder, "annotation_spans"), SpillFile(folder, "spans")
    for batch in batches:
        rows = batch.drop_columns(["gold"])
        every.write(rows)
        gold.write(rows.filter(batch.column("gold")))  # null (not gold): left out
    return {"annotation_spans": every.table(schema), "spans": gold.table(schema)}
