"""Reading native exports: streaming, and exit-2 errors for files that are not exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsclaims.core.errors import NewsclaimsError
from newsclaims.export.reader import iter_tasks, read_export

FIXTURES = Path(__file__).parent / "fixtures" / "exports"


def test_read_export_returns_every_task_in_order() -> None:
    tasks = read_export(FIXTURES / "clean.json")
    assert [t["id"] for t in tasks] == [1, 2]
    assert tasks[0]["annotations"][0]["lead_time"] == 278.5
    assert isinstance(tasks[0]["annotations"][0]["lead_time"], float)


def test_iter_tasks_is_lazy(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps([{"id": i, "data": {"text": "x"}} for i in range(3)]))
    stream = iter_tasks(path)
    assert next(stream)["id"] == 0
    assert [t["id"] for t in stream] == [1, 2]


def test_empty_list_is_an_empty_export(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text(" [ ]\n")
    assert read_export(path) == []


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([{"id": 7}]).encode())
    assert read_export(path) == [{"id": 7}]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("truncated.json", "not valid JSON"),
        ("not-a-list.json", "an object"),
        ("item-not-object.json", "item 1 of the export is a number"),
    ],
)
def test_damaged_exports_raise_one_clear_error(name: str, expected: str) -> None:
    with pytest.raises(NewsclaimsError, match=expected) as info:
        read_export(FIXTURES / name)
    assert "\n" not in str(info.value)
    assert name in str(info.value)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(NewsclaimsError, match="cannot read export"):
        read_export(tmp_path / "nope.json")
    (tmp_path / "empty.json").write_text("  \n")
    with pytest.raises(NewsclaimsError, match="empty file"):
        read_export(tmp_path / "empty.json")


def test_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('[{"data": {"text": "café"}}]'.encode("latin-1"))
    with pytest.raises(NewsclaimsError):
        read_export(path)
