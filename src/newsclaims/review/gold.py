"""The gold annotation of an article: which annotation (or merge) a release publishes.

Policy, in order: the annotation marked `ground_truth` (a reviewer's decision), else
the only completed one, else a majority merge of all completed ones. The merge keeps
what a strict majority of annotations agree on — a span is its (layer, label, start,
end); a relation is its type and its endpoints' spans, because region ids differ
between annotators — and lists every item on which they were not unanimous, so a
reviewer can settle it in Label Studio (`newsclaims adjudicate`).

The merged `result` is native Label Studio result items (fresh, deterministic region
ids), so it parses like any annotation and can be sent back as a prediction.
"""

from __future__ import annotations

import copy
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from newsclaims.core.scheme import Scheme, load_scheme
from newsclaims.export.result_rows import ParsedAnnotations, ParsedResult, relation_row, span_row

# model_version prefix of the merged results sent to reviewers (newsclaims.review.adjudicate).
ADJUDICATION_PREFIX = "adjudication-"

SpanKey = tuple[str, str, int, int]  # layer, label, start, end
RelationKey = tuple[str, SpanKey, SpanKey]  # type, from span, to span
Key = TypeVar("Key", SpanKey, RelationKey)


@dataclass(frozen=True, slots=True)
class GoldChoice:
    policy: str  # "ground_truth" | "single" | "majority" | "none"
    result: list[dict[str, Any]]  # native Label Studio result items
    annotation_ids: list[Any]  # the annotations the result comes from
    needs_adjudication: bool
    disagreements: list[str] = field(default_factory=list)
    # A majority merge's `parse_result(result)`, built with the items (a release would
    # otherwise parse the merge again); None when not built.
    parsed: ParsedResult | None = field(default=None, compare=False, repr=False)


def completed_annotations(task: dict[str, Any]) -> list[dict[str, Any]]:
    """Annotations that count: everything except those the annotator cancelled (skipped)."""
    return [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]


def annotator_of(annotation: dict[str, Any]) -> str:
    """Who made an annotation: the Label Studio user id (never an e-mail or name)."""
    user = annotation.get("completed_by")
    user_id = user.get("id") if isinstance(user, dict) else user
    if user_id is None:
        return f"annotation-{annotation.get('id')}"
    return f"user-{user_id}"


def adjudication_prediction_ids(task: dict[str, Any]) -> set[Any]:
    """Ids of the task's adjudication predictions (listed in full by `newsclaims pull`).

    A reviewer's annotation started from one of them carries its id as
    `parent_prediction`: it is a decision, not another independent annotation.
    """
    return {
        p.get("id") for p in task.get("predictions") or []
        if isinstance(p, dict) and str(p.get("model_version") or "").startswith(ADJUDICATION_PREFIX)
    }


def choose_gold(task: dict[str, Any], scheme: Scheme | None = None, *,
                copy_result: bool = True, parsed: ParsedAnnotations | None = None) -> GoldChoice:
    """Pick or build the gold result of one native Label Studio task.

    The result of a chosen annotation is a deep copy, so callers may edit it; a
    caller that only reads it (a release) passes `copy_result=False` and gets the
    task's own list (deep copies were ~15% of a release's time). A majority merge
    parses every annotation, through `parsed` when the caller shares one.
    """
    scheme = scheme or load_scheme()
    copied = copy.deepcopy if copy_result else _same
    annotations = completed_annotations(task)
    if not annotations:
        return GoldChoice("none", [], [], needs_adjudication=False)
    marked = [a for a in annotations if a.get("ground_truth")]
    if marked:
        # Label Studio keeps one ground truth per task; if an export holds more, the
        # latest decision wins.
        chosen = max(marked, key=lambda a: (a.get("updated_at") or "", _sortable_id(a)))
        return GoldChoice("ground_truth", copied(chosen.get("result") or []),
                          [chosen.get("id")], needs_adjudication=False)
    if len(annotations) == 1:
        only = annotations[0]
        return GoldChoice("single", copied(only.get("result") or []), [only.get("id")],
                          needs_adjudication=False)
    text = (task.get("data") or {}).get("text") or ""
    return _majority(annotations, parsed or ParsedAnnotations(text, scheme))


def _same(value: Any) -> Any:
    return value


def _sortable_id(annotation: dict[str, Any]) -> tuple[int, str]:
    value = annotation.get("id")
    return (0, f"{value:020d}") if isinstance(value, int) else (1, str(value))


@dataclass
class _Reading:
    """One annotation reduced to comparable keys."""

    annotation_id: Any
    spans: dict[SpanKey, dict[str, Any]]  # key -> the first parsed span with that key
    relations: set[RelationKey]


