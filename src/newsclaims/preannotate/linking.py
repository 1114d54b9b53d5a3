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
- where the tagger's cue overlaps a cue of the rules, the rules' links fill what
  the tagged spans lack: a cue no tagged CONTENT took takes the rules' content and
  source, an attribution without a SOURCE the rules' source (the tagger decides which
  cues there are; the rules, which are right about 94% of the links of the cues they
  find, say what a cue holds);
- a CUE left without content after that is kept alone (an annotator links or removes
  it); a SOURCE no CUE took is left out.

The choices come from the same small rules `import brat` uses for a corpus without
them (`newsclaims.ingest.brat_infer`): `attribution_type` from the quotation marks,
`source_type` from the source's words; `certainty` from the hedge words, as the
rules do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from newsclaims.ingest.brat_infer import attribution_types, source_type
from newsclaims.preannotate.attribution import Attribution, Region, claim_certainty
from newsclaims.preannotate.rules import Rules
from newsclaims.preannotate.tagger import TaggedSpan
from newsclaims.preannotate.text import Doc

RULE = "tagger"  # named in warnings about a region left out
RULE_ADOPTED = "tagger+rules"  # a tagged cue with the rules' content or source
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


def link(doc: Doc, spans: list[TaggedSpan], ruled: list[Attribution],
         rules: Rules) -> tuple[list[Attribution], list[Region]]:
    """The attributions the tagged spans make (completed from what the rules found,
    `ruled`), in reading order, and the cues no content took."""
    found, lone = _link_tagged(doc, spans, rules)
    return _adopt(found, lone, ruled)


def _overlaps(a: Region, b: Region) -> bool:
    return a.start < b.end and b.start < a.end


def _adopt(found: list[Attribution], lone: list[Region],
           ruled: list[Attribution]) -> tuple[list[Attribution], list[Region]]:
    """The rules' source for a tagged attribution without one, and the rules' content
    and source for a lone tagged cue, where the rules have a cue overlapping it."""
    def ruled_for(cue: Region) -> Attribution | None:
        return next((r for r in ruled if r.cue is not None and _overlaps(r.cue, cue)), None)

    completed = []
    for attribution in found:
        if attribution.source is None and attribution.cue is not None:
            match = ruled_for(attribution.cue)
            if match is not None and match.source is not None:
                attribution = replace(attribution, source=match.source, rule=RULE_ADOPTED)
        completed.append(attribution)
    still_lone = []
    for cue in lone:
        match = ruled_for(cue)
        if match is None:
            still_lone.append(cue)
        else:
            completed.append(replace(match, cue=cue, extra_cues=(), rule=RULE_ADOPTED))
    completed.sort(key=lambda a: (a.claim.start, a.claim.end))
    return completed, still_lone


def _link_tagged(doc: Doc, spans: list[TaggedSpan],
                 rules: Rules) -> tuple[list[Attribution], list[Region]]:
    """Attributions from the tagged spans alone, and the cues no content took."""
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
