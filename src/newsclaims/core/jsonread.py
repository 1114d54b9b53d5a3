"""JSON as newsclaims reads it: one parser (orjson), one set of limits, one error type.

Every JSON a user gives — exports, JSONL articles and predictions, ingest's .json and
.jsonl — goes through `loads`, `iter_lines` or `iter_array`, which hold it to:

- nesting at most `MAX_DEPTH` levels: orjson's own fixed limit (a Label Studio task
  nests fewer than ten), so the fast path pays nothing for it;
- integers within 64 bits (`INT_MIN`..`INT_MAX`, what orjson reads exactly; it would
  silently turn a larger one into a float, so a value holding a run of 19 or more
  digits goes through an exact check) and numbers that fit a double;
- valid UTF-8.

There is no limit on the size of a file: arrays are read item by item (msgspec only
finds where an item ends; orjson parses it). Anything
beyond the limits or not JSON is a `JSONInputError` (code, message, byte offset); the
readers turn it into a Problem for that line or item, or one error line for a file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any, BinaryIO

import ijson
import msgspec
import orjson

from newsclaims.core.errors import Problem, Severity
from newsclaims.core.reading import decode_utf8

MAX_DEPTH = 1024
INT_MIN, INT_MAX = -(2**63), 2**64 - 1

_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n"
_AFTER_DOCUMENT = "unexpected content after document"
_END_OF_DATA = "unexpected end of data"
_IN_NUMBER = b"0123456789+-.eE"
# A copy of the bytes with every digit made "0" finds runs of 19 digits (a number
# that may not fit 64 bits) much faster than a regex.
_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_LONG_NUMBER = b"0" * 19


class JSONInputError(ValueError):
    """Why some bytes are not JSON newsclaims reads: `invalid-json`, `not-utf8`,
    `json-too-deep` or `number-out-of-range`, at byte `offset` (when known)."""

    def __init__(self, code: str, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.offset = offset
        self.value: Any = None  # orjson's inexact value, for a number beyond 64 bits

    def problem(self, file: str | None, line: int | None) -> Problem:
        return Problem(Severity.ERROR, self.code, self.message, file=file, line=line)


def loads(data: bytes | memoryview) -> Any:
    """One JSON document, within the limits."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise explain(data, exc) from None
    if has_long_digits(bytes(data).translate(_DIGITS_AS_ZERO)):
        check_integers(data)
    return value


def iter_lines(lines: Iterable[bytes]) -> Iterator[tuple[int, Any]]:
    """(line number, value) for each non-blank line of JSON Lines; a line that is not
    JSON within the limits gives its `JSONInputError` as the value, and reading goes on.
    A byte order mark before the first line is dropped."""
    for number, raw in enumerate(lines, start=1):
        line = raw.removeprefix(_BOM) if number == 1 else raw
        if not line.strip():
            continue
        try:
            value = loads(line)
        except JSONInputError as exc:
            found = decode_utf8(line, None) if exc.code == "not-utf8" else None
            if isinstance(found, Problem):
                exc.message = found.message  # names the column and the bytes
            elif exc.offset is not None:
                column = len(line[: exc.offset].decode("utf-8", "replace")) + 1
                exc.message = f"{exc.message} (column {column})"
            value = exc
        yield number, value


def explain(data: bytes | memoryview, exc: orjson.JSONDecodeError) -> JSONInputError:
    """The `JSONInputError` for orjson's complaint about `data`."""
    raw = bytes(data)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return JSONInputError("not-utf8", f"not valid UTF-8 (byte 0x{raw[bad.start]:02x})",
                              bad.start)
    offset = byte_offset(raw, exc.pos)
    if exc.msg == "depth limit exceeded":
        return JSONInputError("json-too-deep", f"nested more than {MAX_DEPTH} levels deep",
                              offset)
    if exc.msg.startswith("number is infinity"):
        return JSONInputError("number-out-of-range", "a number too large for a 64-bit float",
                              offset)
    return JSONInputError("invalid-json", f"not valid JSON: {exc.msg}", offset)


def byte_offset(raw: bytes | memoryview, chars: int) -> int:
    """Where character `chars` of UTF-8 `raw` starts (orjson counts characters)."""
    return len(bytes(raw[: 4 * chars]).decode("utf-8", "ignore")[:chars].encode())


def has_long_digits(zeros: bytes, start: int = 0, end: int | None = None) -> bool:
    """True if `zeros` (bytes with digits made "0") holds a run of 19 digits."""
    return zeros.find(_LONG_NUMBER, start, len(zeros) if end is None else end) != -1


