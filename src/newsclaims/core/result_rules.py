"""Semantic rules for one `result` list (an annotation's or a prediction's).

`check_result` is the per-annotation half of validation: it knows nothing of tasks,
files or other annotations, so the pre-annotator can run it on its predictions
before writing them. Plain code instead of JSON Schema on every item: it is the hot
path of validating a large export (tests check that both agree on the fixtures).
Codes are stable and documented in docs/validation.md.
"""

from __future__ import annotations

import json
from itertools import compress, repeat
from operator import eq, itemgetter
from typing import Any

from newsclaims.core.claim_rules import (
    ATTRIBUTION_CONTROL,
    CLAIM_LABEL,
    DIRECT_QUOTE,
    LINK_RELATIONS,
    UNATTRIBUTED,
    quote_marked,
)
from newsclaims.core.errors import Problem, Severity
from newsclaims.core.offsets import Utf16Index, has_astral
from newsclaims.core.result_screen import screen_for
from newsclaims.core.scheme import RELATION_ENDPOINTS, Scheme, load_scheme

_NO_LINKS: frozenset[str] = frozenset()


def _strings(values: list[Any]) -> bool:
    """True when every value is a str. map() runs the test in C: this is checked for
    every item of every result, the hot path of validation and of pre-annotation."""
    return all(map(isinstance, values, repeat(str)))


