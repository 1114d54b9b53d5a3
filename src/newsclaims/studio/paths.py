"""Where the local server's state lives, how a command finds it, and who may read it.

The state is one folder, `.labelstudio/`, found like git finds `.git`: from the current
directory upwards (or named by `$NEWSCLAIMS_STUDIO_DIR`), so a command run from a
subfolder talks to the server started at the top instead of starting a second one.

It holds secrets (the admin password and API token, in credentials.json and in the
database; Label Studio's SECRET_KEY in data/.env), so it is closed to other users:
directories 0700, files 0600. Two parts keep their own modes: `venv/` (programs, no
secrets) and `postgres/`, the private PostgreSQL cluster, which belongs to the user
the cluster runs as (0700 too). When that user is not us (we run as root and the
cluster as `postgres`), the base folder is 0710 with the cluster's group: that user
may pass through to `postgres/` but can list and read nothing else.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ENV_DIR = "NEWSCLAIMS_STUDIO_DIR"
STATE_DIR = ".labelstudio"


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
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def data(self) -> Path:
        """Label Studio's data dir: SQLite file, media, exports, .env with SECRET_KEY."""
        return self.base / "data"

    @property
    def sqlite(self) -> Path:
        return self.data / "label_studio.sqlite3"

    @property
    def credentials(self) -> Path:
        return self.base / "credentials.json"

    @property
    def state(self) -> Path:
        """pid, port and URL of each running app process, and the database in use."""
        return self.base / "server.json"

    @property
    def database_choice(self) -> Path:
        """Which database the server uses, kept across stops (no password in it)."""
        return self.base / "database.json"

    @property
    def log(self) -> Path:
        return self.base / "server.log"

    @property
    def postgres(self) -> Path:
        """The private cluster's folder, owned by the user it runs as."""
        return self.base / "postgres"

    @property
    def pgdata(self) -> Path:
        return self.postgres / "data"

    @property
    def pglog(self) -> Path:
        return self.postgres / "postgresql.log"

    @property
    def pgpass(self) -> Path:
        """The private cluster's password, in libpq's pgpass format (for pg_dump too)."""
        return self.base / "pgpass"


def find_state_dir(start: Path | None = None) -> Path | None:
    """The nearest `.labelstudio/` in `start` (default: the current directory) or above."""
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        candidate = folder / STATE_DIR
        if candidate.is_dir():
            return candidate
    return None


def studio_paths(base: str | Path | None = None) -> StudioPaths:
    """The state folder: the argument, else $NEWSCLAIMS_STUDIO_DIR, else the nearest
    `.labelstudio/` from the current directory upwards, else `./.labelstudio` (new)."""
    chosen = base or os.environ.get(ENV_DIR) or find_state_dir() or Path(STATE_DIR)
    return StudioPaths(Path(chosen).expanduser().absolute())


def state_hint(paths: StudioPaths) -> str:
    """Where a message should send the user: the state read, or that none was found."""
    if paths.base.is_dir():
        return f"state in {paths.base}"
    return f"no {STATE_DIR}/ in {Path.cwd()} or above it, nor ${ENV_DIR}"


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Files and folders made inside the block are closed to other users."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def secure_state(paths: StudioPaths, cluster_gid: int | None = None) -> None:
    """Close the state to other users (fixing state left open by older versions):
    the base 0700 (0710 for `cluster_gid`, the group of a cluster user that is not us),
    every folder below 0700 and every file 0600, except `venv/` and `postgres/`."""
    base = paths.base
    if cluster_gid is None:
        os.chmod(base, 0o700)
    else:
        os.chown(base, -1, cluster_gid)
        os.chmod(base, 0o710)
    keep = {paths.venv, paths.postgres}
    for root, dirs, files in os.walk(base):
        here = Path(root)
        dirs[:] = [d for d in dirs if here / d not in keep and not (here / d).is_symlink()]
        for name in dirs:
            os.chmod(here / name, 0o700)
        for name in files:
            if not (here / name).is_symlink():
                os.chmod(here / name, 0o600)
