"""The fast export reader (raw-byte cutting + orjson) gives what json gives, whatever
the layout of the file and wherever its read chunks end."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from newsclaims.core import jsonread
from newsclaims.core.errors import NewsclaimsError
from newsclaims.export.reader import read_export

TASKS = [
    {"id": i, "data": {"text": "café Gdańsk 😀 “quoted” " * (i + 1)}, "lead_time": 1.5,
     "meta": None, "ok": True, "annotations": [{"id": i, "result": [{"value": {"start": 0}}]}]}
    for i in range(30)
]
LAYOUTS = {
    "one-per-line": "[\n" + ",\n".join(json.dumps(t, ensure_ascii=False) for t in TASKS) + "\n]\n",
    "indented": json.dumps(TASKS, indent=2, ensure_ascii=False),
    "compact": json.dumps(TASKS, ensure_ascii=False, separators=(",", ":")),
    "escaped": json.dumps(TASKS),
    "label-studio": json.dumps(TASKS, ensure_ascii=False),  # one line, ", " separators
    "tab-indented": json.dumps(TASKS, indent="\t", ensure_ascii=False),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("chunk", [5, 333, 1 << 22])
def test_every_layout_and_chunk_size_reads_like_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str, chunk: int
) -> None:
    monkeypatch.setattr(jsonread, "_BUFFER_SIZE", chunk)
    monkeypatch.setattr(jsonread, "_FIRST_WINDOW", max(chunk // 3, 1))
    path = tmp_path / "export.json"
    path.write_text(LAYOUTS[layout], encoding="utf-8")
    tasks = read_export(path)
    assert tasks == json.loads(LAYOUTS[layout])
    assert isinstance(tasks[0]["lead_time"], float)


def test_a_label_studio_export_is_parsed_once_per_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Label Studio writes the export on one line: msgspec finds where each task ends,
    so orjson parses every task once (it parsed each twice when it had to find the end
    itself)."""
    parsed: list[int] = []
    orjson_loads = jsonread.orjson.loads

    def loads(data: bytes | memoryview) -> object:
        parsed.append(len(data))
        return orjson_loads(data)

    monkeypatch.setattr(jsonread, "orjson", SimpleNamespace(
        loads=loads, JSONDecodeError=jsonread.orjson.JSONDecodeError))
    path = tmp_path / "export.json"
    path.write_text(LAYOUTS["label-studio"], encoding="utf-8")
    assert read_export(path) == TASKS
    assert len(parsed) == len(TASKS)


@pytest.mark.parametrize("layout", ["label-studio", "compact"])
def test_without_msgspec_finding_the_end_orjson_still_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    """Should msgspec word its error differently, items are still cut right."""
    monkeypatch.setattr(jsonread, "_TRAILING", re.compile("never matches$"))
    monkeypatch.setattr(jsonread, "_BUFFER_SIZE", 333)
    path = tmp_path / "export.json"
    path.write_text(LAYOUTS[layout], encoding="utf-8")
    assert read_export(path) == json.loads(LAYOUTS[layout])


def test_long_digit_runs_in_text_are_read_exactly(tmp_path: Path) -> None:
    path = tmp_path / "digits.json"
    data = [{"id": 1, "data": {"text": "call 12345678901234567890123 now"}}, {"id": 2}]
    path.write_text(json.dumps(data))
    assert read_export(path) == data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[{"id": 1}, {"id": 123456789012345678901234567890}]',
         r"the task at item 1 of the export, line 1: integer .* is beyond 64 bits"),
        ('[{"id": 1}, {"id": 2}', "not valid JSON after 2"),
        ('[{"id": 1}, {"id": 2} {"id": 3}]', "not valid JSON"),
        ('[{"id": 1}, 7]', "item 1 of the export is a number"),
    ],
)
def test_damage_is_reported_with_its_place(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(NewsclaimsError, match=expected):
        read_export(path)
