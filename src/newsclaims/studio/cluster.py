"""A private PostgreSQL cluster for the local Label Studio (`studio start --postgres`).

Debian's `postgresql-15` server programs (initdb, pg_ctl: /usr/lib/postgresql/15/bin,
off PATH) run a cluster in `<state>/postgres/data`:

- as an unprivileged user: PostgreSQL refuses to run as root, so when we are root it
  runs as Debian's `postgres` system user, which owns `<state>/postgres/` (0700);
  otherwise as ourselves;
- on 127.0.0.1 only (the first free port from 5433), with no Unix socket at all, and
  password (scram-sha-256) authentication for every connection;
- one role, `newsclaims`, whose generated password is kept in `<state>/pgpass`
  (libpq's pgpass format, 0600), so `pg_dump` can use it too; one database,
  `labelstudio`.

`studio stop` stops it with the server; `studio status` reports it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import secrets
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsclaims.core.atomic import atomic_write_text, pid_alive
from newsclaims.core.errors import NewsclaimsError
from newsclaims.studio.database import PostgresTarget, pgpass_line, read_pgpass
from newsclaims.studio.paths import StudioPaths

ROLE = "newsclaims"
DATABASE = "labelstudio"
HOST = "127.0.0.1"
OS_USER = "postgres"  # Debian's; used when we run as root
DEFAULT_PORT = 5433  # 5432 is left to the system's own cluster
_SETTINGS = """
# newsclaims: loopback only, no Unix socket, passwords hashed with SCRAM
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
password_encryption = 'scram-sha-256'
max_connections = 200
"""
_BIND_FAILED = re.compile(r"could not bind|address already in use|could not create any TCP", re.I)


@dataclass(frozen=True, slots=True)
class ClusterUser:
    uid: int
    gid: int
    name: str


@dataclass(frozen=True, slots=True)
class ClusterState:
    pid: int
    port: int


def cluster_user() -> ClusterUser | None:
    """Who the cluster runs as: None for ourselves; Debian's `postgres` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(OS_USER)
    except KeyError:
        raise NewsclaimsError(
            f"as root, the private PostgreSQL runs as the system user {OS_USER!r}, which "
            "does not exist: install Debian's postgresql-15 (it creates the user), or run "
            "newsclaims as an unprivileged user"
        ) from None
    return ClusterUser(entry.pw_uid, entry.pw_gid, entry.pw_name)


def bindir() -> Path:
    """The newest installed PostgreSQL's server programs (Debian keeps them off PATH)."""
    installed = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if installed:
        return installed[-1].parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    raise NewsclaimsError(
        "PostgreSQL's server programs (initdb, pg_ctl) are not installed: "
        "apt-get install postgresql-15"
    )