def _read(annotation: dict[str, Any], parse: ParsedAnnotations) -> _Reading:
    parsed = parse(annotation)
    spans: dict[SpanKey, dict[str, Any]] = {}
    key_of_region: dict[tuple[str, str], SpanKey] = {}
    for span in parsed.spans:
        key = (span["layer"], span["label"], span["start"], span["end"])
        spans.setdefault(key, span)
        key_of_region.setdefault((span["region_id"], span["label"]), key)
    relations = set()
    for rel in parsed.relations:
        source = key_of_region.get((rel["from_id"], rel["from_label"]))
        target = key_of_region.get((rel["to_id"], rel["to_label"]))
        if source and target:
            relations.add((rel["type"], source, target))
    return _Reading(annotation.get("id"), spans, relations)


def _majority(annotations: list[dict[str, Any]], parse: ParsedAnnotations) -> GoldChoice:
    text, scheme = parse.text, parse.scheme
    readings = [_read(a, parse) for a in annotations]
    disagreements: list[str] = []  # spans, then their choices, then relations
    span_support = _support(readings, lambda r: r.spans)
    kept = _kept_spans(span_support, len(readings), text, disagreements)
    region_id = {key: _region_id(key) for key in kept}
    rows = _MergedRows(scheme, region_id)
    result = _span_items(kept, span_support, region_id, text, scheme, disagreements, rows)
    result += _relation_items(readings, region_id, text, disagreements, rows)
    return GoldChoice("majority", result, [r.annotation_id for r in readings],
                      needs_adjudication=bool(disagreements), disagreements=disagreements,
                      parsed=rows.parsed())


class _MergedRows:
    """The span and relation rows `parse_result` makes of the merged items, built as
    they are: each kept span is already trimmed, its text matches, its choices are
    single strings of per-region controls (the annotations' parses folded only those)
    and its relations join two kept spans, so parsing finds no problem. Unless two
    region ids collide (parsing joins their regions): then `parsed()` is None."""

    def __init__(self, scheme: Scheme, region_id: dict[SpanKey, str]) -> None:
        self.choice_columns = tuple(scheme.choices)
        self.distinct = len(set(region_id.values())) == len(region_id)
        self.spans: list[dict[str, Any]] = []
        self.relations: list[dict[str, Any]] = []

    def span(self, region: str, key: SpanKey, text: str) -> dict[str, Any]:
        layer, label, start, _ = key
        row = span_row(region, layer, label, start, text, trimmed=False,
                       choice_columns=self.choice_columns)
        self.spans.append(row)
        return row

    def relation(self, kind: str, regions: tuple[str, str], source: SpanKey,
                 target: SpanKey) -> None:
        self.relations.append(relation_row(regions[0], regions[1], kind, source[1], target[1]))

    def parsed(self) -> ParsedResult | None:
        return ParsedResult(self.spans, self.relations, []) if self.distinct else None


def _support(readings: list[_Reading],
             keys_of: Callable[[_Reading], Iterable[Key]]) -> dict[Key, list[_Reading]]:
    """Each key (span or relation) → the readings that have it, in reading order."""
    support: dict[Key, list[_Reading]] = defaultdict(list)
    for reading in readings:
        for key in keys_of(reading):
            support[key].append(reading)
    return support


def _kept_spans(span_support: dict[SpanKey, list[_Reading]], n: int, text: str,
                disagreements: list[str]) -> list[SpanKey]:
    """The spans a strict majority of the n annotations has, in text order; every
    span they were not unanimous on is noted in `disagreements`."""
    kept: list[SpanKey] = []
    for key in sorted(span_support, key=_span_order):
        support = span_support[key]
        decision = _decide(len(support), n)
        if decision != "unanimous":
            disagreements.append(
                f"{_describe_span(key, text)}: marked in {len(support)} of {n} annotations "
                f"({_ids(r.annotation_id for r in support)}) — {_OUTCOME[decision]}"
            )
        if decision in ("unanimous", "majority"):
            kept.append(key)
    return kept


