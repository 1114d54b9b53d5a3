"""`push --overlap 0.2 --per-task 2`: the setting lives in the project, the server draws
the overlap tasks itself (a whole-number percent of all tasks, drawn again when tasks
are added), and its labeling stream gives an overlap task to a second annotator
without showing the first one's work."""

from __future__ import annotations

import json

import pytest
from stream import StreamAnnotator, articles, result_for
from team_helpers import add_annotators, cli_env, newsclaims

from newsclaims.studio.client import Assignment, find_project, project_assignment, project_tasks
from newsclaims.studio.push import push

pytestmark = pytest.mark.integration


def _targets(studio, title: str) -> list[int]:
    conn = studio.connect()
    project = find_project(conn, title)
    return sorted(t["overlap"] for t in project_tasks(conn, project.id))


def _write(path, rows) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    return str(path)


def test_overlap_is_a_project_setting_the_server_applies(studio, project_title, tmp_path):
    team_env = cli_env(studio)
    first = _write(tmp_path / "a.jsonl", articles(50, "first-"))
    done = newsclaims(team_env, "push", first, "--project", project_title, "--no-predictions",
                      "--overlap", "0.2", "--per-task", "2", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["assignment"] == {"per_task": 2, "overlap_percent": 20}
    project = studio.client().projects.get(id=json.loads(done.stdout)["project_id"])
    assert (project.maximum_annotations, project.overlap_cohort_percentage) == (2, 20)
    assert _targets(studio, project_title) == [1] * 40 + [2] * 10

    # Ten more articles, no options: the project keeps its setting, and the server draws
    # the overlap again over all 60 tasks (20% = 12).
    more = _write(tmp_path / "b.jsonl", articles(10, "more-"))
    again = newsclaims(team_env, "push", more, "--project", project_title, "--no-predictions")
    assert again.returncode == 0, again.stderr
    assert "annotators: 20% of tasks by 2 annotators, the rest by 1 (project setting)" \
        in again.stdout
    assert _targets(studio, project_title) == [1] * 48 + [2] * 12

    # Not a whole percent: refused before anything is sent.
    odd = newsclaims(team_env, "push", more, "--project", project_title, "--overlap", "0.125")
    assert odd.returncode == 2 and "whole percent" in odd.stderr


def test_push_reports_the_assignment_the_server_holds(studio, project_title):
    """Push knows the assignment without asking again after the import: read with the
    project, or as the server answered the change."""
    conn = studio.connect()
    rows = articles(3, "report-")
    new = push(rows[:1], project_title=project_title, studio=conn, suggest=False)
    assert new.assignment == project_assignment(conn, new.project_id) == Assignment(1, 100)
    changed = push(rows[1:2], project_title=project_title, studio=conn, suggest=False,
                   assignment=Assignment(3, 40))
    assert changed.assignment == project_assignment(conn, new.project_id) == Assignment(3, 40)
    kept = push(rows[2:], project_title=project_title, studio=conn, suggest=False)
    assert kept.assignment == project_assignment(conn, new.project_id) == Assignment(3, 40)


def test_the_stream_gives_an_overlap_task_to_a_second_annotator_blind(studio, project_title,
                                                                     tmp_path):
    team_env = cli_env(studio)
    path = _write(tmp_path / "a.jsonl", articles(5, "blind-"))
    done = newsclaims(team_env, "push", path, "--project", project_title, "--no-predictions",
                      "--overlap", "1", "--per-task", "2", "--json")
    assert done.returncode == 0, done.stderr
    project_id = json.loads(done.stdout)["project_id"]
    one, two, three = (StreamAnnotator(studio.url, login.token, project_id)
                       for login in add_annotators(team_env, 3))
    task = one.next_task()
    one.submit(task, result_for(task["data"]["text"], "one"), 40.0)

    # The second annotator is served the task the first one finished (the stream fills
    # tasks already started first), without its annotation.
    served = two.next_task()
    assert served["id"] == task["id"]
    assert served["annotations"] == []
    # The same task through the task API (what the Data Manager shows) does hold it:
    # only the stream is blind.
    shown = two.http.get(f"/api/tasks/{task['id']}").json()
    assert len(shown["annotations"]) == 1
    two.submit(served, result_for(served["data"]["text"], "two"), 50.0)
    # Complete with two: a third annotator is served another task.
    assert three.next_task()["id"] != task["id"]
    for annotator in (one, two, three):
        annotator.close()
