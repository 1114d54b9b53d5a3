"""Annotator accounts through `newsclaims team`, on the real server: each gets a working
password and token (in a 0600 file, never on a command line or printed), belongs to
the organisation, and can be removed (no login, no token) with their work kept."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from pathlib import Path

import httpx
import pytest
from stream import StreamAnnotator, articles, result_for
from team_helpers import cli_env, newsclaims, whoami

from newsclaims.studio import server, team
from newsclaims.studio.pull import pull
from newsclaims.studio.push import push

pytestmark = pytest.mark.integration


class CommandLines:
    """Every process's command line seen while a block runs (sampled from /proc), to
    show a secret never appears where `ps` would print it."""

    def __init__(self) -> None:
        self.seen: set[bytes] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        self.seen.add((entry / "cmdline").read_bytes())
                    except OSError:
                        continue
            time.sleep(0.01)

    def __enter__(self) -> CommandLines:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _session_login(url: str, email: str, password: str) -> int:
    """Log in through the web form as a browser does; the HTTP status of whoami then."""
    with httpx.Client(base_url=url, timeout=60) as web:
        web.get("/user/login/")
        web.post("/user/login/", data={"email": email, "password": password,
                                       "csrfmiddlewaretoken": web.cookies["csrftoken"]},
                 headers={"Referer": f"{url}/user/login/"})
        return web.get("/api/current-user/whoami").status_code


def test_team_add_list_remove(studio, project_title, tmp_path):
    team_env = cli_env(studio)
    paths = server.studio_paths(team_env[server.ENV_DIR])
    tag = os.urandom(4).hex()
    first, second = f"ann-{tag}@newsclaims.test", f"bob-{tag}@newsclaims.test"

    with CommandLines() as lines:
        added = newsclaims(team_env, "team", "add", first, "--name", "Ann Example")
    assert added.returncode == 0, added.stderr
    assert newsclaims(team_env, "team", "add", second).returncode == 0
    ann = team.load_login(paths, first)
    # The generated secrets: in a 0600 file in a 0700 folder; never printed, never on
    # any process's command line while the account was made (the sampler saw the tool).
    assert stat.S_IMODE(team.login_file(paths, first).stat().st_mode) == 0o600
    assert stat.S_IMODE(team.login_file(paths, first).parent.stat().st_mode) == 0o700
    assert ann.password not in added.stdout + added.stderr
    assert ann.token not in added.stdout + added.stderr
    assert any(b"in_server_accounts.py" in line for line in lines.seen)
    assert not any(ann.password.encode() in line or ann.token.encode() in line
                   for line in lines.seen)
    assert f"added: {first}" in added.stdout and str(team.login_file(paths, first)) in added.stdout

    # The token is theirs, the password logs in, and they are in the lead's organisation
    # (they see the lead's project).
    me = whoami(studio.url, ann.token).json()
    admin = whoami(studio.url, studio.api_key).json()
    assert (me["email"], me["first_name"], me["last_name"]) == (first, "Ann", "Example")
    assert me["active_organization"] == admin["active_organization"]
    assert _session_login(studio.url, first, ann.password) == 200
    assert _session_login(studio.url, first, ann.password + "x") == 401
    pushed = push(articles(2, tag), project_title=project_title, studio=studio.connect(),
                  suggest=False)
    projects = httpx.get(f"{studio.url}/api/projects", params={"title": project_title},
                         headers={"Authorization": f"Token {ann.token}"}, timeout=60).json()
    assert [p["id"] for p in projects["results"]] == [pushed.project_id]

    listed = newsclaims(team_env, "team", "list", "--json")
    rows = {r["email"]: r for r in json.loads(listed.stdout)["members"]}
    assert json.loads(listed.stdout)["members"][0]["lead"] is True
    assert rows[first]["active"] and rows[second]["active"] and not rows[first]["lead"]
    assert rows[first]["name"] == "Ann Example"

    # Ann annotates from the stream, then is removed: no token, no login; her work stays.
    stream = StreamAnnotator(studio.url, ann.token, pushed.project_id)
    task = stream.next_task()
    annotation_id = stream.submit(task, result_for(task["data"]["text"], first), 30.0)
    stream.close()
    removed = newsclaims(team_env, "team", "remove", first)
    assert removed.returncode == 0 and f"removed: {first} (1 annotations kept)" in removed.stdout
    assert whoami(studio.url, ann.token).status_code == 401
    assert _session_login(studio.url, first, ann.password) == 401
    assert not team.login_file(paths, first).exists()
    exported = json.loads(pull(tmp_path, project_title=project_title,
                               studio=studio.connect()).path.read_text("utf-8"))
    kept = [a for t in exported for a in t["annotations"]]
    assert [(a["id"], a["completed_by"]) for a in kept] == [(annotation_id, me["id"])]
    rows = {r["email"]: r for r in json.loads(
        newsclaims(team_env, "team", "list", "--json").stdout)["members"]}
    assert rows[first]["active"] is False and rows[first]["annotations"] == 1

    # Adding her again brings the account back with a new password and token.
    again = newsclaims(team_env, "team", "add", first)
    assert again.returncode == 0 and f"reactivated: {first}" in again.stdout
    back = team.load_login(paths, first)
    assert back.token != ann.token and back.password != ann.password
    assert whoami(studio.url, back.token).json()["id"] == me["id"]
    assert whoami(studio.url, ann.token).status_code == 401

    # An active member is left alone: same login file, same token.
    before = team.login_file(paths, second).read_bytes()
    same = newsclaims(team_env, "team", "add", second)
    assert same.returncode == 0 and f"already a member: {second}" in same.stdout
    assert team.login_file(paths, second).read_bytes() == before


def test_a_bad_address_or_a_missing_server_is_one_line_and_exit_2(studio, tmp_path):
    team_env = cli_env(studio)
    bad = newsclaims(team_env, "team", "add", "not an address")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: not a plain e-mail address: 'not an address'"
    nowhere = newsclaims({**team_env, server.ENV_DIR: str(tmp_path / "none")}, "team", "list")
    assert nowhere.returncode == 2 and len(nowhere.stderr.strip().splitlines()) == 1
    assert "not installed" in nowhere.stderr and "Traceback" not in nowhere.stderr
