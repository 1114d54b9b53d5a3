"""Talking to Label Studio through label-studio-sdk: connect, find or create the
project, list its tasks. Every SDK call goes through `call`, so a failure is one line.

- The server accepts a label config that drops labels existing annotations use (measured
  on 1.23.2), so push checks that itself before updating the project's config.
- It also accepts a config whose object tag reads another task data field
  (`<Text value="$body">` for tasks that hold `text`): every task would show nothing.
  Push refuses that too.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import httpx
import orjson

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.scheme import Scheme, load_scheme
from newsclaims.studio.redact import redact_url
from newsclaims.studio.server import Connection, connection, health, server_version

# label_studio_sdk loads pandas (~1.5 CPU s): it is imported where a call is made, so
# `newsclaims push --help` and the commands' argument parsing do not pay for it.
if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio
    from label_studio_sdk.core.api_error import ApiError
    from label_studio_sdk.core.pagination import SyncPager
    from label_studio_sdk.types import AllRolesProjectList, RoleBasedTask

DEFAULT_PROJECT = "newsclaims"
_PAGE_SIZE = 1000
T = TypeVar("T")


@dataclass
class Studio:
    """A checked connection: the SDK client plus where it points (never the key; a
    password in the URL shown as ***)."""

    client: LabelStudio
    url: str
    version: str | None


@dataclass(frozen=True, slots=True)
class FoundProject:
    id: int
    title: str


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    id: int
    title: str
    created: bool
    config_updated: bool
    assignment: Assignment
    # The instructions the project shows before labeling (None: none shown).
    shown_instructions: str | None = None


def call(what: str, url: str, func: Callable[[], T]) -> T:
    """Run one SDK call; turn transport and HTTP errors into one line (no key, no
    traceback, no password of the URL)."""
    from label_studio_sdk.core.api_error import ApiError

    url = redact_url(url)
    try:
        return func()
    except (ApiError, httpx.HTTPError) as exc:
        raise failure(what, url, exc) from None


def failure(what: str, url: str, exc: ApiError | httpx.HTTPError) -> NewsclaimsError:
    """The one line for an SDK call that failed."""
    if isinstance(exc, httpx.HTTPError):
        return NewsclaimsError(
            f"cannot reach Label Studio at {url} while {what} ({type(exc).__name__})"
        )
    if exc.status_code in (401, 403):
        return NewsclaimsError(
            f"Label Studio at {url} rejected the API key (HTTP {exc.status_code}) while {what}"
        )
    detail = _short(exc.body)
    return NewsclaimsError(
        f"Label Studio at {url} answered HTTP {exc.status_code} while {what}: {detail}"
    )


class _FromServer(Protocol):
    @property
    def id(self) -> int | None: ...


class _ProjectSettings(Protocol):
    """What the SDK's project models (get, create and update answers) share."""

    @property
    def expert_instruction(self) -> str | None: ...
    @property
    def show_instruction(self) -> bool | None: ...
    @property
    def maximum_annotations(self) -> int | None: ...
    @property
    def overlap_cohort_percentage(self) -> int | None: ...


def server_id(made: _FromServer, what: str) -> int:
    """The id Label Studio gave `made` (the SDK types every id optional: read-only fields)."""
    if made.id is None:
        raise NewsclaimsError(f"Label Studio returned {what} without an id")
    return made.id


def _short(body: Any, limit: int = 300) -> str:
    text = body if isinstance(body, str) else orjson.dumps(body).decode("utf-8", "replace")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def connect(conn: Connection | None = None, *, timeout: float = 120.0) -> Studio:
    """A client for the configured server, after checking it is up and takes the key."""
    conn = conn or connection()
    if not health(conn.url, timeout=5.0):
        hint = " (start it with `newsclaims studio start`)" if conn.local else ""
        raise NewsclaimsError(f"cannot reach Label Studio at {redact_url(conn.url)}{hint}")
    from label_studio_sdk import LabelStudio

    client = LabelStudio(base_url=conn.url, api_key=conn.api_key, timeout=timeout)
    call("checking the API key", conn.url, client.users.whoami)
    return Studio(client, redact_url(conn.url), server_version(conn.url))


def find_project(studio: Studio, title: str) -> FoundProject | None:
    """The project with exactly this title (the lowest id if several share it)."""
    pager: Iterable[AllRolesProjectList] = call(
        "listing projects",
        studio.url,
        lambda: studio.client.projects.list(title=title, page_size=100),
    )
    matches = call("listing projects", studio.url, lambda: [p for p in pager if p.title == title])
    ids = [server_id(p, "a project") for p in matches]
    return FoundProject(min(ids), title) if ids else None


