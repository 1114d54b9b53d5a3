"""Tokens, sentences and BIO tags of the `entities` view, and the CoNLL-2003 map."""

from __future__ import annotations

from factories import find
from newsclaims.core.scheme import load_scheme
from newsclaims.release.tables import conll2003_map
from newsclaims.release.tokens import bio_tags, entity_layer, sentences, to_conll, tokenize


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
