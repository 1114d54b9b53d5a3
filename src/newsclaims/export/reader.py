"""Reading Label Studio's native JSON export (a list of task objects).

`iter_tasks` streams one task at a time, so a large export never has to be held in
memory as Python objects; `read_export` loads all tasks. Both raise
`NewsclaimsError` (exit 2) when the file cannot be read as an export: missing,
unreadable, truncated or invalid JSON, not a list, or a list item that is not an
object.

Speed: building every task with ijson costs ~15 MB/s, so tasks are cut out of the
raw bytes and parsed with orjson (~10x faster) instead. A task's end is found by
letting orjson parse: a slice that starts at a task's `{` and parses as one JSON
document must end at the `}` that closes it, so a wrong guess can only fail, never
cut a task short. Anything unusual (an item that is not an object, damaged JSON,
an integer longer than 19 digits, which orjson would turn into a float) goes back
to ijson from that point, so errors and values are exactly what ijson gives.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import ijson
import orjson

from newsclaims.core.errors import NewsclaimsError

# Read in 4 MiB chunks: large enough that parsing, not Python, dominates.
_BUFFER_SIZE = 1 << 22
_WHITESPACE = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"
_AFTER_DOCUMENT = "unexpected content after document"
_END_OF_DATA = "unexpected end of data"
_FIRST_WINDOW = 1 << 18
# orjson turns integers beyond 64 bits into floats where ijson refuses them: tasks
# with a run of 19 digits anywhere (found in a copy of the buffer with every digit
# made "0", much faster than a regex) are parsed by ijson.
_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_LONG_NUMBER = b"0" * 19


class _Unsure(Exception):
    """The fast reader met something ijson must decide (an error or an odd value)."""


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
        start = _expect_array(fh, path)
        reader = _FastReader(fh)
        try:
            yield from reader.tasks()
            return
        except _Unsure:
            pass
        except OSError as exc:
            raise NewsclaimsError(f"cannot read export {path}: {exc.strerror or exc}") from exc
        fh.seek(start)
        yield from _ijson_tasks(fh, path, skip=reader.count)


def read_export(path: str | Path) -> list[dict[str, Any]]:
    """All tasks of the export at `path` (raises before returning anything if damaged)."""
    return list(iter_tasks(path))


class _FastReader:
    """Tasks cut from the raw bytes and parsed by orjson; raises `_Unsure` (having
    yielded `count` tasks) as soon as ijson has to take over."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.buf = b""
        self.zeros = b""  # buf with every digit made "0"
        self.pos = 0
        self.eof = False
        self.count = 0

    def tasks(self) -> Iterator[dict[str, Any]]:
        if self._next_byte() != b"["[0]:
            raise _Unsure
        self.pos += 1
        if self._next_byte() == b"]"[0]:
            self.pos += 1
            self._expect_end()
            return
        while True:
            yield self._task()
            self.count += 1
            byte = self._next_byte()
            self.pos += 1
            if byte == b"]"[0]:
                self._expect_end()
                return
            if byte != b","[0]:
                raise _Unsure
            self._next_byte()

    def _task(self) -> dict[str, Any]:
        """Parse the task starting at `pos` (a `{`) and move past it."""
        if self.buf[self.pos] != b"{"[0]:
            raise _Unsure
        window = _FIRST_WINDOW
        while True:
            # Exports put one task per line: try the rest of the line first.
            newline = self.buf.find(b"\n", self.pos)
            if newline != -1:
                end = newline
                while end > self.pos and self.buf[end - 1] in b" \t\r,":
                    end -= 1
                task = self._parse(end)
                if task is not None:
                    return task
            # Otherwise parse growing windows until orjson sees the end of the task.
            while True:
                end = min(self.pos + window, len(self.buf))
                while end < len(self.buf) and (self.buf[end] & 0xC0) == 0x80:
                    end -= 1  # never cut a character in two
                try:
                    with memoryview(self.buf) as view:
                        orjson.loads(view[self.pos:end])
                except orjson.JSONDecodeError as exc:
                    if exc.msg == _AFTER_DOCUMENT:
                        task = self._parse(self.pos + exc.pos)
                        if task is None:
                            raise _Unsure from None
                        return task
                    if exc.msg != _END_OF_DATA:
                        raise _Unsure from None
                else:  # the window holds exactly one value
                    if end < len(self.buf) or self.eof:
                        task = self._parse(end)
                        if task is None:
                            raise _Unsure
                        return task
                if end >= len(self.buf):
                    break
                window *= 2
            if self.eof:
                raise _Unsure
            self._fill(grow=True)

    def _parse(self, end: int) -> dict[str, Any] | None:
        """The task in buf[pos:end] (pos moved to end), or None if that is not one
        whole JSON document. Tasks with very long numbers are parsed by ijson."""
        try:
            with memoryview(self.buf) as view:
                task = orjson.loads(view[self.pos:end])
        except orjson.JSONDecodeError:
            return None
        if self.zeros.find(_LONG_NUMBER, self.pos, end) != -1:
            try:
                task = next(ijson.items(io.BytesIO(self.buf[self.pos:end]), "", use_float=True))
            except ijson.JSONError:
                raise _Unsure from None
        if not isinstance(task, dict):
            raise _Unsure
        self.pos = end
        return task

    def _next_byte(self) -> int:
        """The next non-whitespace byte (pos left on it); raises at the end of the file."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.eof:
                raise _Unsure
            self._fill(grow=False)

    def _expect_end(self) -> None:
        try:
            self._next_byte()
        except _Unsure:
            return  # only whitespace after the list
        raise _Unsure

    def _fill(self, *, grow: bool) -> None:
        """Read the next chunk, ending on a whole UTF-8 character (orjson checks
        the encoding of every slice it gets)."""
        chunk = self.fh.read(max(_BUFFER_SIZE, len(self.buf) if grow else 0))
        if not chunk:
            self.eof = True
            return
        chunk += self.fh.read(_missing_continuation(chunk))
        self.buf = self.buf[self.pos:] + chunk
        self.zeros = self.buf.translate(_DIGITS_AS_ZERO)
        self.pos = 0


def _missing_continuation(chunk: bytes) -> int:
    """How many bytes complete a multi-byte character cut at the end of `chunk`."""
    for back in range(1, min(4, len(chunk)) + 1):
        byte = chunk[-back]
        if byte < 0x80:
            return 0
        if byte >= 0xC0:  # lead byte: 110xxxxx, 1110xxxx, 11110xxx
            length = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return max(length - back, 0)
    return 0


def _ijson_tasks(fh: BinaryIO, path: Path, *, skip: int) -> Iterator[dict[str, Any]]:
    """The tasks after the first `skip`, read by ijson: the reference behaviour."""
    index = -1
    try:
        for index, task in enumerate(
            ijson.items(fh, "item", use_float=True, buf_size=1 << 20)
        ):
            if index < skip:
                continue
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


def _expect_array(fh: Any, path: Path) -> int:
    """Fail early, with a clear line, unless the file starts a JSON array; returns the
    offset where the JSON starts (after a byte order mark) with the file there."""
    head = fh.read(4096)
    while head and head.lstrip(_WHITESPACE) == b"":
        head = fh.read(4096)
    bom = head.startswith(_BOM)
    stripped = head.removeprefix(_BOM).lstrip(_WHITESPACE)
    start = len(_BOM) if bom else 0
    fh.seek(start)
    if not stripped:
        raise NewsclaimsError(f"{path}: empty file, expected a JSON list of tasks")
    if not stripped.startswith(b"["):
        kind = "an object" if stripped.startswith(b"{") else "not a JSON list"
        raise NewsclaimsError(f"{path}: {kind}; a Label Studio export is a JSON list of tasks")
    return start


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", str: "string", list: "list", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
