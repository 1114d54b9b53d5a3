"""Scores of whole attributions (a CLAIM with its SOURCE and CUE), gold against
predictions; `evaluate` adds them to its per-label figures.

- **attribution recall** (PolNeAR's count, docs/preannotation.md): a gold *attribution* is a set of
  CUEs and SOURCEs with the CLAIM regions linked to exactly that set — one content, or
  the fragments of a discontinuous one (import brat gives each fragment its own region,
  all linked alike). It is *recovered* when a predicted CLAIM overlapping its content is
  linked to a CUE overlapping one of its cues (if it has any) and to a SOURCE
  overlapping one of its sources (if it has any). A miss is put down to the first step
  that fails: no predicted claim overlaps the content, none of those is linked to the
  cue, or none to the source — where a rule author should look.
- **triple accuracy** (stricter, per CLAIM region, docs/preannotation.md): a gold CLAIM
  linked to a SOURCE or CUE is correct when a predicted CLAIM overlapping it is linked
  as above and, where the gold claim has no source (or cue), has none either.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from newsclaims.core.claim_rules import CLAIM_LABEL, CUE_LABEL, SOURCE_LABEL
from newsclaims.review.matching import overlaps

Span = dict[str, Any]
Links = dict[str, dict[str, list[Span]]]  # claim region id -> {"source"/"cue": spans}
ROLES = ("cue", "source")  # in the order a miss is put down to them
MISS_REASONS = ("content", *ROLES)


def links_of(spans: list[Span], relations: list[dict[str, Any]]) -> Links:
    """claim region id -> {"source": [spans], "cue": [spans]} from parsed relations."""
    by_region_label = {(s["region_id"], s["label"]): s for s in spans}
    links: Links = defaultdict(lambda: {"source": [], "cue": []})
    for rel in relations:
        if rel["from_label"] != CLAIM_LABEL:
            continue
        role = {SOURCE_LABEL: "source", CUE_LABEL: "cue"}.get(rel["to_label"])
        target = by_region_label.get((rel["to_id"], rel["to_label"]))
        if role and target is not None:
            links[rel["from_id"]][role].append(target)
    return links


def is_attributed(claim: Span, links: Links) -> bool:
    """Whether a CLAIM is linked to a SOURCE or a CUE."""
    found = links.get(claim["region_id"])
    return bool(found and (found["source"] or found["cue"]))


def attribution_key(claim: Span, links: Links) -> tuple[frozenset[str], ...]:
    """What identifies a CLAIM's attribution: the region ids of its cues and sources.
    The CLAIM regions that share it are one content (the fragments of a discontinuous
    one, as import brat writes them)."""
    want = links[claim["region_id"]]
    return tuple(frozenset(s["region_id"] for s in want[role]) for role in ROLES)


def _overlaps(a: Span, b: Span) -> bool:
    return overlaps((a["start"], a["end"]), (b["start"], b["end"]))


def _any_overlap(gold: list[Span], predicted: list[Span]) -> bool:
    return any(_overlaps(g, p) for g in gold for p in predicted)


class AttributionTally:
    """Attribution recall and triple accuracy over many articles."""

    def __init__(self) -> None:
        self.attributions = {"gold": 0, "recovered": 0}
        self.missed = dict.fromkeys(MISS_REASONS, 0)
        self.triples = {"gold": 0, "correct": 0}

    def add(self, gold_spans: list[Span], gold_links: Links, pred_spans: list[Span],
            pred_links: Links) -> None:
        pred_claims = [s for s in pred_spans if s["label"] == CLAIM_LABEL]
        attributions: dict[tuple[frozenset[str], ...], list[Span]] = {}
        for claim in gold_spans:
            if claim["label"] != CLAIM_LABEL or not is_attributed(claim, gold_links):
                continue
            want = gold_links[claim["region_id"]]
            found = self._linked_overlapping([claim], pred_claims, pred_links)
            self.triples["gold"] += 1
            self.triples["correct"] += any(
                all(_any_overlap(want[r], have[r]) if want[r] else not have[r] for r in ROLES)
                for have in found)
            attributions.setdefault(attribution_key(claim, gold_links), []).append(claim)
        for claims in attributions.values():
            self._attribution(gold_links[claims[0]["region_id"]],
                              self._linked_overlapping(claims, pred_claims, pred_links))

    @staticmethod
    def _linked_overlapping(claims: list[Span], pred_claims: list[Span],
                            pred_links: Links) -> list[dict[str, list[Span]]]:
        """The links of each predicted claim that overlaps one of `claims`."""
        return [pred_links.get(p["region_id"], {"source": [], "cue": []})
                for p in pred_claims if any(_overlaps(c, p) for c in claims)]

    def _attribution(self, want: dict[str, list[Span]], found: list[dict[str, list[Span]]]
                     ) -> None:
        self.attributions["gold"] += 1
        if not found:
            self.missed["content"] += 1
            return
        for step, role in enumerate(ROLES):
            if want[role]:
                found = [have for have in found if _any_overlap(want[role], have[role])]
            if not found:
                self.missed[MISS_REASONS[step + 1]] += 1
                return
        self.attributions["recovered"] += 1

    def report(self) -> dict[str, Any]:
        a, t = self.attributions, self.triples
        return {
            "attributions": {**a, "recall": a["recovered"] / a["gold"] if a["gold"] else None,
                             "missed": dict(self.missed)},
            "triples": {**t, "accuracy": t["correct"] / t["gold"] if t["gold"] else None},
        }