def _span_items(kept: list[SpanKey], span_support: dict[SpanKey, list[_Reading]],
                region_id: dict[SpanKey, str], text: str, scheme: Scheme,
                disagreements: list[str], rows: _MergedRows) -> list[dict[str, Any]]:
    """Result items of the kept spans, each with its per-region choices decided by a
    majority of the annotations that have the span (a split vote is noted)."""
    items: list[dict[str, Any]] = []
    controls_of: dict[str, list[str]] = {}  # label → its choice controls, asked once
    for key in kept:
        layer, label, start, end = key
        snippet = text[start:end]
        value = {"start": start, "end": end, "text": snippet}
        items.append(_item(region_id[key], layer, scheme, "labels", {**value, "labels": [label]}))
        row = rows.span(region_id[key], key, snippet)
        controls = controls_of.get(label)
        if controls is None:
            controls = controls_of[label] = [c.name for c in scheme.choices_for_label(label)]
        for name in controls:
            chosen = _chosen(key, name, [r.spans[key].get(name) for r in span_support[key]],
                             text, disagreements)
            if chosen is not None:
                items.append(_item(region_id[key], name, scheme, "choices",
                                   {**value, "choices": [chosen]}))
                row[name] = chosen
    return items


def _chosen(key: SpanKey, control: str, values: list[Any], text: str,
            disagreements: list[str]) -> Any:
    """The value of one choice the annotations that have a span agree on (`_vote`;
    a split vote is noted). Most votes are unanimous: counted only when they are not."""
    if values.count(values[0]) == len(values):
        return values[0]
    votes = Counter(values)
    chosen, note = _vote(votes)
    if note:
        disagreements.append(
            f"{_describe_span(key, text)}: {control} {_describe_votes(votes)} — {note}")
    return chosen


def _relation_items(readings: list[_Reading], region_id: dict[SpanKey, str], text: str,
                    disagreements: list[str], rows: _MergedRows) -> list[dict[str, Any]]:
    """Result items of the relations a strict majority has whose two spans were both
    kept; every relation they were not unanimous on is noted."""
    n = len(readings)
    relation_support = _support(readings, lambda r: r.relations)
    items: list[dict[str, Any]] = []
    for rel in sorted(relation_support, key=lambda r: (r[0], _span_order(r[1]), _span_order(r[2]))):
        support = relation_support[rel]
        decision = _decide(len(support), n)
        endpoints_kept = rel[1] in region_id and rel[2] in region_id
        if decision in ("unanimous", "majority") and not endpoints_kept:
            decision = "orphaned"
        if decision != "unanimous":
            disagreements.append(
                f"{rel[0]} relation {_describe_span(rel[1], text)} → "
                f"{_describe_span(rel[2], text)}: in {len(support)} of {n} annotations "
                f"({_ids(r.annotation_id for r in support)}) — {_OUTCOME[decision]}"
            )
        if decision in ("unanimous", "majority"):
            regions = region_id[rel[1]], region_id[rel[2]]
            items.append({"from_id": regions[0], "to_id": regions[1],
                          "type": "relation", "direction": "right", "labels": [rel[0]]})
            rows.relation(rel[0], regions, rel[1], rel[2])
    return items


_OUTCOME = {
    "majority": "kept by majority",
    "minority": "left out by majority",
    "tie": "tie, left out",
    "orphaned": "left out: an endpoint span was left out",
}


def _decide(support: int, n: int) -> str:
    if support == n:
        return "unanimous"
    if 2 * support > n:
        return "majority"
    return "tie" if 2 * support == n else "minority"


def _vote(votes: Counter[Any]) -> tuple[Any, str]:
    """Majority value of one attribute among the annotations that kept the span.

    Returns (value or None, note); the note is empty when the vote was unanimous.
    """
    ranked = votes.most_common()
    top, count = ranked[0]
    if len(ranked) == 1:
        return top, ""
    if 2 * count > sum(votes.values()):
        return top, f"{top} by majority"
    return None, "tie, left unset"


def _item(region: str, control: str, scheme: Scheme, kind: str,
          value: dict[str, Any]) -> dict[str, Any]:
    return {"id": region, "from_name": control, "to_name": scheme.text_name, "type": kind,
            "origin": "prediction", "value": value}


def _region_id(key: SpanKey) -> str:
    """Deterministic region id: the same span gets the same id in every run."""
    layer, label, start, end = key
    return "g" + hashlib.sha256(f"{layer}\0{label}\0{start}\0{end}".encode()).hexdigest()[:9]


def _span_order(key: SpanKey) -> tuple[int, int, str, str]:
    layer, label, start, end = key
    return (start, end, layer, label)


def _describe_span(key: SpanKey, text: str) -> str:
    _, label, start, end = key
    snippet = text[start:end]
    if len(snippet) > 60:
        snippet = snippet[:57] + "..."
    return f'{label} [{start}:{end}] "{snippet}"'


def _describe_votes(votes: Counter[Any]) -> str:
    return " vs ".join(f"{value if value is not None else 'unset'} ×{count}"
                       for value, count in votes.most_common())


def _ids(ids: Iterable[Any]) -> str:
    return ", ".join(f"#{i}" for i in ids)

