"""Reading a release's files without trusting them: the manifest, paths inside the
release folder, and Parquet files checked against the manifest.

Release format 2 (`FORMAT_VERSION`, in manifest.json as `format_version`; a manifest
without it is format 1, dataset v0.1.0) writes a CRC32 checksum into every Parquet
data page. Reading a format-2 file here verifies those page checksums, the file's
sha256 against the manifest (once per process and file: `_verified`), its schema
against the column types the manifest records, and its row count, so a flipped bit
is an error, never different data. Format-1 files have no page checksums; their
sha256 and row count are still checked.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from newsclaims.core.atomic import sha256_file
from newsclaims.core.errors import NewsclaimsError

MANIFEST = "manifest.json"
FORMAT_VERSION = 2  # the format this code writes; it reads 1 and 2
FORMATS = (1, 2)
# ParquetWriter options of format 2 (format 1 had no page checksums).
PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "use_dictionary": True,
                                   "write_statistics": True, "write_page_checksum": True}

# Files whose sha256 matched the manifest in this process: (path, inode, size, mtime_ns,
# sha256). A file changed since (a new inode, size or mtime) is hashed again.
_verified: set[tuple[str, int, int, int, str]] = set()


def read_manifest(release_dir: Path) -> dict[str, Any]:
    """The manifest of the release at `release_dir`; `NewsclaimsError` (one line) when it
    is missing, not JSON, not an object or of a format this code cannot read."""
    path = release_dir / MANIFEST
    try:
        manifest = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise NewsclaimsError(f"{release_dir} has no {MANIFEST}; is it a newsclaims "
                              "release?") from None
    except OSError as exc:
        raise NewsclaimsError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise NewsclaimsError(f"{path} is not valid JSON ({exc}); the release was damaged "
                              "or changed by hand") from None
    if not isinstance(manifest, dict):
        raise NewsclaimsError(f"{path} is not a JSON object; the release was damaged or "
                              "changed by hand")
    format_of(manifest, path)
    return manifest


def format_of(manifest: dict[str, Any], where: Path | str = MANIFEST) -> int:
    """The release format of a manifest (none recorded: format 1)."""
    value = manifest.get("format_version", 1)
    if value not in FORMATS or type(value) is not int:
        raise NewsclaimsError(f"{where}: release format {value!r} is not one this version of "
                              f"newsclaims reads ({', '.join(map(str, FORMATS))})")
    return value


def outside_reason(release_dir: Path, relative: Any) -> str | None:
    """Why `relative` (a path from a manifest) does not name a file inside the release
    folder, or None if it does: absolute, `..`, or a symlink leading out."""
    if not isinstance(relative, str) or not relative or "\\" in relative or "\0" in relative:
        return f"{relative!r} is not a relative path"
    parts = PurePosixPath(relative)
    if parts.is_absolute() or ".." in parts.parts:
        return f"{relative!r} leaves the release folder"
    root = release_dir.resolve()
    resolved = (root / relative).resolve()
    if not resolved.is_relative_to(root):
        return f"{relative!r} leads out of the release folder (a symlink to {resolved})"
    return None


def member(release_dir: Path, relative: Any) -> Path:
    """The file `relative` names inside the release; refuses one outside it."""
    reason = outside_reason(release_dir, relative)
    if reason is not None:
        raise NewsclaimsError(f"{release_dir / MANIFEST}: {reason}; refused")
    return release_dir / relative


def file_entries(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The manifest's `files` entries by path."""
    files = manifest.get("files")
    if not isinstance(files, list):
        raise NewsclaimsError(f"{MANIFEST} lists no files")
    return {entry["path"]: entry for entry in files
            if isinstance(entry, dict) and isinstance(entry.get("path"), str)}


def read_table_files(release_dir: Path, manifest: dict[str, Any], table: str,
                     splits: tuple[str, ...]) -> pa.Table:
    """The rows of `table` in `splits`, every file checked (see the module docstring)."""
    info = manifest["tables"][table]
    entries = file_entries(manifest)
    parts = []
    for split in splits:
        relative = info["files"][split]
        entry = entries.get(relative)
        if entry is None:
            raise NewsclaimsError(f"{release_dir / MANIFEST}: {relative} is not in its file list")
        parts.append(read_checked(release_dir, entry, format_of(manifest),
                                  types=info.get("types"), columns=info["columns"]))
    return pa.concat_tables(parts)


def read_checked(release_dir: Path, entry: dict[str, Any], release_format: int, *,
                 types: list[str] | None, columns: list[str]) -> pa.Table:
    """One Parquet file of a release, checked against its manifest entry."""
    path = member(release_dir, entry["path"])
    check_digest(path, entry["sha256"])
    return read_parquet(path, release_format, rows=entry.get("rows"), columns=columns,
                        types=types)


def check_digest(path: Path, expected: str) -> None:
    """Raise unless the file's sha256 is `expected`; each file is hashed once per
    process unless it changes."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise NewsclaimsError(f"cannot read {path}: {exc.strerror or exc}") from None
    key = (str(path.resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns, expected)
    if key in _verified:
        return
    if sha256_file(path) != expected:
        raise NewsclaimsError(f"{path} does not match the sha256 in {MANIFEST}: the file was "
                              "changed or damaged (newsclaims verify lists every difference)")
    _verified.add(key)


def read_parquet(path: Path, release_format: int, *, rows: int | None = None,
                 columns: list[str] | None = None, types: list[str] | None = None) -> pa.Table:
    """A release's Parquet file; format 2 verifies the page checksums. The columns (and
    their types, when given) and the row count must be what the manifest says: the
    footer holds the schema and counts and has no checksum of its own."""
    try:
        table = pq.read_table(path, page_checksum_verification=release_format >= 2)
        # Page headers carry no checksum: a flipped count in one can give an array whose
        # indices point past its dictionary. Full validation turns that into an error.
        table.validate(full=True)
        names, found_types = table.schema.names, arrow_types(table.schema)
    except (OSError, pa.ArrowException, ValueError) as exc:  # UnicodeDecodeError included
        raise NewsclaimsError(f"cannot read {path}: {_first_line(exc)}") from None
    if columns is not None and names != list(columns):
        raise NewsclaimsError(f"{path}: columns {names} are not the {MANIFEST}'s "
                              f"{list(columns)}")
    if types is not None and found_types != list(types):
        raise NewsclaimsError(f"{path}: column types differ from {MANIFEST}'s")
    if rows is not None and table.num_rows != rows:
        raise NewsclaimsError(f"{path}: {table.num_rows} rows, {MANIFEST} says {rows}")
    return table


def arrow_types(schema: pa.Schema) -> list[str]:
    """The column types a format-2 manifest records for a table."""
    return [type_name(t) for t in schema.types]


def type_name(arrow: pa.DataType) -> str:
    """An Arrow type as text, list items unnamed (Parquet calls them `element`, Arrow
    `item`)."""
    if pa.types.is_list(arrow):
        return f"list<{type_name(arrow.value_type)}>"
    return str(arrow)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def forget_verified() -> None:
    """Hash every file again from now on. A file rewritten in place within one tick of
    the file system's clock keeps its mtime; its page checksums still catch a change."""
    _verified.clear()
