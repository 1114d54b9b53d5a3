"""Inter-annotator agreement over the articles that two or more annotators labelled.

Figures (docs/agreement.md explains each and why):
- per label, pairwise span precision / recall / F1 with exact matching
  (`matching.exact`: same start, end and label) and overlap matching
  (`matching.any_overlap`: a span counts as matched when a span of the same label by
  the other annotator shares at least one character), per annotator pair pooled over
  the articles both labelled, and averaged over pairs;
- Krippendorff's α (nominal) of each per-region choice (attribution_type, certainty,
  source_type) on the spans both annotators marked identically;
- token-level α per layer: every word or punctuation token of the text is one unit,
  its value the label of the (innermost) span of that layer covering it, or "O";
- attribution-triple agreement: a CLAIM with its first source and cue all matched.
Every figure carries the counts behind it; figures resting on fewer than
`MIN_ARTICLES` articles or `MIN_UNITS` units come with a warning.
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

from newsclaims.core.scheme import Scheme, load_scheme
from newsclaims.export.claims import claim_links
from newsclaims.export.convert import ParsedAnnotations, ParsedResult
from newsclaims.review.agreement_tokens import Painted, Slot, TokenValues
from newsclaims.review.alpha import AlphaTally, alpha_from_counts
from newsclaims.review.gold import adjudication_prediction_ids, completed_annotations
from newsclaims.review.matching import Policy, Span, any_overlap, exact, prf

# Rules of thumb, not statistics: below these an α or F1 moves by ±0.1–0.2 when a
# handful of units change, so the figure is reported with a warning.
MIN_ARTICLES = 10
MIN_UNITS = 30

OUTSIDE = "O"

Triple = tuple[Span, Span | None, Span | None]


@dataclass
class _Reading:
    """One annotator's labels on one article, reduced to what the figures compare."""

    annotation_id: Any
    spans: dict[str, set[Span]] = field(default_factory=lambda: defaultdict(set))  # label →
    choices: dict[tuple[str, Span], dict[str, str | None]] = field(default_factory=dict)
    # layer → one value per token, as an index into (OUTSIDE, *labels): one byte a token
    # (`agreement_tokens`; set when the article's batch is worked out)
    token_values: dict[str, npt.NDArray[np.uint8]] = field(default_factory=dict)
    triples: set[Triple] = field(default_factory=set)


@dataclass
class _Article:
    task_id: Any
    readings: dict[str, _Reading]  # annotator → reading


def agreement(tasks: Iterable[dict[str, Any]], scheme: Scheme | None = None) -> dict[str, Any]:
    """Agreement figures over `tasks` (native Label Studio export tasks)."""
    return AgreementReadings.of(tasks, scheme).report()


def agreement_summary(
    tasks: Iterable[dict[str, Any]], scheme: Scheme | None = None
) -> dict[str, Any]:
    """The compact figures a dataset card reports (no annotator identities)."""
    return AgreementReadings.of(tasks, scheme).summary()


class AgreementReadings:
    """What agreement keeps of each task (every reading of the multi-annotated ones),
    added one task at a time, so a pass that reads the tasks for something else (a
    release) can collect them on the way and ask for the figures at the end."""

    def __init__(self, scheme: Scheme | None = None) -> None:
        self.scheme = scheme or load_scheme()
        self._lookups = _Lookups.of(self.scheme)
        self._token_values = TokenValues()
        self._articles: list[_Article] = []
        self._seen = {"tasks": 0, "single_annotated": 0, "unannotated": 0, "annotations": 0,
                      "repeat_annotations": 0, "adjudications": 0}

    @classmethod
    def of(cls, tasks: Iterable[dict[str, Any]],
           scheme: Scheme | None = None) -> AgreementReadings:
        collected = cls(scheme)
        for task in tasks:
            collected.add(task)
        return collected

    def add(self, task: dict[str, Any], parsed: ParsedAnnotations | None = None) -> None:
        """Count the task and keep its readings if two or more annotators labelled it;
        `parsed` shares its annotations' parses with the caller (a release's gold)."""
        seen = self._seen
        seen["tasks"] += 1
        readings, repeats, adjudications = _read_task(task, self.scheme, self._lookups, parsed,
                                                      self._token_values)
        seen["annotations"] += len(readings) + repeats
        seen["repeat_annotations"] += repeats
        seen["adjudications"] += adjudications
        if len(readings) >= 2:
            self._articles.append(_Article(task.get("id"), readings))
        else:
            seen["single_annotated" if readings else "unannotated"] += 1

    def report(self) -> dict[str, Any]:
        """Every figure, per label, attribute, layer and annotator pair."""
        self._token_values.flush()
        articles, seen, scheme = self._articles, self._seen, self.scheme
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

    def summary(self) -> dict[str, Any]:
        """The compact figures a dataset card reports (no annotator identities)."""
        full = self.report()
        return {
            "articles": full["articles"]["multi_annotated"],
            "annotators": full["annotators"],
            "annotator_pairs": full["annotator_pairs"],
            # Only labels some pair could compare; counts summed over pairs.
            "span_f1": {
                label: {"exact": fig["exact"]["f1"], "overlap": fig["overlap"]["f1"],
                        "pairs": fig["exact"]["pairs"], "spans": fig["exact"]["spans"]}
                for label, fig in full["labels"].items() if fig["exact"]["pairs"]
            },
            "attribute_alpha": {name: fig["alpha"] for name, fig in full["attributes"].items()},
            "token_alpha": {layer: fig["alpha"] for layer, fig in full["tokens"].items()},
            "triple_f1": full["triples"]["f1"],
            "warnings": full["warnings"],
        }