def check_integers(data: bytes | memoryview) -> None:
    """Raise `number-out-of-range` if the (valid) JSON in `data` holds an integer beyond
    64 bits; ijson reads integers exactly, event by event, at any depth."""
    for event, value in ijson.basic_parse(io.BytesIO(bytes(data)), use_float=False):
        if event == "number" and type(value) is int and not INT_MIN <= value <= INT_MAX:
            digits = str(abs(value))
            shown = digits if len(digits) <= 24 else f"{digits[:10]}…{digits[-4:]}"
            raise JSONInputError("number-out-of-range", f"integer {'-' * (value < 0)}{shown} "
                                 f"({len(digits)} digits) is beyond 64 bits")


def line_and_column(fh: BinaryIO, offset: int) -> tuple[int, int]:
    """1-based line and column (characters) of byte `offset` in the seekable `fh`."""
    fh.seek(0)
    line, done, last_line = 1, 0, b""
    while done < offset:
        chunk = fh.read(min(1 << 20, offset - done))
        if not chunk:
            break
        line += chunk.count(b"\n")
        cut = chunk.rfind(b"\n")
        last_line = chunk[cut + 1 :] if cut != -1 else last_line + chunk
        done += len(chunk)
    return line, len(last_line.decode("utf-8", "replace")) + 1


def iter_array(fh: IO[bytes]) -> Iterator[tuple[int, Any]]:
    """(byte offset, value) of each item of the JSON array starting at `fh`'s position.

    An item that is whole JSON but breaks the integer limit gives its `JSONInputError`
    as the value (reading goes on); anything that leaves the rest unreadable (invalid
    JSON, too deep, a truncated file) raises `JSONInputError` with its offset, after
    the items before it were yielded.
    """
    yield from _ArrayReader(fh).items()


# Read in 4 MiB chunks: large enough that parsing, not Python, dominates. Windows
# start small: orjson turns the whole window into a str to report where a document
# ended, so a window much larger than a task costs more than the task.
_BUFFER_SIZE = 1 << 22
_FIRST_WINDOW = 1 << 14
_MAX_INDENT = 256
# Where a value ends: msgspec skips a JSON value without building it and names the byte
# where anything after it starts (1-based).
_SKIPPER = msgspec.json.Decoder(msgspec.Raw)
_TRAILING = re.compile(r"trailing characters \(byte (\d+)\)$")


