"""Tokens, sentences and BIO tags of the `entities` view, and the CoNLL-2003 map."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from factories import find
from newsclaims.core.chars import code_points
from newsclaims.core.scheme import load_scheme
from newsclaims.release.tables import conll2003_map
from newsclaims.release.tokens import (
    TOKEN,
    bio_tags,
    entity_layer,
    sentences,
    to_conll,
    token_arrays,
    tokenize,
)

ROOT = Path(__file__).resolve().parents[1]
# Characters where the array tokeniser could part from the regular expression: joiners
# between, before and after word characters, Unicode word characters (letters, digits,
# marks that are not \w), Unicode spaces, astral characters, line breaks.
_TRICKY = "aZ9_'’.-,;!?…\"“”()é\u0301ß漢字١٢\u00a0\u2003\u3000\n\t🦆𝔘Ⅻ½²\u200b\ufeff "


def _regex_tokens(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in TOKEN.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=60) | st.text(max_size=60))
def test_array_tokens_are_the_regular_expressions_tokens(text: str) -> None:
    starts, ends, _ = token_arrays(code_points(text))
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == _regex_tokens(text)


def test_array_tokens_on_every_article_of_the_repository() -> None:
    texts = [path.read_text("utf-8") for folder in ("seeds", "tests/fixtures/articles")
             for path in sorted((ROOT / folder).rglob("*.txt"))]
    assert len(texts) >= 5
    for text in texts:
        starts, ends, _ = token_arrays(code_points(text))
        assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == _regex_tokens(text)
        assert re.sub(r"\s+", "", text) == "".join(text[s:e] for s, e in _regex_tokens(text))


def _span(text: str, words: str, label: str) -> dict:
    start, end = find(text, words)
    return {"start": start, "end": end, "label": label}


def test_conll_map_covers_every_entity_label_of_the_scheme() -> None:
    scheme = load_scheme()
    layer = entity_layer(scheme)
    mapping = conll2003_map()
    assert set(scheme.labels[layer]) == set(mapping)
    assert set(mapping.values()) == {"PER", "ORG", "LOC", "MISC", None}


def test_tokens_keep_offsets_and_inner_punctuation() -> None:
    text = "U.S. officials' e-mail, said O'Neill: 3.5%."
    tokens = [text[s:e] for s, e in tokenize(text)]
    assert tokens == ["U.S", ".", "officials", "'", "e-mail", ",", "said", "O'Neill", ":",
                      "3.5", "%", "."]


def test_bio_tags_and_overlapping_spans() -> None:
    text = "New York City Mayor Eric Adams spoke."
    offsets = tokenize(text)
    city = _span(text, "New York City", "GPE")
    inner = _span(text, "York", "GPE")  # nested in the city: not expressible in BIO
    person = _span(text, "Eric Adams", "PERSON")
    tags, left_out = bio_tags(offsets, [person, inner, city])
    assert tags == ["B-GPE", "I-GPE", "I-GPE", "O", "B-PERSON", "I-PERSON", "O", "O"]
    assert left_out == [inner]
    assert to_conll(tags, conll2003_map()) == ["B-LOC", "I-LOC", "I-LOC", "O", "B-PER",
                                               "I-PER", "O", "O"]


def test_sentences_split_at_stops_and_lines_not_inside_entities_or_titles() -> None:
    text = ("Mr. Smith said the U.S. economy grew. \"It is fine.\" He left St. Louis.\n"
            "next line")
    entity = _span(text, "U.S.", "GPE")
    found, left_out = sentences(text, [entity, _span(text, "St. Louis", "GPE")])
    assert left_out == []
    assert [" ".join(s.tokens) for s in found] == [
        "Mr . Smith said the U.S . economy grew .",
        "\" It is fine . \"",
        "He left St . Louis .",
        "next line",
    ]
    assert found[0].ner_tags[5:7] == ["B-GPE", "I-GPE"]
    assert found[2].conll_tags[2:5] == ["B-LOC", "I-LOC", "I-LOC"]
    for sentence in found:
        assert text[sentence.start:sentence.end].startswith(sentence.tokens[0])
