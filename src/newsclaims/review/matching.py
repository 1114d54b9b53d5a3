"""Span matching: which spans of two sides count as matched, and the precision /
recall / F1 that follow. Agreement (annotator vs annotator) and evaluation (gold vs
prediction) both score spans here, so "overlap F1" always names its policy.

A span is (start, end), end exclusive; callers compare spans of one label at a time.
A policy takes the reference side's spans and the candidate side's spans and returns
(reference spans matched, candidate spans matched):

- `exact`: same start and end. Spans are compared as distinct positions, so a
  position listed twice on one side is matched once.
- `any_overlap`: a span is matched when it shares at least one character with any
  span of the other side; one span can match several. PolNeAR's "overlap" figures
  count this way. The two counts can differ (one reference span overlapped by two
  candidates: 1 reference span and 2 candidate spans matched).
- `one_to_one`: overlapping spans are paired greedily, largest overlap first (ties
  by position in the inputs), each span in at most one pair; both counts are the
  number of pairs, so two candidates inside one reference span score one match.

`prf` turns the counts into precision (of the candidate side), recall (of the
reference side) and F1; what an empty side scores is its explicit `empty_side`.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Collection, Sequence
from typing import Literal

Span = tuple[int, int]  # start, end (exclusive)
Policy = Callable[[Collection[Span], Collection[Span]], tuple[int, int]]
EmptySide = Literal["zero", "undefined"]


def overlaps(x: Span, y: Span) -> bool:
    """Whether two spans share at least one character (touching spans do not)."""
    return x[0] < y[1] and y[0] < x[1]


def exact(reference: Collection[Span], candidate: Collection[Span]) -> tuple[int, int]:
    """Matched counts when a match is the same start and end."""
    both = len(set(reference) & set(candidate))
    return both, both


def any_overlap(reference: Collection[Span], candidate: Collection[Span]) -> tuple[int, int]:
    """Matched counts when a span matches any overlapping span of the other side."""
    return _overlapped(reference, candidate), _overlapped(candidate, reference)


def _overlapped(spans: Collection[Span], others: Collection[Span]) -> int:
    """How many of `spans` overlap some span of `others`: among the others that start
    before a span ends, the one ending last decides (sorted once, not every pair)."""
    if not spans or not others:
        return 0
    ordered = sorted(others)
    starts = [start for start, _ in ordered]
    reach = list(itertools.accumulate((end for _, end in ordered), max))
    count = 0
    for start, end in spans:
        before = bisect.bisect_left(starts, end)  # the others starting before `end`
        count += before > 0 and reach[before - 1] > start
    return count


def one_to_one(reference: Collection[Span], candidate: Collection[Span]) -> tuple[int, int]:
    """Matched counts when overlapping spans are paired one to one (see
    `one_to_one_pairs`)."""
    paired = len(one_to_one_pairs(list(reference), list(candidate)))
    return paired, paired


def one_to_one_pairs(reference: Sequence[Span],
                     candidate: Sequence[Span]) -> list[tuple[int, int]]:
    """(reference index, candidate index) of each pair of overlapping spans, chosen
    greedily by largest overlap first (ties: lower reference, then candidate index);
    each span is in at most one pair."""
    candidates = sorted(
        (
            (min(r[1], c[1]) - max(r[0], c[0]), ri, ci)
            for ri, r in enumerate(reference)
            for ci, c in enumerate(candidate)
            if overlaps(r, c)
        ),
        key=lambda found: (-found[0], found[1], found[2]),
    )
    used_reference: set[int] = set()
    used_candidate: set[int] = set()
    pairs = []
    for _, ri, ci in candidates:
        if ri not in used_reference and ci not in used_candidate:
            used_reference.add(ri)
            used_candidate.add(ci)
            pairs.append((ri, ci))
    return pairs


def reference_matched(policy: Policy, reference: Sequence[Span],
                      candidate: Sequence[Span]) -> list[bool]:
    """For each reference span, whether `policy` counts it as matched (the spans behind
    its first count), for a caller that counts groups of reference spans: the
    fragments of one discontinuous span are found when one of them is."""
    if policy is exact:
        positions = set(candidate)
        return [r in positions for r in reference]
    if policy is any_overlap:
        return [any(overlaps(r, c) for c in candidate) for r in reference]
    if policy is one_to_one:
        paired = {ri for ri, _ in one_to_one_pairs(reference, candidate)}
        return [index in paired for index in range(len(reference))]
    raise ValueError(f"no reference_matched for policy {policy!r}")


def prf(n_reference: int, n_candidate: int, matched_reference: int, matched_candidate: int,
        *, empty_side: EmptySide) -> dict[str, float | None]:
    """Precision (matched candidate spans / candidate spans), recall (matched reference
    spans / reference spans) and F1 (0.0 when precision and recall are both 0).

    With no spans on either side every figure is None. With spans on one side only,
    `empty_side` decides:
    - "zero": the empty side's ratio is 0.0, and so is F1 — for two annotators, one
      never using a label is complete disagreement on it;
    - "undefined": the empty side's ratio is None (0/0), and so is F1 — for
      predictions, precision with nothing predicted is undefined, not 0.
    """
    precision = _ratio(matched_candidate, n_candidate, n_reference, empty_side)
    recall = _ratio(matched_reference, n_reference, n_candidate, empty_side)
    if precision is None or recall is None:
        f1 = None
    else:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _ratio(matched: int, total: int, other_total: int, empty_side: EmptySide) -> float | None:
    if total:
        return matched / total
    return 0.0 if empty_side == "zero" and other_total else None
