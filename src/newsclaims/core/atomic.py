"""Atomic file output: write beside the target, fsync, rename. A killed process
leaves either the old file or the new one, never half of one; `pid_alive` tells a
leftover of a dead writer from the work of a live one.

The temporary file is named `.<target>.newsclaims-<host>-<pid>-<random>.tmp`: hidden,
ours by name, and naming its writer, so the next atomic write into the same folder
removes what a killed writer left (`remove_dead_temps`). A temporary file of a writer
on another host (a shared folder) or of a live process is never touched.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

_TEMP_NAME = re.compile(
    r"\..+\.newsclaims-(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-[a-z0-9_]+\.tmp")


@functools.cache
def _host() -> str:
    """Eight hex digits naming this host, so a writer's pid is only read on its host."""
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def _temp_prefix(target: Path) -> str:
    """The start of the name of a temporary file for `target` written by this process."""
    return f".{target.name}.newsclaims-{_host()}-{os.getpid()}-"


def remove_dead_temps(directory: str | Path) -> list[Path]:
    """Remove the temporary files of atomic writes into `directory` whose writer is gone
    (killed mid-write); the paths removed. Only names `atomic_open` makes, only of this
    host, never of this process or a live one."""
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []  # a folder that cannot be listed is the write's own error to report
    for entry in entries:
        match = _TEMP_NAME.fullmatch(entry.name)
        if match is None or match["host"] != _host() or not entry.is_file(follow_symlinks=False):
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or pid_alive(pid):
            continue
        with contextlib.suppress(FileNotFoundError):  # another cleaner was first
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str], mode: str = "w", *, overwrite: bool = True
) -> Iterator[IO[Any]]:  # IO[str] or IO[bytes], as `mode` says
    """Open a temporary file next to `path`; on success rename it into place. What
    killed writers left in that folder is removed first."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not overwrite and target.exists():
        raise FileExistsError(target)
    remove_dead_temps(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent)
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding, newline=None if "b" in mode else "\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if not overwrite and target.exists():
            raise FileExistsError(target)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str, *, overwrite: bool = True) -> None:
    with atomic_open(path, "w", overwrite=overwrite) as fh:
        fh.write(text)


def atomic_write_bytes(
    path: str | os.PathLike[str], data: bytes, *, overwrite: bool = True
) -> None:
    with atomic_open(path, "wb", overwrite=overwrite) as fh:
        fh.write(data)


def sha256_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def pid_alive(pid: int) -> bool:
    """Whether process `pid` exists (one we may not signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
