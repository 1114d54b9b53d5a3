"""Reading the files a user names: regular files only, strict UTF-8, one error type.

Every command that reads a user file opens it here, so every way a read can fail
gives the same answer: `UnreadableInput`, a `NewsclaimsError` (one line, exit 2)
that also carries the `Problem` for commands that go on with their other inputs
(ingest). Only regular files are read: a FIFO would block the command forever and
`/dev/zero` would fill memory, so both are named and refused before anything is
read (the file is stat'ed first and opened with O_NONBLOCK, so even a FIFO swapped
in between cannot block).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from typing import BinaryIO

from newsclaims.core.errors import NewsclaimsError, Problem, Severity

_BOM = b"\xef\xbb\xbf"
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class UnreadableInput(NewsclaimsError):
    """A user file that cannot be read: one error line, and the `problem` for commands
    that go on with their other inputs."""

    def __init__(self, problem: Problem, reason: str, what: str = "file") -> None:
        where = problem.file if problem.line is None else f"{problem.file}:{problem.line}"
        super().__init__(f"cannot read {what} {where}: {reason}")
        self.problem = problem


def open_regular(path: str | os.PathLike[str], what: str = "file") -> BinaryIO:
    """`path` opened for binary reading if it is a regular file (symlinks followed)."""
    file = os.fspath(path)
    try:
        _check_regular(file, os.stat(file).st_mode, what)
        fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _unreadable(file, exc, what) from None
    try:
        _check_regular(file, os.fstat(fd).st_mode, what)  # replaced since the stat?
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: str | os.PathLike[str], what: str = "file") -> bytes:
    """The whole content of a regular file."""
    with open_regular(path, what) as fh, read_errors(path, what):
        return fh.read()


def read_text(path: str | os.PathLike[str], what: str = "file") -> str:
    """A regular file as strict UTF-8 text (a leading BOM is dropped)."""
    data = read_bytes(path, what)
    text = decode_utf8(data, os.fspath(path))
    if isinstance(text, Problem):
        raise UnreadableInput(text, text.message, what)
    return text


def decode_utf8(data: bytes, file: str | None, first_line: int = 1) -> str | Problem:
    """Strict UTF-8 (a leading BOM dropped), or a `not-utf8` Problem naming line,
    column and the bad bytes; `first_line` is the line number of `data`'s first line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return utf8_problem(data, exc, file, first_line)


def utf8_problem(data: bytes, exc: UnicodeDecodeError, file: str | None,
                 first_line: int = 1) -> Problem:
    line = data.count(b"\n", 0, exc.start) + first_line
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    bad = data[exc.start : exc.end].hex(" ")
    return Problem(Severity.ERROR, "not-utf8",
                   f"not valid UTF-8 (byte 0x{bad} at column {column}); re-save the file as UTF-8",
                   file=file, line=line)


def _check_regular(file: str, mode: int, what: str) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    reason = f"it is {kind}, not a regular file"
    raise UnreadableInput(Problem(Severity.ERROR, "file-not-regular", f"skipped: {reason}",
                                  file=file), reason, what)


def _unreadable(file: str, exc: OSError, what: str) -> UnreadableInput:
    reason = exc.strerror or type(exc).__name__
    return UnreadableInput(Problem(Severity.ERROR, "file-unreadable", f"cannot read: {reason}",
                                   file=file), reason, what)


def strip_bom(data: bytes) -> bytes:
    return data.removeprefix(_BOM)


@contextlib.contextmanager
def read_errors(path: str | os.PathLike[str], what: str = "file") -> Iterator[None]:
    """Turn an OSError while reading an opened file into `UnreadableInput`."""
    try:
        yield
    except OSError as exc:
        raise _unreadable(os.fspath(path), exc, what) from None

