"""The pieces under `import brat`: offsets moved through normalisation (textmap) and the
rules that infer attribution_type and source_type (brat_infer)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclaims.ingest.brat_infer import attribution_types, source_type
from newsclaims.ingest.textmap import MappedText, normalise

# -- textmap -----------------------------------------------------------------------------


def test_an_already_normal_text_maps_every_offset_to_itself() -> None:
    mapped = MappedText("Plain text, “curly” quotes and é.\nNext line.")
    assert not mapped.changed and mapped.text == mapped.raw
    assert all(mapped.offset(i) == i for i in range(len(mapped.raw) + 1))
    assert mapped.offset(len(mapped.raw) + 1) is None


def test_crlf_bom_and_other_line_breaks_become_one_newline() -> None:
    mapped = MappedText("\ufeffab\r\ncd\ref\u2028gh")
    assert mapped.text == "ab\ncd\nef\ngh"
    assert mapped.span(1, 3) == (0, 2)  # "ab" after the BOM
    assert mapped.span(5, 7) == (3, 5)  # "cd" after \r\n
    assert mapped.span(3, 5) == (2, 3)  # the whole \r\n is the one \n
    assert mapped.span(1, 4) is None  # ends between \r and \n: half a line break


def test_nfc_moves_offsets_after_a_composed_letter() -> None:
    raw = "Jose\u0301 said no."
    mapped = MappedText(raw)
    assert mapped.text == "José said no."
    assert mapped.span(0, 5) == (0, 4)  # "José"
    assert mapped.span(6, 10) == (5, 9)  # "said"
    assert mapped.span(0, 4) is None  # "Jose" without its accent: no such span after NFC


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=["a", "e", "\u0301", "\u0327", "é", " ", "\r", "\n", "\ufeff",
                         "\u2028", "\U0001F600", "\u1100", "\u1161"], max_size=24),
       st.data())
def test_every_mapped_span_holds_the_normalised_raw_slice(raw: str, data) -> None:
    mapped = MappedText(raw)
    assert mapped.text == normalise(raw)
    assert unicodedata.is_normalized("NFC", mapped.text) and "\r" not in mapped.text
    start = data.draw(st.integers(0, len(raw)))
    end = data.draw(st.integers(start, len(raw)))
    span = mapped.span(start, end)
    if span is not None:
        assert mapped.text[span[0]:span[1]] == normalise(raw[start:end])
    offsets = [o for o in (mapped.offset(i) for i in range(len(raw) + 1)) if o is not None]
    assert offsets == sorted(offsets) and offsets[-1] == len(mapped.text)


# -- attribution_type --------------------------------------------------------------------


def one(text: str) -> str:
    return attribution_types(text, [(0, len(text))])[0][0]


@pytest.mark.parametrize(("content", "expected"), [
    ("the bridge will reopen in May", "INDIRECT"),
    ("“We will reopen the bridge in May,”", "DIRECT_QUOTE"),
    ('"We will reopen the bridge in May,"', "DIRECT_QUOTE"),
    ("''We will reopen the bridge in May,''", "DIRECT_QUOTE"),  # '' as a double quote
    ("that “the bridge is safe”", "DIRECT_QUOTE"),  # leading complementiser not counted
    ("the plan is “dead on arrival” for farmers", "MIXED"),
    ("the repairs were 'urgent'", "INDIRECT"),  # single quotes are apostrophes too
    ("we will finish in May.”", "DIRECT_QUOTE"),  # opened before the span
    ("“We will finish in May.", "DIRECT_QUOTE"),  # quote continues in the next paragraph
])
def test_attribution_type_follows_the_quotation_marks(content: str, expected: str) -> None:
    assert one(content) == expected


def test_quotation_marks_just_outside_the_span_count() -> None:
    text = 'She said: "Buses first, cars later." Then she left.'
    start = text.index("Buses")
    assert attribution_types(text, [(start, text.index("later") + 5)]) == [
        ("DIRECT_QUOTE", "quote:all-words-quoted")]


def test_an_open_quote_runs_on_into_the_next_fragment() -> None:
    text = "“We will finish the bridge.\n\nThen we start on the tunnel,” she said."
    first = (0, text.index("\n"))
    second = (text.index("Then"), text.index("tunnel") + len("tunnel"))
    assert [t for t, _ in attribution_types(text, [first, second])] == ["DIRECT_QUOTE"] * 2
    assert [t for t, _ in attribution_types(text, [second])] == ["DIRECT_QUOTE"]  # closing mark
    assert [t for t, _ in attribution_types(text[:-15] + ".", [second])] == ["INDIRECT"]


# -- source_type -------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "expected"), [
    ("he", "NAMED_PERSON"),
    ("She", "NAMED_PERSON"),
    ("it", "NAMED_ORGANIZATION"),
    ("they", "ANONYMOUS"),
    ("Mayor Ana Ruiz", "NAMED_PERSON"),
    ("Ruiz", "NAMED_PERSON"),
    ("Sen. Tom Hale (D-Ore.)", "NAMED_PERSON"),
    ("Lena Park, a former teacher who now runs the ministry,", "NAMED_PERSON"),
    ("city spokesman Omar Diaz", "NAMED_PERSON"),
    ("the president", "NAMED_PERSON"),
    ("a spokesman for Mayor Ruiz", "ANONYMOUS"),
    ("sources familiar with the planning", "ANONYMOUS"),
    ("Officials", "ANONYMOUS"),
    ("Some Republicans", "ANONYMOUS"),
    ("European diplomats", "ANONYMOUS"),
    ("the Dorve Transport Department", "NAMED_ORGANIZATION"),
    ("the Ruiz campaign", "NAMED_ORGANIZATION"),
    ("The Harbour Post", "NAMED_ORGANIZATION"),
    ("NATO", "NAMED_ORGANIZATION"),
    ("a report by the audit office", "DOCUMENT"),
    ("The complaint", "DOCUMENT"),
    ("Ruiz's statement", "DOCUMENT"),
    ("the 1998 Harbour Agreement", "DOCUMENT"),
])
def test_source_type_rules(source: str, expected: str) -> None:
    assert source_type(source, 0, len(source))[0] == expected


def test_a_relative_pronoun_takes_the_type_of_the_words_before_it() -> None:
    text = "Mayor Ana Ruiz, who opened the bridge, said so. The union, which we asked, agreed."
    who, which = text.index("who"), text.index("which")
    value, rule = source_type(text, who, who + 3)
    assert value == "NAMED_PERSON" and rule.startswith("relative-pronoun:")
    assert source_type(text, which, which + 5)[0] == "NAMED_ORGANIZATION"
    assert source_type("who said so", 0, 3) == ("ANONYMOUS", "relative-pronoun:no-antecedent")
