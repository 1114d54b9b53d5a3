"""Label Studio on PostgreSQL, on real servers: the template databases, two app processes
serving one project, sign-up refused, the private cluster's whole life through the CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest

from conftest import SERVER_VENV, os_free_port
from newsclaims.core.ids import article_id
from newsclaims.core.scheme import load_scheme
from newsclaims.studio import cluster
from newsclaims.studio.client import ensure_project
from newsclaims.studio.server import (
    ENV_API_KEY,
    ENV_DIR,
    ENV_URL,
    load_credentials,
    runtime_env,
)
from newsclaims.studio.server import studio_paths as paths_of
from postgres_servers import TEMPLATE_DB
from state_checks import open_entries, readable_by_nobody, secrets_of

pytestmark = pytest.mark.integration

NEWSCLAIMS = str(Path(sys.executable).with_name("newsclaims"))
ENTITY = {"from_name": "entity", "to_name": "text", "type": "labels",
          "value": {"start": 0, "end": 9, "text": "Officials", "labels": ["ORG"]}}


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 900) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in (ENV_DIR, ENV_URL, ENV_API_KEY)}
    return subprocess.run([NEWSCLAIMS, *args], cwd=cwd, env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=timeout, check=False)


def _tasks(n: int, tag: str) -> list[dict]:
    texts = [f"Officials said bridge {tag}-{i} would reopen." for i in range(n)]
    return [{"data": {"text": t, "article_id": article_id(t), "title": f"B{i}", "tags": []}}
            for i, t in enumerate(texts)]


def test_each_database_from_the_template_is_migrated_and_holds_no_user(postgres_cluster):
    database = postgres_cluster.new_database()
    counts = postgres_cluster.sql(
        "SELECT count(*) FROM django_migrations", "SELECT count(*) FROM htx_user",
        database=database.name)
    template = postgres_cluster.sql("SELECT count(*) FROM django_migrations",
                                    database=TEMPLATE_DB)
    assert counts[0] == template[0] and counts[0][0][0] > 100
    assert counts[1] == [[0]]


def test_two_app_processes_serve_one_project_and_one_pull_has_everything(
    pg_studio_pair, project_title, tmp_path
):
    first, second = pg_studio_pair.urls
    assert first != second
    conn = pg_studio_pair.connect()
    project = ensure_project(conn, project_title)
    one = pg_studio_pair.client()
    one.projects.import_tasks(id=project.id, request=_tasks(6, project_title))
    other = type(one)(base_url=second, api_key=pg_studio_pair.api_key, timeout=120)
    assert [p.title for p in other.projects.list() if p.title == project_title]
    task_ids = sorted(t.id for t in other.tasks.list(project=project.id))
    made = []
    for i, task_id in enumerate(task_ids):
        through = one if i % 2 else other
        made.append(through.annotations.create(id=task_id, result=[{**ENTITY, "id": f"e{i}"}]).id)
    env = {ENV_URL: first, ENV_API_KEY: pg_studio_pair.api_key}
    done = _run(["pull", "--project", project_title, "-o", str(tmp_path), "--json"],
                tmp_path, env)
    assert done.returncode == 0, done.stderr
    export = json.loads(Path(json.loads(done.stdout)["export"]).read_text("utf-8"))
    pulled = sorted(a["id"] for task in export for a in task["annotations"])
    assert pulled == sorted(made) and len(pulled) == 6


def test_a_login_made_on_one_process_is_valid_on_the_other(pg_studio_pair):
    """One data folder, one SECRET_KEY: a browser session survives a load balancer."""
    first, second = pg_studio_pair.urls
    with httpx.Client(base_url=first, timeout=60, follow_redirects=False) as browser:
        browser.get("/user/login/")
        token = browser.cookies["csrftoken"]
        answer = browser.post("/user/login/", data={
            "email": pg_studio_pair.email, "password": pg_studio_pair.password,
            "csrfmiddlewaretoken": token}, headers={"Referer": f"{first}/user/login/"})
        assert answer.status_code == 302, answer.text[:300]
        cookies = dict(browser.cookies)
    me = httpx.get(f"{second}/api/current-user/whoami", cookies=cookies, timeout=60)
    assert me.status_code == 200 and me.json()["email"] == pg_studio_pair.email


@pytest.mark.parametrize("fixture", ["studio", "pg_studio"])
def test_sign_up_without_the_invite_link_is_refused(fixture, request):
    running = request.getfixturevalue(fixture)
    before = len(running.client().users.list())
    with httpx.Client(base_url=running.url, timeout=60, follow_redirects=False) as browser:
        browser.get("/user/signup/")
        token = browser.cookies["csrftoken"]
        answer = browser.post("/user/signup/", data={
            "email": "intruder@example.test", "password": "a-long-password-1",
            "csrfmiddlewaretoken": token}, headers={"Referer": f"{running.url}/user/signup/"})
        assert answer.status_code == 403 and "CSRF" not in answer.text  # the invite rule
    api = httpx.post(f"{running.url}/api/users/", json={"email": "intruder2@example.test"},
                     timeout=60)
    assert api.status_code in (401, 403)
    emails = [u.email for u in running.client().users.list()]
    assert len(emails) == before and not any("intruder" in e for e in emails)


@pytest.fixture
def project_dir():
    """A project folder where the cluster's user can reach its state (not under pytest's
    0700 tmp dir), with the repository's server venv linked in."""
    folder = Path(tempfile.mkdtemp(prefix="newsclaims-project-"))
    os.chmod(folder, 0o755)
    (folder / ".labelstudio").mkdir()
    (folder / ".labelstudio" / "venv").symlink_to(SERVER_VENV)
    (folder / "docs").mkdir()
    yield folder
    _run(["studio", "stop"], folder)
    shutil.rmtree(folder, ignore_errors=True)


