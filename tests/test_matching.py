"""Span-matching policies and P/R/F1 on hand-made cases; every expected value is
worked out in the comment beside it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsclaims.review.matching import (
    any_overlap,
    exact,
    one_to_one,
    one_to_one_pairs,
    overlaps,
    prf,
    reference_matched,
)

GOLD = [(0, 10)]
TWO_HALVES = [(0, 4), (6, 10)]  # both inside the one gold span


def test_one_gold_span_overlapped_by_two_predictions_splits_the_policies() -> None:
    # any overlap: the gold span overlaps something (1 of 1), each prediction overlaps
    # the gold span (2 of 2) -> P = 2/2 = 1.0, R = 1/1 = 1.0, F1 = 1.0
    assert any_overlap(GOLD, TWO_HALVES) == (1, 2)
    assert prf(1, 2, *any_overlap(GOLD, TWO_HALVES), empty_side="undefined") == {
        "precision": 1.0, "recall": 1.0, "f1": 1.0}
    # one to one: a single pair -> P = 1/2, R = 1/1, F1 = 2 * 0.5 * 1 / 1.5 = 2/3
    assert one_to_one(GOLD, TWO_HALVES) == (1, 1)
    scores = prf(1, 2, *one_to_one(GOLD, TWO_HALVES), empty_side="undefined")
    assert scores["precision"] == 0.5 and scores["recall"] == 1.0
    assert scores["f1"] == pytest.approx(2 / 3)
    # exact: neither half has the gold span's offsets -> P = R = F1 = 0
    assert exact(GOLD, TWO_HALVES) == (0, 0)
    assert prf(1, 2, 0, 0, empty_side="undefined") == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_the_larger_overlap_is_paired_first() -> None:
    # (2, 12) overlaps (0, 10) by 8 and (10, 14) by 2; (9, 11) overlaps each by 1.
    # Largest first: (0,10)-(2,12); then (10,14)-(9,11) is the only pair left.
    reference = [(0, 10), (10, 14)]
    candidate = [(9, 11), (2, 12)]
    assert one_to_one_pairs(reference, candidate) == [(0, 1), (1, 0)]


def test_pairing_is_greedy_not_the_most_pairs_possible() -> None:
    # (2, 11) overlaps (0, 10) by 8 and (9, 20) by 2; (0, 1) overlaps only (0, 10), by 1.
    # Largest first: (0,10)-(2,11); then (0, 1) has no free partner and (9, 20) none
    # either: 1 pair, where (9,20)-(2,11) and (0,10)-(0,1) would have made 2.
    reference = [(0, 10), (9, 20)]
    candidate = [(2, 11), (0, 1)]
    assert one_to_one_pairs(reference, candidate) == [(0, 0)]
    assert one_to_one(reference, candidate) == (1, 1)
    # any overlap counts every span that touches one of the other side: 2 and 2
    assert any_overlap(reference, candidate) == (2, 2)


def test_equal_overlaps_go_to_the_earlier_span() -> None:
    # (2, 8) overlaps (0, 4) and (6, 10) by 2 each: the first reference span wins.
    assert one_to_one_pairs([(0, 4), (6, 10)], [(2, 8)]) == [(0, 0)]


def test_touching_spans_do_not_overlap() -> None:
    assert not overlaps((0, 5), (5, 9))
    assert overlaps((0, 5), (4, 9))
    assert any_overlap([(0, 5)], [(5, 9)]) == (0, 0)
    assert one_to_one([(0, 5)], [(5, 9)]) == (0, 0)


def test_exact_counts_distinct_positions() -> None:
    # (0, 5) matches; (6, 9) vs (6, 10) differ in end; the repeated (0, 5) counts once.
    assert exact([(0, 5), (6, 9)], [(0, 5), (0, 5), (6, 10)]) == (1, 1)


def test_an_empty_side_scores_zero_or_undefined_as_asked() -> None:
    # 3 reference spans, no candidates: recall 0/3 = 0.0; precision 0/0.
    assert prf(3, 0, 0, 0, empty_side="zero") == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert prf(3, 0, 0, 0, empty_side="undefined") == {
        "precision": None, "recall": 0.0, "f1": None}
    # no reference spans, 2 candidates: precision 0/2 = 0.0; recall 0/0.
    assert prf(0, 2, 0, 0, empty_side="zero") == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert prf(0, 2, 0, 0, empty_side="undefined") == {
        "precision": 0.0, "recall": None, "f1": None}
    # nothing on either side: no figure at all, whichever rule
    for rule in ("zero", "undefined"):
        assert prf(0, 0, 0, 0, empty_side=rule) == {
            "precision": None, "recall": None, "f1": None}


def test_precision_is_the_candidates_and_recall_the_references() -> None:
    # 4 reference spans of which 3 matched, 6 candidates of which 2 matched:
    # P = 2/6 = 1/3, R = 3/4, F1 = 2 * (1/3) * (3/4) / (1/3 + 3/4) = 0.5 / (13/12) = 6/13
    scores = prf(4, 6, 3, 2, empty_side="zero")
    assert scores["precision"] == pytest.approx(1 / 3)
    assert scores["recall"] == 0.75
    assert scores["f1"] == pytest.approx(6 / 13)


def test_reference_matched_names_the_spans_behind_the_first_count() -> None:
    reference = [(0, 10), (20, 30), (40, 50)]
    candidate = [(0, 10), (5, 25), (8, 9)]
    # exact: only (0, 10); any overlap: (0, 10) and (20, 30); one to one: (0, 10) pairs
    # with itself (overlap 10), (20, 30) with (5, 25) (overlap 5), (8, 9) is left over
    assert reference_matched(exact, reference, candidate) == [True, False, False]
    assert reference_matched(any_overlap, reference, candidate) == [True, True, False]
    assert reference_matched(one_to_one, reference, candidate) == [True, True, False]
    for policy in (exact, any_overlap, one_to_one):
        assert sum(reference_matched(policy, reference, candidate)) == policy(
            reference, candidate)[0]
    assert reference_matched(one_to_one, [(0, 10)], [(0, 4), (6, 10)]) == [True]
    with pytest.raises(ValueError):
        reference_matched(lambda r, c: (0, 0), reference, candidate)


SPANS = st.lists(st.tuples(st.integers(0, 40), st.integers(1, 12)).map(
    lambda s: (s[0], s[0] + s[1])), max_size=12)


@given(SPANS, SPANS)
def test_any_overlap_counts_as_its_definition_over_every_pair(reference: list[tuple[int, int]],
                                                               candidate: list[tuple[int, int]]
                                                               ) -> None:
    """The sorted sweep gives what comparing every pair gives (duplicates included)."""
    assert any_overlap(reference, candidate) == (
        sum(any(overlaps(r, c) for c in candidate) for r in reference),
        sum(any(overlaps(c, r) for r in reference) for c in candidate))


@given(SPANS)
def test_the_same_spans_match_in_full_under_either_policy(spans: list[tuple[int, int]]) -> None:
    """What agreement counts without asking the policy when two readings have the same
    spans of a label (parsed spans are never empty)."""
    same = set(spans)
    assert exact(same, set(spans)) == any_overlap(same, set(spans)) == (len(same), len(same))
