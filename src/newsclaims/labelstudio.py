"""Talking to Label Studio through label-studio-sdk: connect, ensure the project, push.

Why it works the way it does:
- Label Studio never de-duplicates imports, so push asks the project which article_ids
  it already holds and sends only the rest. A run cut off half-way (either side killed)
  therefore finishes on the next run with no duplicate and none missing.
- The server accepts a label config that drops labels existing annotations use (measured
  on 1.23.2), so push checks that itself before updating the project's config.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError
from tqdm import tqdm

from newsclaims.articles import PushInput, load_push_input
from newsclaims.errors import NewsclaimsError, Problem, Severity
from newsclaims.scheme import Scheme, load_scheme
from newsclaims.studio import Connection, connection, health, server_version

DEFAULT_PROJECT = "newsclaims"
DEFAULT_BATCH_SIZE = 1000  # tasks per import request, at most
BATCH_BYTES = 8_000_000  # JSON bytes per import request, at most (one task may exceed it)
_PAGE_SIZE = 1000
T = TypeVar("T")


@dataclass
class Studio:
    """A checked connection: the SDK client plus where it points (never the key)."""

    client: LabelStudio
    url: str
    version: str | None


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    id: int
    title: str
    created: bool
    config_updated: bool


@dataclass
class PushResult:
    project_id: int | None
    imported: int = 0
    skipped: int = 0
    failed: int = 0
    predictions: int = 0
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"imported {self.imported}, skipped {self.skipped} (already in project), "
            f"failed {self.failed}; predictions attached {self.predictions}"
        )


def call(what: str, url: str, func: Callable[[], T]) -> T:
    """Run one SDK call; turn transport and HTTP errors into one line (no key, no traceback)."""
    try:
        return func()
    except ApiError as exc:
        if exc.status_code in (401, 403):
            raise NewsclaimsError(
                f"Label Studio at {url} rejected the API key (HTTP {exc.status_code}) while {what}"
            ) from None
        detail = _short(exc.body)
        raise NewsclaimsError(
            f"Label Studio at {url} answered HTTP {exc.status_code} while {what}: {detail}"
        ) from None
    except httpx.HTTPError as exc:
        raise NewsclaimsError(
            f"cannot reach Label Studio at {url} while {what} ({type(exc).__name__})"
        ) from None


def _short(body: Any, limit: int = 300) -> str:
    text = body if isinstance(body, str) else orjson.dumps(body).decode("utf-8", "replace")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def connect(conn: Connection | None = None, *, timeout: float = 120.0) -> Studio:
    """A client for the configured server, after checking it is up and takes the key."""
    conn = conn or connection()
    if not health(conn.url, timeout=5.0):
        hint = " (start it with `newsclaims studio start`)" if conn.local else ""
        raise NewsclaimsError(f"cannot reach Label Studio at {conn.url}{hint}")
    client = LabelStudio(base_url=conn.url, api_key=conn.api_key, timeout=timeout)
    call("checking the API key", conn.url, client.users.whoami)
    return Studio(client, conn.url, server_version(conn.url))


def find_project(studio: Studio, title: str) -> Any | None:
    """The project with exactly this title (the lowest id if several share it)."""
    pager = call(
        "listing projects",
        studio.url,
        lambda: studio.client.projects.list(title=title, page_size=100),
    )
    matches = call("listing projects", studio.url, lambda: [p for p in pager if p.title == title])
    return min(matches, key=lambda p: p.id) if matches else None


def ensure_project(studio: Studio, title: str, scheme: Scheme | None = None) -> ProjectInfo:
    """Create the project from label_config.xml, or bring its config up to date.

    Refuses (NewsclaimsError) when the new config would drop a label, choice or
    relation that an existing annotation uses: those annotations would stop
    loading in the editor and fail validation.
    """
    scheme = scheme or load_scheme()
    project = find_project(studio, title)
    if project is None:
        created = call(
            "creating the project",
            studio.url,
            lambda: studio.client.projects.create(title=title, label_config=scheme.config_xml),
        )
        return ProjectInfo(created.id, title, created=True, config_updated=False)
    current = call(
        "reading the project", studio.url, lambda: studio.client.projects.get(id=project.id)
    )
    if normalise_config(current.label_config or "") == normalise_config(scheme.config_xml):
        return ProjectInfo(project.id, title, created=False, config_updated=False)
    missing = sorted(used_names(studio, project.id) - scheme_names(scheme))
    if missing:
        shown = ", ".join(f"{control}={value}" for control, value in missing)
        raise NewsclaimsError(
            f"label_config.xml would remove what existing annotations in project {title!r} "
            f"(id {project.id}) use: {shown}; keep them in the config or fix those annotations"
        )
    call(
        "updating the project's label config",
        studio.url,
        lambda: studio.client.projects.update(id=project.id, label_config=scheme.config_xml),
    )
    return ProjectInfo(project.id, title, created=False, config_updated=True)


def normalise_config(xml: str) -> str:
    return "\n".join(line.rstrip() for line in xml.strip().splitlines())


def scheme_names(scheme: Scheme) -> set[tuple[str, str]]:
    """(control, value) pairs a config offers: labels, choices and relation labels."""
    names = {(control, value) for control, values in scheme.labels.items() for value in values}
    names |= {(name, value) for name, control in scheme.choices.items() for value in control.values}
    names |= {("relation", value) for value in scheme.relations}
    return names


def used_names(studio: Studio, project_id: int) -> set[tuple[str, str]]:
    """(control, value) pairs that the project's annotations use."""
    used: set[tuple[str, str]] = set()
    for task in _iter_tasks(studio, project_id, fields="all", only_annotated=True):
        for annotation in task.get("annotations") or []:
            for item in annotation.get("result") or []:
                used |= _result_names(item)
    return used


