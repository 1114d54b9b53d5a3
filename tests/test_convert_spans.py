"""The span fast path of `convert`: a labels item takes it only when the full checks
would find nothing, so rows and problems are the same for every input; and
`layer_spans` is `parse_result`'s spans of one layer without their choices."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from newsclaims.core.scheme import load_scheme
from newsclaims.export.result_rows import _checked_slice, _plain_slice, layer_spans, parse_result


class Name(str):
    """A str subclass: the full checks take it, the fast path must not."""


# Edge and inner whitespace of several kinds, letters in and out of the BMP, marks.
_ALPHABET = " \t\n\u00a0\u2003\u3000abcXYZé\u0301ß漢🦆𝔘,.'"
_TEXTS = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=12)
_IDS = st.sampled_from(["r1", "r2", "", None, 7, Name("r1")])
_OFFSETS = st.integers(-2, 14) | st.sampled_from([True, False, None, 2.0, "3", 1 << 70])
_LABELS = st.sampled_from([["PERSON"], ["ORG"], ["CLAIM"], ["PERSON", "ORG"], [], None,
                           "PERSON", [1], [Name("PERSON")], ["NOT-A-LABEL"]])
_QUOTES = st.sampled_from(["slice", "absent", "other", None, "stripped", 5, Name("slice")])


@st.composite
def items(draw: st.DrawFn, text: str) -> dict[str, Any]:
    """A labels item, well formed more often than not, with every kind of flaw."""
    start, end = draw(_OFFSETS), draw(_OFFSETS)
    value: Any = {"start": start, "end": end, "labels": draw(_LABELS)}
    quote = draw(_QUOTES)
    piece = text[start:end] if isinstance(start, int) and isinstance(end, int) else "x"
    if quote in ("slice", "stripped", "other") or isinstance(quote, Name):
        value["text"] = {"slice": piece, "stripped": piece.strip(), "other": piece + "!"}.get(
            str(quote), Name(piece))
    elif quote != "absent":
        value["text"] = quote
    if draw(st.integers(0, 9)) == 0:
        value = draw(st.sampled_from([None, [], "value"]))
    return {"id": draw(_IDS), "from_name": draw(st.sampled_from(["entity", "attribution"])),
            "to_name": "text", "type": "labels", "value": value}


@st.composite
def results(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    text = draw(_TEXTS)
    found = draw(st.lists(items(text), max_size=6))
    for item in list(found):  # a choice on some regions, for the folding to touch
        if draw(st.booleans()):
            found.append({"id": item["id"], "from_name": "source_type", "to_name": "text",
                          "type": "choices", "value": {"choices": ["NAMED_PERSON"]}})
    return text, found


@settings(max_examples=2000, deadline=None)
@given(st.data())
def test_the_fast_path_only_takes_items_the_checks_pass(data: st.DataObject) -> None:
    text = data.draw(_TEXTS)
    item = data.draw(items(text))
    problems: list[Any] = []
    checked = _checked_slice(item["id"], item["value"], text, problems)
    plain = _plain_slice(item["id"], item["value"], text)
    if plain is not None:
        assert (plain, problems) == (checked, [])
    value = item["value"]
    if (checked is not None and not problems and type(item["id"]) is str
            and type(value["start"]) is int and type(value["end"]) is int
            and type(value["labels"][0]) is str and type(value.get("text", "")) is str):
        assert plain == checked  # plain items do take it


@settings(max_examples=1000, deadline=None)
@given(results())
def test_layer_spans_are_the_parsed_spans_of_the_layer_without_choices(
        found: tuple[str, list[dict[str, Any]]]) -> None:
    text, result = found
    choices = set(load_scheme().choices)
    parsed = parse_result(result, text)
    expected = [{k: v for k, v in span.items() if k not in choices}
                for span in parsed.spans if span["layer"] == "entity"]
    got = layer_spans(result, text, "entity")
    assert got == expected
    assert all(span["start"] < span["end"] for span in parsed.spans)  # never empty
    for row in got:  # trimmed of edge whitespace, still the text at its offsets
        assert row["text"] == text[row["start"]:row["end"]] == row["text"].strip() != ""
