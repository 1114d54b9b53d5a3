"""Validate a native Label Studio export: the gate between an export and a release.

Tasks are streamed (`newsclaims.export.reader.iter_tasks`) and checked one at a time, so
memory stays near the size of the largest task plus the problems found. Each task's
envelope (everything except result lists) is checked against
schemas/labelstudio-export.schema.json; result lists go through
`newsclaims.core.result_rules.check_result`, plain code for the per-region hot path. Across
tasks only article ids are remembered (for duplicates).

Predictions are checked with the same rules, but their problems are warnings: a bad
suggestion should be fixed in the pre-annotator, it does not make an export unfit.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsclaims.core.articles import task_data_ok
from newsclaims.core.atomic import atomic_open
from newsclaims.core.errors import Problem, Severity, has_errors
from newsclaims.core.ids import article_id as compute_article_id
from newsclaims.core.offsets import repair_result
from newsclaims.core.result_rules import check_result
from newsclaims.core.schemas import message, validator
from newsclaims.core.scheme import Scheme, load_scheme
from newsclaims.export.reader import iter_tasks

EXPORT_SCHEMA = "labelstudio-export"
COUNTS = ("tasks", "annotations", "cancelled", "predictions", "regions", "relations")


@dataclass(slots=True)
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))

    @property
    def ok(self) -> bool:
        """No errors (warnings and infos allowed)."""
        return not has_errors(self.problems)


@dataclass(slots=True)
class OffsetRepairs:
    """What `fix_offsets` changed: one record per result item whose offsets moved."""

    repairs: list[dict[str, Any]]
    tasks: int


def validate(
    tasks_or_path: Iterable[dict[str, Any]] | str | Path, *, scheme: Scheme | None = None
) -> ValidationReport:
    """Check every task; raises NewsclaimsError only if the file is not an export."""
    file = None
    tasks: Iterable[dict[str, Any]]
    if isinstance(tasks_or_path, (str, Path)):
        file = str(tasks_or_path)
        tasks = iter_tasks(tasks_or_path)
    else:
        tasks = tasks_or_path
    checker = TaskChecker(scheme, file=file)
    for task in tasks:
        checker.check(task)
    return checker.report


class TaskChecker:
    """Validation one task at a time, for a caller that reads the export itself (a
    release validates and converts in the same pass); `report` grows as it goes."""

    def __init__(self, scheme: Scheme | None = None, *, file: str | None = None) -> None:
        self.scheme = scheme or load_scheme()
        self.file = file
        self.report = ValidationReport()
        self._first_task_of: dict[str, Any] = {}

    def check(self, task: dict[str, Any]) -> list[Problem]:
        """The task's problems (also added to `report`)."""
        self.report.counts["tasks"] += 1
        problems = _check_task(task, self.scheme, self._first_task_of, self.report.counts)
        if self.file is not None:
            problems = [dataclasses.replace(p, file=self.file) for p in problems]
        self.report.problems.extend(problems)
        return problems


def _check_task(task: dict[str, Any], scheme: Scheme, first_task_of: dict[str, Any],
                counts: dict[str, int]) -> list[Problem]:
    task_id = task.get("id")
    data = task.get("data")
    text = data.get("text") if isinstance(data, dict) else None
    article = data.get("article_id") if isinstance(data, dict) else None
    article = article if isinstance(article, str) else None
    problems = _envelope_problems(task, task_id, article)
    if isinstance(text, str) and article is not None:
        if compute_article_id(text) != article:
            problems.append(Problem(
                Severity.ERROR, "article-id-mismatch",
                f"article_id is not the sha256 prefix of data.text ({compute_article_id(text)})",
                task_id=task_id, article_id=article))
        if article in first_task_of:
            problems.append(Problem(
                Severity.ERROR, "article-duplicate",
                f"article_id also in task {first_task_of[article]}",
                task_id=task_id, article_id=article, extra={"first_task": first_task_of[article]}))
        else:
            first_task_of[article] = task_id
    if not isinstance(text, str):
        return problems  # data.text missing or not a string: reported by the task schema
    annotations = task.get("annotations")
    for annotation in annotations if isinstance(annotations, list) else ():
        if not isinstance(annotation, dict):
            continue  # reported by the export schema
        annotation_id = annotation.get("id")
        if annotation.get("was_cancelled") is True:
            counts["cancelled"] += 1
            problems.append(Problem(Severity.INFO, "annotation-cancelled",
                                    "cancelled (skipped) annotation: not checked, not converted",
                                    task_id=task_id, article_id=article,
                                    annotation_id=annotation_id))
            continue
        counts["annotations"] += 1
        problems.extend(check_result(annotation.get("result"), text, scheme=scheme,
                                     task_id=task_id, article_id=article,
                                     annotation_id=annotation_id, counts=counts))
    predictions = task.get("predictions")
    for prediction in predictions if isinstance(predictions, list) else ():
        if not isinstance(prediction, dict):
            continue  # only an id (plain export): nothing to check
        counts["predictions"] += 1
        found = check_result(prediction.get("result"), text, scheme=scheme, task_id=task_id,
                             article_id=article)
        problems.extend(_as_prediction_problem(p, prediction.get("id")) for p in found)
    return problems


def _as_prediction_problem(problem: Problem, prediction_id: Any) -> Problem:
    severity = Severity.WARNING if problem.severity is Severity.ERROR else problem.severity
    return dataclasses.replace(
        problem, severity=severity, message=f"prediction {prediction_id}: {problem.message}",
        extra={**problem.extra, "prediction_id": prediction_id},
    )


