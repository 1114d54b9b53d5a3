"""Annotator accounts on the local Label Studio: add, list, remove (deactivate).

The open-source server cannot set a password over its API and shows a token only to
its owner, so accounts are made where the server runs: its own python, its settings
(`server.runtime_env`, the same environment the server gets) and its database, through
`in_server_accounts.py`. Passwords are generated here and travel on that process's
stdin; tokens come back on its stdout. Neither is ever on a command line, printed or
logged: each member's login goes to `<base>/team/<email>.json` (mode 0600, in a 0700
folder) for the lead to hand over.

This manages the server under `.labelstudio/` (or $NEWSCLAIMS_STUDIO_DIR), not one
named by $LABEL_STUDIO_URL: accounts are made on the machine that runs the server.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsclaims.core.atomic import atomic_write_text
from newsclaims.core.errors import NewsclaimsError
from newsclaims.studio import server
from newsclaims.studio.server import StudioPaths

SERVER_SCRIPT = Path(__file__).with_name("in_server_accounts.py")
TEAM_DIR = "team"
# Plain addresses only: the e-mail also names the member's file.
_EMAIL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_TIMEOUT = 300.0


@dataclass(frozen=True, slots=True)
class Member:
    """A member as the lead sees it (the e-mail is fine here: this view stays local)."""

    id: int | None
    email: str
    name: str = ""
    active: bool = False
    lead: bool = False
    annotations: int = 0
    change: str | None = None  # what add/remove did: added, reactivated, removed, ...
    login_file: Path | None = None  # where this member's password and token are


@dataclass(frozen=True, slots=True)
class MemberLogin:
    """What one annotator needs to work: read from their 0600 file."""

    email: str
    password: str = field(repr=False)
    token: str = field(repr=False)
    url: str | None
    user_id: int


def login_file(paths: StudioPaths, email: str) -> Path:
    return paths.base / TEAM_DIR / f"{email.lower()}.json"


def load_login(paths: StudioPaths, email: str) -> MemberLogin:
    path = login_file(paths, email)
    try:
        raw = json.loads(path.read_text("utf-8"))
        return MemberLogin(raw["email"], raw["password"], raw["token"], raw.get("url"),
                           int(raw["user_id"]))
    except FileNotFoundError:
        raise NewsclaimsError(f"no login file for {email} ({path})") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise NewsclaimsError(f"{path} is unreadable ({type(exc).__name__})") from None


def add_members(emails: list[str], *, name: str | None = None,
                paths: StudioPaths | None = None) -> list[Member]:
    """Create each account (or bring a removed one back) with a new generated password.

    A member who is already active is left as they are (their login file too)."""
    paths = paths or server.studio_paths()
    if name is not None and len(emails) != 1:
        raise NewsclaimsError("--name goes with one e-mail at a time")
    wanted = [{"email": _checked_email(e), "name": name or "",
               "password": secrets.token_urlsafe(18)} for e in emails]
    reply = run_in_server(paths, {"action": "add", "members": wanted})
    passwords = {w["email"].lower(): w["password"] for w in wanted}
    url = _server_url(paths)
    members = []
    for row in reply["members"]:
        token = row.pop("token", None)
        if token is not None:
            _write_login(paths, row, passwords[row["email"].lower()], token, url)
        members.append(_member(paths, row))
    return members


def remove_members(emails: list[str], *, paths: StudioPaths | None = None) -> list[Member]:
    """Deactivate: they can no longer log in or use their token; their annotations stay.
    Their login file is deleted (it no longer opens anything)."""
    paths = paths or server.studio_paths()
    checked = [_checked_email(e) for e in emails]
    reply = run_in_server(paths, {"action": "remove", "emails": checked})
    for row in reply["members"]:
        if row.get("change") == "removed":
            login_file(paths, row["email"]).unlink(missing_ok=True)
    return [_member(paths, row) for row in reply["members"]]


def list_members(paths: StudioPaths | None = None) -> list[Member]:
    """Everyone who is or was in the organisation, the lead first."""
    paths = paths or server.studio_paths()
    rows = run_in_server(paths, {"action": "list"})["members"]
    return sorted((_member(paths, row) for row in rows), key=lambda m: (not m.lead, m.id or 0))


def run_in_server(paths: StudioPaths, request: dict[str, Any]) -> dict[str, Any]:
    """Run one request of `in_server_accounts.py` with the server's python and environment."""
    python = paths.venv / "bin" / "python"
    if not python.is_file():
        raise NewsclaimsError(f"Label Studio is not installed in {paths.venv} "
                              "(run `newsclaims studio start` once)")
    creds = server.load_credentials(paths)
    if creds is None or not paths.data.is_dir():
        raise NewsclaimsError(f"no Label Studio data in {paths.base} "
                              "(run `newsclaims studio start` once)")
    env = server.runtime_env(paths)  # its database too: SQLite or PostgreSQL
    try:
        done = subprocess.run(
            [str(python), str(SERVER_SCRIPT)],
            input=json.dumps({**request, "lead": creds.email}),
            capture_output=True, text=True, env=env, cwd=paths.base, timeout=_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise NewsclaimsError(
            f"Label Studio's account tool did not finish in {_TIMEOUT:.0f}s") from None
    try:
        reply = json.loads(done.stdout)
    except ValueError:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise NewsclaimsError(f"Label Studio's account tool failed (exit {done.returncode}): "
                              f"{tail}") from None
    if "error" in reply:
        raise NewsclaimsError(f"Label Studio refused: {reply['error']}")
    return reply


def _checked_email(email: str) -> str:
    email = email.strip()
    if not _EMAIL.fullmatch(email):
        raise NewsclaimsError(f"not a plain e-mail address: {email!r}")
    return email


def _server_url(paths: StudioPaths) -> str | None:
    state = server.status(paths)
    return state.url if state.up else None


def _write_login(paths: StudioPaths, row: dict[str, Any], password: str, token: str,
                 url: str | None) -> None:
    """The member's login in a 0600 file in a 0700 folder (mkstemp makes files 0600)."""
    folder = paths.base / TEAM_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    document = {"email": row["email"], "password": password, "token": token, "url": url,
                "user_id": row["id"]}
    atomic_write_text(login_file(paths, row["email"]), json.dumps(document, indent=2) + "\n")


def _member(paths: StudioPaths, row: dict[str, Any]) -> Member:
    path = login_file(paths, row["email"])
    return Member(
        id=row.get("id"), email=row["email"], name=row.get("name", ""),
        active=bool(row.get("active")), lead=bool(row.get("lead")),
        annotations=int(row.get("annotations", 0)), change=row.get("change"),
        login_file=path if path.is_file() else None,
    )
