"""Tagged spans -> attributions: which CONTENT goes with which CUE and SOURCE.

The tagger marks spans, not who said what. Linking is by position, as PolNeAR's
attributions mostly are (91% of contents share a sentence with their cue):

- a CONTENT takes the nearest CUE of its sentence (a cue after it costs half a token
  more than one before it at the same distance: "X said CONTENT" is more common than
  "CONTENT, X said"); a CONTENT in a sentence without a CUE continues the last
  attribution of the paragraph when the previous sentence had one ("“…,” she said.
  “…”"), and is left out otherwise;
- a CUE takes the nearest SOURCE of its sentence, the same way; none when the
  sentence has none ("reportedly");
- a CUE no CONTENT took is kept alone (an annotator links or removes it); a SOURCE
  no CUE took is left out.

The choices come from the same small rules `import brat` uses for a corpus without
them (`newsclaims.ingest.brat_infer`): `attribution_type` from the quotation marks,
`source_type` from the source's words; `certainty` from the hedge words, as the
rules do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from newsclaims.ingest.brat_infer import attribution_types, source_type
from newsclaims.preannotate.attribution import Attribution, Region, claim_certainty
from newsclaims.preannotate.rules import Rules
from newsclaims.preannotate.tagger import TaggedSpan
from newsclaims.preannotate.text import Doc

RULE = "tagger"  # named in warnings about a region left out
_AFTER_PENALTY = 0.5
_SCORES = {"claim": 0.6, "source": 0.6, "cue": 0.7}


def _distance(frm: TaggedSpan, to: TaggedSpan) -> float:
    """Tokens between two spans of a sentence; `to` after `frm` costs half a token more."""
    if to.last <= frm.first:
        return frm.first - to.last
    return max(0, to.first - frm.last) + _AFTER_PENALTY


def _nearest(frm: TaggedSpan, candidates: Sequence[TaggedSpan]) -> TaggedSpan | None:
    return min(candidates, key=lambda c: _distance(frm, c), default=None)


class _Linker:
    def __init__(self, doc: Doc, rules: Rules) -> None:
        self.doc = doc
        self.rules = rules
        self.text = doc.text
        self.attribution_key = {v: k for k, v in rules.choice["attribution_type"].items()}
        self.source_key = {v: k for k, v in rules.choice["source_type"].items()}

    def offsets(self, span: TaggedSpan) -> tuple[int, int]:
        return self.doc.starts[span.first], self.doc.ends[span.last - 1]

    def claim(self, span: TaggedSpan) -> Region:
        s, e = self.offsets(span)
        kind = self.attribution_key[attribution_types(self.text, [(s, e)])[0][0]]
        certainty = claim_certainty(self.text, s, e, self.rules)
        return Region(s, e, "claim", {"attribution_type": kind, "certainty": certainty},
                      score=_SCORES["claim"])

    def source(self, span: TaggedSpan) -> Region:
        s, e = self.offsets(span)
        kind = self.source_key[source_type(self.text, s, e)[0]]
        return Region(s, e, "source", {"source_type": kind}, score=_SCORES["source"])

    def cue(self, span: TaggedSpan) -> Region:
        s, e = self.offsets(span)
        return Region(s, e, "cue", score=_SCORES["cue"])

    def continues(self, before: int, after: int) -> bool:
        """Whether sentence `after` may continue an attribution of sentence `before`: the
        same sentence, or the next one in the same paragraph."""
        sentences = self.doc.sentences
        return before == after or (
            after == before + 1
            and "\n" not in self.text[sentences[before][1] : sentences[after][0]])


def link(doc: Doc, spans: list[TaggedSpan], rules: Rules) -> tuple[list[Attribution],
                                                                     list[Region]]:
    """The attributions the tagged spans make, in reading order, and the cues no content
    took."""
    linker = _Linker(doc, rules)
    by_sentence: dict[int, dict[str, list[TaggedSpan]]] = defaultdict(
        lambda: {"claim": [], "source": [], "cue": []})
    for span in spans:
        by_sentence[span.sentence][span.role].append(span)
    found: list[Attribution] = []
    lone: list[Region] = []
    last: tuple[int, Region, Region | None] | None = None  # sentence, cue, source
    for number in sorted(by_sentence):
        here = by_sentence[number]
        source_of = {id(q): _nearest(q, here["source"]) for q in here["cue"]}
        taken: set[int] = set()
        for content in here["claim"]:
            cue_span = _nearest(content, here["cue"])
            if cue_span is not None:
                taken.add(id(cue_span))
                source_span = source_of[id(cue_span)]
                cue = linker.cue(cue_span)
                source = None if source_span is None else linker.source(source_span)
            elif last is not None and linker.continues(last[0], number):
                _, cue, source = last
            else:
                continue
            found.append(Attribution(linker.claim(content), source, cue, rule=RULE))
            last = (number, cue, source)
        lone += [linker.cue(q) for q in here["cue"] if id(q) not in taken]
        if here["cue"] and not here["claim"]:
            last = None
    return found, lone