def _run(command: list[str], user: ClusterUser | None, cwd: Path,
         **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program as the cluster's user, closed to others (umask 077)."""
    who = {"user": user.uid, "group": user.gid, "extra_groups": []} if user else {}
    # run()'s overloads cannot be matched through **who/**kwargs typed object; callers
    # pass only run() keywords (input=, timeout=).
    return subprocess.run(  # type: ignore[call-overload]
        command, cwd=cwd, umask=0o077, capture_output=True, text=True, check=False,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"}, **who, **kwargs,
    )


def running(paths: StudioPaths) -> ClusterState | None:
    """The cluster's postmaster pid and port, when it runs (from postmaster.pid)."""
    try:
        lines = (paths.pgdata / "postmaster.pid").read_text("utf-8").splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    return ClusterState(pid, port) if pid_alive(pid) else None


def target(paths: StudioPaths, port: int) -> PostgresTarget:
    """The cluster's `labelstudio` database as role `newsclaims`, with its password."""
    login = PostgresTarget(ROLE, HOST, port, DATABASE)
    password = read_pgpass(paths.pgpass, login) if paths.pgpass.is_file() else None
    if password is None:
        raise NewsclaimsError(f"the private cluster's password file {paths.pgpass} is missing")
    return PostgresTarget(ROLE, HOST, port, DATABASE, password)


def _ensure_password(paths: StudioPaths) -> str:
    login = PostgresTarget(ROLE, HOST, 0, DATABASE)
    if paths.pgpass.is_file():
        found = read_pgpass(paths.pgpass, login)
        if found:
            return found
    password = secrets.token_urlsafe(24)
    atomic_write_text(paths.pgpass, pgpass_line(PostgresTarget(ROLE, HOST, 0, "*", password)))
    return password


def _check_reachable(paths: StudioPaths, user: ClusterUser) -> None:
    """The cluster's user must be able to pass through every folder down to its own."""
    if _run(["test", "-w", str(paths.postgres)], user, cwd=Path("/")).returncode == 0:
        return
    blocking = next(
        (folder for folder in [*reversed(paths.base.parents), paths.base]
         if _run(["test", "-x", str(folder)], user, cwd=Path("/")).returncode != 0),
        paths.postgres,
    )
    raise NewsclaimsError(
        f"the private PostgreSQL runs as {user.name!r}, which cannot pass through "
        f"{blocking}: keep the state where it can (NEWSCLAIMS_STUDIO_DIR), let it pass "
        f"(chmod o+x {blocking}), or use --database with a server of yours"
    )


def init(paths: StudioPaths, say: Callable[[str], None]) -> None:
    """Create the cluster once (initdb): owned by its user, 0700, SCRAM passwords."""
    if (paths.pgdata / "PG_VERSION").is_file():
        return
    user = cluster_user()
    programs = bindir()
    password = _ensure_password(paths)
    paths.postgres.mkdir(mode=0o700, exist_ok=True)
    if user:
        os.chown(paths.postgres, user.uid, user.gid)
        _check_reachable(paths, user)
    say(f"creating a private PostgreSQL cluster in {paths.postgres}")
    pwfile = paths.postgres / ".initdb-password"
    fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")
    if user:
        os.chown(pwfile, user.uid, user.gid)
    try:
        done = _run([str(programs / "initdb"), "-D", str(paths.pgdata), "-U", ROLE,
                     f"--pwfile={pwfile}", "-A", "scram-sha-256", "-E", "UTF8", "--no-locale",
                     "--no-instructions"], user, cwd=paths.postgres)
    finally:
        pwfile.unlink(missing_ok=True)
    if done.returncode != 0:
        shutil.rmtree(paths.pgdata, ignore_errors=True)
        raise NewsclaimsError(f"initdb failed: {_last_line(done.stderr or done.stdout)}")
    with open(paths.pgdata / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(_SETTINGS)


def start(paths: StudioPaths, first_port: int, say: Callable[[str], None],
          free_port: Callable[[int], int]) -> PostgresTarget:
    """Start the cluster (creating it first) unless it runs; its target database."""
    init(paths, say)
    current = running(paths)
    if current:
        return target(paths, current.port)
    user, programs = cluster_user(), bindir()
    candidate = first_port
    for _attempt in range(5):
        port = free_port(candidate)
        if port != candidate:
            say(f"PostgreSQL: port {candidate} is busy, using {port}")
        offset = paths.pglog.stat().st_size if paths.pglog.exists() else 0
        done = _run([str(programs / "pg_ctl"), "-D", str(paths.pgdata), "-l", str(paths.pglog),
                     "-w", "-t", "120", "-o", f"-p {port}", "start"],
                    user, cwd=paths.postgres, start_new_session=True)
        if done.returncode == 0 and running(paths):
            say(f"PostgreSQL started on 127.0.0.1:{port}")
            return target(paths, port)
        log = _log_since(paths.pglog, offset)
        if not _BIND_FAILED.search(log):
            raise NewsclaimsError(
                f"PostgreSQL did not start; log {paths.pglog}: {_last_line(log or done.stdout)}"
            )
        candidate = port + 1  # lost a race for the port
    raise NewsclaimsError(f"PostgreSQL found no free port to start on; log {paths.pglog}")


def stop(paths: StudioPaths) -> bool:
    """Stop the cluster (fast shutdown: open sessions end); False when it was not running."""
    if running(paths) is None:
        return False
    done = _run([str(bindir() / "pg_ctl"), "-D", str(paths.pgdata), "-m", "fast", "-w",
                 "-t", "60", "stop"], cluster_user(), cwd=paths.postgres)
    if done.returncode != 0 and running(paths):
        raise NewsclaimsError(f"PostgreSQL did not stop: {_last_line(done.stderr)}")
    return True


def _log_since(log: Path, offset: int) -> str:
    with contextlib.suppress(OSError), open(log, "rb") as fh:
        fh.seek(offset)
        return fh.read().decode("utf-8", "replace")
    return ""


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"
