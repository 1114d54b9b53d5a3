"""A real Label Studio asks `newsclaims backend` for suggestions: tasks imported without
predictions get the rules' (checked by the validator), pushed ones keep theirs, and
no task takes either server down."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import httpx
import pytest

from newsclaims.core.errors import NewsclaimsError, Severity
from newsclaims.core.ids import article_id
from newsclaims.core.result_rules import check_result
from newsclaims.preannotate import model_version
from newsclaims.studio.ml_backend import BACKEND_TITLE, connect_backend
from newsclaims.studio.push import push
from newsclaims.studio.server import health

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SEED = next(iter((REPO / "seeds").glob("*.txt"))).read_text("utf-8")
TEXT = SEED.replace("\r", "").split("\n\n", 2)[-1]


def _import(studio, project_id: int, tasks: list[dict]) -> list[int]:
    done = studio.client().projects.import_tasks(id=project_id, request=tasks,
                                                 return_task_ids=True)
    return list(done.task_ids)


def _opened(studio, task_id: int) -> list[dict]:
    """The task's predictions as the data manager gets them when the task is opened."""
    task = studio.client().tasks.get(id=task_id)
    return [p.dict() for p in task.predictions or []]


def test_connect_sets_the_project_to_show_the_backends_suggestions(studio, fresh_project,
                                                                   ml_backend):
    conn = studio.connect()
    link = connect_backend(conn, url=ml_backend, project_title=fresh_project.title)
    assert (link.created, link.state, link.model_version) == (True, "Connected", model_version())
    again = connect_backend(conn, url=ml_backend + "/", project_title=fresh_project.title)
    assert (again.created, again.backend_id) == (False, link.backend_id)
    [registered] = studio.client().ml.list(project=fresh_project.id)
    assert (registered.title, registered.is_interactive) == (BACKEND_TITLE, False)
    project = studio.client().projects.get(id=fresh_project.id)
    assert project.model_version == BACKEND_TITLE
    assert project.show_collab_predictions is True
    assert project.evaluate_predictions_automatically is False


def test_a_task_imported_without_predictions_gets_the_rules_suggestions(studio, fresh_project,
                                                                        ml_backend):
    connect_backend(studio.connect(), url=ml_backend, project_title=fresh_project.title)
    [task_id] = _import(studio, fresh_project.id, [{"data": {"text": TEXT, "title": "t"}}])
    [prediction] = _opened(studio, task_id)
    assert prediction["model_version"] == model_version()
    errors = [p for p in check_result(prediction["result"], TEXT)
              if p.severity is Severity.ERROR]
    assert prediction["result"] and errors == []
    assert len(_opened(studio, task_id)) == 1  # asked once, not on every opening
    # The labeling stream ("Label All Tasks") shows the same suggestion.
    nxt = httpx.get(f"{studio.url}/api/projects/{fresh_project.id}/next", timeout=60,
                    headers={"Authorization": f"Token {studio.api_key}"}).json()
    assert [p["model_version"] for p in nxt["predictions"]] == [model_version()]


def test_predictions_pushed_earlier_stay_and_are_not_asked_for_again(studio, project_title,
                                                                     ml_backend):
    conn = studio.connect()
    article = {"text": TEXT, "article_id": article_id(TEXT), "title": "t"}
    pushed = push([article], project_title=project_title, studio=conn)
    connect_backend(conn, url=ml_backend, project_title=project_title)
    older = {"model_version": "rules-older", "score": 0.5, "result": []}
    [pushed_id] = [t.id for t in studio.client().tasks.list(project=pushed.project_id)]
    [older_id] = _import(studio, pushed.project_id, [{"data": {"text": TEXT},
                                                      "predictions": [older]}])
    assert [p["model_version"] for p in _opened(studio, pushed_id)] == [model_version()]
    assert [p["model_version"] for p in _opened(studio, older_id)] == ["rules-older"]
    studio.client().projects.delete(id=pushed.project_id)


@pytest.mark.parametrize("data", [
    {"text": 2.5},  # Label Studio itself refuses a missing, null or object text
    {"text": 5},
    {"text": ["a", "list"]},
    {"text": ""},
    {"text": "word " * 250_000},  # 1,250,000 characters: over the backend's limit
], ids=["float", "integer", "list", "empty", "huge"])
def test_a_bad_task_gets_no_suggestion_and_both_servers_stay_up(studio, fresh_project,
                                                                ml_backend, data):
    connect_backend(studio.connect(), url=ml_backend, project_title=fresh_project.title)
    [task_id] = _import(studio, fresh_project.id, [{"data": data}])
    assert _opened(studio, task_id) == []
    assert health(studio.url)
    with urllib.request.urlopen(f"{ml_backend}/health", timeout=2) as resp:
        assert json.loads(resp.read())["status"] == "UP"


def test_an_unreachable_backend_is_refused_in_one_line(studio, fresh_project):
    with pytest.raises(NewsclaimsError, match=r"answered HTTP 400 while adding the ML backend"):
        connect_backend(studio.connect(), url="http://127.0.0.1:9",
                        project_title=fresh_project.title)
    assert studio.client().ml.list(project=fresh_project.id) == []


def test_a_missing_project_is_named(studio, project_title, ml_backend):
    with pytest.raises(NewsclaimsError, match=f"no project '{project_title}'.*newsclaims push"):
        connect_backend(studio.connect(), url=ml_backend, project_title=project_title)
