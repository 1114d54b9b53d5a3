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
from newsclaims.release.tables import TableBuilder, conll2003_map, table_specs
from newsclaims.release.tokens import entity_layer, tag_text
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
    entities = _EntityColumns(builders["entities"], entity_layer(scheme))
    with _gc_paused():
        for task in _tasks_to_build(iter_tasks(export_path), checker):
            records = convert_task(task, salt=salt, scheme=scheme)
            # Validation already reported the rest (e.g. cancelled annotations).
            tally.problems.extend(p for p in records.problems if p.severity is Severity.ERROR)
            if not records.articles or not tally.new_article(task, records.articles[0]):
                continue
            readings.add(task)
            _add_rows(builders, task, records, scheme, rule, entities, tally)
        entities.flush()
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
              scheme: Scheme, rule: dict[str, Any], entities: _EntityColumns,
              tally: _Tally) -> None:
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
    entities.add(article["text"], spans, aid, split, task.get("id"), tally.problems)
    builders["articles"].append(
        article, split=split, gold_policy=choice.policy,
        needs_adjudication=choice.needs_adjudication,
        gold_annotation_ids=sorted(gold_ids, key=str),
        n_annotations=len(records.annotations))


def _gold_rows(task: dict[str, Any], choice: Any, records: Any, text: str, scheme: Scheme,
               problems: list[Problem]) -> tuple[list, list, list]:
    """The gold view's spans, relations and claims; reuses the converted rows when the
    gold is one annotation, parses the merged result otherwise."""
    if choice.policy != "majority" and len(choice.annotation_ids) == 1:
        (gold_id,) = choice.annotation_ids
        return tuple(  # type: ignore[return-value]
            [row for row in rows if row["annotation_id"] == gold_id]
            for rows in (records.spans, records.relations, records.claims)
        )
    parsed = parse_result(choice.result, text, scheme=scheme)
    problems.extend(
        dataclasses.replace(p, task_id=task.get("id"), article_id=records.articles[0]["article_id"])
        for p in parsed.problems
    )
    return parsed.spans, parsed.relations, claims_from(parsed.spans, parsed.relations)


class _EntityColumns:
    """The `entities` table's columns, flat: per token (tokens, offsets, tags) and per
    sentence (article, number, start, end, where its tokens end), turned into list
    arrays every `batch_tokens` tokens; no object or row dict per sentence."""

    def __init__(self, builder: TableBuilder, layer: str, batch_tokens: int = 1 << 20) -> None:
        self.builder, self.layer, self.batch_tokens = builder, layer, batch_tokens
        self.mapping = conll2003_map()
        self._clear()

    def _clear(self) -> None:
        self.article_ids: list[str] = []
        self.splits: list[str] = []
        self.numbers: list[int] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.offsets: list[int] = [0]  # where each sentence's tokens end in the flat lists
        self.words: list[str] = []
        self.token_starts: list[int] = []
        self.token_ends: list[int] = []
        self.ner: list[str] = []
        self.conll: list[str] = []

    def add(self, text: str, spans: list[dict[str, Any]], aid: str, split: str, task_id: Any,
            problems: list[Problem]) -> None:
        tagged = tag_text(text, [s for s in spans if s["layer"] == self.layer], self.mapping)
        base = len(self.words)
        count = len(tagged.sentence_ends)
        self.article_ids += [aid] * count
        self.splits += [split] * count
        self.numbers += range(count)
        self.starts += [tagged.starts[0], *(tagged.starts[e] for e in tagged.sentence_ends[:-1])
                        ] if count else []
        self.ends += [tagged.ends[e - 1] for e in tagged.sentence_ends]
        self.offsets += [base + e for e in tagged.sentence_ends]
        self.words += tagged.words
        self.token_starts += tagged.starts
        self.token_ends += tagged.ends
        self.ner += tagged.ner_tags
        self.conll += tagged.conll_tags
        for span in tagged.left_out:
            problems.append(Problem(
                Severity.WARNING, "entity-not-in-bio",
                f"{span['label']} {span['start']}..{span['end']} overlaps another entity; "
                "left out of the token-level entities table (still in spans)",
                task_id=task_id, article_id=aid, region_id=span.get("region_id")))
        if len(self.words) >= self.batch_tokens:
            self.flush()

    def flush(self) -> None:
        if not self.article_ids:
            return
        offsets = pa.array(self.offsets, pa.int32())

        def listed(values: list[Any], kind: pa.DataType) -> pa.ListArray:
            return pa.ListArray.from_arrays(offsets, pa.array(values, kind))

        self.builder.add_batch({
            "article_id": pa.array(self.article_ids, pa.string()),
            "sentence": pa.array(self.numbers, pa.int32()),
            "start": pa.array(self.starts, pa.int32()),
            "end": pa.array(self.ends, pa.int32()),
            "tokens": listed(self.words, pa.string()),
            "token_starts": listed(self.token_starts, pa.int32()),
            "token_ends": listed(self.token_ends, pa.int32()),
            "ner_tags": listed(self.ner, pa.string()),
            "conll_tags": listed(self.conll, pa.string()),
            "split": pa.array(self.splits, pa.string()),
        })
        self._clear()


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
