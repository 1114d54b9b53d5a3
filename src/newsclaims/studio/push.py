"""`push`: articles (with suggestions) into a Label Studio project, idempotently.

Label Studio never de-duplicates imports, so push asks the project which article_ids
it already holds and sends only the rest. A run cut off half-way (either side killed)
therefore finishes on the next run with no duplicate and none missing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from tqdm import tqdm

from newsclaims.core.articles import PushInput, load_push_input
from newsclaims.core.errors import NewsclaimsError, Problem, Severity
from newsclaims.core.scheme import Scheme
from newsclaims.studio.client import (
    DEFAULT_PROJECT,
    Assignment,
    Studio,
    call,
    connect,
    ensure_project,
    existing_article_ids,
    import_tasks,
    set_assignment,
)
from newsclaims.studio.instructions import instructions_html, set_instructions
from newsclaims.studio.server import health

DEFAULT_BATCH_SIZE = 1000  # tasks per import request, at most
BATCH_BYTES = 8_000_000  # JSON bytes per import request, at most (one task may exceed it)


@dataclass
class PushResult:
    project_id: int | None
    imported: int = 0
    skipped: int = 0
    failed: int = 0
    predictions: int = 0
    problems: list[Problem] = field(default_factory=list)
    # The project's, as read or set before the import (which does not change it).
    assignment: Assignment | None = None

    def summary(self) -> str:
        return (
            f"imported {self.imported}, skipped {self.skipped} (already in project), "
            f"failed {self.failed}; predictions attached {self.predictions}"
        )



def push(
    articles: str | Path | Iterable[dict[str, Any]],
    *,
    project_title: str = DEFAULT_PROJECT,
    predictions: str | Path | Iterable[dict[str, Any]] | None = None,
    suggest: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
    studio: Studio | None = None,
    scheme: Scheme | None = None,
    progress: bool | None = None,
    assignment: Assignment | None = None,
) -> PushResult:
    """Import articles (with predictions) as tasks, skipping those already there.

    Predictions come from `predictions` when given, else (with `suggest`) from the
    rule-based pre-annotator, computed only for the tasks being imported.
    The project shows the instructions from docs/guidelines.md, so annotators see the
    guidelines of the version that was pushed: a new project is created with them, an
    existing one gets them (one request) when it does not already show exactly those.
    Nothing is sent when the input has errors: the result carries the problems and
    `project_id` None. `progress=None` shows a bar only on a terminal.
    `assignment` (annotators per task, overlap) is stored in the project before the
    import, so the server draws the overlap over the new tasks too; without it the
    project keeps what it has.
    """
    if batch_size < 1:
        raise NewsclaimsError(f"batch size must be at least 1, got {batch_size}")
    given = load_push_input(articles, predictions)
    if any(p.severity is Severity.ERROR for p in given.problems):
        return PushResult(None, problems=given.problems)
    studio = studio or connect()
    project = ensure_project(studio, project_title, scheme)
    if project.shown_instructions != instructions_html():  # a PATCH costs the server ~0.3 s
        set_instructions(studio, project.id)
    result = PushResult(project.id, problems=list(given.problems),
                        assignment=project.assignment)
    if assignment is not None:
        result.assignment = set_assignment(studio, project.id, assignment, project.assignment)
    # (a project created just now holds no tasks)
    existing = {} if project.created else existing_article_ids(studio, project.id)
    for aid, task_ids in existing.items():
        if len(task_ids) > 1:
            result.problems.append(
                Problem(
                    Severity.WARNING,
                    "duplicate-task",
                    f"project already holds {len(task_ids)} tasks for this article: {task_ids}",
                    article_id=aid,
                )
            )
    todo = [t for t in given.tasks if t["article_id"] not in existing]
    result.skipped = len(given.tasks) - len(todo)
    if predictions is None and suggest:
        given.predictions.update(_suggestions(todo))
    _import(studio, project.id, todo, given, batch_size, result, progress)
    return result


def _import(
    studio: Studio,
    project_id: int,
    todo: list[dict[str, Any]],
    given: PushInput,
    batch_size: int,
    result: PushResult,
    progress: bool | None,
) -> None:
    bar = tqdm(
        total=len(todo),
        unit="task",
        desc="push",
        disable=None if progress is None else not progress,
    )
    payloads = (_task_payload(data, given.predictions.get(data["article_id"])) for data in todo)
    done = 0
    with bar:
        for batch, encoded in _batches(payloads, batch_size, BATCH_BYTES):
            first, done = done + 1, done + len(batch)
            body = b"[" + b",".join(encoded) + b"]"
            try:
                imported = call(f"importing tasks {first}-{done}", studio.url,
                                functools.partial(import_tasks, studio, project_id, body))
            except NewsclaimsError as exc:
                if not health(studio.url, timeout=5.0):
                    raise NewsclaimsError(
                        f"{exc} after importing {result.imported} of {len(todo)} new tasks; "
                        "run push again to finish (tasks already imported are skipped)"
                    ) from None
                result.failed += len(batch)
                result.problems.extend(
                    Problem(
                        Severity.ERROR, "import-failed", str(exc),
                        article_id=task["data"]["article_id"],
                    )
                    for task in batch
                )
            else:
                result.imported += imported.tasks
                result.predictions += imported.predictions
            bar.update(len(batch))


def _batches(
    payloads: Iterable[dict[str, Any]], max_tasks: int, max_bytes: int
) -> Iterator[tuple[list[dict[str, Any]], list[bytes]]]:
    """Import requests of at most `max_tasks` tasks and about `max_bytes` of JSON:
    (the tasks, each task's JSON).

    Label Studio has a fixed cost per import request (~0.1 s here: an import record,
    counters, project summary), so requests are as large as is reasonable; bytes
    bound them because articles, and predictions above all, vary a lot in size.
    Each task is encoded once, here; the request sends those bytes."""
    batch: list[dict[str, Any]] = []
    encoded: list[bytes] = []
    size = 0
    for payload in payloads:
        one = orjson.dumps(payload)
        if batch and (len(batch) >= max_tasks or size + len(one) > max_bytes):
            yield batch, encoded
            batch, encoded, size = [], [], 0
        batch.append(payload)
        encoded.append(one)
        size += len(one)
    if batch:
        yield batch, encoded


def _suggestions(tasks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The pre-annotator's prediction per article, in Label Studio's import shape."""
    from newsclaims.preannotate import preannotate_articles  # only when suggesting

    return {
        p["article_id"]: [{k: p[k] for k in ("model_version", "score", "result")}]
        for p in preannotate_articles(tasks)
    }


def _task_payload(data: dict[str, Any], predictions: list[dict[str, Any]] | None) -> dict[str, Any]:
    task: dict[str, Any] = {"data": data}
    if predictions:
        task["predictions"] = predictions
    return task
