"""A PostgreSQL cluster for the tests, and Label Studio servers on databases made from
a migrated template (the fixtures that use these are in conftest.py).

The first session on a machine creates Label Studio's tables once (`migrate`, about
1.5-2.5 min) in a template database and keeps a plain-SQL dump of it beside the SQLite
template (.labelstudio/test-template-<version>-postgres.sql, 0600). Every session after
that starts its own private cluster (initdb, about 5 s), restores the dump (about 4 s)
and makes each server's database with `CREATE DATABASE … TEMPLATE` (under a second);
Label Studio finds nothing to migrate and only adds its admin: a server starts in
seconds. The template holds no user, so it is also an empty target for a move.

The cluster lives in a fresh folder under /tmp, not under pytest's tmp_path: when the
tests run as root the cluster runs as `postgres`, which cannot pass through pytest's
0700 /tmp/pytest-of-root.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from newsclaims.studio import cluster, server
from newsclaims.studio.database import (
    DatabaseChoice,
    PostgresTarget,
    quote_ident,
    run_sql,
)
from newsclaims.studio.paths import StudioPaths, private_umask, secure_state

REPO = Path(__file__).resolve().parents[1]
SERVER_VENV = REPO / ".labelstudio" / "venv"
LS_VERSION = server.LABEL_STUDIO_REQUIREMENT.split("==")[1]
PG_TEMPLATE_DUMP = REPO / ".labelstudio" / f"test-template-{LS_VERSION}-postgres.sql"
TEMPLATE_DB = "labelstudio_template"


@dataclass
class PgCluster:
    """A running private cluster; `admin` is its role on the `postgres` database."""

    paths: StudioPaths
    admin: PostgresTarget

    def sql(self, *statements: str, database: str = "postgres") -> list[list[list]]:
        return run_sql(SERVER_VENV / "bin" / "python", self.admin.on(database), list(statements))

    def new_database(self, template: str = TEMPLATE_DB) -> PostgresTarget:
        """A database of its own, copied from the migrated template."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        self.sql(f"CREATE DATABASE {quote_ident(name)} TEMPLATE {quote_ident(template)}")
        return self.admin.on(name)

    def choice(self, database: PostgresTarget) -> DatabaseChoice:
        """How a Label Studio is pointed at one of its databases: URL + password file."""
        return DatabaseChoice.external(database.url, self.paths.pgpass)

    def stop(self) -> None:
        cluster.stop(self.paths)
        shutil.rmtree(self.paths.base, ignore_errors=True)


def start_test_cluster(port: int) -> PgCluster:
    base = Path(tempfile.mkdtemp(prefix="newsclaims-pg-"))
    paths = StudioPaths(base, server_venv=SERVER_VENV)
    user = cluster.cluster_user()
    with private_umask():
        secure_state(paths, cluster_gid=user.gid if user else None)
        running = cluster.start(paths, port, lambda _line: None, server.free_port)
    test_cluster = PgCluster(paths, running.on("postgres"))
    _restore_template(test_cluster)
    return test_cluster


def _restore_template(test_cluster: PgCluster) -> None:
    """The template database, from the cached dump (made first if missing)."""
    test_cluster.sql(f"CREATE DATABASE {quote_ident(TEMPLATE_DB)}")
    target = test_cluster.admin.on(TEMPLATE_DB)
    with open(PG_TEMPLATE_DUMP.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel sessions wait instead of racing
        if not PG_TEMPLATE_DUMP.is_file():
            _migrate(test_cluster, target)
            _dump(target)
            return
    _pg_program("psql", target, "-q", "-v", "ON_ERROR_STOP=1", "-f", str(PG_TEMPLATE_DUMP))


def _migrate(test_cluster: PgCluster, target: PostgresTarget) -> None:
    """Label Studio's `migrate` into `target`, run as its server does."""
    creds = server.Credentials("template@newsclaims.local", "unused", "unused")
    env = {**server.server_env(test_cluster.paths, creds), **target.django_env()}
    env.update(DJANGO_SETTINGS_MODULE="core.settings.label_studio",
               PYTHONPATH=str(_label_studio_dir()))
    done = subprocess.run([str(SERVER_VENV / "bin" / "python"), "-m", "django", "migrate",
                           "--no-color", "-v", "0"], env=env, capture_output=True, text=True,
                          timeout=1800, check=False)
    assert done.returncode == 0, done.stderr[-3000:]


def _dump(target: PostgresTarget) -> None:
    building = PG_TEMPLATE_DUMP.with_name(PG_TEMPLATE_DUMP.name + f".building-{os.getpid()}")
    with private_umask():
        _pg_program("pg_dump", target, "--no-owner", "--no-privileges", "-f", str(building))
    os.replace(building, PG_TEMPLATE_DUMP)


def _pg_program(name: str, target: PostgresTarget, *args: str) -> None:
    env = {**os.environ, **target.libpq_env()}
    done = subprocess.run([str(cluster.bindir() / name), *args], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{name}: {done.stderr[-2000:]}"


def _label_studio_dir() -> Path:
    return next((SERVER_VENV / "lib").glob("python3*/site-packages/label_studio"))
