"""Agreement figures, from the readings `agreement.AgreementReadings` keeps of the
articles two or more annotators labelled: span F1 per label and annotator pair, α of
the per-region choices and of tokens, attribution triples, and a warning for each
figure resting on too little (docs/agreement.md explains each and why). Reading the
annotations is `agreement`'s part; this module only compares readings.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from newsclaims.core.scheme import Scheme
from newsclaims.review.alpha import AlphaTally, alpha_from_counts
from newsclaims.review.matching import Policy, Span, any_overlap, exact, prf

# Rules of thumb, not statistics: below these an α or F1 moves by ±0.1–0.2 when a
# handful of units change, so the figure is reported with a warning.
MIN_ARTICLES = 10
MIN_UNITS = 30

OUTSIDE = "O"

Triple = tuple[Span, Span | None, Span | None]


@dataclass
class Reading:
    """One annotator's labels on one article, reduced to what the figures compare."""

    annotation_id: Any
    spans: dict[str, set[Span]] = field(default_factory=lambda: defaultdict(set))  # label →
    choices: dict[tuple[str, Span], dict[str, str | None]] = field(default_factory=dict)
    # layer → one value per token, as an index into (OUTSIDE, *labels): one byte a token
    # (`agreement_tokens`; set when the article's batch is worked out)
    token_values: dict[str, npt.NDArray[np.uint8]] = field(default_factory=dict)
    triples: set[Triple] = field(default_factory=set)


@dataclass
class Article:
    task_id: Any
    readings: dict[str, Reading]  # annotator → reading


def token_domain(scheme: Scheme, layer: str) -> dict[str, int]:
    """Token values of a layer: OUTSIDE first (index 0), then its labels."""
    return {value: i for i, value in enumerate((OUTSIDE, *scheme.labels[layer]))}


def report_figures(articles: list[Article], seen: dict[str, int],
                   scheme: Scheme) -> dict[str, Any]:
    """Every figure, per label, attribute, layer and annotator pair, from the readings
    of the multi-annotated articles and the counts of what was seen (`AgreementReadings`)."""
    annotators = sorted({a for art in articles for a in art.readings})
    pairs = _pairs(articles)
    pair_counts = {(a, b): _pair_counts(arts, a, b) for (a, b), arts in pairs.items()}
    report: dict[str, Any] = {
        "articles": {
            "total": seen["tasks"],
            "multi_annotated": len(articles),
            "single_annotated": seen["single_annotated"],
            "unannotated": seen["unannotated"],
        },
        "annotations": seen["annotations"],
        "adjudications_left_out": seen["adjudications"],
        "annotators": len(annotators),
        "annotator_pairs": len(pairs),
        "labels": _span_figures(pair_counts, scheme),
        "attributes": _attribute_figures(articles, scheme),
        "tokens": _token_figures(articles, scheme),
        "triples": _triple_figures(articles, pairs),
        "pairs": _pair_figures(pairs, pair_counts, scheme),
        "thresholds": {"min_articles": MIN_ARTICLES, "min_units": MIN_UNITS},
    }
    report["warnings"] = _warnings(report, seen["repeat_annotations"])
    return report


def _pairs(articles: list[Article]) -> dict[tuple[str, str], list[Article]]:
    pairs: dict[tuple[str, str], list[Article]] = defaultdict(list)
    for article in articles:
        for a, b in itertools.combinations(sorted(article.readings), 2):
            pairs[(a, b)].append(article)
    return dict(sorted(pairs.items()))


# --- span F1 ------------------------------------------------------------------------


def _prf(n_a: int, n_b: int, matched_a: int, matched_b: int) -> dict[str, Any]:
    """Precision of b against a, recall of a's spans, F1; None when neither has any.

    A side with no spans scores 0 (not undefined) when the other side has some: that
    is what "one annotator never uses the label" should show.
    """
    counts = {"spans_a": n_a, "spans_b": n_b, "matched_a": matched_a, "matched_b": matched_b}
    return {**prf(n_a, n_b, matched_a, matched_b, empty_side="zero"), **counts}