class _ArrayReader:
    """Items cut from the raw bytes and parsed by orjson (~10x faster than building
    them with ijson). An item's end is guessed, then checked by letting orjson parse:
    a slice that starts at an item and parses as one JSON document ends where the item
    ends, so a wrong guess can only fail, never cut an item short."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.base = fh.tell()  # file offset of buf[0]
        self.buf = b""
        self.zeros = b""  # buf with every digit made "0"
        self.pos = 0
        self.eof = False
        self.count = 0
        self.window = _FIRST_WINDOW  # bytes to parse when the layout gives no end
        self.newline = -1  # the first newline at or after pos, or len(buf) if none

    def items(self) -> Iterator[tuple[int, Any]]:
        if self._next_byte() != ord("["):
            raise self._error("not a JSON list")
        self.pos += 1
        if self._next_byte() == ord("]"):
            self.pos += 1
            self._expect_end()
            return
        while True:
            if self._next_byte() == -1:
                raise self._error(f"the file ends after {self.count} items (truncated?)")
            yield self.base + self.pos, self._item()
            self.count += 1
            byte = self._next_byte()
            if byte == ord("]"):
                self.pos += 1
                self._expect_end()
                return
            if byte != ord(","):
                what = "the file ends" if byte == -1 else "expected ',' or ']'"
                raise self._error(f"{what} after item {self.count - 1}")
            self.pos += 1

    def _item(self) -> Any:
        """Parse the item starting at `pos` and move past it. Its end is guessed from
        the layout (one item per line; an indented item's closing line), else skipped
        to by msgspec in growing windows (Label Studio writes the whole export on one
        line), so orjson parses each item once."""
        # A wrong guess only fails: a prefix of an item never parses as a whole one.
        guesses = (end for guess in (self._line_end, self._closing_line_end) if (end := guess()))
        window, skipped_to = self.window, -1
        while True:
            end = next(guesses, None)
            guessed = end is not None
            if end is None:
                end = min(self.pos + window, len(self.buf))
                while end < len(self.buf) and (self.buf[end] & 0xC0) == 0x80:
                    end -= 1  # never cut a character in two
                if end != skipped_to:  # once per window: a failed guess is not retried
                    skipped_to, found = end, self._skipped_end(end)
                    if found is not None:
                        end, guessed = found, True
            with memoryview(self.buf) as view:
                try:
                    value = orjson.loads(view[self.pos : end])
                except orjson.JSONDecodeError as exc:
                    if exc.msg == _AFTER_DOCUMENT:
                        size = byte_offset(view[self.pos : end], exc.pos)
                        self.window = max(_FIRST_WINDOW, 2 * size)  # the next one is alike
                        return self._take(self.pos + size)
                    if exc.msg != _END_OF_DATA:
                        raise self._explain(view[self.pos : end], exc) from None
                else:  # one whole value, unless a number goes on past `end`
                    if self.eof or (end < len(self.buf) and self.buf[end] not in _IN_NUMBER):
                        return self._accept(end, value)
            if guessed:
                continue
            if end < len(self.buf):
                window = max(window * 2, end - self.pos)
            elif self.eof:
                raise self._error(f"the file ends inside item {self.count} (truncated?)")
            else:
                self._fill(grow=True)

    def _skipped_end(self, limit: int) -> int | None:
        """Where the value starting at `pos` ends, if it ends before `limit` and
        something follows it there: msgspec skips it without building it (~5x cheaper
        than orjson parsing it to find out). None if msgspec cannot tell."""
        with memoryview(self.buf) as view:
            try:
                _SKIPPER.decode(view[self.pos : limit])
                return None  # the window holds the value and nothing more, or ends mid-number
            except (msgspec.DecodeError, RecursionError) as exc:
                found = _TRAILING.search(str(exc))
        if found is None:
            return None
        end = self.pos + int(found.group(1)) - 1
        while self.buf[end - 1] in _WHITESPACE:
            end -= 1
        self.window = max(_FIRST_WINDOW, 2 * (end - self.pos))  # the next one is alike
        return end

    def _line_end(self) -> int | None:
        """Where the item would end if it ends its line (trailing commas and blanks left
        out), or None if no line ends within the first window. The next newline is
        kept, so a file of one long line is searched once, not once per item."""
        if self.newline < self.pos:
            found = self.buf.find(b"\n", self.pos)
            self.newline = len(self.buf) if found == -1 else found
        if self.newline >= min(self.pos + (1 << 20), len(self.buf)):
            return None
        end = self.newline
        while end > self.pos and self.buf[end - 1] in b" \t\r,":
            end -= 1
        return end if end > self.pos else None

    def _closing_line_end(self) -> int | None:
        """Where an item that starts its line would end in an indented layout: after the
        first line that holds only the item's indentation and its closing bracket."""
        closer = {ord("{"): b"}", ord("["): b"]"}.get(self.buf[self.pos])
        newline = self.buf.rfind(b"\n", max(self.pos - _MAX_INDENT, 0), self.pos)
        if closer is None or (newline == -1 and self.pos > _MAX_INDENT):
            return None
        indent = self.buf[newline + 1 : self.pos]
        if indent.strip(b" \t"):
            return None
        found = self.buf.find(b"\n" + indent + closer, self.pos)
        return None if found == -1 else found + 1 + len(indent) + 1

    def _take(self, end: int) -> Any:
        """Parse the item in buf[pos:end] and move past it."""
        with memoryview(self.buf) as view:
            try:
                value = orjson.loads(view[self.pos : end])
            except orjson.JSONDecodeError as exc:
                raise self._explain(view[self.pos : end], exc) from None
        return self._accept(end, value)

    def _accept(self, end: int, value: Any) -> Any:
        """`value`, parsed from buf[pos:end], with pos moved to end; an integer beyond
        64 bits makes it a JSONInputError."""
        if has_long_digits(self.zeros, self.pos, end):
            try:
                check_integers(self.buf[self.pos : end])
            except JSONInputError as exc:
                exc.offset, exc.value = self.base + self.pos, value
                value = exc
        self.pos = end
        return value

    def _explain(self, data: memoryview, exc: orjson.JSONDecodeError) -> JSONInputError:
        error = explain(data, exc)
        error.offset = self.base + self.pos + (error.offset or 0)
        return error

    def _error(self, message: str) -> JSONInputError:
        return JSONInputError("invalid-json", f"not valid JSON: {message}", self.base + self.pos)

    def _next_byte(self) -> int:
        """The next non-whitespace byte (pos left on it), or -1 at the end of the file."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.eof:
                return -1
            self._fill(grow=False)

    def _expect_end(self) -> None:
        if self._next_byte() != -1:
            raise self._error("more content after the end of the list")

    def _fill(self, *, grow: bool) -> None:
        """Read the next chunk, ending on a whole UTF-8 character (orjson checks
        the encoding of every slice it gets)."""
        chunk = self.fh.read(max(_BUFFER_SIZE, len(self.buf) if grow else 0))
        if not chunk:
            self.eof = True
            return
        chunk += self.fh.read(_missing_continuation(chunk))
        self.base += self.pos
        self.buf = self.buf[self.pos :] + chunk
        self.zeros = self.buf.translate(_DIGITS_AS_ZERO)
        self.pos = 0
        self.newline = -1


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
