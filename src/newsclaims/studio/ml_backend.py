"""`newsclaims studio connect-backend`: register `newsclaims backend` on a project, with
the prediction settings that make Label Studio 1.23.2 show its suggestions.

How that server picks the predictions it shows (read from its code):

- Data manager, a task opened from the list (`GET /api/tasks/<id>`, tasks/api.py):
  if the task has no prediction at all and `show_collab_predictions` (or the
  deprecated `evaluate_predictions_automatically`) is set, the project's first ML
  backend is asked; then **every** prediction of the task is shown, whatever its
  `model_version` (DataManagerTaskSerializer).
- Labeling stream ("Label All Tasks", `/api/projects/<id>/next`,
  Task.get_predictions_for_prelabeling): with `show_collab_predictions`, if the
  project's `model_version` is the **title** of one of its ML backends, the backend is
  asked for tasks that have no prediction of the backend's current model_version (the
  one /setup reports), and the predictions of that version are shown; otherwise only
  predictions whose `model_version` equals the project's are shown.
- `evaluate_predictions_automatically` also asks the backend for every task of each
  page the data manager lists: left off (the open task is enough, and a list of
  hundreds of tasks would wait on it).

So the backend is registered under a fixed title and the project's `model_version`
is set to that title. Predictions `push` attached under the rules' version are shown
as before (the backend reports the same version, so those tasks are not asked
again); predictions under any other version stay in the task and are listed in the
data manager, and the stream shows the backend's (it asks for them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from newsclaims.core.errors import NewsclaimsError
from newsclaims.studio.backend import DEFAULT_HOST, DEFAULT_PORT
from newsclaims.studio.client import DEFAULT_PROJECT, Studio, call, find_project

BACKEND_TITLE = "newsclaims-rules"
DEFAULT_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"


@dataclass
class BackendLink:
    project_id: int
    backend_id: int
    created: bool
    state: str | None  # Label Studio's readable state: Connected, Error, ...
    model_version: str | None  # what the backend's /setup reported
    interactive: bool
    others: list[str] = field(default_factory=list)  # URLs of other backends on the project


def connect_backend(
    studio: Studio,
    *,
    url: str = DEFAULT_URL,
    project_title: str = DEFAULT_PROJECT,
    interactive: bool = False,
) -> BackendLink:
    """Register (or update) the backend at `url` on the project and point the project's
    prediction settings at it. Label Studio checks /health and /setup before it
    accepts the URL, so an unreachable backend is an error here, not later."""
    project = find_project(studio, project_title)
    if project is None:
        raise NewsclaimsError(
            f"no project {project_title!r} on {studio.url}: `newsclaims push` creates it"
        )
    url = url.rstrip("/")
    existing = call("listing ML backends", studio.url,
                    lambda: studio.client.ml.list(project=project.id))
    mine = _at_url(existing, url)
    # `project` also on updates: 1.23.2 checks the backend's /setup on every save and
    # fails (HTTP 500) when the request does not name the project.
    settings = {"project": project.id, "url": url, "title": BACKEND_TITLE,
                "is_interactive": interactive, "auto_update": True}
    if mine is not None:
        backend = call("updating the ML backend", studio.url,
                       lambda: studio.client.ml.update(id=mine.id, **settings))
    else:
        backend = call("adding the ML backend", studio.url, lambda: _add(studio, url, settings))
    call("setting the project's prediction settings", studio.url,
         lambda: studio.client.projects.update(
             id=project.id,
             model_version=BACKEND_TITLE,
             show_collab_predictions=True,
             evaluate_predictions_automatically=False,
         ))
    return BackendLink(
        project_id=project.id,
        backend_id=backend.id,
        created=mine is None,
        state=backend.readable_state,
        model_version=backend.model_version,
        interactive=interactive,
        others=[b.url for b in existing if b.id != backend.id and b.url],
    )


def _at_url(backends: list[Any], url: str) -> Any | None:
    return next((b for b in backends if (b.url or "").rstrip("/") == url), None)


def _add(studio: Studio, url: str, settings: dict[str, Any]) -> Any:
    """Add the backend. Label Studio 1.23.2 saves a backend on a local address, then
    answers 403: adding it also adds a webhook to <url>/webhook, which the server's
    SSRF guard (on by default, unlike the ML one) refuses by raising. The saved backend
    is then updated instead, which checks it again and adds no webhook (this backend
    ignores webhooks anyway)."""
    from label_studio_sdk.core.api_error import ApiError  # with the SDK, on first use

    try:
        return studio.client.ml.create(**settings)
    except ApiError as exc:
        saved = (_at_url(studio.client.ml.list(project=settings["project"]), url)
                 if exc.status_code == 403 else None)
        if saved is None:
            raise
        return studio.client.ml.update(id=saved.id, **settings)