def _result_names(item: dict[str, Any]) -> set[tuple[str, str]]:
    if item.get("type") == "relation":
        return {("relation", label) for label in item.get("labels") or []}
    control, value = item.get("from_name"), item.get("value") or {}
    kind = item.get("type")
    values = value.get(kind) if isinstance(kind, str) else None
    if not control or not isinstance(values, list):
        return set()
    return {(control, str(v)) for v in values}


def _iter_tasks(studio: Studio, project_id: int, **params: Any) -> Iterator[dict[str, Any]]:
    """Every task of the project, page by page (the server answers 404 past the last page)."""
    page = 1
    while True:
        try:
            pager = studio.client.tasks.list(
                project=project_id, page=page, page_size=_PAGE_SIZE, **params
            )
        except ApiError as exc:
            if exc.status_code == 404 and page > 1:
                return
            call("listing tasks", studio.url, lambda exc=exc: _raise(exc))
        except httpx.HTTPError as exc:
            call("listing tasks", studio.url, lambda exc=exc: _raise(exc))
        items = pager.items or []
        for task in items:
            yield task.dict()
        if len(items) < _PAGE_SIZE:
            return
        page += 1


def _raise(exc: Exception) -> None:
    raise exc


def existing_article_ids(studio: Studio, project_id: int) -> dict[str, list[int]]:
    """article_id -> task ids already in the project (more than one means duplicates)."""
    found: dict[str, list[int]] = {}
    for task in _iter_tasks(studio, project_id, fields="task_only", include="id,data"):
        aid = (task.get("data") or {}).get("article_id")
        if isinstance(aid, str):
            found.setdefault(aid, []).append(task["id"])
    return found


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
) -> PushResult:
    """Import articles (with predictions) as tasks, skipping those already there.

    Predictions come from `predictions` when given, else (with `suggest`) from the
    rule-based pre-annotator, computed only for the tasks being imported.
    Nothing is sent when the input has errors: the result carries the problems and
    `project_id` None. `progress=None` shows a bar only on a terminal.
    """
    if batch_size < 1:
        raise NewsclaimsError(f"batch size must be at least 1, got {batch_size}")
    given = load_push_input(articles, predictions)
    if any(p.severity is Severity.ERROR for p in given.problems):
        return PushResult(None, problems=given.problems)
    studio = studio or connect()
    project = ensure_project(studio, project_title, scheme)
    result = PushResult(project.id, problems=list(given.problems))
    existing = existing_article_ids(studio, project.id)
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
        for batch in _batches(payloads, batch_size, BATCH_BYTES):
            first, done = done + 1, done + len(batch)
            try:
                response = call(
                    f"importing tasks {first}-{done}",
                    studio.url,
                    lambda batch=batch: studio.client.projects.import_tasks(
                        id=project_id, request=batch, return_task_ids=True
                    ),
                )
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
                result.imported += response.task_count or 0
                result.predictions += response.prediction_count or 0
            bar.update(len(batch))


def _batches(
    payloads: Iterable[dict[str, Any]], max_tasks: int, max_bytes: int
) -> Iterator[list[dict[str, Any]]]:
    """Import requests of at most `max_tasks` tasks and about `max_bytes` of JSON.

    Label Studio has a fixed cost per import request (~0.1 s here: an import record,
    counters, project summary), so requests are as large as is reasonable; bytes
    bound them because articles, and predictions above all, vary a lot in size."""
    batch: list[dict[str, Any]] = []
    size = 0
    for payload in payloads:
        weight = len(orjson.dumps(payload))
        if batch and (len(batch) >= max_tasks or size + weight > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(payload)
        size += weight
    if batch:
        yield batch


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