class _Checker:
    """State for checking one result list; one instance per call."""

    __slots__ = (
        "annotation_id", "article_id", "choices_of", "labels_of", "links", "placed", "problems",
        "scheme", "seen_regions", "span_of", "task_id", "text", "utf16",
    )

    def __init__(self, text: str, scheme: Scheme, task_id: Any, article_id: Any,
                 annotation_id: Any) -> None:
        self.text = text
        self.scheme = scheme
        self.task_id, self.article_id, self.annotation_id = task_id, article_id, annotation_id
        self.problems: list[Problem] = []
        self.labels_of: dict[str, set[str]] = {}
        self.span_of: dict[str, tuple[int, int]] = {}
        self.choices_of: dict[str, dict[str, str | None]] = {}
        self.links: dict[str, set[str]] = {}
        self.seen_regions: dict[tuple[Any, ...], str] = {}
        self.placed: dict[str, tuple[int, int, set[Any]]] = {}  # id -> offsets, controls
        self.utf16: Utf16Index | None = None

    def report(self, code: str, message: str, region_id: Any = None,
               severity: Severity = Severity.ERROR, **extra: Any) -> None:
        self.problems.append(
            Problem(severity, code, message, task_id=self.task_id, article_id=self.article_id,
                    annotation_id=self.annotation_id,
                    region_id=None if region_id is None else str(region_id), extra=extra)
        )

    # -- labels (regions) --------------------------------------------------------------

    def labels_item(self, item: dict[str, Any]) -> None:
        region_id, value = item.get("id"), item.get("value")
        if not isinstance(region_id, str) or not region_id or not isinstance(value, dict):
            self.report("result-item-invalid", "labels item needs a string id and a value object",
                        region_id)
            return
        start, end, labels = value.get("start"), value.get("end"), value.get("labels")
        if (type(start) is not int or type(end) is not int or not isinstance(labels, list)
                or not _strings(labels)):
            self.report("result-item-invalid",
                        "labels item needs integer start/end and a list of labels", region_id)
            return
        if "text" in value and not isinstance(value["text"], str):
            self.report("result-item-invalid", "value.text is not a string", region_id)
            return
        control = item.get("from_name")
        # A malformed name (a list) is reported below; as a key it stands as its repr.
        named = control if control is None or isinstance(control, str) else repr(control)
        if self.id_taken(region_id, named, start, end):
            return
        known = self.scheme.labels.get(control) if isinstance(control, str) else None
        if known is None:
            self.report("control-unknown", f"{control!r} is not a Labels control of the config",
                        region_id)
        elif item.get("to_name") != self.scheme.text_name:
            self.report("control-unknown", f"to_name {item.get('to_name')!r} is not "
                        f"{self.scheme.text_name!r}", region_id)
        if len(labels) != 1:
            self.report("label-count", f"a region carries exactly one label, has {labels}",
                        region_id)
        if known is not None:
            for label in labels:
                if label not in known:
                    self.report("label-unknown", f"label {label!r} is not in {control}", region_id)
        if region_id in self.labels_of:
            self.labels_of[region_id].update(labels)
        else:
            self.labels_of[region_id] = set(labels)
        key = (named, tuple(labels), start, end)
        if key in self.seen_regions:
            self.report("region-duplicate",
                        f"same {'/'.join(labels)} span {start}..{end} as region "
                        f"{self.seen_regions[key]}", region_id, Severity.WARNING)
        else:
            self.seen_regions[key] = region_id
        if self.offsets(region_id, start, end, value.get("text")):
            self.span_of[region_id] = (start, end)

    def id_taken(self, region_id: str, control: Any, start: int, end: int) -> bool:
        """Whether another region already has this id (then reported). Label Studio gives
        a region labelled in two Labels controls one id, one item per control, over the
        same offsets; any other reuse makes the id's choices and relations ambiguous."""
        first = self.placed.get(region_id)
        if first is None:
            self.placed[region_id] = (start, end, {control})
            return False
        if first[:2] == (start, end) and control not in first[2]:
            first[2].add(control)
            return False
        self.report("region-id-duplicate", f"id {region_id!r} already names a region at "
                    f"{first[0]}..{first[1]} ({', '.join(sorted(map(str, first[2])))}): "
                    "region ids are unique in an annotation", region_id)
        return True

    def offsets(self, region_id: str, start: int, end: int, expected: str | None) -> bool:
        """Check start/end against the text; True when they are usable code-point offsets."""
        text = self.text
        if start < 0:
            self.report("offset-negative", f"start {start} is negative", region_id)
            return False
        if start >= end:
            self.report("span-empty", f"start {start} >= end {end}", region_id)
            return False
        fits = end <= len(text)
        span = text[start:end]
        if expected is not None and not (fits and span == expected):
            if has_astral(text):
                self.utf16 = self.utf16 or Utf16Index(text)
                if self.utf16.slice(start, end) == expected:
                    fixed = [self.utf16.to_code_point(start), self.utf16.to_code_point(end)]
                    self.report("offset-utf16",
                                f"offsets {start}..{end} count UTF-16 units; code points are "
                                f"{fixed[0]}..{fixed[1]} (--fix-offsets repairs this)",
                                region_id, utf16=[start, end], code_points=fixed)
                    return False
            if not fits:
                self.report("offset-out-of-range",
                            f"end {end} is past the end of the text (length {len(text)})",
                            region_id)
            else:
                self.report("text-mismatch", f"value.text {_short(expected)} != "
                            f"text[{start}:{end}] {_short(span)}", region_id)
            return False
        if not fits:
            self.report("offset-out-of-range",
                        f"end {end} is past the end of the text (length {len(text)})", region_id)
            return False
        if span[0].isspace() or span[-1].isspace():
            if span.isspace():
                self.report("span-blank", "span is only whitespace", region_id)
                return False
            self.report("span-whitespace", "span starts or ends with whitespace (trimmed on "
                        "conversion)", region_id, Severity.WARNING)
        return True

    # -- per-region choices ------------------------------------------------------------

    def choices_item(self, item: dict[str, Any]) -> None:
        region_id, value, control = item.get("id"), item.get("value"), item.get("from_name")
        values = value.get("choices") if isinstance(value, dict) else None
        if not isinstance(values, list) or not _strings(values):
            self.report("result-item-invalid", "choices item needs a list of choices", region_id)
            return
        if not isinstance(control, str) or (choice := self.scheme.choices.get(control)) is None:
            self.report("control-unknown", f"{control!r} is not a Choices control of the config",
                        region_id)
            return
        unknown = [] if len(values) == 1 and values[0] in choice.values else [
            v for v in values if v not in choice.values
        ]
        for v in unknown:
            self.report("choice-unknown", f"{v!r} is not a choice of {control}", region_id)
        if len(values) != 1:
            self.report("choice-count", f"{control} takes one value, has {values}", region_id)
        if not choice.per_region:
            return
        if not isinstance(region_id, str) or (labels := self.labels_of.get(region_id)) is None:
            self.report("choice-orphan", f"{control} choice has no region with id {region_id!r}",
                        region_id)
            return
        if choice.applies_to is not None and choice.applies_to not in labels:
            self.report("choice-wrong-label", f"{control} applies to {choice.applies_to}, region "
                        f"is {'/'.join(sorted(labels))}", region_id)
            return
        # Present even when invalid (reported above), so it is not also reported missing.
        valid = len(values) == 1 and not unknown
        chosen = values[0] if valid else None
        if region_id in self.choices_of:
            self.choices_of[region_id][control] = chosen
        else:
            self.choices_of[region_id] = {control: chosen}

    # -- relations ---------------------------------------------------------------------

    def relation_item(self, item: dict[str, Any]) -> None:
        from_id, to_id, kinds = item.get("from_id"), item.get("to_id"), item.get("labels", [])
        if (not isinstance(from_id, str) or not isinstance(to_id, str)
                or not isinstance(kinds, list) or not _strings(kinds)):
            self.report("result-item-invalid",
                        "relation needs string from_id/to_id and a list of labels", from_id)
            return
        if item.get("direction") == "left":  # arrow flipped in the UI: to → from
            from_id, to_id = to_id, from_id
        where = f"{from_id}->{to_id}"
        if from_id not in self.labels_of or to_id not in self.labels_of:
            missing = [r for r in (from_id, to_id) if r not in self.labels_of]
            self.report("relation-dangling", f"relation {where}: {', '.join(map(repr, missing))} "
                        "is not a region of this annotation", from_id)
            return
        if not kinds:
            self.report("relation-untyped", f"relation {where} has no type", from_id)
        for kind in kinds:
            if kind not in self.scheme.relations:
                self.report("relation-unknown", f"relation type {kind!r} is not in the config",
                            from_id)
                continue
            want_from, want_to = RELATION_ENDPOINTS[kind]
            if want_from not in self.labels_of[from_id] or want_to not in self.labels_of[to_id]:
                have = ("/".join(sorted(self.labels_of[from_id])),
                        "/".join(sorted(self.labels_of[to_id])))
                self.report("relation-endpoints", f"{kind} goes {want_from} -> {want_to}, "
                            f"{where} goes {have[0]} -> {have[1]}", from_id)
                continue
            self.links.setdefault(from_id, set()).add(kind)

    # -- whole-annotation rules --------------------------------------------------------

    def region_rules(self) -> None:
        required = [c for c in self.scheme.choices.values() if c.required and c.per_region]
        for region_id, labels in self.labels_of.items():
            chosen = self.choices_of.get(region_id, {})
            for control in required:
                if control.applies_to in labels and control.name not in chosen:
                    self.report("choice-missing", f"{control.applies_to} region has no "
                                f"{control.name}", region_id, control=control.name)
            if CLAIM_LABEL in labels:
                self.claim_rules(region_id, chosen.get(ATTRIBUTION_CONTROL))

    def claim_rules(self, region_id: str, attribution: str | None) -> None:
        links = self.links.get(region_id, _NO_LINKS)
        if attribution == UNATTRIBUTED:
            if "source" in links:
                self.report("unattributed-with-source",
                            f"{UNATTRIBUTED} claim has a source relation", region_id)
        elif attribution is not None and not links & LINK_RELATIONS:
            self.report("attributed-without-link",
                        f"{attribution} claim has neither a source nor a cue relation", region_id)
        if (attribution == DIRECT_QUOTE and region_id in self.span_of
                and not quote_marked(self.text, *self.span_of[region_id])):
            self.report("quote-without-marks", f"{DIRECT_QUOTE} claim has no quotation mark "
                            "inside or next to it", region_id, Severity.WARNING)


