"""Attribution-type semantics the validation rules depend on (DESIGN.md, annotation
scheme): which choice holds a claim's attribution type, which values need a link or
forbid one, and what counts as a quotation mark around a direct quote. Shared by the
full rules (`result_rules`) and their fast acceptance (`result_screen`)."""

from __future__ import annotations

from newsclaims.core.scheme import RELATION_ENDPOINTS

CLAIM_LABEL, SOURCE_LABEL = RELATION_ENDPOINTS["source"]
CUE_LABEL = RELATION_ENDPOINTS["cue"][1]
ATTRIBUTION_CONTROL = "attribution_type"
UNATTRIBUTED = "UNATTRIBUTED"
DIRECT_QUOTE = "DIRECT_QUOTE"
LINK_RELATIONS = frozenset(RELATION_ENDPOINTS)  # source, cue

# A direct quote needs a quotation mark inside the span or right next to it (after the
# span's final comma or full stop counts as next to it: `“We will,” she said`).
QUOTES_INSIDE = frozenset('"“”„‟«»‹›‘‚‛「」『』')
QUOTES_AROUND = QUOTES_INSIDE | frozenset("'’")
DOUBLE_APOSTROPHE = "''"  # two apostrophes: a double quotation mark in some outlets
_CLOSING_PUNCTUATION = ",.;:!?"


def quote_marked(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] holds a quotation mark or has one right next to it."""
    after = text[end:end + 2]
    after = after[1:] if after[:1] in _CLOSING_PUNCTUATION else after[:1]
    span = text[start:end]
    return bool(QUOTES_INSIDE.intersection(span) or DOUBLE_APOSTROPHE in span
                or QUOTES_AROUND.intersection(text[start - 1:start] + after))
