"""Score predictions against gold annotations, so whoever improves the rules sees where
they fall short: per label precision, recall and F1 under three matching policies
(`newsclaims.review.matching`), attribution recall and triple accuracy
(`newsclaims.review.attribution_scores`), and the gold cues most often missed.

- **exact** (`exact`): same start and end;
- **overlap** (`any_overlap`, PolNeAR's and agreement's count): a gold span is found
  when a predicted span of its label overlaps it; a predicted span is correct when it
  overlaps a gold span of its label;
- **one-to-one** (`one_to_one`): overlapping spans paired at most once, largest
  overlap first (two predicted spans inside one gold span: one match, one miss).

With `attributed_only` (for corpora that do not mark the outlet's own, unattributed
claims: PolNeAR, PARC) a CLAIM counts only when it is linked to a SOURCE or a CUE:
unlinked gold claims are left out, and unlinked predicted claims count for no
precision (they may still find a gold claim for recall). As in those corpora, a gold
attribution then has one content: its CLAIM regions (the fragments of a discontinuous
content, one region each) are one gold CLAIM, found when one of them is. Our own gold
marks UNATTRIBUTED claims and several claims per cue, so the default scores every
claim and every region. A layer the gold has no span
of anywhere (entities in PolNeAR) is not scored; its predicted spans are counted.

Gold and predictions go through the same `result_rows.parse_result`, so a span means
the same thing on both sides (whitespace-trimmed code-point offsets, choices folded
into their region, relations resolved to labels).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from newsclaims.core.articles import read_jsonl
from newsclaims.core.claim_rules import CLAIM_LABEL, CUE_LABEL
from newsclaims.core.errors import NewsclaimsError, Problem, Severity, Where
from newsclaims.core.scheme import Scheme, load_scheme
from newsclaims.export.result_rows import parse_result
from newsclaims.review.attribution_scores import (
    AttributionTally,
    attribution_key,
    is_attributed,
    links_of,
)
from newsclaims.review.gold import choose_gold
from newsclaims.review.matching import (
    Policy,
    any_overlap,
    exact,
    one_to_one,
    one_to_one_pairs,
    overlaps,
    prf,
    reference_matched,
)

Span = dict[str, Any]

# Report key -> matching policy (docs/preannotation.md, Evaluation). The choices are
# compared on one-to-one pairs whatever the policy.
MODES: dict[str, Policy] = {"exact": exact, "overlap": any_overlap, "one_to_one": one_to_one}


def _where(span: Span) -> tuple[int, int]:
    return span["start"], span["end"]


def _scores(matched: list[int], n_gold: int, n_pred: int) -> dict[str, Any]:
    """Gold spans found and predicted spans correct (they can differ: one gold span
    overlapped by two predictions, or one gold claim in two regions), and the ratios;
    a side without spans makes its ratio and F1 undefined."""
    matched_gold, matched_pred = matched
    return {"gold_matched": matched_gold, "predicted_matched": matched_pred,
            **prf(n_gold, n_pred, matched_gold, matched_pred, empty_side="undefined")}


def cue_key(text: str) -> str:
    """How a missed cue is counted: lower case, whitespace runs as one space."""
    return " ".join(text.lower().split())


class _Tally:
    def __init__(self, attributed_only: bool) -> None:
        self.attributed_only = attributed_only
        # label -> "gold", "predicted": span counts; each mode -> [matched gold, matched pred]
        self.counts: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"gold": 0, "predicted": 0, **{mode: [0, 0] for mode in MODES}}
        )
        self.layer_of: dict[str, str] = {}
        self.attribution = AttributionTally()
        self.choice: dict[str, dict[str, int]] = defaultdict(lambda: {"matched": 0, "agree": 0})
        self.missed_cues: Counter[str] = Counter()
        self.unattributed = {"gold": 0, "predicted": 0}  # CLAIMs with no source or cue

    def add(self, gold: Any, pred: Any) -> None:
        gold_links = links_of(gold.spans, gold.relations)
        pred_links = links_of(pred.spans, pred.relations)
        for side, parsed, links in (("gold", gold, gold_links), ("predicted", pred, pred_links)):
            self.unattributed[side] += sum(s["label"] == CLAIM_LABEL and not is_attributed(
                s, links) for s in parsed.spans)
        for span in (*gold.spans, *pred.spans):
            self.layer_of.setdefault(span["label"], span["layer"])
        gold_spans = [s for s in gold.spans if self._scored(s, gold_links)]
        labels = {s["label"] for s in gold.spans} | {s["label"] for s in pred.spans}
        for label in labels:
            g = [s for s in gold_spans if s["label"] == label]
            p = [s for s in pred.spans if s["label"] == label]
            scored = [s for s in p if self._scored(s, pred_links)]
            # one gold CLAIM per attribution under attributed_only, else one per region
            units = ([attribution_key(s, gold_links) for s in g]
                     if self.attributed_only and label == CLAIM_LABEL else list(range(len(g))))
            self._spans(label, g, units, p, scored)
        self.attribution.add(gold.spans, gold_links, pred.spans, pred_links)

    def _scored(self, span: Span, links: Any) -> bool:
        """Whether a span counts (for gold; for predictions: for precision)."""
        return not (self.attributed_only and span["label"] == CLAIM_LABEL
                    and not is_attributed(span, links))

    def _spans(self, label: str, g: list[Span], units: list[Any], p: list[Span],
               scored: list[Span]) -> None:
        """Add one article's spans of one label: a gold unit (`units`, one per gold span)
        is found when one of its spans is matched by any predicted span; precision
        counts the `scored` predicted spans."""
        c = self.counts[label]
        c["gold"] += len(set(units))
        c["predicted"] += len(scored)
        g_where, p_where = [_where(s) for s in g], [_where(s) for s in p]
        s_where = p_where if scored is p else [_where(s) for s in scored]
        for mode, policy in MODES.items():
            found = reference_matched(policy, g_where, p_where)
            c[mode][0] += len({unit for unit, hit in zip(units, found, strict=True) if hit})
            c[mode][1] += policy(g_where, s_where)[1]
        for gi, pi in one_to_one_pairs(g_where, p_where):
            for column in ("attribution_type", "source_type"):
                if g[gi].get(column) is not None:
                    self.choice[column]["matched"] += 1
                    self.choice[column]["agree"] += g[gi][column] == p[pi].get(column)
        if label == CUE_LABEL:
            self.missed_cues.update(cue_key(s["text"]) for s in g
                                    if not any(overlaps(_where(s), w) for w in p_where))

    def report(self) -> dict[str, Any]:
        by_layer: dict[str, list[str]] = defaultdict(list)
        for label in sorted(self.counts, key=lambda x: (self.layer_of[x], x)):
            by_layer[self.layer_of[label]].append(label)
        scored = {layer: names for layer, names in by_layer.items()
                  if sum(self.counts[x]["gold"] for x in names)}
        unscored = {layer: {"predicted": sum(self.counts[x]["predicted"] for x in names)}
                    for layer, names in by_layer.items() if layer not in scored}
        labels = {label: {"layer": layer, **self._figures([self.counts[label]])}
                  for layer, names in scored.items() for label in names}
        layers = {layer: self._figures([self.counts[x] for x in names])
                  for layer, names in scored.items()}
        choices = {
            column: {**v, "accuracy": v["agree"] / v["matched"] if v["matched"] else None}
            for column, v in sorted(self.choice.items())
        }
        return {
            "attributed_only": self.attributed_only,
            "labels": labels,
            "layers": layers,
            "unscored_layers": unscored,
            **self.attribution.report(),
            "choices": choices,
            "unattributed_claims": dict(self.unattributed),
            "missed_cues": [{"text": text, "count": n} for text, n in sorted(
                self.missed_cues.items(), key=lambda item: (-item[1], item[0]))],
        }

    @staticmethod
    def _figures(members: list[dict[str, Any]]) -> dict[str, Any]:
        n_gold = sum(c["gold"] for c in members)
        n_pred = sum(c["predicted"] for c in members)
        return {"gold": n_gold, "predicted": n_pred,
                **{mode: _scores([sum(c[mode][side] for c in members) for side in (0, 1)],
                                 n_gold, n_pred) for mode in MODES}}


def evaluate(
    gold_tasks: Iterable[dict[str, Any]],
    predictions: Iterable[dict[str, Any]],
    *,
    scheme: Scheme | None = None,
    attributed_only: bool = False,
) -> dict[str, Any]:
    """Scores of `predictions` ({"article_id", "result"} each) against the gold of
    `gold_tasks` (native export tasks), matched by article_id. Tasks without a
    prediction count as predicted empty; every such gap is listed in `problems`.
    `attributed_only`: score only CLAIMs linked to a SOURCE or CUE (module docstring)."""
    scheme = scheme or load_scheme()
    problems: list[Problem] = []
    by_article = _by_article(predictions, problems)
    tally = _Tally(attributed_only)
    seen: set[str] = set()
    for task in gold_tasks:
        data = task.get("data") or {}
        text, aid = data.get("text"), data.get("article_id")
        if not isinstance(text, str) or not isinstance(aid, str):
            raise NewsclaimsError(f"task {task.get('id')}: data has no text or article_id")
        place: Where = {"task_id": task.get("id"), "article_id": aid}
        choice = choose_gold(task, scheme)
        if choice.policy == "none":
            problems.append(Problem(Severity.WARNING, "gold-missing",
                                    "no completed annotation; skipped", **place))
            continue
        gold = parse_result(choice.result, text, scheme=scheme)
        prediction = by_article.get(aid)
        if prediction is None:
            problems.append(Problem(Severity.WARNING, "prediction-missing",
                                    "no prediction for this article; scored as empty", **place))
        pred = parse_result(prediction["result"] if prediction else [], text, scheme=scheme)
        for which, parsed in (("gold", gold), ("prediction", pred)):
            problems.extend(Problem(p.severity, p.code, f"{which}: {p.message}",
                                    **(place | {"region_id": p.region_id}))
                            for p in parsed.problems)
        tally.add(gold, pred)
        seen.add(aid)
    problems.extend(Problem(Severity.INFO, "prediction-without-gold",
                            "prediction for an article not in the gold", article_id=aid)
                    for aid in sorted(set(by_article) - seen))
    report = {"articles": len(seen), **tally.report()}
    problems.extend(_unattributed_hint(report))
    return {**report, "problems": problems}


def _by_article(predictions: Iterable[dict[str, Any]],
                problems: list[Problem]) -> dict[str, dict[str, Any]]:
    """The predictions by article_id (the first of each; a repeat is a warning)."""
    by_article: dict[str, dict[str, Any]] = {}
    for index, prediction in enumerate(predictions):
        aid = prediction.get("article_id") if isinstance(prediction, dict) else None
        if not isinstance(aid, str) or not isinstance(prediction.get("result"), list):
            raise NewsclaimsError(f"prediction {index + 1} has no article_id or result list")
        if aid in by_article:
            problems.append(Problem(Severity.WARNING, "prediction-duplicate",
                                    "duplicate prediction; first kept", article_id=aid))
            continue
        by_article[aid] = prediction
    return by_article


def _unattributed_hint(report: dict[str, Any]) -> list[Problem]:
    """An info when the gold seems not to mark unattributed claims (no CLAIM of it lacks
    a source and a cue) but predicted unattributed claims count against precision."""
    counts = report["unattributed_claims"]
    gold_claims = report["labels"].get(CLAIM_LABEL, {}).get("gold", 0)
    if report["attributed_only"] or counts["gold"] or not gold_claims or not counts["predicted"]:
        return []
    return [Problem(Severity.INFO, "gold-without-unattributed",
                    f"no gold CLAIM lacks a source and a cue, but {counts['predicted']} predicted "
                    "ones do and count against CLAIM precision; if this corpus does not mark "
                    "unattributed claims (PolNeAR, PARC), use --attributed-only")]


def read_predictions(path: str | Path) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Predictions from a JSONL file as written by `newsclaims preannotate`, and a
    Problem for each line that is not one (that line is left out, the rest is read)."""
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for item in read_jsonl(path, "predictions"):
        record = item.record
        if isinstance(record, Problem):
            problems.append(record)
        elif (isinstance(record, dict) and isinstance(record.get("article_id"), str)
              and isinstance(record.get("result"), list)):
            records.append(record)
        else:
            problems.append(Problem(Severity.ERROR, "prediction-shape", "a prediction is an "
                                    "object with a string article_id and a result list",
                                    file=item.file, line=item.line))
    return records, problems