# Report key → matching policy (docs/agreement.md).
MODES: dict[str, Policy] = {"exact": exact, "overlap": any_overlap}
PairCounts = dict[str, dict[str, list[int]]]  # mode → label → [n_a, n_b, matched_a, matched_b]


def _pair_counts(articles: list[Article], a: str, b: str) -> PairCounts:
    """Span counts of one annotator pair, pooled over the articles both labelled."""
    counts: PairCounts = {mode: defaultdict(lambda: [0, 0, 0, 0]) for mode in MODES}
    for article in articles:
        ra, rb = article.readings[a], article.readings[b]
        for label in ra.spans.keys() | rb.spans.keys():
            sa, sb = ra.spans.get(label, set()), rb.spans.get(label, set())
            # The same spans (as mostly): under either policy each matches itself, as
            # a parsed span is never empty; tests/test_matching.py holds them to it.
            same = sa == sb
            for mode, policy in MODES.items():
                got_a, got_b = (len(sa), len(sb)) if same else policy(sa, sb)
                total = counts[mode][label]
                total[0] += len(sa)
                total[1] += len(sb)
                total[2] += got_a
                total[3] += got_b
    return counts


def _summed(counts: dict[str, list[int]], labels: Iterable[str]) -> tuple[int, int, int, int]:
    rows = [counts[label] for label in labels if label in counts]
    n_a, n_b, m_a, m_b = (sum(column) for column in zip(*rows, strict=True)) if rows else (0,) * 4
    return n_a, n_b, m_a, m_b


def _mean_over_pairs(per_pair: list[dict[str, Any]]) -> dict[str, Any]:
    defined = [p for p in per_pair if p["f1"] is not None]
    figure: dict[str, Any] = {
        name: statistics.fmean(p[name] for p in defined) if defined else None
        for name in ("precision", "recall", "f1")
    }
    figure["pairs"] = len(defined)
    # Counts summed over pairs (a span is counted once per pair it is compared in).
    figure["spans"] = sum(p["spans_a"] + p["spans_b"] for p in per_pair)
    figure["matched"] = sum(p["matched_a"] + p["matched_b"] for p in per_pair)
    return figure


def _span_figures(pair_counts: dict[tuple[str, str], PairCounts],
                  scheme: Scheme) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for label in scheme.all_labels:
        figures[label] = {"layer": scheme.control_of_label[label]}
        for mode in MODES:
            per_pair = [_prf(*_summed(counts[mode], [label])) for counts in pair_counts.values()]
            figures[label][mode] = _mean_over_pairs(per_pair)
    return figures


def _pair_figures(pairs: dict[tuple[str, str], list[Article]],
                  pair_counts: dict[tuple[str, str], PairCounts],
                  scheme: Scheme) -> list[dict[str, Any]]:
    out = []
    for (a, b), arts in pairs.items():
        counts = pair_counts[(a, b)]
        entry: dict[str, Any] = {"annotators": [a, b], "articles": len(arts)}
        entry["labels"] = {
            label: {mode: _prf(*_summed(counts[mode], [label])) for mode in MODES}
            for label in scheme.all_labels
        }
        entry["layers"] = {
            layer: {mode: _prf(*_summed(counts[mode], labels)) for mode in MODES}
            for layer, labels in scheme.labels.items()
        }
        entry["triples"] = _triple_prf(arts, a, b)
        out.append(entry)
    return out


