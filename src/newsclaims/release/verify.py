"""`newsclaims verify dataset/vX.Y.Z`: does every file still match manifest.json?

Recomputes each listed file's sha256 and size, re-reads each Parquet file's row count
from its footer, and flags files that are missing or not listed. A manifest that is
unreadable or does not match schemas/manifest.schema.json is itself a problem, and so
is a path in it that leaves the release folder (absolute, `..`, a symlink out): such
a file is never opened.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from newsclaims.core.atomic import sha256_file
from newsclaims.core.errors import NewsclaimsError, Problem, Severity
from newsclaims.core.schemas import describe, errors
from newsclaims.release.files import MANIFEST, format_of, outside_reason


def _problem(code: str, message: str, file: str) -> Problem:
    return Problem(Severity.ERROR, code, message, file=file)


def verify(release_dir: str | Path) -> list[Problem]:
    """Problems found in the release at `release_dir` (empty: it is intact)."""
    root = Path(release_dir)
    if not root.is_dir():
        raise NewsclaimsError(f"{root} is not a release folder")
    manifest_path = root / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except FileNotFoundError:
        raise NewsclaimsError(f"{root} has no {MANIFEST}; is it a newsclaims release?") from None
    except (OSError, ValueError) as exc:
        return [_problem("manifest-unreadable", f"cannot read the manifest: {exc}",
                         str(manifest_path))]
    outside = _outside_paths(root, manifest)
    problems = [_problem("manifest-invalid", describe(e), str(manifest_path))
                for e in errors("manifest", manifest)]
    if problems:
        return [*outside.values(), *problems]
    format_of(manifest, manifest_path)
    listed = set()
    for entry in manifest["files"]:
        listed.add(entry["path"])
        problems.extend([outside[entry["path"]]] if entry["path"] in outside
                        else _check_file(root, entry))
    for name, info in manifest["tables"].items():
        problems.extend(
            _problem("table-file-unlisted", f"table {name} names {path!r}, which is not in the "
                     "manifest's file list", str(manifest_path))
            for path in info["files"].values() if path not in listed)
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and relative != MANIFEST and relative not in listed:
            problems.append(_problem("file-unlisted", "file is not in manifest.json", str(path)))
    return problems


def _outside_paths(root: Path, manifest: object) -> dict[str, Problem]:
    """A problem for every listed path that leaves the release folder (never opened)."""
    entries = manifest.get("files") if isinstance(manifest, dict) else None
    found: dict[str, Problem] = {}
    for entry in entries if isinstance(entries, list) else ():
        path = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(path, str):
            continue
        reason = outside_reason(root, path)
        if reason is not None:
            found[path] = _problem("path-outside-release", f"{reason}; not opened",
                                   str(root / MANIFEST))
    return found


def _check_file(root: Path, entry: dict[str, Any]) -> list[Problem]:
    path = root / entry["path"]
    where = str(path)
    if not path.is_file():
        return [_problem("file-missing", "listed in manifest.json but missing", where)]
    problems = []
    size = path.stat().st_size
    if size != entry["bytes"]:
        problems.append(_problem("file-size", f"{size} bytes, manifest says {entry['bytes']}",
                                 where))
    digest = sha256_file(path)
    if digest != entry["sha256"]:
        problems.append(_problem("file-checksum",
                                 f"sha256 {digest} differs from the manifest's {entry['sha256']}",
                                 where))
    if "rows" in entry:
        try:
            rows = pq.ParquetFile(path).metadata.num_rows
        except (OSError, pa.ArrowException, ValueError) as exc:
            problems.append(_problem("file-unreadable", f"not a readable Parquet file: {exc}",
                                     where))
        else:
            if rows != entry["rows"]:
                problems.append(_problem("file-rows", f"{rows} rows, manifest says "
                                         f"{entry['rows']}", where))
    return problems
