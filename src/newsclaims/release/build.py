"""One streaming pass over a native export: validate, convert, choose the gold and
append rows to the release tables' Arrow builders.

Each task is converted (`convert_task`), its gold chosen (`gold.choose_gold`) and its
rows appended column-wise, so memory holds compact Arrow columns, never the parsed
export. Agreement keeps every reading of the multi-annotated tasks anyway, so it
collects them during the same pass and computes its figures after it.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from newsclaims.core.errors import Problem, Severity, has_errors
from newsclaims.core.scheme import Scheme
from newsclaims.export.claims import claims_from
from newsclaims.export.convert import Records, convert_task
from newsclaims.export.reader import iter_tasks
from newsclaims.export.result_rows import ParsedAnnotations, layer_spans, parse_result
from newsclaims.export.validate import TaskChecker
from newsclaims.release.columnar import RegionTables
from newsclaims.release.entities import EntityColumns
from newsclaims.release.tables import TableBuilder, table_specs
from newsclaims.release.tokens import entity_layer
from newsclaims.release.versions import split_of
from newsclaims.review.agreement import AgreementReadings
from newsclaims.review.gold import GoldChoice, choose_gold


@dataclass
class Built:
    """Everything one pass over the export produced."""

    tables: dict[str, pa.Table]
    problems: list[Problem]
    annotators: int
    gold_policy: dict[str, int]
    newest: str | None
    agreement: dict[str, Any] | None


def build_tables(
    export_path: Path, *, salt: str, scheme: Scheme, rule: dict[str, Any], spill_dir: Path,
    checker: TaskChecker | None = None,
) -> Built:
    """One streaming pass: every table as an Arrow table (unsorted), plus the tallies.

    DuckDB flattens the regions of every annotation in a thread meanwhile
    (`columnar.RegionTables`); the pass adds what needs Python: validation, the gold
    choice (a majority merge is parsed here), tokens and tags, agreement readings,
    article and annotation rows. With a `checker`, each task is validated in the same
    pass; after the first validation error nothing more is built (the release will be
    refused, and the builders only ever see tasks that validated).
    """
    builders = {name: TableBuilder(spec, spill_dir=spill_dir)
                for name, spec in table_specs().items()}
    pass_ = _Pass(scheme, rule, entities=EntityColumns(builders["entities"],
                                                      entity_layer(scheme)))
    readings = AgreementReadings(scheme)
    regions = RegionTables(export_path, scheme, spill_dir).start()
    try:
        tasks = _ValidatedTasks(iter_tasks(export_path), checker)
        for task in tasks:
            records = convert_task(task, salt=salt, scheme=scheme, regions=False)
            # Validation already reported the rest (e.g. cancelled annotations).
            pass_.problems.extend(p for p in records.problems
                                  if p.severity is Severity.ERROR)
            if not records.articles or not pass_.new_article(task, records.articles[0]):
                continue
            # Gold and agreement both parse a multi-annotated task's annotations.
            parsed = ParsedAnnotations(records.articles[0]["text"], scheme)
            readings.add(task, parsed)
            pass_.add_task(builders, task, records, parsed)
        pass_.entities.flush()
        agreement = readings.summary()
    except BaseException:
        regions.cancel()
        raise
    del readings  # the multi-annotated tasks' readings: gone before the tables
    # Each builder goes as soon as its table exists, so its unsorted batches do not
    # sit beside every sorted table.
    tables = {name: builders.pop(name).table() for name in list(builders)}
    if tasks.invalid or has_errors(pass_.problems):
        regions.cancel()  # refused: the region tables are never needed
    else:
        _add_region_tables(tables, regions.collect(
            gold=pa.table({"article_id": pa.array([a for a, _ in pass_.gold], pa.string()),
                           "annotation_id": pa.array([i for _, i in pass_.gold], pa.int64())}),
            annotators=tables["annotations"].select(["article_id", "annotation_id",
                                                     "annotator"]),
            splits=tables["articles"].select(["article_id", "split"])))
    return Built(tables, pass_.problems, len(pass_.annotators - {None}),
                 dict(sorted(pass_.policies.items())), pass_.newest, agreement)


def _add_region_tables(tables: dict[str, pa.Table], regions: dict[str, pa.Table]) -> None:
    """DuckDB's region tables beside the rows the pass parsed (majority merges), in the
    builders' column order; the annotations' region and relation counts.

    Both parts are memory-mapped spill files (`tables.SpillFile`): their chunks are
    put side by side, not copied (the casts change no type, so they copy nothing)."""
    import pyarrow.compute as pc  # after the pass: not part of the release's start-up

    for name in ("annotation_spans", "spans", "relations", "claims"):
        schema = tables[name].schema
        parts = [regions.pop(name).select(schema.names), tables[name]]
        tables[name] = pa.table(
            [pa.chunked_array([chunk for part in parts
                               for chunk in part.column(field.name).cast(field.type).chunks],
                              field.type) for field in schema],
            names=schema.names)
    annotations = tables["annotations"]
    for column, counts in (("n_regions", regions["region_counts"]),
                           ("n_relations", regions["relation_counts"])):
        keys = pc.binary_join_element_wise(
            annotations.column("article_id"),
            annotations.column("annotation_id").cast(pa.string()), "\x1f")
        counted = pc.binary_join_element_wise(
            counts.column("article_id"), counts.column("annotation_id").cast(pa.string()),
            "\x1f")
        values = pc.fill_null(pc.take(counts.column("n"), pc.index_in(keys, counted)), 0)
        index = annotations.schema.get_field_index(column)
        annotations = annotations.set_column(index, annotations.schema.field(index),
                                             values.cast(pa.int32()))
    tables["annotations"] = annotations


class _Pass:
    """What the pass keeps beside the builders: tallies, problems, the gold annotations
    whose regions DuckDB's tables supply."""

    def __init__(self, scheme: Scheme, rule: dict[str, Any], entities: EntityColumns) -> None:
        self.scheme, self.rule, self.entities = scheme, rule, entities
        self.problems: list[Problem] = []
        self.annotators: set[str | None] = set()
        self.policies: Counter[str] = Counter()
        self.newest: str | None = None  # newest created/updated time of any annotation
        self.task_of_article: dict[str, Any] = {}
        self.gold: list[tuple[str, int]] = []  # (article_id, annotation_id) of single golds

    def new_article(self, task: dict[str, Any], article: dict[str, Any]) -> bool:
        """Whether the task's article is new to this pass (then noted); a repeat is an
        error."""
        aid = article["article_id"]
        if aid in self.task_of_article:
            self.problems.append(Problem(
                Severity.ERROR, "article-duplicate",
                f"article also in task {self.task_of_article[aid]}; an article is released once",
                task_id=task.get("id"), article_id=aid))
            return False
        self.task_of_article[aid] = task.get("id")
        return True

    def add_task(self, builders: dict[str, TableBuilder], task: dict[str, Any],
                 records: Records, parsed: ParsedAnnotations) -> None:
        """Append one task's article, annotations, gold view (`choose_gold`) and tokens."""
        article = records.articles[0]
        aid, text = article["article_id"], article["text"]
        split = split_of(aid, self.rule)
        choice = choose_gold(task, self.scheme, copy_result=False, parsed=parsed)
        self.policies[choice.policy] += 1
        gold_ids = set(choice.annotation_ids)
        for row in records.annotations:
            self.annotators.add(row["annotator"])
            self.newest = max(filter(None, (self.newest, row["updated_at"], row["created_at"])),
                              default=None)
            builders["annotations"].append(row, is_gold=row["annotation_id"] in gold_ids,
                                           split=split)
        if choice.policy != "majority" and len(choice.annotation_ids) == 1:
            # DuckDB's tables hold this annotation's regions; only its entities are needed.
            self.gold.append((aid, choice.annotation_ids[0]))
            entity_spans = layer_spans(choice.result, text, self.entities.layer)
        else:
            entity_spans = self._parsed_gold(builders, task, choice, aid, split, text)
        self.entities.add(text, entity_spans, aid, split, task.get("id"), self.problems)
        builders["articles"].append(
            article, split=split, gold_policy=choice.policy,
            needs_adjudication=choice.needs_adjudication,
            gold_annotation_ids=sorted(gold_ids, key=str),
            n_annotations=len(records.annotations))

    def _parsed_gold(self, builders: dict[str, TableBuilder], task: dict[str, Any],
                     choice: GoldChoice, aid: str, split: str, text: str) -> list[dict[str, Any]]:
        """A merged gold result (majority, or none) into the gold tables: its rows as
        the merge built them, else parsed here; returns its entity spans."""
        parsed = choice.parsed or parse_result(choice.result, text, scheme=self.scheme)
        self.problems.extend(dataclasses.replace(p, task_id=task.get("id"), article_id=aid)
                             for p in parsed.problems)
        builders["spans"].extend(parsed.spans, article_id=aid, split=split)
        builders["relations"].extend(parsed.relations, article_id=aid, split=split)
        builders["claims"].extend(claims_from(parsed.spans, parsed.relations),
                                  article_id=aid, split=split)
        return [span for span in parsed.spans if span["layer"] == self.entities.layer]


class _ValidatedTasks:
    """The tasks, each validated by `checker` (if any) as it passes. After the first
    validation error the rest are still validated (every problem is reported) but
    none is yielded; `invalid` says whether that happened."""

    def __init__(self, tasks: Iterable[dict[str, Any]], checker: TaskChecker | None) -> None:
        self.tasks, self.checker, self.invalid = tasks, checker, False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for task in self.tasks:
            if self.checker is not None and has_errors(self.checker.check(task)):
                self.invalid = True
            if not self.invalid:
                yield task
