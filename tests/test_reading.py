"""Reading user files (core.reading) and JSON within one set of limits (core.jsonread)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.jsonread import (
    INT_MAX,
    INT_MIN,
    MAX_DEPTH,
    JSONInputError,
    iter_array,
    iter_lines,
    line_and_column,
    loads,
)
from newsclaims.core.reading import UnreadableInput, open_regular, read_bytes, read_text

# --- regular files only -------------------------------------------------------------


def test_a_fifo_is_refused_without_opening_it_for_a_blocking_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)  # no writer: a plain open() would block forever
    with pytest.raises(UnreadableInput) as info:
        read_bytes(fifo)
    assert info.value.problem.code == "file-not-regular"
    assert "named pipe" in str(info.value) and str(fifo) in str(info.value)


@pytest.mark.parametrize(("target", "kind"), [("/dev/zero", "character device"),
                                              (".", "directory")])
def test_devices_and_directories_are_named_and_refused(tmp_path: Path, target: str,
                                                       kind: str) -> None:
    link = tmp_path / "export.json"
    link.symlink_to(Path(target).resolve() if target == "." else target)
    with pytest.raises(UnreadableInput, match=kind) as info:
        open_regular(link, "export")
    assert str(info.value).startswith(f"cannot read export {link}: it is a")
    assert isinstance(info.value, NewsclaimsError)  # one line, exit 2 in the CLI


def test_missing_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInput) as info:
        read_bytes(tmp_path / "nope.txt")
    assert info.value.problem.code == "file-unreadable"
    latin = tmp_path / "latin.txt"
    latin.write_bytes("ok\nCafé".encode("latin-1"))
    with pytest.raises(UnreadableInput) as info:
        read_text(latin, "debris rules")
    problem = info.value.problem
    assert (problem.code, problem.line) == ("not-utf8", 2)
    assert "0xe9 at column 4" in problem.message
    assert str(info.value).startswith(f"cannot read debris rules {latin}:2:")


def test_a_symlink_to_a_regular_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_text("text", "utf-8")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")
    assert read_text(tmp_path / "link.txt") == "text"


# --- limits ---------------------------------------------------------------------------


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_nesting_up_to_the_limit_is_read_one_level_more_is_not() -> None:
    assert loads(_nested(MAX_DEPTH)) is not None
    with pytest.raises(JSONInputError) as info:
        loads(_nested(MAX_DEPTH + 1))
    assert info.value.code == "json-too-deep"
    with pytest.raises(JSONInputError, match="nested more than"):
        loads(b'{"a": ' * 5000 + b"1" + b"}" * 5000)


@pytest.mark.parametrize("value", [INT_MIN, INT_MAX, 0, -1, 2**63 - 1, 10**18])
def test_64_bit_integers_are_read_exactly(value: int) -> None:
    assert loads(json.dumps({"n": value}).encode()) == {"n": value}


@pytest.mark.parametrize("literal", [str(INT_MAX + 1), str(INT_MIN - 1), "9" * 40, "1" * 5000])
def test_integers_beyond_64_bits_are_refused_not_rounded(literal: str) -> None:
    with pytest.raises(JSONInputError) as info:
        loads(b'{"n": ' + literal.encode() + b"}")
    assert info.value.code == "number-out-of-range"


def test_long_digit_runs_in_strings_and_fractions_are_not_integers() -> None:
    data = b'{"t": "12345678901234567890123", "f": 0.12345678901234567890123, "e": 1e300}'
    assert loads(data) == json.loads(data)


def test_json_lines_keep_going_after_a_bad_line() -> None:
    lines = [
        b"\xef\xbb\xbf" + b'{"a": 1}',  # BOM before the first line: dropped
        b"",
        _nested(2000),
        b'{"n": ' + b"7" * 5000 + b"}",
        b'{"b": "caf\xe9"}',
        b'{"a": }',
        b'{"a": 2}',
    ]
    found = list(iter_lines(lines))
    values = [(n, v) for n, v in found if not isinstance(v, JSONInputError)]
    errors = [(n, v.code) for n, v in found if isinstance(v, JSONInputError)]
    assert values == [(1, {"a": 1}), (7, {"a": 2})]
    assert errors == [(3, "json-too-deep"), (4, "number-out-of-range"), (5, "not-utf8"),
                      (6, "invalid-json")]
    utf8, syntax = (v for n, v in found if n in (5, 6))
    assert "column 11" in utf8.message and "column 7" in syntax.message


# --- JSON arrays, item by item --------------------------------------------------------


def test_array_items_come_with_their_offsets() -> None:
    data = b'[ {"a": 1},\n  [2],\n  "x" ]'
    items = list(iter_array(io.BytesIO(data)))
    assert [value for _, value in items] == [{"a": 1}, [2], "x"]
    assert [data[offset:offset + 1] for offset, _ in items] == [b"{", b"[", b'"']


def test_an_item_beyond_64_bits_is_reported_and_the_rest_still_read() -> None:
    data = b'[{"id": 1}, {"id": 2, "n": 123456789012345678901234567890}, {"id": 3}]'
    values = [value for _, value in iter_array(io.BytesIO(data))]
    assert values[0] == {"id": 1} and values[2] == {"id": 3}
    assert values[1].code == "number-out-of-range"
    assert values[1].value["id"] == 2  # the task it came from can be named


@pytest.mark.parametrize(
    ("data", "code", "read"),
    [
        (b'[{"a": 1}, {"a": 2', "invalid-json", 1),
        (b'[{"a": 1} {"a": 2}]', "invalid-json", 1),
        (b'[{"a": 1}] trailing', "invalid-json", 1),
        (b"[" + _nested(100_000) + b"]", "json-too-deep", 0),
        (b'[{"a": "\xff"}]', "not-utf8", 0),
    ],
)
def test_damage_stops_the_array_where_it_is(data: bytes, code: str, read: int) -> None:
    seen = []
    with pytest.raises(JSONInputError) as info:
        for _, value in iter_array(io.BytesIO(data)):
            seen.append(value)
    assert (info.value.code, len(seen)) == (code, read)
    assert info.value.offset is not None and 0 <= info.value.offset <= len(data)


def test_line_and_column_of_an_offset() -> None:
    data = "[\n  {\"é\": 1},\n  {x}\n]".encode()
    assert line_and_column(io.BytesIO(data), data.index(b"x")) == (3, 4)
    assert line_and_column(io.BytesIO(data), 0) == (1, 1)