def test_private_cluster_from_start_to_stop_with_two_processes(project_dir):
    state, docs = project_dir / ".labelstudio", project_dir / "docs"
    port = os_free_port()
    started = _run(["studio", "start", "--postgres", "--processes", "2", "--port", str(port)],
                   docs)
    assert started.returncode == 0, started.stderr[-3000:]
    assert "creating a private PostgreSQL cluster" in started.stderr
    assert "first start: creating the database tables" in started.stderr
    urls = re.findall(r"(?:started at|and at) (http://127\.0\.0\.1:\d+)", started.stdout)
    assert len(urls) == 2 and f"state: {state}" in started.stdout
    log = (state / "server.log").read_text("utf-8")
    assert log.count("Initializing database") == 1  # the first migrated, the second did not

    status = _run(["studio", "status", "--json"], docs)
    assert status.returncode == 0, status.stdout
    info = json.loads(status.stdout)
    assert [p["url"] for p in info["processes"]] == urls and info["state"] == str(state)
    assert info["database_up"] and f"private cluster in {state / 'postgres'}" in info["database"]
    pg = cluster.running(paths_of(state))
    assert pg is not None and f":{pg.port}/labelstudio" in info["database"]
    beside = runtime_env(paths_of(state))  # what code run beside the server is given
    assert (beside["DJANGO_DB"], beside["POSTGRE_PORT"], beside["POSTGRE_NAME"]) == (
        "default", str(pg.port), "labelstudio")

    user = cluster.cluster_user()
    assert open_entries(state, user.gid if user else None) == []
    assert readable_by_nobody(secrets_of(state)) == []
    for folder in (state / "postgres", state / "postgres" / "data"):
        assert folder.stat().st_mode & 0o077 == 0
        assert folder.stat().st_uid == (user.uid if user else os.geteuid())

    backup = project_dir / "labelstudio.dump"  # the one-line backup of docs/studio.md
    dumped = subprocess.run(
        f"(umask 077; PGPASSFILE=.labelstudio/pgpass pg_dump -Fc -h 127.0.0.1 -p {pg.port} "
        f"-U newsclaims labelstudio > {backup.name})", shell=True, cwd=project_dir,
        capture_output=True, text=True, check=False)
    assert dumped.returncode == 0, dumped.stderr
    listed = subprocess.run(["pg_restore", "--list", str(backup)], capture_output=True,
                            text=True, check=True).stdout
    assert "TABLE DATA public task " in listed and backup.stat().st_mode & 0o077 == 0

    stopped = _run(["studio", "stop"], docs)
    assert stopped.returncode == 0
    assert "stopped (2 processes)" in stopped.stdout and "cluster) stopped" in stopped.stdout
    assert cluster.running(paths_of(state)) is None
    down = _run(["studio", "status"], docs)
    assert down.returncode == 1 and "not running" in down.stdout


