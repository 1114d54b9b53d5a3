"""Checks that a server's state folder is closed to other users: by its modes, and (when
the tests run as root) by trying to read it as the unprivileged user `nobody`."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path


def open_entries(base: Path, cluster_gid: int | None = None) -> list[str]:
    """Every entry of the state whose mode lets another user in, as 'path mode'
    (`venv/` is programs, `postgres/` the cluster's own: both checked apart)."""
    wrong = []
    base_mode = stat.S_IMODE(base.stat().st_mode)
    if base_mode != (0o700 if cluster_gid is None else 0o710):
        wrong.append(f"{base} {base_mode:o}")
    if cluster_gid is not None and base.stat().st_gid != cluster_gid:
        wrong.append(f"{base} group {base.stat().st_gid}")
    for root, dirs, files in os.walk(base):
        here = Path(root)
        dirs[:] = [d for d in dirs if not (here == base and d in ("venv", "postgres"))
                   and not (here / d).is_symlink()]
        for name, want in [*((d, 0o700) for d in dirs), *((f, 0o600) for f in files)]:
            path = here / name
            if path.is_symlink():
                continue
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode != want:
                wrong.append(f"{path} {mode:o}")
    return wrong


def readable_by_nobody(paths: list[Path]) -> list[str]:
    """Those of `paths` that the user `nobody` can list or read (only as root)."""
    if os.geteuid() != 0:
        return []
    found = []
    for path in paths:
        command = ["ls", str(path)] if path.is_dir() else ["head", "-c", "1", str(path)]
        done = subprocess.run(["runuser", "-u", "nobody", "--", *command],
                              capture_output=True, check=False)
        if done.returncode == 0:
            found.append(str(path))
    return found


def secrets_of(base: Path) -> list[Path]:
    """The files and folders that hold secrets in a state folder."""
    candidates = [base, base / "credentials.json", base / "data", base / "data" / ".env",
                  base / "data" / "label_studio.sqlite3", base / "pgpass", base / "server.log",
                  base / "postgres", base / "postgres" / "data"]
    return [p for p in candidates if p.exists()]
