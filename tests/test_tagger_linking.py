"""Linking the tagger's spans into attributions (`preannotate.linking`), on spans given
by hand: by position within a sentence, a quotation continued in the next sentence,
and the rules' links for a tagged cue that lacks its own."""

from __future__ import annotations

import bisect

from newsclaims.preannotate.attribution import find_attributions
from newsclaims.preannotate.linking import RULE, RULE_ADOPTED, link
from newsclaims.preannotate.rules import load_rules
from newsclaims.preannotate.tagger import TaggedSpan
from newsclaims.preannotate.text import Doc

RULES = load_rules("rules-2026.12")


def _doc(text: str) -> Doc:
    return Doc(text, RULES.quote_re, RULES.sentence_end_re)


def _span(doc: Doc, role: str, fragment: str, nth: int = 0) -> TaggedSpan:
    start = -1
    for _ in range(nth + 1):
        start = doc.text.index(fragment, start + 1)
    first = bisect.bisect_left(doc.starts, start)
    last = bisect.bisect_left(doc.starts, start + len(fragment))
    sentence = next(k for k, (s, e) in enumerate(doc.sentences) if s <= start < e)
    return TaggedSpan(role, first, last, sentence)


def _triples(doc: Doc, found) -> list[tuple[str, str | None, str, str]]:
    text = doc.text
    return [(text[a.claim.start:a.claim.end],
             None if a.source is None else text[a.source.start:a.source.end],
             text[a.cue.start:a.cue.end], a.rule) for a in found]


def test_a_content_takes_the_nearest_cue_and_the_cue_its_nearest_source() -> None:
    text = ("Ana Ruiz grumbled that the pier was unsafe, while Tom Hale sighed that "
            "repairs were late.")
    doc = _doc(text)
    spans = [_span(doc, "source", "Ana Ruiz"), _span(doc, "cue", "grumbled"),
             _span(doc, "claim", "the pier was unsafe"), _span(doc, "source", "Tom Hale"),
             _span(doc, "cue", "sighed"), _span(doc, "claim", "repairs were late")]
    found, lone = link(doc, spans, [], RULES)
    assert _triples(doc, found) == [
        ("the pier was unsafe", "Ana Ruiz", "grumbled", RULE),
        ("repairs were late", "Tom Hale", "sighed", RULE),
    ]
    assert lone == []
    kinds = [(a.claim.choices["attribution_type"], a.source.choices["source_type"])
             for a in found]
    assert kinds == [("indirect", "person"), ("indirect", "person")]


def test_a_quotation_goes_on_in_the_next_sentence_of_the_paragraph_only() -> None:
    text = "“The pier is unsafe,” Ruiz grumbled. “Nobody listened.”\n\n“Not me.”"
    doc = _doc(text)
    spans = [_span(doc, "claim", "The pier is unsafe"), _span(doc, "source", "Ruiz"),
             _span(doc, "cue", "grumbled"), _span(doc, "claim", "Nobody listened."),
             _span(doc, "claim", "Not me.")]
    found, _ = link(doc, spans, [], RULES)
    assert [t[:3] for t in _triples(doc, found)] == [
        ("The pier is unsafe", "Ruiz", "grumbled"), ("Nobody listened.", "Ruiz", "grumbled"),
    ]
    assert found[0].claim.choices["attribution_type"] == "direct"


def test_a_tagged_cue_without_content_takes_the_rules_links() -> None:
    text = "Officials said the plan was ready for a vote. The mayor sighed."
    doc = _doc(text)
    ruled = find_attributions(doc, RULES)
    assert [t[:3] for t in _triples(doc, ruled)] == [
        ("the plan was ready for a vote", "Officials", "said")]
    found, lone = link(doc, [_span(doc, "cue", "said"), _span(doc, "cue", "sighed")],
                       ruled, RULES)
    assert _triples(doc, found) == [
        ("the plan was ready for a vote", "Officials", "said", RULE_ADOPTED)]
    assert [text[c.start:c.end] for c in lone] == ["sighed"]  # no rule has a cue there


def test_a_tagged_attribution_without_source_takes_the_rules_source() -> None:
    text = "Officials said the plan was ready for a vote."
    doc = _doc(text)
    ruled = find_attributions(doc, RULES)
    spans = [_span(doc, "cue", "said"), _span(doc, "claim", "the plan was ready")]
    found, _ = link(doc, spans, ruled, RULES)
    assert _triples(doc, found) == [("the plan was ready", "Officials", "said", RULE_ADOPTED)]