# --- reading --------------------------------------------------------------------------


def annotator_of(annotation: dict[str, Any]) -> str:
    """Who made an annotation: the Label Studio user id (never an e-mail or name)."""
    user = annotation.get("completed_by")
    user_id = user.get("id") if isinstance(user, dict) else user
    if user_id is None:
        return f"annotation-{annotation.get('id')}"
    return f"user-{user_id}"


@dataclass(frozen=True)
class _Lookups:
    """What reading a span asks of the scheme, worked out once per scheme."""

    choice_names: dict[str, tuple[str, ...]]  # known label → its per-region choice names
    labels: dict[str, frozenset[str]]  # layer → its labels
    domains: dict[str, dict[str, int]]  # layer → `_token_domain`

    @classmethod
    def of(cls, scheme: Scheme) -> _Lookups:
        return cls({label: tuple(c.name for c in scheme.choices_for_label(label))
                    for label in scheme.control_of_label},
                   {layer: frozenset(labels) for layer, labels in scheme.labels.items()},
                   {layer: _token_domain(scheme, layer) for layer in scheme.labels})


def _read_task(task: dict[str, Any], scheme: Scheme, lookups: _Lookups,
               parsed: ParsedAnnotations | None,
               token_values: TokenValues) -> tuple[dict[str, _Reading], int, int]:
    """Readings per annotator (an annotator's later annotation of the same article wins),
    how many repeats were left out, and how many reviewer decisions on an adjudication
    prediction (they are not independent annotations). Their token values are left to
    `token_values`, which works them out a batch of articles at a time."""
    text = (task.get("data") or {}).get("text") or ""
    latest: dict[str, dict[str, Any]] = {}
    repeats = adjudications = 0
    decided = adjudication_prediction_ids(task)
    for annotation in completed_annotations(task):
        if decided and annotation.get("parent_prediction") in decided:
            adjudications += 1
            continue
        who = annotator_of(annotation)
        if who in latest:
            repeats += 1
            if (annotation.get("updated_at") or "") < (latest[who].get("updated_at") or ""):
                continue
        latest[who] = annotation
    if len(latest) < 2:
        return {who: _Reading(a.get("id")) for who, a in latest.items()}, repeats, adjudications
    parse = parsed or ParsedAnnotations(text, scheme)
    readings: dict[str, _Reading] = {}
    slots: list[Slot] = []
    for who, annotation in latest.items():
        reading, of_layer = _reading(annotation, parse(annotation), lookups)
        readings[who] = reading
        slots += ((reading.token_values, layer, spans) for layer, spans in of_layer.items())
    token_values.add(text, slots)
    return readings, repeats, adjudications


def _reading(annotation: dict[str, Any], parsed: ParsedResult,
             lookups: _Lookups) -> tuple[_Reading, dict[str, list[Painted]]]:
    """The reading, and per layer its spans with their token value (`_token_domain`)."""
    reading = _Reading(annotation.get("id"))
    spans, choices = reading.spans, reading.choices
    of_layer: dict[str, list[Painted]] = {layer: [] for layer in lookups.labels}
    for span in parsed.spans:
        label, layer = span["label"], span["layer"]
        if isinstance(layer, str) and label in lookups.labels.get(layer, ()):
            of_layer[layer].append((span["start"], span["end"], lookups.domains[layer][label]))
        names = lookups.choice_names.get(label)
        if names is None:
            continue  # unknown labels are validation's business, not agreement's
        where = (span["start"], span["end"])
        spans[label].add(where)
        # Only labels some choice applies to (nearly half of the spans have none).
        if names and (label, where) not in choices:
            choices[(label, where)] = {name: span.get(name) for name in names}
    reading.triples = {
        ((claim["start"], claim["end"]),
         (sources[0]["start"], sources[0]["end"]) if sources else None,
         (cues[0]["start"], cues[0]["end"]) if cues else None)
        for claim, sources, cues in claim_links(parsed.spans, parsed.relations)}
    return reading, of_layer


def _token_domain(scheme: Scheme, layer: str) -> dict[str, int]:
    """Token values of a layer: OUTSIDE first (index 0), then its labels."""
    return {value: i for i, value in enumerate((OUTSIDE, *scheme.labels[layer]))}


def _pairs(articles: list[_Article]) -> dict[tuple[str, str], list[_Article]]:
    pairs: dict[tuple[str, str], list[_Article]] = defaultdict(list)
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


def _pair_counts(articles: list[_Article], a: str, b: str) -> PairCounts:
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


def _pair_figures(pairs: dict[tuple[str, str], list[_Article]],
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


def _attribute_figures(articles: list[_Article], scheme: Scheme) -> dict[str, Any]:
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


def _token_figures(articles: list[_Article], scheme: Scheme) -> dict[str, Any]:
    """Token-level α per layer, one article's tokens at a time (as value pairs when two
    annotators labelled it)."""
    figures: dict[str, Any] = {}
    for layer in scheme.labels:
        tally = AlphaTally(len(_token_domain(scheme, layer)))
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


def _triple_prf(articles: list[_Article], a: str, b: str) -> dict[str, Any]:
    n_a = n_b = both = 0
    for article in articles:
        ta, tb = article.readings[a].triples, article.readings[b].triples
        n_a, n_b, both = n_a + len(ta), n_b + len(tb), both + len(ta & tb)
    return _prf(n_a, n_b, both, both)


def _triple_figures(articles: list[_Article],
                    pairs: dict[tuple[str, str], list[_Article]]) -> dict[str, Any]:
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
