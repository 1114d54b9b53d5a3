"""Unit tests for the Label Studio plumbing that need no server."""

from __future__ import annotations

import io
import json
import stat
from datetime import UTC, datetime

import pytest

from newsclaims.core.articles import load_push_input
from newsclaims.core.errors import NewsclaimsError, Severity
from newsclaims.core.ids import article_id
from newsclaims.core.scheme import load_scheme
from newsclaims.studio import apps, server
from newsclaims.studio.client import _result_names, scheme_names
from newsclaims.studio.pull import _new_export_path, _tasks_of, export_counts, slugify
from newsclaims.studio.push import push


def _article(text: str, **extra) -> dict:
    return {"text": text, "article_id": article_id(text), "title": "T", "tags": [], **extra}


def test_ingested_articles_become_task_data_without_origin():
    origin = {"path": "seeds/a.txt", "format": "txt"}
    given = load_push_input([_article("One.", origin=origin), _article("Two.")])
    assert given.problems == []
    assert given.tasks == [_article("One."), _article("Two.")]


def test_bad_articles_each_get_a_problem_with_file_and_line(tmp_path):
    path = tmp_path / "a.jsonl"
    rows = [
        json.dumps(_article("Fine.")),
        "",
        "[1, 2",
        json.dumps({**_article("Mismatch."), "article_id": "f" * 16}),
        json.dumps({**_article("Extra."), "colour": "red"}),
        json.dumps(_article("Fine.")),
    ]
    path.write_text("\n".join(rows) + "\n", "utf-8")
    given = load_push_input(path)
    found = [(p.severity, p.code, p.line) for p in given.problems]
    assert found == [
        (Severity.ERROR, "invalid-json", 3),
        (Severity.ERROR, "article-id-mismatch", 4),
        (Severity.ERROR, "task-schema", 5),
        (Severity.WARNING, "article-duplicate", 6),
    ]
    assert all(p.file == str(path) for p in given.problems)
    assert [t["article_id"] for t in given.tasks] == [article_id("Fine.")]


def test_predictions_are_grouped_and_checked():
    articles = [_article("Alpha said so.")]
    aid = articles[0]["article_id"]
    predictions = [
        {"article_id": aid, "model_version": "m1", "score": 0.9, "result": []},
        {"article_id": aid, "model_version": "", "result": []},
        {"article_id": "0" * 16, "model_version": "m1", "result": []},
        {"article_id": aid, "model_version": "m1", "score": "high", "result": []},
    ]
    given = load_push_input(articles, predictions)
    assert given.predictions == {aid: [{"model_version": "m1", "score": 0.9, "result": []}]}
    assert [(p.code, p.severity) for p in given.problems] == [
        ("prediction-shape", Severity.ERROR),
        ("prediction-without-article", Severity.WARNING),
        ("prediction-shape", Severity.ERROR),
    ]


def test_push_with_bad_input_sends_nothing_and_needs_no_server(monkeypatch):
    monkeypatch.setenv(server.ENV_URL, "http://127.0.0.1:9")  # nothing listens: a call would fail
    monkeypatch.setenv(server.ENV_API_KEY, "x" * 20)
    result = push([{"text": "no id"}], project_title="p")
    assert result.project_id is None
    assert [p.code for p in result.problems] == ["task-schema"]


def test_server_env_scrubs_leaking_names_and_sets_headless_admin(tmp_path, monkeypatch):
    for name in ("HOST", "PORT", "USERNAME", "PASSWORD", "LABEL_STUDIO_PORT"):
        monkeypatch.setenv(name, "leak")
    paths = server.studio_paths(tmp_path)
    creds = server.ensure_credentials(paths)
    env = server.server_env(paths, creds)
    assert not {"HOST", "PORT", "USERNAME", "PASSWORD", "LABEL_STUDIO_PORT"} & set(env)
    assert env["LABEL_STUDIO_BASE_DATA_DIR"] == str(paths.data)
    assert env["LABEL_STUDIO_USER_TOKEN"] == creds.token
    assert 6 <= len(creds.token) <= 40
    assert env["LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK"] == "true"


def test_credentials_are_generated_once_private_and_never_shown(tmp_path):
    paths = server.studio_paths(tmp_path / "s")
    first = server.ensure_credentials(paths)
    assert server.ensure_credentials(paths) == first
    assert stat.S_IMODE(paths.credentials.stat().st_mode) == 0o600
    assert first.token not in repr(first) and first.password not in repr(first)
    other = server.ensure_credentials(server.studio_paths(tmp_path / "t"))
    assert other.token != first.token