def _attribute_figures(articles: list[Article], scheme: Scheme) -> dict[str, Any]:
    """α of each per-region choice over the spans both annotators marked identically:
    the units of every control gathered in one walk over the readings' choices."""
    controls = [c for c in scheme.choices.values() if c.per_region and c.applies_to is not None]
    of_label: dict[str, list[str]] = defaultdict(list)
    for control in controls:
        of_label[str(control.applies_to)].append(control.name)
    domains = {c.name: {value: i for i, value in enumerate(c.values)} for c in controls}
    rows: dict[str, list[dict[int, int]]] = {c.name: [] for c in controls}
    for article in articles:
        units: dict[str, dict[Span, dict[int, int]]] = {name: {} for name in rows}
        for reading in article.readings.values():
            for (label, where), chosen in reading.choices.items():
                names = of_label.get(label)
                if names is None:
                    continue
                for name in names:
                    value = chosen[name]
                    if value is not None:
                        domain = domains[name]
                        index = domain.setdefault(value, len(domain))
                        unit = units[name].setdefault(where, {})
                        unit[index] = unit.get(index, 0) + 1
        for name, found in units.items():
            rows[name].extend(found.values())
    return {c.name: {"label": c.applies_to, **alpha_from_counts(_unit_matrix(
        rows[c.name], len(domains[c.name])))} for c in controls}


def _unit_matrix(rows: list[dict[int, int]], values: int) -> npt.NDArray[np.float64]:
    """Units × values counts of units given as {value index: count}."""
    matrix = np.zeros((len(rows), values))
    cells = [(i, j, count) for i, row in enumerate(rows) for j, count in row.items()]
    if cells:
        at_row, at_value, counts = zip(*cells, strict=True)
        matrix[list(at_row), list(at_value)] = counts
    return matrix


def _token_figures(articles: list[Article], scheme: Scheme) -> dict[str, Any]:
    """Token-level α per layer, one article's tokens at a time (as value pairs when two
    annotators labelled it)."""
    figures: dict[str, Any] = {}
    for layer in scheme.labels:
        tally = AlphaTally(len(token_domain(scheme, layer)))
        for article in articles:
            columns = [r.token_values[layer] for r in article.readings.values()]
            if len(columns) == 2:
                tally.add_pairs(*columns)
                continue
            block = np.zeros((len(columns[0]), tally.coincidences.shape[0]))
            rows = np.arange(len(columns[0]))
            for column in columns:
                block[rows, column] += 1
            tally.add(block)
        figures[layer] = {"unit": "token", **tally.figure()}
    return figures


# --- attribution triples -------------------------------------------------------------


def _triple_prf(articles: list[Article], a: str, b: str) -> dict[str, Any]:
    n_a = n_b = both = 0
    for article in articles:
        ta, tb = article.readings[a].triples, article.readings[b].triples
        n_a, n_b, both = n_a + len(ta), n_b + len(tb), both + len(ta & tb)
    return _prf(n_a, n_b, both, both)


def _triple_figures(articles: list[Article],
                    pairs: dict[tuple[str, str], list[Article]]) -> dict[str, Any]:
    figure = _mean_over_pairs([_triple_prf(arts, a, b) for (a, b), arts in pairs.items()])
    figure["triples"] = figure.pop("spans")
    return figure


# --- warnings ------------------------------------------------------------------------


def _warnings(report: dict[str, Any], repeats: int) -> list[str]:
    warnings = []
    n = report["articles"]["multi_annotated"]
    if n < MIN_ARTICLES:
        warnings.append(f"only {n} article(s) have two or more annotations (fewer than "
                        f"{MIN_ARTICLES}): every figure is a rough indication")
    for name, fig in {**report["attributes"], **report["tokens"]}.items():
        if 0 < fig["units"] < MIN_UNITS:
            warnings.append(f"α of {name} rests on {fig['units']} paired unit(s) "
                            f"(fewer than {MIN_UNITS})")
    for label, fig in report["labels"].items():
        spans = fig["exact"]["spans"]
        if 0 < spans < MIN_UNITS:
            warnings.append(f"{label} F1 rests on {spans} span(s) (fewer than {MIN_UNITS})")
    if repeats:
        warnings.append(f"{repeats} annotation(s) by an annotator who labelled the same "
                        "article again were left out (the latest one counts)")
    return warnings
