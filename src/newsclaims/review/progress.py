"""Progress of a team on one project: who has done what, what is still short, how long
a task takes, and the agreement so far on the overlap tasks that are complete.

Read live from the project (the Data Manager's task list, which carries the server's
own `overlap`: how many annotators each task needs) — not from an export — so the lead
can watch it fill in. `summarise` is a plain function over those task dicts.

Annotators are named by e-mail here: this is the lead's own view and stays on the
lead's machine. Releases never carry e-mails (they use salted pseudonyms).
"""

from __future__ import annotations

import io
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsclaims.core.atomic import atomic_write_bytes
from newsclaims.core.errors import NewsclaimsError
from newsclaims.review.gold import annotator_of
from newsclaims.studio.client import (
    DEFAULT_PROJECT,
    Assignment,
    Studio,
    call,
    connect,
    find_project,
    project_assignment,
    project_tasks,
)


@dataclass
class AnnotatorProgress:
    annotator: str  # "user-<id>", as agreement names them
    email: str | None
    done: int = 0  # submitted annotations
    skipped: int = 0  # cancelled ones
    median_seconds: float | None = None
    per_day: dict[str, int] = field(default_factory=dict)  # UTC date -> submitted that day


@dataclass
class Progress:
    project_id: int | None
    title: str
    assignment: Assignment | None
    tasks: int = 0
    complete: int = 0  # tasks with as many annotators as the server asks of them
    short: int = 0  # tasks still short of their annotators
    missing: int = 0  # annotations still needed, summed over the short tasks
    overlap_planned: int = 0  # tasks the server put in the overlap (need 2 or more)
    overlap_complete: int = 0
    multi_annotated: int = 0  # tasks with 2+ different annotators (what an export shows)
    beyond_target: int = 0  # tasks with more annotators than they need
    median_seconds: float | None = None
    annotators: list[AnnotatorProgress] = field(default_factory=list)
    agreement: dict[str, Any] | None = None  # over the complete overlap tasks
    short_task_ids: list[Any] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        document = {k: v for k, v in self.__dict__.items() if k not in ("assignment",)}
        document["annotators"] = [a.__dict__ for a in self.annotators]
        document["assignment"] = None if self.assignment is None else {
            "per_task": self.assignment.per_task,
            "overlap_percent": self.assignment.overlap_percent}
        return document


def progress(project_title: str = DEFAULT_PROJECT, *, studio: Studio | None = None) -> Progress:
    """The project's progress, read from the server now."""
    studio = studio or connect()
    project = find_project(studio, project_title)
    if project is None:
        raise NewsclaimsError(f"no project titled {project_title!r} at {studio.url}")
    users = call("listing users", studio.url, lambda: list(studio.client.users.list()))
    emails = {u.id: u.email for u in users}
    report = summarise(project_tasks(studio, project.id), emails)
    report.project_id, report.title = project.id, project_title
    report.assignment = project_assignment(studio, project.id)
    return report


def summarise(tasks: Iterable[dict[str, Any]], emails: dict[int, str] | None = None) -> Progress:
    """Progress over Data Manager task dicts. A task without `overlap` needs one annotator."""
    emails = emails or {}
    report = Progress(None, "", None)
    per_annotator: dict[str, AnnotatorProgress] = {}
    seconds: dict[str, list[float]] = defaultdict(list)
    complete_overlap: list[dict[str, Any]] = []
    for task in tasks:
        report.tasks += 1
        target = int(task.get("overlap") or 1)
        annotators = set()
        for annotation in task.get("annotations") or []:
            who = annotator_of(annotation)
            row = per_annotator.setdefault(who, AnnotatorProgress(who, _email(annotation, emails)))
            if annotation.get("was_cancelled"):
                row.skipped += 1
                continue
            annotators.add(who)
            row.done += 1
            day = str(annotation.get("created_at") or "")[:10] or "unknown"
            row.per_day[day] = row.per_day.get(day, 0) + 1
            if isinstance(annotation.get("lead_time"), int | float):
                seconds[who].append(float(annotation["lead_time"]))
        _count_task(report, task, target, len(annotators), complete_overlap)
    for who, row in per_annotator.items():
        row.median_seconds = statistics.median(seconds[who]) if seconds[who] else None
    everyone = [s for values in seconds.values() for s in values]
    report.median_seconds = statistics.median(everyone) if everyone else None
    report.annotators = sorted(per_annotator.values(), key=lambda a: (-a.done, a.annotator))
    if complete_overlap:
        # Imported here: agreement brings NumPy (~0.1 CPU s), which a project without a
        # complete overlap task never needs.
        from newsclaims.review.agreement import agreement_summary

        report.agreement = agreement_summary(complete_overlap)
    return report


def _count_task(report: Progress, task: dict[str, Any], target: int, annotators: int,
                complete_overlap: list[dict[str, Any]]) -> None:
    if annotators >= 2:
        report.multi_annotated += 1
    if annotators > target:
        report.beyond_target += 1
    if target >= 2:
        report.overlap_planned += 1
    if annotators >= target:
        report.complete += 1
        if target >= 2:
            report.overlap_complete += 1
            complete_overlap.append(task)
    else:
        report.short += 1
        report.missing += target - annotators
        report.short_task_ids.append(task.get("id"))


def _email(annotation: dict[str, Any], emails: dict[int, str]) -> str | None:
    user = annotation.get("completed_by")
    user_id = user.get("id") if isinstance(user, dict) else user
    return emails.get(user_id) if isinstance(user_id, int) else None


def write_chart(report: Progress, path: str | Path) -> Path:
    """A PNG of submitted annotations per day (UTC), stacked by annotator: the day's
    total and each one's share at a glance."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    days = sorted({d for a in report.annotators for d in a.per_day})
    fig, ax = plt.subplots(figsize=(max(8.0, 0.5 * len(days) + 5), 4.5), dpi=100)
    bottom = [0] * len(days)
    for row in report.annotators:
        if row.per_day:
            values = [row.per_day.get(d, 0) for d in days]
            ax.bar(days, values, bottom=bottom, label=row.email or row.annotator)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_title(f"{report.title}: annotations submitted per day (UTC)")
    ax.set_ylabel("annotations")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    if days:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        ax.text(0.5, 0.5, "no annotations yet", ha="center", va="center",
                transform=ax.transAxes)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())
    return Path(path)
