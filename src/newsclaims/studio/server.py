"""A local Label Studio server for development, the demo and the tests.

Label Studio pins pyarrow < 25 and its own SDK version, so it lives in a virtual
environment of its own (`<base>/venv`), separate from the project's. Its SQLite data,
the generated admin credentials (0600) and the pid/port of the running server sit
beside it under one base directory: `./.labelstudio` or `$NEWSCLAIMS_STUDIO_DIR`.

`connection()` is how every other command finds a server: `LABEL_STUDIO_URL` +
`LABEL_STUDIO_API_KEY` (the SDK's names) win; otherwise the local server's state.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from newsclaims.core.atomic import atomic_write_text, pid_alive
from newsclaims.core.errors import NewsclaimsError

LABEL_STUDIO_REQUIREMENT = "label-studio==1.23.2"
DEFAULT_PORT = 8080
HOST = "127.0.0.1"
ENV_DIR = "NEWSCLAIMS_STUDIO_DIR"
ENV_URL = "LABEL_STUDIO_URL"
ENV_API_KEY = "LABEL_STUDIO_API_KEY"

# Bare names that Label Studio's settings read as a fallback for LABEL_STUDIO_<NAME>:
# an unrelated HOST or PASSWORD in the caller's shell would silently configure it.
_LEAKING_ENV = ("HOST", "PORT", "USERNAME", "PASSWORD")
# Label Studio prints this when it silently moves off a busy port (its label_studio/server.py).
_PORT_MOVED = re.compile(r"Trying to start at (\d+)")


@dataclass(frozen=True, slots=True)
class StudioPaths:
    base: Path
    server_venv: Path | None = None  # tests share the repository's server venv

    @property
    def venv(self) -> Path:
        return self.server_venv or self.base / "venv"

    @property
    def executable(self) -> Path:
        return self.venv / "bin" / "label-studio"

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def credentials(self) -> Path:
        return self.base / "credentials.json"

    @property
    def state(self) -> Path:
        return self.base / "server.json"

    @property
    def log(self) -> Path:
        return self.base / "server.log"


@dataclass(frozen=True, slots=True)
class Credentials:
    email: str
    password: str
    token: str

    def __repr__(self) -> str:  # never show the secrets in a traceback or a log
        return f"Credentials(email={self.email!r}, password=***, token=***)"


@dataclass(frozen=True, slots=True)
class ServerStatus:
    up: bool
    url: str | None
    version: str | None
    pid: int | None
    reused: bool = False


@dataclass(frozen=True, slots=True)
class Connection:
    url: str
    api_key: str
    local: bool  # True: the server managed here; False: LABEL_STUDIO_URL/API_KEY

    def __repr__(self) -> str:
        return f"Connection(url={self.url!r}, api_key=***, local={self.local})"


def studio_paths(base: str | Path | None = None) -> StudioPaths:
    """The base directory: argument, then $NEWSCLAIMS_STUDIO_DIR, then ./.labelstudio."""
    chosen = base or os.environ.get(ENV_DIR) or ".labelstudio"
    return StudioPaths(Path(chosen).expanduser().absolute())


def load_credentials(paths: StudioPaths) -> Credentials | None:
    if not paths.credentials.is_file():
        return None
    try:
        raw = json.loads(paths.credentials.read_text("utf-8"))
        return Credentials(raw["email"], raw["password"], raw["token"])
    except (ValueError, KeyError, TypeError) as exc:
        raise NewsclaimsError(f"{paths.credentials} is unreadable ({type(exc).__name__})") from None


def ensure_credentials(paths: StudioPaths) -> Credentials:
    """Generate the admin login and API token once; keep them in a 0600 file."""
    existing = load_credentials(paths)
    if existing is not None:
        return existing
    creds = Credentials(
        email="admin@newsclaims.local",
        password=secrets.token_urlsafe(18),
        token=secrets.token_hex(20),  # Label Studio accepts 6-40 characters
    )
    paths.base.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"email": creds.email, "password": creds.password, "token": creds.token})
    old_umask = os.umask(0o077)
    try:
        atomic_write_text(paths.credentials, text + "\n")
    finally:
        os.umask(old_umask)
    os.chmod(paths.credentials, 0o600)
    return creds


def ensure_server_venv(paths: StudioPaths, *, quiet: bool = True) -> Path:
    """Install label-studio into its own virtual environment unless it is there already."""
    if paths.executable.is_file():
        return paths.executable
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
        subprocess.run([*pip, "-q", LABEL_STUDIO_REQUIREMENT], check=True, stdout=out)
    except subprocess.CalledProcessError as exc:
        raise NewsclaimsError(
            f"could not install {LABEL_STUDIO_REQUIREMENT} into {paths.venv} "
            f"(exit {exc.returncode})"
        ) from None
    return paths.executable


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


def _read_state(paths: StudioPaths) -> dict | None:
    try:
        return json.loads(paths.state.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def status(paths: StudioPaths | None = None) -> ServerStatus:
    """Is the local server (per its state file) up? Never starts anything."""
    paths = paths or studio_paths()
    state = _read_state(paths)
    if not state:
        return ServerStatus(False, None, None, None)
    url, pid = state.get("url"), state.get("pid")
    alive = isinstance(pid, int) and pid_alive(pid)
    if url and alive and health(url):
        return ServerStatus(True, url, server_version(url), pid)
    return ServerStatus(False, url, None, pid if alive else None)


def server_env(paths: StudioPaths, creds: Credentials) -> dict[str, str]:
    """The child's environment: no leaking names, headless admin set-up, no phoning home."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _LEAKING_ENV and not k.startswith(("LABEL_STUDIO_", "HEARTEX_"))
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


