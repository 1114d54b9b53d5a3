"""Shared fixtures: the base release, and real Label Studio servers for integration tests.

The base release (tests/fixtures/release/base.json as v0.1.0) is built once per session
and only read; a test that changes files works on `base_release_copy`.

SQLite (`studio`, `own_studio`): the first session on a machine migrates an empty data
dir once (~50 s) and caches it as a template under .labelstudio/test-template-<version>;
every session after that copies the template to a temporary dir and starts from it in
seconds.

PostgreSQL (`postgres_cluster`, `pg_studio`, `pg_studio_pair`): one private cluster per
session, a migrated template database in it, and a database copied from the template
for each server (tests/postgres_servers.py). `pg_studio_pair` is two app processes on
one database and one data folder (`.urls`). Tests that use any of them are marked
`integration`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from label_studio_sdk import LabelStudio

from factories import BASE_EXPORT, RELEASE_SALT
from newsclaims.release.release import release
from newsclaims.studio import server
from newsclaims.studio.client import ProjectInfo, Studio, connect, ensure_project
from newsclaims.studio.server import Connection, StudioPaths
from postgres_servers import REPO, SERVER_VENV, PgCluster, start_test_cluster

TEMPLATE = REPO / ".labelstudio" / f"test-template-{server.LABEL_STUDIO_REQUIREMENT.split('==')[1]}"


def os_free_port() -> int:
    """A port the OS says is free now: parallel sessions on one machine rarely pick the same."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningStudio:
    """A Label Studio server started for tests, with its admin login."""

    paths: StudioPaths
    url: str
    api_key: str = field(repr=False)  # never in a failure report
    email: str
    password: str = field(repr=False)
    pid: int
    port: int = field(default=0)
    urls: list[str] = field(default_factory=list)  # every app process, the first is `url`

    def client(self) -> LabelStudio:
        return LabelStudio(base_url=self.url, api_key=self.api_key, timeout=120)

    def connect(self) -> Studio:
        return connect(Connection(self.url, self.api_key, local=False))

    def env(self) -> dict[str, str]:
        """Environment for a subprocess that should talk to this server."""
        return {**os.environ, server.ENV_URL: self.url, server.ENV_API_KEY: self.api_key}

    def stop(self) -> None:
        server.stop(self.paths)

    def restart(self) -> None:
        """Start again on the same data and database (and port, when it is free)."""
        info = server.start(self.paths, port=self.port, install=False,
                            processes=max(1, len(self.urls)))
        self.url, self.pid = str(info.url), int(info.pid or 0)
        self.urls = [p.url for p in info.processes]


def _build_template() -> None:
    """Migrate an empty data dir once per machine; later sessions copy it."""
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    with open(TEMPLATE.parent / "test-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel sessions wait instead of racing
        if (TEMPLATE / "credentials.json").is_file():
            server.secure_state(StudioPaths(TEMPLATE))  # it holds the admin's token
            return
        building = TEMPLATE.with_name(TEMPLATE.name + f".building-{os.getpid()}")
        shutil.rmtree(building, ignore_errors=True)
        paths = StudioPaths(building, server_venv=SERVER_VENV)
        server.start(paths, port=os_free_port(), install=False)
        server.stop(paths)
        for leftover in (paths.state, paths.log):
            leftover.unlink(missing_ok=True)
        os.replace(building, TEMPLATE)


def start_from_template(base: Path) -> RunningStudio:
    _build_template()
    shutil.copytree(TEMPLATE, base)
    return _started(StudioPaths(base, server_venv=SERVER_VENV))


def start_on_postgres(pg: PgCluster, base: Path, processes: int = 1) -> RunningStudio:
    """A server on a new database copied from the template, with the SQLite template's
    credentials and data folder (its SECRET_KEY) but not its SQLite file."""
    _build_template()
    shutil.copytree(TEMPLATE, base, ignore=shutil.ignore_patterns("*.sqlite3"))
    database = pg.choice(pg.new_database())
    return _started(StudioPaths(base, server_venv=SERVER_VENV), database, processes)


def _started(paths: StudioPaths, database: server.DatabaseChoice | None = None,
             processes: int = 1) -> RunningStudio:
    info = server.start(paths, port=os_free_port(), install=False, database=database,
                        processes=processes)
    creds = server.load_credentials(paths)
    assert creds is not None and info.url and info.pid
    port = int(info.url.rsplit(":", 1)[1])
    urls = [p.url for p in info.processes]
    return RunningStudio(paths, info.url, creds.token, creds.email, creds.password, info.pid,
                         port, urls)


@pytest.fixture(scope="session")
def base_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dataset/v0.1.0 built from the base export, shared by the session: read it only."""
    root = tmp_path_factory.mktemp("dataset")
    result = release(BASE_EXPORT, version="0.1.0", dataset_dir=root, salt=RELEASE_SALT)
    assert result.ok, [str(p) for p in result.problems]
    return root / "v0.1.0"


@pytest.fixture
def base_release_copy(base_release: Path, tmp_path: Path) -> Path:
    """The base release in a copy of its dataset folder, for a test that changes files."""
    dataset = shutil.copytree(base_release.parent, tmp_path / "dataset")
    return Path(dataset) / base_release.name


@pytest.fixture(scope="session")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStudio]:
    """One real Label Studio for the whole session (127.0.0.1, free port, copied data)."""
    running = start_from_template(tmp_path_factory.mktemp("labelstudio") / "studio")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def own_studio(tmp_path: Path) -> Iterator[RunningStudio]:
    """A server of the test's own, for tests that kill it."""
    running = start_from_template(tmp_path / "studio")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PgCluster]:
    """A private PostgreSQL for the session, holding the migrated template database."""
    pg = start_test_cluster(os_free_port())
    try:
        yield pg
    finally:
        pg.stop()


@pytest.fixture(scope="session")
def pg_studio(
    postgres_cluster: PgCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningStudio]:
    """One real Label Studio on PostgreSQL for the whole session."""
    base = tmp_path_factory.mktemp("pg-labelstudio") / "studio"
    running = start_on_postgres(postgres_cluster, base)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def pg_studio_pair(
    postgres_cluster: PgCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningStudio]:
    """Two Label Studio app processes (`.urls`) on one PostgreSQL database and one data
    folder, as a team's web tier runs them."""
    base = tmp_path_factory.mktemp("pg-labelstudio-pair") / "studio"
    running = start_on_postgres(postgres_cluster, base, processes=2)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def project_title() -> str:
    """A title no other test uses, so each test starts from an empty project."""
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def fresh_project(studio: RunningStudio, project_title: str) -> Iterator[ProjectInfo]:
    """A new, empty project created from label_config.xml; deleted afterwards."""
    project = ensure_project(studio.connect(), project_title)
    yield project
    with contextlib.suppress(Exception):
        studio.client().projects.delete(id=project.id)


@pytest.fixture(scope="session")
def ml_backend() -> Iterator[str]:
    """`newsclaims backend` on a free port of 127.0.0.1, for the session: its URL."""
    port = os_free_port()
    url = f"http://127.0.0.1:{port}"
    newsclaims = str(Path(sys.executable).with_name("newsclaims"))
    proc = subprocess.Popen([newsclaims, "backend", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"newsclaims backend did not start on {url}") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