def ensure_project(studio: Studio, title: str, scheme: Scheme | None = None) -> ProjectInfo:
    """Create the project from label_config.xml, or bring its config up to date.

    Refuses (NewsclaimsError) when the new config would drop a label, choice or
    relation that an existing annotation uses: those annotations would stop
    loading in the editor and fail validation; or when it would show a task data
    field that the project's tasks lack: they would show no text.
    """
    scheme = scheme or load_scheme()
    project = find_project(studio, title)
    if project is None:
        return _create_project(studio, title, scheme)
    current = call(
        "reading the project", studio.url, lambda: studio.client.projects.get(id=project.id)
    )
    shown, assignment = shown_instructions(current), assignment_of(current)
    if normalise_config(current.label_config or "") == normalise_config(scheme.config_xml):
        return ProjectInfo(project.id, title, created=False, config_updated=False,
                           assignment=assignment, shown_instructions=shown)
    missing = sorted(used_names(studio, project.id) - scheme_names(scheme))
    if missing:
        used = ", ".join(f"{control}={value}" for control, value in missing)
        raise NewsclaimsError(
            f"label_config.xml would remove what existing annotations in project {title!r} "
            f"(id {project.id}) use: {used}; keep them in the config or fix those annotations"
        )
    _refuse_data_field_change(studio, project.id, title, current.label_config or "", scheme)
    call(
        "updating the project's label config",
        studio.url,
        lambda: studio.client.projects.update(id=project.id, label_config=scheme.config_xml),
    )
    return ProjectInfo(project.id, title, created=False, config_updated=True,
                       assignment=assignment, shown_instructions=shown)


def _create_project(studio: Studio, title: str, scheme: Scheme) -> ProjectInfo:
    """A new project that shows the instructions from its first request: a PATCH to
    add them costs the server 0.15-0.4 s (measured on 1.23.2), on every first push."""
    from newsclaims.studio.instructions import instructions_html  # (which imports this module)

    html = instructions_html()
    created = call(
        "creating the project",
        studio.url,
        lambda: studio.client.projects.create(title=title, label_config=scheme.config_xml,
                                              expert_instruction=html, show_instruction=True),
    )
    return ProjectInfo(server_id(created, "the new project"), title, created=True,
                       config_updated=False, assignment=assignment_of(created),
                       shown_instructions=shown_instructions(created))


def shown_instructions(project: _ProjectSettings) -> str | None:
    """The instructions the project shows before labeling, as the server stored them
    (cleaned by bleach); None when it shows none."""
    return project.expert_instruction if project.show_instruction else None


@dataclass(frozen=True, slots=True)
class Assignment:
    """How many annotators each task gets, as the project keeps it: `per_task` for
    `overlap_percent` % of the tasks, one for the rest. Label Studio's own settings
    (`maximum_annotations`, `overlap_cohort_percentage`), so its labeling stream honours
    them; the server picks which tasks are in the overlap (at random, again whenever
    tasks are added). Its task locks keep a task from being handed to more annotators
    than it needs, except on SQLite, where it picks and locks without a transaction:
    there concurrent annotators sometimes get the same task (measured in docs/team.md).
    """

    per_task: int
    overlap_percent: int

    @classmethod
    def of(cls, overlap: float | None, per_task: int | None) -> Assignment:
        """From push's options: `--overlap 0.2 --per-task 2`; `--overlap` alone means two
        annotators, `--per-task` alone every task; `--overlap 0` one annotator per task."""
        share = 1.0 if overlap is None else overlap
        if not 0.0 <= share <= 1.0:
            raise NewsclaimsError(f"--overlap is a share of the tasks, 0 to 1; got {overlap}")
        percent = round(share * 100)
        if abs(share * 100 - percent) > 1e-6:
            raise NewsclaimsError(
                f"--overlap must be a whole percent (Label Studio keeps an integer); got {overlap}")
        if percent == 0:
            if per_task not in (None, 1):
                raise NewsclaimsError("--overlap 0 means one annotator per task; drop --per-task")
            return cls(1, 100)  # Label Studio's defaults: every task once
        per_task = 2 if per_task is None else per_task
        if per_task < 2:
            raise NewsclaimsError(f"--per-task must be at least 2 for an overlap; got {per_task}")
        return cls(per_task, percent)

    def describe(self) -> str:
        if self.per_task == 1:
            return "every task by 1 annotator"
        if self.overlap_percent == 100:
            return f"every task by {self.per_task} annotators"
        return f"{self.overlap_percent}% of tasks by {self.per_task} annotators, the rest by 1"


def project_assignment(studio: Studio, project_id: int) -> Assignment:
    project = call("reading the project", studio.url,
                   lambda: studio.client.projects.get(id=project_id))
    return assignment_of(project)


def assignment_of(project: _ProjectSettings) -> Assignment:
    """The assignment a project model from the server holds (None fields: the defaults)."""
    percent = project.overlap_cohort_percentage
    return Assignment(project.maximum_annotations or 1, 100 if percent is None else percent)


def set_assignment(studio: Studio, project_id: int, assignment: Assignment,
                   current: Assignment) -> Assignment:
    """Store the assignment in the project unless `current` (the project's) is it
    already; returns the project's assignment as the server answered. The server then
    re-draws which tasks are in the overlap, keeping tasks that already have enough
    annotations in it."""
    if current == assignment:
        return current
    updated = call("setting the project's annotators per task", studio.url,
                   lambda: studio.client.projects.update(
                       id=project_id, maximum_annotations=assignment.per_task,
                       overlap_cohort_percentage=assignment.overlap_percent))
    return assignment_of(updated)


