"""A local Label Studio server for development, the demo, the tests and a team.

Label Studio pins pyarrow < 25 and its own SDK version, so it lives in a virtual
environment of its own (`<state>/venv`), separate from the project's. Its data, the
generated admin credentials and the pid/port of the running server sit beside it in
one state folder (studio/paths.py: `.labelstudio/` found from the current directory
upwards, or `$NEWSCLAIMS_STUDIO_DIR`), closed to other users.

The database is SQLite by default, or PostgreSQL (studio/database.py): a private
cluster (studio/cluster.py) or a server of yours. On PostgreSQL several app processes
can serve one project on several ports (a team's web tier): they share the database
and the data folder (where Label Studio keeps its SECRET_KEY, so a login made on one
is valid on the others). The first one migrates the database; the others start once
it answers, so they find nothing left to migrate.

`connection()` is how every other command finds a server: `LABEL_STUDIO_URL` +
`LABEL_STUDIO_API_KEY` (the SDK's names) win; otherwise the local server's state.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsclaims.core.atomic import atomic_write_text, pid_alive
from newsclaims.core.errors import NewsclaimsError
from newsclaims.studio import cluster
from newsclaims.studio.apps import HOST as HOST
from newsclaims.studio.apps import AppProcess, start_app, terminate
from newsclaims.studio.apps import free_port as free_port
from newsclaims.studio.apps import health as health
from newsclaims.studio.apps import port_in_use as port_in_use
from newsclaims.studio.apps import server_version as server_version
from newsclaims.studio.credentials import Credentials as Credentials
from newsclaims.studio.credentials import ensure_credentials as ensure_credentials
from newsclaims.studio.credentials import load_credentials as load_credentials
from newsclaims.studio.database import (
    PRIVATE,
    SQLITE_CHOICE,
    DatabaseChoice,
    PostgresTarget,
    load_choice,
    parse_database_url,
    run_sql,
    save_choice,
    with_password,
)
from newsclaims.studio.database import ensure_database as ensure_pg_database
from newsclaims.studio.paths import ENV_DIR as ENV_DIR
from newsclaims.studio.paths import StudioPaths as StudioPaths
from newsclaims.studio.paths import (
    private_umask,
    secure_state,
    state_hint,
)
from newsclaims.studio.paths import studio_paths as studio_paths
from newsclaims.studio.redact import redact_url

LABEL_STUDIO_REQUIREMENT = "label-studio==1.23.2"
# The versions of everything label-studio pulls in, as tested (written by scripts/lock):
# its own requirements are ranges, so a fresh install would otherwise get that day's PyPI.
LABEL_STUDIO_CONSTRAINTS = Path(__file__).with_name("label-studio-constraints.txt")
DEFAULT_PORT = 8080
ENV_URL = "LABEL_STUDIO_URL"
ENV_API_KEY = "LABEL_STUDIO_API_KEY"

# Names that Label Studio's settings read as a fallback for LABEL_STUDIO_<NAME>, or as
# its database settings: an unrelated HOST or PASSWORD in the caller's shell would
# silently configure it.
_LEAKING_ENV = ("HOST", "PORT", "USERNAME", "PASSWORD", "DJANGO_DB", "DATABASE_NAME")
_LEAKING_PREFIXES = ("LABEL_STUDIO_", "HEARTEX_", "POSTGRE_", "MYSQL_")


@dataclass(frozen=True, slots=True)
class ServerStatus:
    up: bool
    url: str | None
    version: str | None
    pid: int | None
    reused: bool = False
    processes: tuple[AppProcess, ...] = ()
    host: str = HOST
    database: str | None = None  # what and where, never a password
    database_up: bool | None = None  # None: nothing to run (SQLite)
    state_dir: Path | None = None


@dataclass(frozen=True, slots=True)
class StopReport:
    processes: int  # app processes stopped
    cluster: bool  # the private PostgreSQL cluster was stopped


@dataclass(frozen=True, slots=True)
class Connection:
    url: str
    api_key: str
    local: bool  # True: the server managed here; False: LABEL_STUDIO_URL/API_KEY

    def __repr__(self) -> str:
        return f"Connection(url={redact_url(self.url)!r}, api_key=***, local={self.local})"


def ensure_server_venv(
    paths: StudioPaths, *, quiet: bool = True, say: Callable[[str], None] | None = None
) -> Path:
    """Install label-studio into its own virtual environment unless it is there already."""
    if paths.executable.is_file():
        return paths.executable
    if say:
        say(f"installing {LABEL_STUDIO_REQUIREMENT} into {paths.venv} (a few minutes)")
    with private_umask():
        paths.base.mkdir(parents=True, exist_ok=True)
    out = subprocess.DEVNULL if quiet else None
    try:
        subprocess.run([sys.executable, "-m", "venv", str(paths.venv)], check=True, stdout=out)
        pip = [
            str(paths.venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
        ]
        subprocess.run([*pip, "-q", "-c", str(LABEL_STUDIO_CONSTRAINTS), LABEL_STUDIO_REQUIREMENT],
                       check=True, stdout=out)
    except subprocess.CalledProcessError as exc:
        raise NewsclaimsError(
            f"could not install {LABEL_STUDIO_REQUIREMENT} into {paths.venv} "
            f"(exit {exc.returncode})"
        ) from None
    return paths.executable


def _read_state(paths: StudioPaths) -> dict[str, Any] | None:
    try:
        state = json.loads(paths.state.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def _recorded_processes(state: dict[str, Any]) -> list[AppProcess]:
    """The app processes a state file lists (one per port)."""
    listed = state.get("processes") or [state]
    found = []
    for entry in listed:
        pid, port, url = entry.get("pid"), entry.get("port"), entry.get("url")
        if isinstance(pid, int) and isinstance(url, str):
            found.append(AppProcess(pid, int(port or urlsplit(url).port or 0), url))
    return found


def _choice_of(paths: StudioPaths, state: dict[str, Any] | None) -> DatabaseChoice:
    recorded = DatabaseChoice.from_json((state or {}).get("database"))
    return recorded or load_choice(paths) or SQLITE_CHOICE


def database_status(paths: StudioPaths, choice: DatabaseChoice) -> tuple[str, bool | None]:
    """What the server's database is (never a password), and whether it runs."""
    if choice.kind == PRIVATE:
        where = f"private cluster in {paths.postgres}"
        current = cluster.running(paths)
        if current is None:
            return f"PostgreSQL, {where}: not running", False
        url = PostgresTarget(cluster.ROLE, cluster.HOST, current.port, cluster.DATABASE).url
        return f"PostgreSQL {url}, {where} (pid {current.pid})", True
    if choice.postgres:
        target = parse_database_url(str(choice.url))
        return f"PostgreSQL {target.url}", port_in_use(target.port, target.host)
    return f"SQLite {paths.sqlite}", None


