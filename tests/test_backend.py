"""`newsclaims backend` speaks Label Studio's ML backend protocol, returns only results
the validator accepts for the project's own config, and survives any task or body."""

from __future__ import annotations

import inspect
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from newsclaims.cli.backend import backend as backend_command
from newsclaims.cli.studio import connect_backend as connect_command
from newsclaims.core.errors import Severity
from newsclaims.core.result_rules import check_result
from newsclaims.core.scheme import load_scheme, parse_scheme
from newsclaims.preannotate import model_version
from newsclaims.studio import backend
from newsclaims.studio.client import DEFAULT_PROJECT
from newsclaims.studio.ml_backend import DEFAULT_URL

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_scheme().config_xml
SEED = next(iter((ROOT / "seeds").glob("*.txt"))).read_text("utf-8")
TEXT = SEED.split("\n\n", 2)[-1]  # body paragraphs: enough text for every rule to fire
NEWSCLAIMS = str(Path(sys.executable).with_name("newsclaims"))


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = backend.create_app(max_text_chars=50_000, max_body_bytes=200_000)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _predict(client: TestClient, tasks: list, config: str | None = CONFIG) -> list:
    response = client.post("/predict", json={"tasks": tasks, "project": "1.1",
                                             "label_config": config, "params": {}})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) == len(tasks)
    return results


def _errors(result: list, text: str, config: str = CONFIG) -> list:
    return [p for p in check_result(result, text, scheme=parse_scheme(config))
            if p.severity is Severity.ERROR]


def test_health_and_setup_report_the_rules_version(client):
    assert client.get("/health").json() == {
        "status": "UP", "model_class": "newsclaims-rules", "model_version": model_version()}
    setup = client.post("/setup", json={"project": "1.1", "schema": CONFIG})
    assert setup.json() == {"model_version": model_version()}


def test_setup_refuses_a_project_whose_config_lacks_our_names(client):
    narrower = re.sub(r'\s*<Label value="LAW"[^>]*/>', "", CONFIG)
    narrower = re.sub(r'\s*<Choice value="HEDGED"[^>]*/>', "", narrower)
    response = client.post("/setup", json={"project": "1.1", "schema": narrower})
    assert response.status_code == 422
    assert response.json()["error"] == (
        "the project's label config lacks entity=LAW, certainty=HEDGED")
    assert client.post("/setup", json={"schema": "<View"}).status_code == 422
    assert client.post("/setup", json={"schema": 5}).status_code == 400


def test_a_prediction_per_task_in_order_each_valid_for_the_project(client):
    tasks = [{"id": 7, "data": {"text": TEXT, "article_id": "a"}},
             {"id": 8, "data": {"text": "Nothing to see here."}}]
    first, second = _predict(client, tasks)
    [prediction] = first
    assert prediction["model_version"] == model_version()
    assert any(item.get("value", {}).get("labels") == ["CLAIM"] for item in prediction["result"])
    assert _errors(prediction["result"], TEXT) == []
    assert second == [] or _errors(second[0]["result"], "Nothing to see here.") == []


@pytest.mark.parametrize("task", [
    {"id": 1},
    {"id": 2, "data": None},
    {"id": 3, "data": "text"},
    {"id": 4, "data": {"title": "no text"}},
    {"id": 5, "data": {"text": 5}},
    {"id": 6, "data": {"text": ["a", "list"]}},
    {"id": 7, "data": {"text": {"nested": "object"}}},
    {"id": 8, "data": {"text": "   \n\n  "}},
    {"id": 9, "data": {"text": "x " * 30_000}},  # over create_app's 50,000 characters
    "not a task",
    None,
], ids=lambda task: str(task)[:30])
def test_a_bad_task_gets_no_prediction_and_costs_the_others_nothing(client, task):
    good = {"id": 99, "data": {"text": TEXT}}
    bad_result, good_result = _predict(client, [task, good])
    assert bad_result == []
    assert len(good_result) == 1 and _errors(good_result[0]["result"], TEXT) == []
    assert client.get("/health").json()["status"] == "UP"


def test_odd_but_valid_text_is_predicted(client):
    text = "“Ça va,” said the minister 😀 of Ünïcode\u0000 affairs, according to officials."
    [[prediction]] = _predict(client, [{"id": 1, "data": {"text": text}}])
    assert _errors(prediction["result"], text) == []


def test_predictions_that_do_not_fit_the_project_config_are_dropped(client):
    no_entities = re.sub(r"<Labels name=\"entity\".*?</Labels>", "", CONFIG, flags=re.S)
    assert _predict(client, [{"id": 1, "data": {"text": TEXT}}], no_entities) == [[]]


def test_a_rules_bug_on_one_task_is_that_task_only(client, monkeypatch):
    real = backend.preannotate

    def flaky(article, **kwargs):
        if "boom" in article["text"]:
            raise ZeroDivisionError("a rule bug")
        return real(article, **kwargs)

    monkeypatch.setattr(backend, "preannotate", flaky)
    results = _predict(client, [{"id": 1, "data": {"text": "boom, he said."}},
                                {"id": 2, "data": {"text": TEXT}}])
    assert results[0] == [] and len(results[1]) == 1


@pytest.mark.parametrize("body, status", [
    (b"not json", 400),
    (b"[1, 2]", 400),
    (b'{"tasks": 5}', 400),
    (b'{"tasks": [], "label_config": "<View"}', 422),
    (b'{"tasks": [], "label_config": 3}', 400),
    (b"[" * 5000 + b"]" * 5000, 400),
    (b'{"tasks": [' + b'{"data": {"text": "x"}},' * 20_000 + b"{}]}", 413),
    (b'{"n": 123456789012345678901234567890}', 400),
])
def test_a_bad_request_is_an_error_answer_never_a_crash(client, body, status):
    response = client.post("/predict", content=body)
    assert response.status_code == status
    assert response.json()["error"]
    assert client.get("/health").status_code == 200


def test_webhook_events_are_acknowledged(client):
    response = client.post("/webhook", json={"action": "ANNOTATION_CREATED", "project": {}})
    assert response.json() == {"status": "ignored", "action": "ANNOTATION_CREATED"}


def test_tasks_past_the_time_budget_get_no_prediction():
    ticks = iter([0.0, 0.0, 0.5, 2.0])
    batch = backend.predict_tasks([{"data": {"text": TEXT}}] * 3, load_scheme(),
                                  budget_s=1.0, clock=lambda: next(ticks))
    assert [len(r) for r in batch.results] == [1, 1, 0]
    assert batch.skipped == {2: "time budget of 1 s spent"}


def test_the_cli_defaults_are_the_library_defaults():
    defaults = _defaults(backend_command)
    assert (defaults["host"], defaults["port"]) == (backend.DEFAULT_HOST, backend.DEFAULT_PORT)
    defaults = _defaults(connect_command)
    assert (defaults["url"], defaults["project"]) == (DEFAULT_URL, DEFAULT_PROJECT)


def _defaults(command) -> dict:
    return {p.name: p.default for p in inspect.signature(command).parameters.values()}


def test_a_busy_port_is_one_line_and_exit_2():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        done = subprocess.run([NEWSCLAIMS, "backend", "--port", str(port)], capture_output=True,
                              text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: port {port} on 127.0.0.1 is in use: choose another with --port")
    assert done.stdout == ""
