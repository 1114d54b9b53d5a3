"""Reading Label Studio's native JSON export (a list of task objects).

`iter_tasks` streams one task at a time with ijson, so a large export never has to
be held in memory as Python objects; `read_export` loads all tasks. Both raise
`NewsclaimsError` (exit 2) when the file cannot be read as an export: missing,
unreadable, truncated or invalid JSON, not a list, or a list item that is not an
object.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson

from newsclaims.errors import NewsclaimsError

# Read in 1 MiB chunks: large enough that the C parser, not Python, dominates.
_BUFFER_SIZE = 1 << 20
_WHITESPACE = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"


def iter_tasks(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the tasks of the export at `path` one by one, in file order.

    Problems are found as the file is read, so a truncated file raises only after
    the tasks before the damage have been yielded; callers that must not act on a
    partial export collect first (or use `read_export`).
    """
    path = Path(path)
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise NewsclaimsError(f"cannot read export {path}: {exc.strerror or exc}") from exc
    with fh:
        _expect_array(fh, path)
        index = -1
        try:
            for index, task in enumerate(
                ijson.items(fh, "item", use_float=True, buf_size=_BUFFER_SIZE)
            ):
                if not isinstance(task, dict):
                    raise NewsclaimsError(
                        f"{path}: item {index} of the export is a {_json_type(task)}, "
                        "not a task object"
                    )
                yield task
        except ijson.JSONError as exc:
            raise NewsclaimsError(
                f"{path}: not valid JSON after {index + 1} complete task(s) "
                f"(truncated or corrupt file?): {_first_line(exc)}"
            ) from exc
        except OSError as exc:
            raise NewsclaimsError(f"cannot read export {path}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise NewsclaimsError(f"{path}: not UTF-8 text: {exc.reason}") from exc


def read_export(path: str | Path) -> list[dict[str, Any]]:
    """All tasks of the export at `path` (raises before returning anything if damaged)."""
    return list(iter_tasks(path))


def _expect_array(fh: Any, path: Path) -> None:
    """Fail early, with a clear line, unless the file starts a JSON array."""
    head = fh.read(4096)
    while head and head.lstrip(_WHITESPACE) == b"":
        head = fh.read(4096)
    bom = head.startswith(_BOM)
    stripped = head.removeprefix(_BOM).lstrip(_WHITESPACE)
    fh.seek(len(_BOM) if bom else 0)
    if not stripped:
        raise NewsclaimsError(f"{path}: empty file, expected a JSON list of tasks")
    if not stripped.startswith(b"["):
        kind = "an object" if stripped.startswith(b"{") else "not a JSON list"
        raise NewsclaimsError(f"{path}: {kind}; a Label Studio export is a JSON list of tasks")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", str: "string", list: "list", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
