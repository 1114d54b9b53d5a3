"""UNATTRIBUTED claims: sentences the outlet states in its own voice. Only plain,
checkable statements qualify (a number or a name to check, no cue, no quotation, no
marker of the writer's evaluation), because a wrong suggestion costs an annotator
more than a missing one."""

from __future__ import annotations

import bisect
import re

from newsclaims.preannotate.attribution import Attribution, Region, claim_certainty
from newsclaims.preannotate.rules import Rules
from newsclaims.preannotate.text import Doc, trim

_ANCHOR = re.compile(r"\d|(?<=\s)[A-Z]")


def unattributed_claims(doc: Doc, found: list[Attribution], rules: Rules) -> list[Region]:
    text, quoted = doc.text, doc.quotes
    used = bytearray(len(text) + 1)  # 1 where an attribution region already lies
    for found_one in found:
        for region in (found_one.claim, found_one.source, found_one.cue):
            if region is not None:
                used[region.start : region.end] = b"\x01" * (region.end - region.start)
    markers = rules.opinion_re
    quote_starts = [q.start for q in quoted]
    claims = []
    for start, end in doc.sentences:
        if text[end - 1] not in ".”\"’" or used.find(1, start, end) >= 0:
            continue
        first = bisect.bisect_left(quote_starts, start)  # the quotes inside the sentence
        inside = quoted[first : bisect.bisect_left(quote_starts, end, first)]
        if any(q.end <= end and len(text[q.start:q.end].split()) > 3 for q in inside):
            continue
        span = trim(text, start, end, " \n.")
        if span is None:
            continue
        s, e = span
        if (len(text[s:e].split()) < rules.unattributed_min_words
                or not _ANCHOR.search(text, s, e) or markers.search(text, s, e)):
            continue
        certainty = claim_certainty(text, s, e, rules)
        choices = {"attribution_type": "unattributed", "certainty": certainty}
        claims.append(Region(s, e, "claim", choices, score=0.3))
    return claims