def _log_since(log: Path, offset: int) -> str:
    try:
        with open(log, "rb") as fh:
            fh.seek(offset)
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _port_from_log(log: Path, offset: int) -> int | None:
    """The port Label Studio moved to, if it printed that it did (after `offset`)."""
    moves = _PORT_MOVED.findall(_log_since(log, offset))
    return int(moves[-1]) if moves else None


def _log_tail(log: Path, lines: int = 5) -> str:
    try:
        tail = log.read_text("utf-8", "replace").strip().splitlines()[-lines:]
    except OSError:
        return ""
    return " | ".join(line.strip() for line in tail if line.strip())


def start(
    paths: StudioPaths | None = None,
    *,
    port: int = DEFAULT_PORT,
    timeout: float = 240.0,
    install: bool = True,
) -> ServerStatus:
    """Start the local server (or reuse the one already up) and wait for /health.

    A busy port is skipped before starting. Two starts can still race for one port:
    Label Studio then either moves to the next one (its log says where, and that is
    the URL recorded) or exits, and the start is retried on another free port.
    """
    paths = paths or studio_paths()
    current = status(paths)
    if current.up:
        return ServerStatus(True, current.url, current.version, current.pid, reused=True)
    executable = ensure_server_venv(paths) if install else paths.executable
    if not executable.is_file():
        raise NewsclaimsError(f"Label Studio is not installed in {paths.venv}")
    creds = ensure_credentials(paths)
    paths.data.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    candidate = port
    for _attempt in range(_START_ATTEMPTS):
        chosen = free_port(candidate)
        log_offset = paths.log.stat().st_size if paths.log.exists() else 0
        proc = _launch(executable, paths, creds, chosen)
        url = _wait_until_healthy(proc, paths, chosen, log_offset, deadline)
        if url is not None:
            state = {"pid": proc.pid, "port": int(url.rsplit(":", 1)[1]), "url": url}
            atomic_write_text(paths.state, json.dumps({**state, "started_at": time.time()}) + "\n")
            return ServerStatus(True, url, server_version(url), proc.pid)
        candidate = chosen + 1  # lost a race for the port: try the next free one
    raise NewsclaimsError(f"Label Studio found no free port to start on; log {paths.log}")


_START_ATTEMPTS = 5
_PORT_TAKEN = "port is already in use"


def _launch(
    executable: Path, paths: StudioPaths, creds: Credentials, port: int
) -> subprocess.Popen:
    command = [
        str(executable),
        "start",
        "--no-browser",
        "--internal-host",
        HOST,
        "--port",
        str(port),
    ]
    with open(paths.log, "ab") as log:
        return subprocess.Popen(
            command,
            cwd=paths.base,
            env=server_env(paths, creds),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives this command; no Ctrl-C from our terminal
        )


def _wait_until_healthy(
    proc: subprocess.Popen, paths: StudioPaths, port: int, log_offset: int, deadline: float
) -> str | None:
    """The server's URL once /health is UP; None when it exited because the port was taken."""
    while time.monotonic() < deadline:
        url = f"http://{HOST}:{_port_from_log(paths.log, log_offset) or port}"
        if proc.poll() is not None:
            if _PORT_TAKEN in _log_since(paths.log, log_offset).lower():
                return None
            raise NewsclaimsError(
                f"Label Studio exited with code {proc.returncode} while starting; "
                f"log {paths.log}: {_log_tail(paths.log)}"
            )
        if health(url) and proc.poll() is None:
            return url
        time.sleep(0.5)
    _terminate(proc.pid)
    raise NewsclaimsError(f"Label Studio did not answer /health in time; log {paths.log}")


def _terminate(pid: int, timeout: float = 30.0) -> None:
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


def stop(paths: StudioPaths | None = None, timeout: float = 30.0) -> bool:
    """Stop the local server; False when none was running."""
    paths = paths or studio_paths()
    state = _read_state(paths)
    pid = state.get("pid") if state else None
    running = isinstance(pid, int) and pid_alive(pid)
    if running:
        _terminate(pid, timeout)
    with contextlib.suppress(FileNotFoundError):
        paths.state.unlink()
    return running


def connection(paths: StudioPaths | None = None) -> Connection:
    """Where commands talk to: $LABEL_STUDIO_URL + $LABEL_STUDIO_API_KEY, else the local server."""
    url, key = os.environ.get(ENV_URL), os.environ.get(ENV_API_KEY)
    if url or key:
        if not (url and key):
            raise NewsclaimsError(f"set both {ENV_URL} and {ENV_API_KEY}, or neither")
        return Connection(url.rstrip("/"), key, local=False)
    paths = paths or studio_paths()
    state, creds = _read_state(paths), load_credentials(paths)
    if not state or not creds:
        raise NewsclaimsError(
            f"no Label Studio server: run `newsclaims studio start` (state in {paths.base}) "
            f"or set {ENV_URL} and {ENV_API_KEY}"
        )
    return Connection(str(state["url"]).rstrip("/"), creds.token, local=True)
