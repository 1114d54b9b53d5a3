"""Property tests for offsets: code-point regions validate clean; UTF-16 regions over
emoji, ZWJ sequences, combining marks, astral letters and \\r\\n are detected, repaired
back to the code points and then validate clean."""

from __future__ import annotations

import copy

from hypothesis import assume, given
from hypothesis import strategies as st

from factories import labels
from newsclaims.core.errors import Severity
from newsclaims.core.offsets import Utf16Index, repair_result, to_utf16
from newsclaims.core.result_rules import check_result

PIECES = ["a", "Bo", " ", "\r\n", "\n", "é", "e\u0301", "😀", "👩\u200d👩\u200d👧", "𝒜", "中",
          "\U0001f1fa\U0001f1f8", '"', "“", "!"]


@st.composite
def text_and_span(draw):
    text = "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=30)))
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    return text, start, end


def region(text: str, start: int, end: int, fragment: str | None = None) -> list[dict]:
    """One CUE region; `fragment` is its copy of the text when that is not text[start:end]."""
    return [labels("r1", "CUE", text, start, end, shown=fragment)]


def errors(result: list[dict], text: str) -> list[str]:
    return [p.code for p in check_result(result, text) if p.severity is Severity.ERROR]


@given(text_and_span())
def test_code_point_regions_validate_clean(case) -> None:
    text, start, end = case
    assume(text[start:end].strip())
    assert errors(region(text, start, end), text) == []


@given(text_and_span())
def test_utf16_regions_are_detected_and_repaired(case) -> None:
    text, start, end = case
    fragment = text[start:end]
    assume(fragment.strip())
    u_start, u_end = to_utf16(text, start, end)
    assert Utf16Index(text).slice(u_start, u_end) == fragment
    result = region(text, u_start, u_end, fragment)
    found = errors(result, text)
    if (u_start, u_end) == (start, end) or (u_end <= len(text)
                                            and text[u_start:u_end] == fragment):
        assert found == []  # nothing astral before the span, or a coincidental match
        return
    assert found == ["offset-utf16"]
    repaired = copy.deepcopy(result)
    [repair] = repair_result(repaired, text)
    assert repair["code_points"] == [start, end]
    assert (repaired[0]["value"]["start"], repaired[0]["value"]["end"]) == (start, end)
    assert errors(repaired, text) == []


@given(text_and_span())
def test_repair_never_touches_code_point_regions(case) -> None:
    text, start, end = case
    result = region(text, start, end)
    assert repair_result(result, text) == []
    assert (result[0]["value"]["start"], result[0]["value"]["end"]) == (start, end)


@given(st.text(min_size=1, max_size=40))
def test_utf16_index_agrees_with_utf16_encoding(text: str) -> None:
    index = Utf16Index(text)
    encoded = text.encode("utf-16-le")
    assert index.length == len(encoded) // 2
    for cp in range(len(text) + 1):
        unit = to_utf16(text, 0, cp)[1]
        assert index.to_code_point(unit) == cp
        assert encoded[: 2 * unit].decode("utf-16-le") == text[:cp]


def test_offsets_splitting_a_surrogate_pair_are_not_utf16() -> None:
    text = "x😀y"
    assert Utf16Index(text).slice(0, 2) is None  # ends between the halves of 😀
    assert errors(region(text, 0, 2, "x\ud83d"), text) == ["text-mismatch"]
