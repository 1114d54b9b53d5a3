"""Reading Label Studio's native JSON export (a list of task objects).

`iter_tasks` streams one task at a time, so a large export never has to be held in
memory as Python objects; `read_export` loads all tasks. Both raise
`NewsclaimsError` (exit 2) when the file cannot be read as an export: missing, not a
regular file, not UTF-8, truncated or invalid JSON, beyond the JSON limits of
`newsclaims.core.jsonread` (nesting, 64-bit integers), not a list, or a list item
that is not an object. The message names the task (its place in the list, its id
when known, and the line) so the damage can be found.

Tasks are cut from the raw bytes and parsed by orjson (`core.jsonread.iter_array`):
~10x faster than building them with ijson, and nothing is read twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.jsonread import JSONInputError, iter_array, line_and_column
from newsclaims.core.reading import open_regular, read_errors

_WHITESPACE = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"


def iter_tasks(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the tasks of the export at `path` one by one, in file order.

    Problems are found as the file is read, so a truncated file raises only after
    the tasks before the damage have been yielded; callers that must not act on a
    partial export collect first (or use `read_export`).
    """
    path = Path(path)
    with open_regular(path, "export") as fh, read_errors(path, "export"):
        done = 0
        try:
            _expect_array(fh, path)
            for offset, task in iter_array(fh):
                if isinstance(task, JSONInputError):
                    raise NewsclaimsError(_task_error(fh, path, done, offset, task))
                if not isinstance(task, dict):
                    raise NewsclaimsError(f"{path}: item {done} of the export is a "
                                          f"{_json_type(task)}, not a task object")
                yield task
                done += 1
        except JSONInputError as exc:
            raise NewsclaimsError(_file_error(fh, path, done, exc)) from None


def read_export(path: str | Path) -> list[dict[str, Any]]:
    """All tasks of the export at `path` (raises before returning anything if damaged)."""
    return list(iter_tasks(path))


def _task_error(fh: BinaryIO, path: Path, index: int, offset: int,
                error: JSONInputError) -> str:
    """A whole task that breaks a limit: its id (when it has one), place and line."""
    line, _ = line_and_column(fh, offset)
    task_id = error.value.get("id") if isinstance(error.value, dict) else None
    place = f"item {index} of the export, line {line}"
    name = f"task {task_id} ({place})" if type(task_id) is int else f"the task at {place}"
    return (f"{path}: {name}: {error.message}; Label Studio writes no such value, so the "
            "file was changed or damaged")


def _file_error(fh: BinaryIO, path: Path, done: int, error: JSONInputError) -> str:
    """The export cannot be read on from `error`: what, where, after how many tasks."""
    where = ""
    if error.offset is not None:
        line, column = line_and_column(fh, error.offset)
        where = f" at line {line}, column {column}"
    if error.code == "invalid-json":
        detail = error.message.removeprefix("not valid JSON: ")
        return (f"{path}: not valid JSON after {done} complete task(s) (truncated or corrupt "
                f"file?): {detail}{where}")
    return f"{path}: {error.message}{where}, after {done} complete task(s)"


def _expect_array(fh: BinaryIO, path: Path) -> None:
    """Fail early, with a clear line, unless the file starts a JSON array; leaves the
    file where the JSON starts (after a byte order mark)."""
    head = fh.read(4096)
    while head and head.lstrip(_WHITESPACE) == b"":
        head = fh.read(4096)
    stripped = head.removeprefix(_BOM).lstrip(_WHITESPACE)
    fh.seek(len(_BOM) if head.startswith(_BOM) else 0)
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