def test_move_a_sqlite_project_to_postgresql(own_studio, postgres_cluster, tmp_path):
    client = own_studio.client()
    annotators = [client.users.create(email=f"mover{i}@newsclaims.test", username=f"mover{i}")
                  for i in range(2)]
    project = client.projects.create(title="to-move", label_config=load_scheme().config_xml)
    tasks = _tasks(5, "move")
    for i, task in enumerate(tasks):
        task["predictions"] = [{"model_version": "rules-1", "score": 0.5,
                                "result": [{**ENTITY, "id": f"p{i}"}]}]
        task["annotations"] = [{"result": [{**ENTITY, "id": f"a{i}"}],
                                "completed_by": annotators[i % 2].id}]
    client.projects.import_tasks(id=project.id, request=tasks)
    first_task = next(iter(client.tasks.list(project=project.id)))
    client.annotations.create(id=first_task.id, result=[{**ENTITY, "id": "admin"}])
    before = _project_rows(client, project.id)
    assert runtime_env(own_studio.paths)["DJANGO_DB"] == "sqlite"
    own_studio.stop()

    target = postgres_cluster.new_database()
    (own_studio.paths.base / "venv").symlink_to(SERVER_VENV)  # what the CLI finds there
    env = {ENV_DIR: str(own_studio.paths.base)}
    moved = _run(["studio", "move-to-postgres", "--database", target.url,
                  "--password-file", str(postgres_cluster.paths.pgpass)], tmp_path, env)
    assert moved.returncode == 0, moved.stderr[-3000:]
    assert "tasks: 5, annotations: 6, predictions: 5, users: 3, projects: 1" in moved.stdout

    own_studio.restart()  # the state now names the PostgreSQL database
    assert runtime_env(own_studio.paths)["POSTGRE_NAME"] == target.name
    status = _run(["studio", "status"], tmp_path, env)
    assert f"database: PostgreSQL {target.url}" in status.stdout
    assert _project_rows(own_studio.client(), project.id) == before
    assert load_credentials(own_studio.paths).token == own_studio.api_key  # same admin token

    again = _run(["studio", "move-to-postgres", "--database", target.url,
                  "--password-file", str(postgres_cluster.paths.pgpass)], tmp_path, env)
    assert again.returncode == 2 and "running" in again.stderr


def _project_rows(client, project_id: int) -> dict:
    """Tasks, annotations (with who made them), predictions and users, by id."""
    tasks = [t.model_dump() for t in client.tasks.list(project=project_id, fields="all")]
    return {
        "tasks": sorted((t["id"], t["data"]["article_id"]) for t in tasks),
        "annotations": sorted((a["id"], t["id"], a["completed_by"]) for t in tasks
                              for a in t["annotations"]),
        "predictions": sorted((p["id"], t["id"], p["model_version"]) for t in tasks
                              for p in t["predictions"]),
        "users": sorted((u.id, u.email) for u in client.users.list()),
    }