def _envelope_problems(task: dict[str, Any], task_id: Any, article: str | None) -> list[Problem]:
    """Export-schema errors for the task without its result lists (checked by rules).

    The JSON Schema is the contract but costs milliseconds per task, so the envelope
    outside `data` first goes through a plain check that accepts only what the schema
    accepts; the schema runs on the whole envelope only when that check has doubts.
    """
    if _plain_envelope_ok(task):
        if task_data_ok(task.get("data")):
            return []
        return _schema_problems("task", task.get("data"), ("data",), task, task_id, article)
    # The export schema describes a list: check a one-task list, drop the index 0.
    return _schema_problems(EXPORT_SCHEMA, [_envelope(task)], (), task, task_id, article,
                            skip=1)


def _schema_problems(schema: str, instance: Any, prefix: tuple[str, ...], task: dict[str, Any],
                     task_id: Any, article: str | None, *, skip: int = 0) -> list[Problem]:
    """Schema errors of `instance` as problems, paths made relative to the task."""
    problems = []
    for error in validator(schema).iter_errors(instance):
        path = [*prefix, *list(error.absolute_path)[skip:]]
        code = "task-data" if path[:1] == ["data"] else "schema"
        where = "/".join(str(p) for p in path) or "(task)"
        annotation_id = None
        if path[:1] == ["annotations"] and len(path) > 1:
            annotation = task["annotations"][path[1]]
            annotation_id = annotation.get("id") if isinstance(annotation, dict) else None
        problems.append(Problem(Severity.ERROR, code, f"{where}: {message(error)}",
                                task_id=task_id if isinstance(task_id, int) else None,
                                article_id=article, annotation_id=annotation_id
                                if isinstance(annotation_id, int) else None))
    return problems


def _plain_envelope_ok(task: dict[str, Any]) -> bool:
    """True only if the export schema would accept the task outside `data` and results.
    (An optional key is looked up with a default of an allowed type: absent passes.)"""
    if type(task.get("id")) is not int or "data" not in task:
        return False
    if not (isinstance(task.get("created_at", ""), str)
            and isinstance(task.get("updated_at", ""), str)
            and isinstance(task.get("drafts", []), list)
            and isinstance(task.get("meta"), (dict, type(None)))):
        return False
    annotations = task.get("annotations", [])
    predictions = task.get("predictions", [])
    if not isinstance(annotations, list) or not isinstance(predictions, list):
        return False
    for annotation in annotations:
        if not _plain_annotation_ok(annotation):
            return False
    return all(type(p) is int or _plain_prediction_ok(p) for p in predictions)


def _plain_annotation_ok(annotation: Any) -> bool:
    if not isinstance(annotation, dict) or type(annotation.get("id")) is not int:
        return False
    user = annotation.get("completed_by")
    lead_time = annotation.get("lead_time")
    return (isinstance(annotation.get("result"), list)
            and (user is None or type(user) is int
                 or (isinstance(user, dict) and type(user.get("id")) is int))
            and isinstance(annotation.get("was_cancelled", False), bool)
            and isinstance(annotation.get("ground_truth", False), bool)
            and isinstance(annotation.get("created_at", ""), str)
            and isinstance(annotation.get("updated_at", ""), str)
            and isinstance(lead_time, (int, float, type(None))) and type(lead_time) is not bool)


def _plain_prediction_ok(prediction: Any) -> bool:
    score = prediction.get("score") if isinstance(prediction, dict) else None
    return (isinstance(prediction, dict) and type(prediction.get("id")) is int
            and isinstance(prediction.get("result"), list)
            and isinstance(prediction.get("model_version"), (str, type(None)))
            and isinstance(score, (int, float, type(None))) and type(score) is not bool)


def _envelope(task: dict[str, Any]) -> dict[str, Any]:
    envelope = dict(task)
    for key in ("annotations", "predictions"):
        items = task.get(key)
        if isinstance(items, list):
            envelope[key] = [
                {**item, "result": []}
                if isinstance(item, dict) and isinstance(item.get("result"), list) else item
                for item in items
            ]
    return envelope


def fix_offsets(path: str | Path, out: str | Path) -> OffsetRepairs:
    """Write `out`: the export at `path` with UTF-16 offsets turned into code points.

    Streams task by task into a temporary file renamed into place, so a failure
    (e.g. a truncated input) leaves no `out` behind. Every changed item is listed.
    """
    repairs: list[dict[str, Any]] = []
    count = 0
    with atomic_open(out, "w") as fh:
        fh.write("[")
        for count, task in enumerate(iter_tasks(path), start=1):
            repairs.extend(_repair_task(task))
            fh.write(",\n" if count > 1 else "\n")
            fh.write(json.dumps(task, ensure_ascii=False))
        fh.write("\n]\n")
    return OffsetRepairs(repairs, count)


def _repair_task(task: dict[str, Any]) -> list[dict[str, Any]]:
    data = task.get("data")
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(text, str):
        return []
    place = {"task_id": task.get("id"), "article_id": data.get("article_id")}
    repairs: list[dict[str, Any]] = []
    for key, id_name in (("annotations", "annotation_id"), ("predictions", "prediction_id")):
        items = task.get(key)
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict):
                repairs.extend({**place, id_name: item.get("id"), **r}
                               for r in repair_result(item.get("result"), text))
    return repairs
