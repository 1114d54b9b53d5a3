"""Code-point vs UTF-16 offsets.

Python (and Label Studio 1.23) count offsets in code points; JavaScript strings,
older Label Studio versions and other tools count UTF-16 code units, where every
character beyond U+FFFF (emoji, many CJK extensions, astral letters) takes two.
The two agree on texts without such characters, so a UTF-16 offset is only
detectable, and only needs repair, when the text has astral characters before or
inside the span.
"""

from __future__ import annotations

from typing import Any

_BMP_MAX = 0xFFFF


def has_astral(text: str) -> bool:
    """True if some character of `text` takes two UTF-16 code units."""
    return not text.isascii() and any(ord(ch) > _BMP_MAX for ch in text)


class Utf16Index:
    """Conversions between UTF-16 code-unit offsets and code-point offsets of one text."""

    __slots__ = ("_code_point_of", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        code_point_of: list[int | None] = []
        for index, ch in enumerate(text):
            code_point_of.append(index)
            if ord(ch) > _BMP_MAX:
                code_point_of.append(None)  # between the two halves of a surrogate pair
        code_point_of.append(len(text))
        self._code_point_of = code_point_of

    @property
    def length(self) -> int:
        """Length of the text in UTF-16 code units."""
        return len(self._code_point_of) - 1

    def to_code_point(self, unit: int) -> int | None:
        """Code-point offset of UTF-16 offset `unit`; None if it splits a pair or is outside."""
        if 0 <= unit < len(self._code_point_of):
            return self._code_point_of[unit]
        return None

    def slice(self, start: int, end: int) -> str | None:
        """`text` sliced by UTF-16 offsets; None if a boundary splits a surrogate pair."""
        cp_start, cp_end = self.to_code_point(start), self.to_code_point(end)
        if cp_start is None or cp_end is None:
            return None
        return self.text[cp_start:cp_end]


def to_utf16(text: str, start: int, end: int) -> tuple[int, int]:
    """UTF-16 offsets of the code-point span `start..end` of `text` (used by tests and tools)."""
    prefix = text[:start]
    units_before = start + sum(1 for ch in prefix if ord(ch) > _BMP_MAX)
    inside = text[start:end]
    return units_before, units_before + len(inside) + sum(
        1 for ch in inside if ord(ch) > _BMP_MAX
    )


def utf16_repair(text: str, value: dict[str, Any], index: Utf16Index | None = None
                 ) -> tuple[int, int] | None:
    """Code-point offsets for a `value` whose start/end are UTF-16 offsets, else None.

    A value is read as UTF-16 only when its code-point slice does not match its
    `text` and the UTF-16 slice does, so a correct region is never "repaired".
    """
    start, end, expected = value.get("start"), value.get("end"), value.get("text")
    if type(start) is not int or type(end) is not int or not isinstance(expected, str):
        return None
    if 0 <= start < end <= len(text) and text[start:end] == expected:
        return None
    if not has_astral(text):
        return None
    index = index or Utf16Index(text)
    if index.slice(start, end) != expected:
        return None
    return index.to_code_point(start), index.to_code_point(end)  # type: ignore[return-value]


def repair_result(result: Any, text: str) -> list[dict[str, Any]]:
    """Rewrite UTF-16 start/end to code points in place, in every item of `result`.

    Returns one record per changed item: region id, item type and control, old and
    new offsets. Items that do not match either way are left alone (they are
    validation errors, not offset-unit problems).
    """
    repairs: list[dict[str, Any]] = []
    if not isinstance(result, list) or not has_astral(text):
        return repairs
    index = Utf16Index(text)
    moved: dict[tuple[Any, int, int], tuple[int, int]] = {}
    pending = []
    for item in result:
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, dict):
            continue
        fixed = utf16_repair(text, value, index)
        if fixed is None:
            pending.append(item)
            continue
        moved[(item.get("id"), value["start"], value["end"])] = fixed
        repairs.append(_repair(item, fixed))
    # A per-region choice without its own `text` moves with its region.
    for item in pending:
        value = item["value"]
        fixed = moved.get((item.get("id"), value.get("start"), value.get("end")))
        if fixed is not None and "text" not in value:
            repairs.append(_repair(item, fixed))
    return repairs


def _repair(item: dict[str, Any], fixed: tuple[int, int]) -> dict[str, Any]:
    value = item["value"]
    record = {
        "region_id": item.get("id"),
        "type": item.get("type"),
        "from_name": item.get("from_name"),
        "utf16": [value["start"], value["end"]],
        "code_points": list(fixed),
    }
    value["start"], value["end"] = fixed
    return record
