"""`newsclaims studio start|status|stop` on a copied data dir: reuse, busy port, 127.0.0.1 only."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SERVER_VENV, TEMPLATE, _build_template, os_free_port
from newsclaims.studio.server import (
    ENV_API_KEY,
    ENV_DIR,
    ENV_URL,
    load_credentials,
    studio_paths,
)

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
    import psutil

    addresses = {
        c.laddr.ip
        for c in psutil.net_connections("tcp")
        if c.status == psutil.CONN_LISTEN and c.laddr.port == port
    }
    return addresses == {"127.0.0.1"}
