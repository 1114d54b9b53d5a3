"""Score predictions against gold annotations: per-label precision, recall and F1
with exact span matching (`matching.exact`) and overlap matching
(`matching.one_to_one`: pairs of overlapping spans, largest overlap first), and
attribution-triple accuracy.

Gold and predictions go through the same `convert.parse_result`, so a span means
the same thing on both sides (whitespace-trimmed code-point offsets, choices folded
into their region, relations resolved to labels).

Triple accuracy: among gold CLAIMs linked to a SOURCE or a CUE, the share for which
some predicted CLAIM overlaps the gold claim and, for each of source and cue, is
linked to a predicted span overlapping one the gold claim is linked to (or, where
the gold claim has none, is linked to none either).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from newsclaims.core.articles import read_jsonl
from newsclaims.core.errors import NewsclaimsError, Problem, Severity
from newsclaims.core.scheme import Scheme, load_scheme
from newsclaims.export.convert import CLAIM_LABEL, CUE_LABEL, SOURCE_LABEL, parse_result
from newsclaims.review.gold import choose_gold
from newsclaims.review.matching import Policy, exact, one_to_one, one_to_one_pairs, overlaps, prf

Span = dict[str, Any]

# Report key → matching policy (docs/preannotation.md, Evaluation). PolNeAR's overlap
# figures count with `any_overlap`; the choices are compared on one-to-one pairs
# whatever the policy.
MODES: dict[str, Policy] = {"exact": exact, "overlap": one_to_one}


def _where(span: Span) -> tuple[int, int]:
    return span["start"], span["end"]


def _overlaps(a: Span, b: Span) -> bool:
    return overlaps(_where(a), _where(b))


def _scores(matched: list[int], n_gold: int, n_pred: int) -> dict[str, Any]:
    """`tp` is the matched gold spans (as many as matched predicted spans under `exact`
    and `one_to_one`); a side without spans makes its ratio and F1 undefined."""
    matched_gold, matched_pred = matched
    return {"tp": matched_gold,
            **prf(n_gold, n_pred, matched_gold, matched_pred, empty_side="undefined")}


def _links(spans: list[Span], relations: list[dict[str, Any]]) -> dict[str, dict[str, list[Span]]]:
    """claim region id -> {"source": [spans], "cue": [spans]}."""
    by_id: dict[str, Span] = {}
    for span in spans:
        by_id.setdefault(span["region_id"], span)
    by_region_label = {(s["region_id"], s["label"]): s for s in spans}
    links: dict[str, dict[str, list[Span]]] = defaultdict(lambda: {"source": [], "cue": []})
    for rel in relations:
        if rel["from_label"] != CLAIM_LABEL:
            continue
        role = {SOURCE_LABEL: "source", CUE_LABEL: "cue"}.get(rel["to_label"])
        target = by_region_label.get((rel["to_id"], rel["to_label"]))
        if role and target is not None:
            links[rel["from_id"]][role].append(target)
    return links


class _Tally:
    def __init__(self) -> None:
        # label → "gold", "predicted": span counts; each mode → [matched gold, matched pred]
        self.counts: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"gold": 0, "predicted": 0, **{mode: [0, 0] for mode in MODES}}
        )
        self.layer_of: dict[str, str] = {}
        self.triples = {"gold": 0, "correct": 0}
        self.choice = defaultdict(lambda: {"matched": 0, "agree": 0})

    def add(self, gold: Any, pred: Any) -> None:
        labels = {s["label"] for s in gold.spans} | {s["label"] for s in pred.spans}
        for label in labels:
            g = [s for s in gold.spans if s["label"] == label]
            p = [s for s in pred.spans if s["label"] == label]
            self.layer_of[label] = (g or p)[0]["layer"]
            c = self.counts[label]
            c["gold"] += len(g)
            c["predicted"] += len(p)
            g_where, p_where = [_where(s) for s in g], [_where(s) for s in p]
            for mode, policy in MODES.items():
                matched_gold, matched_pred = policy(g_where, p_where)
                c[mode][0] += matched_gold
                c[mode][1] += matched_pred
            for gi, pi in one_to_one_pairs(g_where, p_where):
                gs, ps = g[gi], p[pi]
                for column in ("attribution_type", "source_type"):
                    if gs.get(column) is not None:
                        self.choice[column]["matched"] += 1
                        self.choice[column]["agree"] += gs[column] == ps.get(column)
        self._triples(gold, pred)

    def _triples(self, gold: Any, pred: Any) -> None:
        gold_links = _links(gold.spans, gold.relations)
        pred_links = _links(pred.spans, pred.relations)
        pred_claims = [s for s in pred.spans if s["label"] == CLAIM_LABEL]
        for claim in (s for s in gold.spans if s["label"] == CLAIM_LABEL):
            want = gold_links.get(claim["region_id"])
            if not want or not (want["source"] or want["cue"]):
                continue
            self.triples["gold"] += 1
            self.triples["correct"] += any(
                _overlaps(claim, p) and all(
                    _linked_ok(want[role], pred_links.get(p["region_id"], {}).get(role, []))
                    for role in ("source", "cue")
                )
                for p in pred_claims
            )

    def report(self) -> dict[str, Any]:
        labels = {}
        for label in sorted(self.counts, key=lambda x: (self.layer_of[x], x)):
            c = self.counts[label]
            labels[label] = {
                "layer": self.layer_of[label],
                "gold": c["gold"],
                "predicted": c["predicted"],
                **{mode: _scores(c[mode], c["gold"], c["predicted"]) for mode in MODES},
            }
        layers: dict[str, Any] = {}
        for layer in sorted(set(self.layer_of.values())):
            members = [self.counts[x] for x in self.counts if self.layer_of[x] == layer]
            n_gold = sum(c["gold"] for c in members)
            n_pred = sum(c["predicted"] for c in members)
            layers[layer] = {
                "gold": n_gold,
                "predicted": n_pred,
                **{mode: _scores([sum(c[mode][side] for c in members) for side in (0, 1)],
                                 n_gold, n_pred)
                   for mode in MODES},
            }
        t = self.triples
        choices = {
            column: {**v, "accuracy": v["agree"] / v["matched"] if v["matched"] else None}
            for column, v in sorted(self.choice.items())
        }
        return {
            "labels": labels,
            "layers": layers,
            "triples": {**t, "accuracy": t["correct"] / t["gold"] if t["gold"] else None},
            "choices": choices,
        }


def _linked_ok(gold: list[Span], predicted: list[Span]) -> bool:
    if not gold:
        return not predicted
    return any(_overlaps(g, p) for g in gold for p in predicted)


def evaluate(
    gold_tasks: Iterable[dict[str, Any]],
    predictions: Iterable[dict[str, Any]],
    *,
    scheme: Scheme | None = None,
) -> dict[str, Any]:
    """Scores of `predictions` ({"article_id", "result"} each) against the gold of
    `gold_tasks` (native export tasks), matched by article_id. Tasks without a
    prediction count as predicted empty; every such gap is listed in `problems`."""
    scheme = scheme or load_scheme()
    by_article: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for index, prediction in enumerate(predictions):
        aid = prediction.get("article_id") if isinstance(prediction, dict) else None
        if not isinstance(aid, str) or not isinstance(prediction.get("result"), list):
            raise NewsclaimsError(f"prediction {index + 1} has no article_id or result list")
        if aid in by_article:
            problems.append(Problem(Severity.WARNING, "prediction-duplicate",
                                    "duplicate prediction; first kept",
                                    article_id=aid))
            continue
        by_article[aid] = prediction
    tally = _Tally()
    seen: set[str] = set()
    n_articles = 0
    for task in gold_tasks:
        data = task.get("data") or {}
        text, aid = data.get("text"), data.get("article_id")
        if not isinstance(text, str) or not isinstance(aid, str):
            raise NewsclaimsError(f"task {task.get('id')}: data has no text or article_id")
        choice = choose_gold(task, scheme)
        if choice.policy == "none":
            problems.append(Problem(Severity.WARNING, "gold-missing",
                                    "no completed annotation; skipped",
                                    task_id=task.get("id"), article_id=aid))
            continue
        gold = parse_result(choice.result, text, scheme=scheme)
        prediction = by_article.get(aid)
        if prediction is None:
            problems.append(Problem(Severity.WARNING, "prediction-missing",
                                    "no prediction for this article; scored as empty",
                                    task_id=task.get("id"), article_id=aid))
        pred = parse_result(prediction["result"] if prediction else [], text, scheme=scheme)
        for which, parsed in (("gold", gold), ("prediction", pred)):
            for p in parsed.problems:
                problems.append(Problem(p.severity, p.code, f"{which}: {p.message}",
                                        task_id=task.get("id"), article_id=aid,
                                        region_id=p.region_id))
        tally.add(gold, pred)
        seen.add(aid)
        n_articles += 1
    for aid in sorted(set(by_article) - seen):
        problems.append(Problem(Severity.INFO, "prediction-without-gold",
                                "prediction for an article not in the gold",
                                article_id=aid))
    return {"articles": n_articles, **tally.report(), "problems": problems}


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


def format_table(report: dict[str, Any]) -> str:
    """The report as a plain-text table, one row per label then per layer."""

    def pct(value: float | None) -> str:
        return "   -" if value is None else f"{value:5.2f}"

    head = (f"{'label':<14}{'gold':>6}{'pred':>6}  {'P':>5} {'R':>5} {'F1':>5} (exact)"
            f"  {'P':>5} {'R':>5} {'F1':>5} (overlap)")
    rows = [head, "-" * len(head)]
    for name, row in [*report["labels"].items(), *report["layers"].items()]:
        e, o = row["exact"], row["overlap"]
        rows.append(
            f"{name:<14}{row['gold']:>6}{row['predicted']:>6}  {pct(e['precision'])} "
            f"{pct(e['recall'])} {pct(e['f1'])}          {pct(o['precision'])} "
            f"{pct(o['recall'])} {pct(o['f1'])}"
        )
    t = report["triples"]
    rows.append("")
    rows.append(f"attribution triples: {t['correct']}/{t['gold']} correct, "
                f"accuracy {pct(t['accuracy'])}")
    for column, c in report["choices"].items():
        rows.append(f"{column} on matched spans: {c['agree']}/{c['matched']}, "
                    f"accuracy {pct(c['accuracy'])}")
    rows.append(f"articles: {report['articles']}")
    return "\n".join(rows)
