"""`newsclaims studio start|status|stop` on a copied data dir: reuse, busy port, 127.0.0.1
unless --host says otherwise (with a warning), the state found from a subfolder and
closed to other users."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest
from label_studio_sdk import LabelStudio

from conftest import SERVER_VENV, TEMPLATE, _build_template, os_free_port
from newsclaims.core.ids import article_id
from newsclaims.studio.server import (
    ENV_API_KEY,
    ENV_DIR,
    ENV_URL,
    load_credentials,
    studio_paths,
)
from state_checks import open_entries, readable_by_nobody, secrets_of

pytestmark = pytest.mark.integration

NEWSCLAIMS = str(Path(sys.executable).with_name("newsclaims"))


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NEWSCLAIMS, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_start_status_stop_with_a_busy_port(tmp_path):
    _build_template()
    base = tmp_path / "studio"
    shutil.copytree(TEMPLATE, base)
    (base / "venv").symlink_to(SERVER_VENV)
    env = {k: v for k, v in os.environ.items() if k not in (ENV_URL, ENV_API_KEY)}
    env.update({ENV_DIR: str(base), "HOST": "0.0.0.0", "PORT": "1", "PASSWORD": "leak"})
    token = load_credentials(studio_paths(base)).token

    busy = os_free_port()
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", busy))
        blocker.listen()
        started = _run(["studio", "start", "--port", str(busy)], env)
    try:
        assert started.returncode == 0, started
        assert "started at http://127.0.0.1:" in started.stdout
        url = started.stdout.split(" at ", 1)[1].split()[0]
        port = int(url.rsplit(":", 1)[1])
        assert port != busy
        assert f"port {busy} is busy: using {port}" in started.stderr

        status = _run(["studio", "status"], env)
        assert status.returncode == 0 and status.stdout.startswith(f"up {url} Label Studio 1.23.2")

        again = _run(["studio", "start", "--port", str(busy)], env)
        assert again.returncode == 0 and f"already running at {url}" in again.stdout

        for output in (started, status, again):
            assert token not in output.stdout + output.stderr
        assert stat.S_IMODE((base / "credentials.json").stat().st_mode) == 0o600
        assert _listening_only_on_loopback(port)
    finally:
        stopped = _run(["studio", "stop"], env)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    down = _run(["studio", "status"], env)
    assert down.returncode == 1 and down.stdout.startswith("down")


def _listening_only_on_loopback(port: int) -> bool:
    return _listening_addresses(port) == {"127.0.0.1"}


def _listening_addresses(port: int) -> set[str]:
    return {
        c.laddr.ip
        for c in psutil.net_connections("tcp")
        if c.status == psutil.CONN_LISTEN and c.laddr.port == port
    }


@pytest.fixture
def project_dir(tmp_path):
    """A project folder holding a copy of the migrated template as its `.labelstudio/`,
    with its modes opened up as older versions left them."""
    _build_template()
    state = tmp_path / "project" / ".labelstudio"
    shutil.copytree(TEMPLATE, state)
    (state / "venv").symlink_to(SERVER_VENV)
    for path in [state, *state.rglob("*")]:
        if not path.is_symlink() and "venv" not in path.parts:
            path.chmod(0o755 if path.is_dir() else 0o644)
    (tmp_path / "project" / "docs" / "sub").mkdir(parents=True)
    yield tmp_path / "project"
    _run_in(["studio", "stop"], tmp_path / "project")


def _run_in(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in (ENV_URL, ENV_API_KEY, ENV_DIR)}
    return subprocess.run([NEWSCLAIMS, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600, check=False)


def test_every_command_finds_the_state_from_a_subfolder(project_dir, tmp_path):
    state, sub = project_dir / ".labelstudio", project_dir / "docs" / "sub"
    started = _run_in(["studio", "start", "--port", str(os_free_port())], sub)
    assert started.returncode == 0, started.stderr
    assert f"state: {state}" in started.stdout
    assert not (sub / ".labelstudio").exists()
    url = started.stdout.split(" at ", 1)[1].split()[0]

    status = _run_in(["studio", "status"], project_dir / "docs")
    assert status.returncode == 0 and status.stdout.startswith(f"up {url} ")
    assert f"state: {state}" in status.stdout

    articles = tmp_path / "articles.jsonl"
    text = "Officials said the bridge would reopen."
    articles.write_text(json.dumps({"text": text, "article_id": article_id(text),
                                    "title": "B", "tags": []}) + "\n", "utf-8")
    title = f"test-{uuid.uuid4().hex[:8]}"
    pushed = _run_in(["push", str(articles), "--project", title], sub)
    assert pushed.returncode == 0 and "imported 1" in pushed.stdout, pushed.stderr
    pulled = _run_in(["pull", "--project", title, "-o", str(tmp_path / "out")], sub)
    assert pulled.returncode == 0 and "(1 tasks" in pulled.stdout, pulled.stderr

    stopped = _run_in(["studio", "stop"], sub)
    assert stopped.returncode == 0 and "stopped (1 process)" in stopped.stdout
    after = _run_in(["pull", "--project", title, "-o", str(tmp_path / "out")], sub)
    assert after.returncode == 2
    assert f"no local Label Studio running (state in {state})" in after.stderr


def test_the_state_is_closed_to_other_users_and_stays_closed(project_dir):
    state = project_dir / ".labelstudio"
    assert open_entries(state)  # opened up by the fixture, as older versions left it
    started = _run_in(["studio", "start", "--port", str(os_free_port())], project_dir)
    assert started.returncode == 0, started.stderr
    assert open_entries(state) == []
    paths = studio_paths(state)
    url = started.stdout.split(" at ", 1)[1].split()[0]
    client = LabelStudio(base_url=url, api_key=load_credentials(paths).token, timeout=120)
    project = client.projects.create(title="closed", label_config="<View><Text name='t' "
                                     "value='$text'/></View>")
    client.projects.import_tasks(id=project.id, request=[{"data": {"text": "x"}}])
    export = client.projects.exports.create(id=project.id, title="kept on the server")
    for _ in range(120):  # what Label Studio writes itself: the export file, media folders
        if client.projects.exports.get(id=project.id, export_pk=export.id).status == "completed":
            break
        time.sleep(0.5)
    written = [p for p in (state / "data").rglob("*") if p.is_file() and p.name != ".env"]
    assert len(written) >= 2, written  # the database and at least the export
    assert open_entries(state) == []
    assert readable_by_nobody(secrets_of(state)) == []


def test_serving_beyond_loopback_needs_host_and_says_so(project_dir):
    port = os_free_port()
    plain = _run_in(["studio", "start", "--port", str(port)], project_dir)
    assert plain.returncode == 0 and "warning" not in plain.stderr
    served = int(plain.stdout.split(" at ", 1)[1].split()[0].rsplit(":", 1)[1])
    assert _listening_only_on_loopback(served)
    _run_in(["studio", "stop"], project_dir)

    wide = _run_in(["studio", "start", "--host", "0.0.0.0", "--port", str(port)], project_dir)
    assert wide.returncode == 0, wide.stderr
    assert "warning: --host 0.0.0.0 serves Label Studio beyond this machine" in wide.stderr
    port = int(wide.stdout.split(" at ", 1)[1].split()[0].rsplit(":", 1)[1])
    assert _listening_addresses(port) == {"0.0.0.0"}
    status = _run_in(["studio", "status", "--json"], project_dir)
    assert json.loads(status.stdout)["host"] == "0.0.0.0"
