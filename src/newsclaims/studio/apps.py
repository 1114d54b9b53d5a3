"""Label Studio app processes: start one on a free port, wait until it answers, stop it.

Label Studio (its label_studio/server.py) silently moves to port+1 when its port is
busy, migrates the database when it finds it behind, and binds 0.0.0.0 unless told
otherwise. These helpers read its log for both, say so through `say`, and always
give it an explicit host.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsclaims.core.atomic import pid_alive
from newsclaims.core.errors import NewsclaimsError
from newsclaims.studio.paths import StudioPaths
from newsclaims.studio.redact import redact_url

HOST = "127.0.0.1"
# The first start creates the database tables: 2 min 20 s measured with SQLite on a
# fresh 2-core machine; PostgreSQL took twice SQLite's time on the same machine.
FIRST_START = "about 2 min 20 s with SQLite on a fresh 2-core machine, twice that on PostgreSQL"
_WILDCARD_HOSTS = ("0.0.0.0", "::", "")
# What Label Studio prints when it moves off a busy port, and before migrating.
_PORT_MOVED = re.compile(r"Trying to start at (\d+)")
_MIGRATING = "Initializing database"
_PORT_TAKEN = "port is already in use"
_START_ATTEMPTS = 5
# Label Studio's settings plus closed file modes (labelstudio_settings/, see there).
_SETTINGS_DIR = Path(__file__).with_name("labelstudio_settings")
_SETTINGS_MODULE = "newsclaims_labelstudio"


@dataclass(frozen=True, slots=True)
class AppProcess:
    pid: int
    port: int
    url: str
    up: bool = True


def health(url: str, timeout: float = 2.0) -> bool:
    """True when Label Studio answers /health with status UP."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=timeout) as resp:
            return json.loads(resp.read() or b"{}").get("status") == "UP"
    except (OSError, ValueError):
        return False


def server_version(url: str, timeout: float = 5.0) -> str | None:
    """The server's Label Studio version from /api/version (no login needed)."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/api/version", timeout=timeout) as resp:
            info = json.loads(resp.read())
    except (OSError, ValueError):
        return None
    release = info.get("release") or info.get("label-studio-os-package", {}).get("version")
    return str(release) if release else None


def port_in_use(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port(start: int, host: str = HOST, tries: int = 100) -> int:
    for port in range(start, start + tries):
        if not port_in_use(port, host):
            return port
    raise NewsclaimsError(f"no free port in {start}..{start + tries - 1} on {host}")


def local_host(host: str) -> str:
    """The address a client on this machine uses for a server bound to `host`."""
    return HOST if host in _WILDCARD_HOSTS else host


def is_loopback(host: str) -> bool:
    return host == "localhost" or host.startswith("127.") or host == "::1"


def moved_port(log_text: str) -> int | None:
    """The port Label Studio moved to, if its log says it did."""
    moves = _PORT_MOVED.findall(log_text)
    return int(moves[-1]) if moves else None


def _log_since(log: Path, offset: int) -> str:
    try:
        with open(log, "rb") as fh:
            fh.seek(offset)
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _log_tail(log: Path, lines: int = 5) -> str:
    try:
        tail = log.read_text("utf-8", "replace").strip().splitlines()[-lines:]
    except OSError:
        return ""
    return " | ".join(line.strip() for line in tail if line.strip())


def start_app(
    executable: Path, paths: StudioPaths, env: dict[str, str], host: str, port: int,
    deadline: float, say: Callable[[str], None],
) -> AppProcess:
    """One app process on the first free port from `port`, once it answers /health.

    Two starts can race for one port: Label Studio then either moves to the next one
    (its log says where, and that is the URL returned) or exits, and the start is
    retried on another free port."""
    candidate = port
    for _attempt in range(_START_ATTEMPTS):
        chosen = free_port(candidate, local_host(host))
        log_offset = paths.log.stat().st_size if paths.log.exists() else 0
        proc = _launch(executable, paths, env, host, chosen)
        url = _wait_until_healthy(proc, paths, local_host(host), chosen, log_offset,
                                  deadline, say)
        if url is not None:
            served = int(url.rsplit(":", 1)[1])
            if served != port:  # said once the server answers: a lost race moves it again
                say(f"port {port} is busy: using {served}")
            return AppProcess(proc.pid, served, url)
        candidate = chosen + 1  # lost a race for the port: try the next free one
    raise NewsclaimsError(f"Label Studio found no free port to start on; log {paths.log}")


def _launch(
    executable: Path, paths: StudioPaths, env: dict[str, str], host: str, port: int
) -> subprocess.Popen[bytes]:
    command = [
        str(executable),
        "start",
        "--no-browser",
        "--internal-host",
        host,
        "--port",
        str(port),
    ]
    python_path = os.pathsep.join(p for p in (str(_SETTINGS_DIR), env.get("PYTHONPATH")) if p)
    env = {**env, "DJANGO_SETTINGS_MODULE": _SETTINGS_MODULE, "PYTHONPATH": python_path}
    fd = os.open(paths.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "ab") as log:
        return subprocess.Popen(
            command,
            cwd=paths.base,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            umask=0o077,  # what Label Studio writes (database, exports, media) stays ours
            start_new_session=True,  # outlives this command; no Ctrl-C from our terminal
        )


def _wait_until_healthy(
    proc: subprocess.Popen[bytes], paths: StudioPaths, host: str, port: int, log_offset: int,
    deadline: float, say: Callable[[str], None],
) -> str | None:
    """The server's URL once /health is UP; None when it exited because the port was
    taken. Says when the database is being migrated, and every 30 s while it is."""
    migrating_since: float | None = None
    next_note = 0.0
    moved_to: int | None = None
    while time.monotonic() < deadline:
        text = _log_since(paths.log, log_offset)
        if moved_port(text) not in (None, moved_to):
            moved_to = moved_port(text)
            say(f"Label Studio found port {port} taken and moved to {moved_to}")
        now = time.monotonic()
        if migrating_since is None and _MIGRATING in text:
            migrating_since, next_note = now, now + 30
            say(f"first start: creating the database tables ({FIRST_START})")
        elif migrating_since is not None and now >= next_note:
            next_note += 30
            say(f"  still creating the database tables ({now - migrating_since:.0f} s)")
        url = f"http://{host}:{moved_to or port}"
        if proc.poll() is not None:
            if _PORT_TAKEN in text.lower():
                return None
            raise NewsclaimsError(
                f"Label Studio exited with code {proc.returncode} while starting; "
                f"log {paths.log}: {redact_url(_log_tail(paths.log))}"
            )
        if health(url) and proc.poll() is None:
            if migrating_since is not None:
                say(f"database ready after {now - migrating_since:.0f} s")
            return url
        time.sleep(0.5)
    terminate(proc.pid)
    raise NewsclaimsError(f"Label Studio did not answer /health in time; log {paths.log}")


def terminate(pid: int, timeout: float = 30.0) -> None:
    """SIGTERM the server's process group, then wait; SIGKILL if it will not go."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if not pid_alive(pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