MISSED_CUES_SHOWN = 12  # in the table; --json lists every one
_TITLES = {"exact": "exact", "overlap": "overlap", "one_to_one": "one-to-one"}


def format_table(report: dict[str, Any]) -> str:
    """The report as plain text: one row per label then per layer, then the attribution
    figures and the cues missed most often."""

    def num(value: float | None) -> str:
        return "    -" if value is None else f"{value:5.2f}"

    rows = [" " * 26 + "".join(f"{_TITLES[mode]:^19}" for mode in MODES),
            f"{'label':<14}{'gold':>6}{'pred':>6}" + "      P     R    F1" * len(MODES)]
    rows.append("-" * len(rows[1]))
    for name, row in [*report["labels"].items(), *report["layers"].items()]:
        rows.append(f"{name:<14}{row['gold']:>6}{row['predicted']:>6}" + "".join(
            f"  {num(row[m]['precision'])} {num(row[m]['recall'])} {num(row[m]['f1'])}"
            for m in MODES))
    rows += ["", "overlap: a span matches any span of its label it overlaps (PolNeAR's count); "
             "one-to-one: overlapping spans paired at most once"]
    unlinked = report["unattributed_claims"]
    if report["attributed_only"]:
        rows.append(f"CLAIM: only claims linked to a SOURCE or CUE are scored, the regions of "
                    f"one gold attribution as one claim; left out: {unlinked['gold']} gold, "
                    f"{unlinked['predicted']} predicted (these still count for recall)")
    rows += _attribution_lines(report)
    for layer, counts in report["unscored_layers"].items():
        rows.append(f"not scored: {layer} (no gold span of it; {counts['predicted']} predicted)")
    rows.append(f"articles: {report['articles']}")
    return "\n".join(rows)


def _attribution_lines(report: dict[str, Any]) -> list[str]:
    def num(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    a, t, missed = report["attributions"], report["triples"], report["attributions"]["missed"]
    lines = [f"attribution recall: {a['recovered']}/{a['gold']} = {num(a['recall'])} (missed: "
             f"{missed['content']} no predicted claim on the content, {missed['cue']} claim "
             f"not linked to the cue, {missed['source']} not to the source)",
             f"attribution triples: {t['correct']}/{t['gold']} correct, accuracy "
             f"{num(t['accuracy'])}"]
    for column, c in report["choices"].items():
        lines.append(f"{column} on one-to-one pairs: {c['agree']}/{c['matched']}, accuracy "
                     f"{num(c['accuracy'])}")
    shown = report["missed_cues"][:MISSED_CUES_SHOWN]
    if shown:
        lines.append("gold cues no predicted CUE overlaps, most frequent first: " + ", ".join(
            f"{c['text']!r} {c['count']}" for c in shown))
    return lines