def test_connection_prefers_environment_and_wants_both(tmp_path, monkeypatch):
    monkeypatch.setenv(server.ENV_URL, "http://example.test:8080/")
    monkeypatch.setenv(server.ENV_API_KEY, "secret-key-123")
    conn = server.connection(server.studio_paths(tmp_path))
    assert (conn.url, conn.api_key, conn.local) == (
        "http://example.test:8080",
        "secret-key-123",
        False,
    )
    assert "secret-key-123" not in repr(conn)
    monkeypatch.delenv(server.ENV_API_KEY)
    with pytest.raises(NewsclaimsError, match="set both"):
        server.connection(server.studio_paths(tmp_path))
    monkeypatch.delenv(server.ENV_URL)
    with pytest.raises(NewsclaimsError, match="studio start"):
        server.connection(server.studio_paths(tmp_path))


def test_studio_dir_comes_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(server.ENV_DIR, str(tmp_path / "elsewhere"))
    assert server.studio_paths().base == tmp_path / "elsewhere"


def test_port_move_is_read_from_the_log():
    assert apps.moved_port("* Trying to start at 8081\n") == 8081
    assert apps.moved_port("Starting development server at http://127.0.0.1:8080/\n") is None
    log = "* Trying to start at 8081\n*** WARNING! ***\n* Port 9000 is in use.\n"
    assert apps.moved_port(log + "* Trying to start at 9001\n") == 9001


def test_status_is_down_without_state_or_with_a_dead_pid(tmp_path):
    paths = server.studio_paths(tmp_path)
    assert not server.status(paths).up
    paths.base.mkdir(exist_ok=True)
    paths.state.write_text(json.dumps({"pid": 2**22 + 12345, "url": "http://127.0.0.1:9"}))
    assert not server.status(paths).up
    assert server.stop(paths) == server.StopReport(processes=0, cluster=False)


def test_export_paths_never_collide(tmp_path):
    when = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
    first = _new_export_path(tmp_path, slugify("News Claims: Pilot!"), when)
    assert first.name == "news-claims-pilot-20260506T070809Z.json"
    first.write_text("[]")
    second = _new_export_path(tmp_path, "news-claims-pilot", when)
    assert second.name == "news-claims-pilot-20260506T070809Z-2.json"


def test_a_pulled_export_is_counted_task_by_task_as_label_studio_wrote_it():
    tasks = [{"id": i, "data": {"text": "é" * i},
              "annotations": [{"id": i, "completed_by": {"id": i % 2}, "was_cancelled": False}],
              "predictions": [{"id": 1}, {"id": 2}]} for i in range(1, 6)]
    fh = io.BytesIO(json.dumps(tasks, ensure_ascii=False).encode())  # one line, as LS writes it
    assert export_counts(_tasks_of(fh, 7)) == {
        "task_count": 5, "annotation_count": 5, "prediction_count": 10, "annotators": 2,
        "tasks_by_annotators": {"1": 5}}


@pytest.mark.parametrize(("data", "why"), [
    (b'{"id": 1}', "not a JSON list"),
    (b'[{"id": 1}, 2]', "an item is not an object"),
    (b'[{"id": 1}, {"id": 2', "truncated"),
    (b'[{"id": 123456789012345678901234567890}]', "beyond 64 bits"),
])
def test_a_pulled_export_that_is_not_a_list_of_tasks_is_refused(data, why):
    with pytest.raises(NewsclaimsError, match=f"export of project 7 is not a JSON list of "
                                              f"tasks: .*{why}"):
        export_counts(_tasks_of(io.BytesIO(data), 7))


def test_used_names_cover_labels_choices_and_relations():
    scheme = load_scheme()
    names = scheme_names(scheme)
    span = {"from_name": "entity", "type": "labels", "value": {"labels": ["ORG"]}}
    choice = {"from_name": "source_type", "type": "choices", "value": {"choices": ["ANONYMOUS"]}}
    relation = {"type": "relation", "labels": ["cue"]}
    used = _result_names(span) | _result_names(choice) | _result_names(relation)
    assert used == {("entity", "ORG"), ("source_type", "ANONYMOUS"), ("relation", "cue")}
    assert used <= names
    assert ("entity", "PERSONA") not in names