def check_result(
    result: Any,
    text: str,
    *,
    scheme: Scheme | None = None,
    task_id: int | None = None,
    article_id: str | None = None,
    annotation_id: int | None = None,
    counts: dict[str, int] | None = None,
) -> list[Problem]:
    """Every rule that needs only one result list and its text; problems carry the place.
    A clean list is accepted by `result_screen` at a fraction of the cost; any other
    goes through `rule_problems`. `counts` (if given) gets the list's regions (distinct
    ids) and relations added to its "regions" and "relations"."""
    scheme = scheme or load_scheme()
    sizes = screen_for(scheme).sizes(result, text) if isinstance(result, list) else None
    if sizes is not None:
        if counts is not None:
            counts["regions"] += sizes[0]
            counts["relations"] += sizes[1]
        return []
    if counts is not None:
        _count_result(result, counts)
    return rule_problems(result, text, scheme=scheme, task_id=task_id, article_id=article_id,
                         annotation_id=annotation_id)


def rule_problems(
    result: Any,
    text: str,
    *,
    scheme: Scheme | None = None,
    task_id: int | None = None,
    article_id: str | None = None,
    annotation_id: int | None = None,
) -> list[Problem]:
    """`check_result` without the screen: the rules themselves, which word and place
    every problem."""
    checker = _Checker(text, scheme or load_scheme(), task_id, article_id, annotation_id)
    if not isinstance(result, list):
        checker.report("result-item-invalid", "result is not a list")
        return checker.problems
    choices, relations = [], []
    for item in result:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "labels":
            checker.labels_item(item)
        elif kind == "choices":
            choices.append(item)
        elif kind == "relation":
            relations.append(item)
        else:
            region_id = item.get("id") if isinstance(item, dict) else None
            checker.report("result-item-invalid", f"result item type {kind!r} is not labels, "
                           "choices or relation", region_id)
    for item in choices:
        checker.choices_item(item)
    for item in relations:
        checker.relation_item(item)
    checker.region_rules()
    return checker.problems


def _count_result(result: Any, counts: dict[str, int]) -> None:
    if not isinstance(result, list):
        return
    try:  # the usual well-formed list, counted by C loops (map, compress)
        kinds = list(map(_TYPE, result))
        regions = set(map(_ID, compress(result, map(eq, kinds, repeat("labels")))))
    except (KeyError, TypeError):
        kinds = [item.get("type") if isinstance(item, dict) else None for item in result]
        regions = {_hashable(item.get("id")) for item, kind in zip(result, kinds, strict=True)
                   if kind == "labels"}
    counts["relations"] += kinds.count("relation")
    counts["regions"] += len(regions)


_TYPE, _ID = itemgetter("type"), itemgetter("id")


def _hashable(value: Any) -> Any:
    """A region id as a set member: a malformed one (a list) by its JSON text."""
    return value if isinstance(value, (str, int, float, type(None))) else json.dumps(value)


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"