def normalise_config(xml: str) -> str:
    return "\n".join(line.rstrip() for line in xml.strip().splitlines())


def data_fields(config_xml: str) -> dict[str, str]:
    """Object tag name -> the task data field it shows (`<Text name="text"
    value="$text">` -> text). Control tags (with `toName`) and tags without a name
    (a `<Header value="$title">`) show no task to annotate."""
    try:
        root = ET.fromstring(config_xml)
    except ET.ParseError:
        return {}
    return {el.get("name", ""): el.get("value", "")[1:] for el in root.iter()
            if el.get("name") and el.get("toName") is None
            and el.get("value", "").startswith("$")}


def _refuse_data_field_change(studio: Studio, project_id: int, title: str, current_xml: str,
                          scheme: Scheme) -> None:
    """Refuse a config that shows the project's tasks another data field than its
    current config does, once there are tasks: they were made for that field (their
    annotations point into it), and the server would accept the change and show
    nothing, or another text. A new object tag may read a field every task has."""
    now, new = data_fields(current_xml), data_fields(scheme.config_xml)
    changed = sorted((name, now[name], field) for name, field in new.items()
                     if name in now and now[name] != field)
    added = {field for name, field in new.items() if name not in now} - set(now.values())
    if not changed and not added:
        return
    total = lacking = 0
    for task in _iter_tasks(studio, project_id, fields="task_only", include="id,data"):
        total += 1
        lacking += not added <= set(task.get("data") or {})
    where = f"project {title!r} (id {project_id})"
    if changed and total:
        shown = ", ".join(f'name="{n}" value="${new_field}" (now "${old}")'
                          for n, old, new_field in changed)
        raise NewsclaimsError(
            f"label_config.xml changes the task data shown by {shown}, but the {total} tasks "
            f"of {where} were made for what it shows now (their annotations point into it); "
            "keep the data field or import the tasks anew into another project")
    if lacking:
        raise NewsclaimsError(
            f"label_config.xml shows task data {', '.join(f'${f}' for f in sorted(added))} "
            f"that {lacking} of the {total} tasks of {where} do not have: they would show "
            "nothing; leave it out or import the tasks anew")


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
    from label_studio_sdk.core.api_error import ApiError

    page = 1
    while True:
        try:
            pager: SyncPager[RoleBasedTask, Any] = studio.client.tasks.list(
                project=project_id, page=page, page_size=_PAGE_SIZE, **params
            )
        except ApiError as exc:
            if exc.status_code == 404 and page > 1:
                return
            raise failure("listing tasks", studio.url, exc) from None
        except httpx.HTTPError as exc:
            raise failure("listing tasks", studio.url, exc) from None
        items = pager.items or []
        for task in items:
            yield task.dict()
        if len(items) < _PAGE_SIZE:
            return
        page += 1


def project_tasks(studio: Studio, project_id: int) -> Iterator[dict[str, Any]]:
    """Every task as the Data Manager lists it: data, annotations (of everyone), and
    the server's own bookkeeping (`overlap`: annotators the task needs; `is_labeled`)."""
    return _iter_tasks(studio, project_id, fields="all")


def existing_article_ids(studio: Studio, project_id: int) -> dict[str, list[int]]:
    """article_id -> task ids already in the project (more than one means duplicates)."""
    found: dict[str, list[int]] = {}
    for task in _iter_tasks(studio, project_id, fields="task_only", include="id,data"):
        aid = (task.get("data") or {}).get("article_id")
        if isinstance(aid, str):
            found.setdefault(aid, []).append(task["id"])
    return found


@dataclass(frozen=True, slots=True)
class Imported:
    """What the server counted for one import request."""

    tasks: int
    predictions: int


def import_tasks(studio: Studio, project_id: int, body: bytes) -> Imported:
    """POST `body`, a JSON array of tasks already encoded (push encodes each task once,
    with orjson, to size its requests), to the project's import endpoint.

    The SDK's `projects.import_tasks` would walk every task again with its pure-Python
    `jsonable_encoder` and have httpx encode it once more: ~0.4 CPU s per 10,000
    articles. So this sends the same request through the SDK's own HttpClient, which
    keeps its auth headers, base URL, timeout and retries; that client is private
    (`_client_wrapper.httpx_client` in label-studio-sdk 2.1.2, the pinned version).
    A refusal raises the SDK's ApiError with the server's body, as the SDK would, so
    `call` words it the same way.
    """
    from label_studio_sdk.core.api_error import ApiError

    response = studio.client._client_wrapper.httpx_client.request(
        f"api/projects/{project_id}/import", method="POST", content=body,
        headers={"content-type": "application/json"},
    )
    try:
        answer = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        answer = response.text
    if not 200 <= response.status_code < 300 or not isinstance(answer, dict):
        raise ApiError(status_code=response.status_code, headers=dict(response.headers),
                       body=answer)
    # Label Studio 1.23.2 answers `prediction_count` (the SDK's model says `predictions_count`).
    return Imported(answer.get("task_count") or 0, answer.get("prediction_count") or 0)
