"""Helpers of the team tests: the `newsclaims` command pointed at a test server, and
annotators made through it. (Functions, not fixtures in a tests/integration/conftest.py:
that file would become the module `conftest` from which other integration tests import
the root conftest's helpers.)

The CLI finds a local server through $NEWSCLAIMS_STUDIO_DIR (its state, credentials and
`venv/`); a test server shares the repository's server venv, so its base folder gets a
`venv` link to it. `team` works on that base; every other command talks to the URL and
admin key in $LABEL_STUDIO_URL / $LABEL_STUDIO_API_KEY.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx

from newsclaims.studio import server, team

NEWSCLAIMS = str(Path(sys.executable).with_name("newsclaims"))
STREAM = Path(__file__).with_name("stream.py")


def cli_env(running: Any) -> dict[str, str]:
    """Environment for `newsclaims` (and stream.py) run against `running` (a RunningStudio
    of tests/conftest.py: this file cannot import that one, both are `conftest`)."""
    link = running.paths.base / "venv"
    if not link.exists():
        link.symlink_to(running.paths.venv, target_is_directory=True)
    source = str(Path(__file__).resolve().parents[2] / "src")
    path = os.pathsep.join(p for p in (source, os.environ.get("PYTHONPATH")) if p)
    return {**running.env(), server.ENV_DIR: str(running.paths.base), "PYTHONPATH": path}


def newsclaims(env: dict[str, str], *args: str,
               timeout: float = 600) -> subprocess.CompletedProcess:
    """The real command in a process of its own."""
    return subprocess.run([NEWSCLAIMS, *args], env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def add_annotators(env: dict[str, str], count: int) -> list[team.MemberLogin]:
    """`count` new accounts made by `newsclaims team add` (one call), with their logins."""
    emails = [f"annotator{i}-{uuid.uuid4().hex[:8]}@newsclaims.test" for i in range(count)]
    done = newsclaims(env, "team", "add", *emails, "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json.loads(done.stdout)["members"]
    assert [r["change"] for r in rows] == ["added"] * count
    paths = server.studio_paths(env[server.ENV_DIR])
    return [team.load_login(paths, email) for email in emails]


def whoami(url: str, token: str) -> httpx.Response:
    return httpx.get(f"{url}/api/current-user/whoami", timeout=60,
                     headers={"Authorization": f"Token {token}"})