def status(paths: StudioPaths | None = None) -> ServerStatus:
    """Are the local server's app processes (per its state file) up? Starts nothing."""
    paths = paths or studio_paths()
    state = _read_state(paths)
    database, database_up = database_status(paths, _choice_of(paths, state))
    processes = tuple(
        replace(p, up=pid_alive(p.pid) and health(p.url))
        for p in _recorded_processes(state or {})
    )
    up = bool(processes) and all(p.up for p in processes)
    first = processes[0] if processes else None
    return ServerStatus(
        up,
        first.url if first else None,
        server_version(first.url) if up and first else None,
        first.pid if first and pid_alive(first.pid) else None,
        processes=processes,
        host=str((state or {}).get("host") or HOST),
        database=database,
        database_up=database_up,
        state_dir=paths.base,
    )


def server_env(paths: StudioPaths, creds: Credentials) -> dict[str, str]:
    """The child's environment: no leaking names, headless admin set-up, no phoning home."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _LEAKING_ENV and not k.startswith(_LEAKING_PREFIXES)
    }
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(paths.data),
        LABEL_STUDIO_USERNAME=creds.email,
        LABEL_STUDIO_PASSWORD=creds.password,
        LABEL_STUDIO_USER_TOKEN=creds.token,
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
        LABEL_STUDIO_LATEST_VERSION_CHECK="false",
        LABEL_STUDIO_COLLECT_ANALYTICS="false",
        LABEL_STUDIO_SENTRY_DSN="",
        LABEL_STUDIO_FRONTEND_SENTRY_DSN="",
        # The server binds 127.0.0.1 and so does `newsclaims backend`: let it call an ML
        # backend on a local address, which its SSRF guard refuses by default.
        LABEL_STUDIO_ML_BLOCK_LOCAL_IP="false",
    )
    return env


def database_env(
    paths: StudioPaths, choice: DatabaseChoice, say: Callable[[str], None]
) -> dict[str, str]:
    """Make the chosen database ready (start the private cluster, check a server of
    yours answers) and return the settings that point Label Studio at it."""
    if not choice.postgres:
        return {"DJANGO_DB": "sqlite"}
    if choice.kind == PRIVATE:
        target = cluster.start(paths, cluster.DEFAULT_PORT, say, free_port)
        if ensure_pg_database(paths.python, target):
            say(f"created database {target.name!r} in the private cluster")
    else:
        target = with_password(parse_database_url(str(choice.url)), choice.password_file)
        run_sql(paths.python, target, ["SELECT 1"])  # a clear error now, not a dead server later
    return target.django_env()


def runtime_env(paths: StudioPaths) -> dict[str, str]:
    """The environment the local server's app processes run with (credentials, data
    folder, database with its password), for code run in Label Studio's environment
    beside them, such as its management commands. Starts nothing."""
    creds = load_credentials(paths)
    if creds is None:
        raise NewsclaimsError(f"no Label Studio state ({state_hint(paths)})")
    choice = _choice_of(paths, _read_state(paths))
    if choice.kind == PRIVATE:
        current = cluster.running(paths)
        if current is None:
            raise NewsclaimsError(f"the private PostgreSQL in {paths.postgres} is not "
                                  "running: `newsclaims studio start` starts it")
        database = cluster.target(paths, current.port).django_env()
    elif choice.postgres:
        target = parse_database_url(str(choice.url))
        database = with_password(target, choice.password_file).django_env()
    else:
        database = {"DJANGO_DB": "sqlite"}
    return {**server_env(paths, creds), **database}


def _silent(_message: str) -> None:
    """Progress goes nowhere unless the caller asks for it."""


def start(
    paths: StudioPaths | None = None,
    *,
    port: int = DEFAULT_PORT,
    timeout: float = 600.0,
    install: bool = True,
    database: DatabaseChoice | None = None,
    host: str = HOST,
    processes: int = 1,
    progress: Callable[[str], None] | None = None,
) -> ServerStatus:
    """Start the local server (or reuse the one already up) and wait for /health.

    `database`: None keeps the state's last choice (SQLite the first time).
    `processes` > 1 (PostgreSQL only) starts more app processes on the next free
    ports, each once the one before answers. A busy port is skipped before starting.
    Two starts can still race for one port: Label Studio then either moves to the
    next one (its log says where, and that is the URL recorded) or exits, and the
    start is retried on another free port. `progress` receives a line for each step
    that takes time (install, cluster, migrations, a skipped port).
    """
    paths = paths or studio_paths()
    say = progress or _silent
    choice = database or _choice_of(paths, _read_state(paths))
    if processes > 1 and not choice.postgres:
        raise NewsclaimsError(
            "two or more app processes need PostgreSQL (--postgres or --database): "
            "SQLite lets one process write at a time"
        )
    current = status(paths)
    if current.up:
        if database is not None and database != _choice_of(paths, _read_state(paths)):
            raise NewsclaimsError(
                f"Label Studio already runs on {current.database}: "
                "`newsclaims studio stop` it before choosing another database"
            )
        return replace(current, reused=True)
    _stop_apps(paths)  # what is left of a server that is not answering
    executable = ensure_server_venv(paths, say=say) if install else paths.executable
    if not executable.is_file():
        raise NewsclaimsError(f"Label Studio is not installed in {paths.venv}")
    creds = ensure_credentials(paths)
    with private_umask():
        paths.data.mkdir(parents=True, exist_ok=True)
        user = cluster.cluster_user() if choice.kind == PRIVATE else None
        secure_state(paths, cluster_gid=user.gid if user else None)
        env = {**server_env(paths, creds), **database_env(paths, choice, say)}
        save_choice(paths, choice)
        deadline = time.monotonic() + timeout
        launched: list[AppProcess] = []
        try:
            for _ in range(processes):
                first_port = launched[-1].port + 1 if launched else port
                launched.append(start_app(executable, paths, env, host, first_port,
                                          deadline, say))
        except BaseException:
            for process in launched:
                terminate(process.pid)
            raise
        record = {"pid": launched[0].pid, "port": launched[0].port, "url": launched[0].url,
                  "host": host, "processes": [_as_json(p) for p in launched],
                  "database": choice.to_json(), "started_at": time.time()}
        atomic_write_text(paths.state, json.dumps(record) + "\n")
    return status(paths)


def _as_json(process: AppProcess) -> dict[str, Any]:
    return {"pid": process.pid, "port": process.port, "url": process.url}


def stop(paths: StudioPaths | None = None, timeout: float = 30.0) -> StopReport:
    """Stop every app process of the local server, then the private cluster if it
    runs one (a PostgreSQL of yours is left alone)."""
    paths = paths or studio_paths()
    state = _read_state(paths)
    stopped = _stop_apps(paths, timeout)
    cluster_stopped = _choice_of(paths, state).kind == PRIVATE and cluster.stop(paths)
    return StopReport(stopped, cluster_stopped)


def _stop_apps(paths: StudioPaths, timeout: float = 30.0) -> int:
    """Stop the app processes the state file lists and forget them; how many ran."""
    stopped = 0
    for process in _recorded_processes(_read_state(paths) or {}):
        if pid_alive(process.pid):
            terminate(process.pid, timeout)
            stopped += 1
    with contextlib.suppress(FileNotFoundError):
        paths.state.unlink()
    return stopped


def connection(paths: StudioPaths | None = None) -> Connection:
    """Where commands talk to: $LABEL_STUDIO_URL + $LABEL_STUDIO_API_KEY, else the local server."""
    url, key = os.environ.get(ENV_URL), os.environ.get(ENV_API_KEY)
    if url or key:
        if not (url and key):
            raise NewsclaimsError(f"set both {ENV_URL} and {ENV_API_KEY}, or neither")
        if urlsplit(url).scheme not in ("http", "https"):
            raise NewsclaimsError(f"{ENV_URL} must start with http:// or https:// "
                                  f"(it is {redact_url(url)!r})")
        if not (key.isascii() and key.isprintable()):
            raise NewsclaimsError(
                f"{ENV_API_KEY} holds characters no Label Studio token has (non-ASCII or "
                "control characters): copy the token again (Account & Settings)"
            )
        return Connection(url.rstrip("/"), key, local=False)
    paths = paths or studio_paths()
    state, creds = _read_state(paths), load_credentials(paths)
    processes = _recorded_processes(state or {})
    if not processes or not creds or not pid_alive(processes[0].pid):
        raise NewsclaimsError(
            f"no local Label Studio running ({state_hint(paths)}): start it with "
            f"`newsclaims studio start`, or set {ENV_URL} and {ENV_API_KEY}"
        )
    return Connection(processes[0].url.rstrip("/"), creds.token, local=True)
