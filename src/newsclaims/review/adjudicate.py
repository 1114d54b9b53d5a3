"""Send majority merges to Label Studio as predictions, so a reviewer settles disagreements.

For every article whose gold (see `newsclaims.review.gold`) is a majority merge with items the
annotators did not all agree on, the merged result goes to the article's task as a
prediction whose `model_version` is `adjudication-<hash of the merged result>`. The
reviewer opens the task, starts from that prediction, fixes what the disagreements
list names and submits it marked as ground truth; the next release then takes it.

The model version is a content hash, so a rerun finds the prediction already there and
sends nothing; a changed merge (new annotations) gets a new version.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from newsclaims.core.errors import NewsclaimsError, Problem, Severity
from newsclaims.core.scheme import Scheme, load_scheme
from newsclaims.review.gold import ADJUDICATION_PREFIX, GoldChoice, choose_gold
from newsclaims.studio.client import Studio, call, connect, existing_article_ids, find_project

MODEL_VERSION_PREFIX = ADJUDICATION_PREFIX


@dataclass(frozen=True, slots=True)
class Pending:
    """One article that needs a reviewer: which task, which prediction, and why."""

    export_task_id: Any
    article_id: str | None
    model_version: str
    choice: GoldChoice


@dataclass
class AdjudicationResult:
    project_id: int | None
    pending: list[Pending] = field(default_factory=list)  # needed adjudication
    sent: list[dict[str, Any]] = field(default_factory=list)  # task, model_version
    already_sent: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def model_version_for(result: list[dict[str, Any]]) -> str:
    """`adjudication-` + a hash of the merged result: equal merges, equal versions."""
    digest = hashlib.sha256(orjson.dumps(result, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return MODEL_VERSION_PREFIX + digest[:12]


def needing_adjudication(
    tasks: Iterable[dict[str, Any]], scheme: Scheme | None = None
) -> list[Pending]:
    """The articles whose majority merge left disagreements, in export order."""
    scheme = scheme or load_scheme()
    pending = []
    for task in tasks:
        choice = choose_gold(task, scheme)
        if choice.needs_adjudication:
            pending.append(Pending(task.get("id"), (task.get("data") or {}).get("article_id"),
                                   model_version_for(choice.result), choice))
    return pending


def adjudicate(
    tasks: Iterable[dict[str, Any]],
    *,
    project: str,
    studio: Studio | None = None,
    scheme: Scheme | None = None,
) -> AdjudicationResult:
    """Send each needed merge once, as a prediction on the article's task in `project`."""
    pending = needing_adjudication(tasks, scheme)
    studio = studio or connect()
    found = find_project(studio, project)
    if found is None:
        raise NewsclaimsError(f"no Label Studio project titled {project!r} at {studio.url}")
    outcome = AdjudicationResult(found.id, pending)
    if not pending:
        return outcome
    task_ids = existing_article_ids(studio, found.id)
    for item in pending:
        task_id = _server_task(item, task_ids, outcome.problems)
        if task_id is None:
            continue
        existing = call("listing predictions", studio.url,
                        functools.partial(studio.client.predictions.list, task=task_id))
        record = {"task_id": task_id, "model_version": item.model_version,
                  "disagreements": len(item.choice.disagreements)}
        if any(p.model_version == item.model_version for p in existing):
            outcome.already_sent.append(record)
            continue
        call("creating a prediction", studio.url,
             functools.partial(studio.client.predictions.create, task=task_id,
                               result=item.choice.result, model_version=item.model_version))
        outcome.sent.append(record)
    return outcome


def _server_task(item: Pending, task_ids: dict[str, list[int]],
                 problems: list[Problem]) -> int | None:
    """The project's task for this article: the export's own task id when it holds the
    article, else the one task that does; never a guess between duplicates."""
    candidates = task_ids.get(item.article_id or "", [])
    if item.export_task_id in candidates:
        return int(item.export_task_id)
    if len(candidates) == 1:
        return candidates[0]
    reason = ("is not in the project" if not candidates else
              f"is in {len(candidates)} tasks ({', '.join(map(str, candidates))})")
    problems.append(Problem(Severity.ERROR, "adjudication-task-unknown",
                            f"article {reason}; no prediction sent",
                            task_id=item.export_task_id, article_id=item.article_id))
    return None
