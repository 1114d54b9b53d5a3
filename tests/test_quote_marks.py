"""`quote-without-marks`: which marks the validator takes for a DIRECT_QUOTE's quotation
marks. `''` (two apostrophes) is a double quote in some outlets; one apostrophe inside a
span is not (don't)."""

from __future__ import annotations

import pytest

from factories import region, relation
from newsclaims.core.result_rules import check_result


def _warned(text: str, claim: str) -> bool:
    result = [
        *region("c1", "CLAIM", text, claim, attribution_type="DIRECT_QUOTE"),
        *region("u1", "CUE", text, "said"),
        relation("c1", "u1", "cue"),
    ]
    return any(p.code == "quote-without-marks" for p in check_result(result, text))


@pytest.mark.parametrize(("text", "claim"), [
    # two apostrophes as the quotation marks, inside the span
    ("''We will not move the market,'' the mayor said.", "''We will not move the market,''"),
    ("The mayor said: ''No.''", "''No.''"),
    ("He said the plan was ''a disaster'' for traders.", "the plan was ''a disaster''"),
    # next to the span, also after its final comma or full stop
    ("''We will not move the market,'' she said.", "We will not move the market"),
    ("“We met. And we will not move the market,” she said.", "we will not move the market"),
    ('She said: "We met. Never."', "Never"),
])
def test_quotation_marks_are_recognised(text: str, claim: str) -> None:
    assert not _warned(text, claim)


@pytest.mark.parametrize(("text", "claim"), [
    ("She said we don't move markets.", "we don't move markets"),  # an apostrophe only
    ("She said the market stays, and that is final.", "the market stays"),
    ("She said it stays.. ''", "it stays"),  # a mark two punctuation marks away
])
def test_no_quotation_mark_is_still_a_warning(text: str, claim: str) -> None:
    assert _warned(text, claim)
