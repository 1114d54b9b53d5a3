"""One streaming pass over a native export: validate, convert, choose the gold and
append rows to the release tables' Arrow builders.

Each task is converted (`convert_task`), its gold chosen (`gold.choose_gold`) and its
rows appended column-wise, so memory holds compact Arrow columns, never the parsed
export. Agreement keeps every reading of the multi-annotated tasks anyway, so it
collects them during the same pass and computes its figures after it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from newsclaims.core.errors import Problem, Severity, has_errors
from newsclaims.core.scheme import Scheme
from newsclaims.export.convert import Records, claims_from, convert_task, parse_result
from newsclaims.export.reader import iter_tasks
from newsclaims.export.validate import TaskChecker
from newsclaims.release.tables import TableBuilder, table_specs
from newsclaims.release.tokens import Sentence, entity_layer, sentences
from newsclaims.release.versions import split_of
from newsclaims.review.agreement import AgreementReadings
from newsclaims.review.gold import choose_gold


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
    export_path: Path, *, salt: str, scheme: Scheme, rule: dict[str, Any],
    checker: TaskChecker | None = None,
) -> Built:
    """One streaming pass: every table as a sorted Arrow table, plus the tallies.

    With a `checker`, each task is validated in the same pass; after the first
    validation error nothing more is built (the release will be refused, and the
    builders only ever see tasks that validated).
    """
    builders = {name: TableBuilder(spec) for name, spec in table_specs().items()}
    tally = _Tally()
    readings = AgreementReadings(scheme)
    entities = entity_layer(scheme)
    with _gc_paused():
        for task in _tasks_to_build(iter_tasks(export_path), checker):
            records = convert_task(task, salt=salt, scheme=scheme)
            # Validation already reported the rest (e.g. cancelled annotations).
            tally.problems.extend(p for p in records.problems if p.severity is Severity.ERROR)
            if not records.articles or not tally.new_article(task, records.articles[0]):
                continue
            readings.add(task)
            _add_rows(builders, task, records, scheme, rule, entities, tally)
        agreement = readings.summary()
    del readings  # the multi-annotated tasks' readings: gone before the tables are sorted
    # Each builder goes as soon as its table exists, so its unsorted batches do not
    # sit beside every sorted table.
    tables = {name: builders.pop(name).table() for name in list(builders)}
    return Built(tables, tally.problems, len(tally.annotators - {None}),
                 dict(sorted(tally.policies.items())), tally.newest, agreement)


@dataclass
class _Tally:
    """What the pass counts beside the tables."""

    problems: list[Problem] = field(default_factory=list)
    annotators: set[str | None] = field(default_factory=set)
    policies: Counter[str] = field(default_factory=Counter)
    newest: str | None = None  # newest created/updated time of any annotation
    task_of_article: dict[str, Any] = field(default_factory=dict)

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


def _tasks_to_build(tasks: Iterable[dict[str, Any]],
                    checker: TaskChecker | None) -> Iterator[dict[str, Any]]:
    """The tasks, each validated by `checker` (if any) as it passes. After the first
    validation error the rest are still validated (every problem is reported) but
    none is built."""
    invalid = False
    for task in tasks:
        if checker is not None and has_errors(checker.check(task)):
            invalid = True
        if not invalid:
            yield task


def _add_rows(builders: dict[str, TableBuilder], task: dict[str, Any], records: Records,
              scheme: Scheme, rule: dict[str, Any], entities: str, tally: _Tally) -> None:
    """Append one converted task to every table: its annotations as they are, and its
    gold view (`choose_gold`)."""
    article = records.articles[0]
    aid = article["article_id"]
    split = split_of(aid, rule)
    choice = choose_gold(task, scheme, copy_result=False)
    tally.policies[choice.policy] += 1
    gold_ids = set(choice.annotation_ids)
    for row in records.annotations:
        tally.annotators.add(row["annotator"])
        tally.newest = max(filter(None, (tally.newest, row["updated_at"], row["created_at"])),
                           default=None)
        builders["annotations"].append(row, is_gold=row["annotation_id"] in gold_ids,
                                       split=split)
    builders["annotation_spans"].extend(records.spans, split=split)
    spans, relations, claims = _gold_rows(task, choice, records, article["text"], scheme,
                                          tally.problems)
    builders["spans"].extend(spans, article_id=aid, split=split)
    builders["relations"].extend(relations, article_id=aid, split=split)
    builders["claims"].extend(claims, article_id=aid, split=split)
    _add_sentences(builders["entities"], article["text"],
                   [s for s in spans if s["layer"] == entities], aid, split,
                   task.get("id"), tally.problems)
    builders["articles"].append(
        article, split=split, gold_policy=choice.policy,
        needs_adjudication=choice.needs_adjudication,
        gold_annotation_ids=sorted(gold_ids, key=str),
        n_annotations=len(records.annotations))


def _gold_rows(
    task: dict[str, Any], choice: Any, records: Any, text: str, scheme: Scheme,
    problems: list[Problem],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The gold view's spans, relations and claims; reuses the converted rows when the
    gold is one annotation, parses the merged result otherwise."""
    if choice.policy != "majority" and len(choice.annotation_ids) == 1:
        (gold_id,) = choice.annotation_ids
        spans, relations, claims = (
            [row for row in rows if row["annotation_id"] == gold_id]
            for rows in (records.spans, records.relations, records.claims)
        )
        return spans, relations, claims
    parsed = parse_result(choice.result, text, scheme=scheme)
    problems.extend(
        dataclasses.replace(p, task_id=task.get("id"), article_id=records.articles[0]["article_id"])
        for p in parsed.problems
    )
    return parsed.spans, parsed.relations, claims_from(parsed.spans, parsed.relations)


def _add_sentences(builder: TableBuilder, text: str, spans: list[dict[str, Any]], aid: str,
                   split: str, task_id: Any, problems: list[Problem]) -> None:
    tagged, left_out = sentences(text, spans)
    # Not dataclasses.asdict: it deep-copies every token list.
    fields = ("sentence", *Sentence.__slots__)
    builder.extend([dict(zip(fields, (number, *(getattr(sentence, name)
                                                for name in Sentence.__slots__)), strict=True))
                    for number, sentence in enumerate(tagged)],
                   article_id=aid, split=split)
    for span in left_out:
        problems.append(Problem(
            Severity.WARNING, "entity-not-in-bio",
            f"{span['label']} {span['start']}..{span['end']} overlaps another entity; "
            "left out of the token-level entities table (still in spans)",
            task_id=task_id, article_id=aid, region_id=span.get("region_id")))


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during the pass: it allocates millions of
    short-lived objects and almost no cycles (69 objects collected on 2,000 tasks), so
    the collector's sweeps were ~10% of a release. It runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
