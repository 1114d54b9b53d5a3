"""One streaming pass over a native export: validate, convert, choose the gold and
append rows to the release tables' Arrow builders.

Each task is converted (`convert`), its gold chosen (`gold.choose_gold`) and its rows
appended column-wise, so memory holds compact Arrow columns, never the parsed export.
Agreement figures come from the same pass, on a worker thread.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import queue
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from newsclaims.core.errors import NewsclaimsError, Problem, Severity, has_errors
from newsclaims.core.scheme import Scheme
from newsclaims.export.convert import claims_from, convert, parse_result
from newsclaims.export.reader import iter_tasks
from newsclaims.export.validate import TaskChecker
from newsclaims.release.tables import TableBuilder, table_specs
from newsclaims.release.tokens import Sentence, entity_layer, sentences
from newsclaims.release.versions import split_of
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
    problems: list[Problem] = []
    annotators: set[str] = set()
    policies: Counter[str] = Counter()
    seen: dict[str, Any] = {}
    newest: str | None = None
    entities = entity_layer(scheme)
    with _gc_paused(), _agreement_feed(scheme) as feed:
        invalid = False
        for task in iter_tasks(export_path):
            if checker is not None and has_errors(checker.check(task)):
                invalid = True
            if invalid:
                continue
            records = convert([task], salt=salt, scheme=scheme)
            # Validation already reported the rest (e.g. cancelled annotations).
            problems.extend(p for p in records.problems if p.severity is Severity.ERROR)
            if not records.articles:
                continue
            article = records.articles[0]
            aid = article["article_id"]
            if aid in seen:
                problems.append(Problem(
                    Severity.ERROR, "article-duplicate",
                    f"article also in task {seen[aid]}; an article is released once",
                    task_id=task.get("id"), article_id=aid))
                continue
            seen[aid] = task.get("id")
            feed(task)
            split = split_of(aid, rule)
            choice = choose_gold(task, scheme, copy_result=False)
            policies[choice.policy] += 1
            gold_ids = set(choice.annotation_ids)
            for row in records.annotations:
                annotators.add(row["annotator"])
                newest = max(filter(None, (newest, row["updated_at"], row["created_at"])),
                             default=None)
                builders["annotations"].append(
                    row, is_gold=row["annotation_id"] in gold_ids, split=split)
            builders["annotation_spans"].extend(records.spans, split=split)
            spans, relations, claims = _gold_rows(task, choice, records, article["text"],
                                                  scheme, problems)
            builders["spans"].extend(spans, article_id=aid, split=split)
            builders["relations"].extend(relations, article_id=aid, split=split)
            builders["claims"].extend(claims, article_id=aid, split=split)
            _add_sentences(builders["entities"], article["text"],
                           [s for s in spans if s["layer"] == entities], aid, split,
                           task.get("id"), problems)
            builders["articles"].append(
                article, split=split, gold_policy=choice.policy,
                needs_adjudication=choice.needs_adjudication,
                gold_annotation_ids=sorted(gold_ids, key=str),
                n_annotations=len(records.annotations))
    # Each builder goes as soon as its table exists, so its unsorted batches do not
    # sit beside every sorted table.
    tables = {name: builders.pop(name).table() for name in list(builders)}
    return Built(tables, problems, len(annotators - {None}), dict(sorted(policies.items())),
                 newest, feed.summary)


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


class _AgreementFeed:
    """Hands tasks to newsclaims.review.agreement on a worker thread, so agreement figures
    come from the same single pass over the export (bounded queue, bounded memory)."""

    def __init__(self, scheme: Scheme) -> None:
        from newsclaims.review.agreement import agreement_summary

        self._queue: queue.Queue[Any] = queue.Queue(maxsize=64)
        self.summary: dict[str, Any] | None = None
        self._error: BaseException | None = None

        def tasks() -> Iterator[dict[str, Any]]:
            while (item := self._queue.get()) is not None:
                yield item

        def run() -> None:
            try:
                self.summary = agreement_summary(tasks(), scheme)
            except BaseException as exc:  # reported after the pass
                self._error = exc
                while self._queue.get() is not None:
                    pass

        self._thread = threading.Thread(target=run, name="agreement", daemon=True)
        self._thread.start()

    def __call__(self, task: dict[str, Any]) -> None:
        if len([a for a in task.get("annotations") or [] if not a.get("was_cancelled")]) >= 2:
            self._queue.put(task)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise NewsclaimsError(f"agreement figures failed: {self._error}") from self._error


@contextlib.contextmanager
def _agreement_feed(scheme: Scheme) -> Iterator[_AgreementFeed]:
    feed = _AgreementFeed(scheme)
    try:
        yield feed
    finally:
        feed.close()


