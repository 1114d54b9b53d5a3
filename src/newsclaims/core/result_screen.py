"""Fast acceptance of a result list that breaks no rule of `result_rules`.

Almost every result list a release or the pre-annotator checks is clean, and the full
rules spend most of their time building the state they need to word a problem. The
screen asks only "is every rule kept?", on the assumption that the list is well
formed (direct indexing, exact types, one label per region, unique region ids), and
says no at the first doubt: a missing key, an unexpected type, an id used twice, any
rule that would report, warnings included. `check_result` then runs the full rules,
so every problem is still found, worded and placed by them alone.

Per item it does as few operations as it can (each costs ~100-500 instructions in
this interpreter): a label found in its control's set, a (control, value, label) in
the set the scheme allows, stand for "known strings" (a JSON value equal to a string
is one); ids and duplicate spans are counted once at the end, not tested per item.
tests/test_result_screen.py holds the screen to that: it never accepts a list the
full rules report on, and it accepts the clean lists it is there for.
"""

from __future__ import annotations

from typing import Any

from newsclaims.core.claim_rules import (
    ATTRIBUTION_CONTROL,
    CLAIM_LABEL,
    DIRECT_QUOTE,
    LINK_RELATIONS,
    UNATTRIBUTED,
    quote_marked,
)
from newsclaims.core.scheme import RELATION_ENDPOINTS, Scheme

_DOUBT = (KeyError, TypeError, ValueError, IndexError, AttributeError)


class ResultScreen:
    """The scheme's names as the sets the screen looks up, built once per scheme."""

    __slots__ = ("attribution", "choice_names", "choice_triples", "endpoints", "labels_of",
                 "link_kinds", "required", "text_name")

    def __init__(self, scheme: Scheme) -> None:
        self.text_name = scheme.text_name
        self.labels_of = {control: frozenset(labels) for control, labels in scheme.labels.items()}
        every_label = set().union(*self.labels_of.values())
        triples: set[tuple[str, str, str | None]] = set()
        for c in scheme.choices.values():
            # A per-region choice names a region of its label; any other may name anything.
            on = ({c.applies_to} if c.applies_to is not None else every_label) \
                if c.per_region else {*every_label, None}
            triples.update((c.name, value, label) for value in c.values for label in on)
        self.choice_triples = frozenset(triples)
        self.choice_names = tuple(scheme.choices)
        self.endpoints = {kind: RELATION_ENDPOINTS[kind] for kind in scheme.relations}
        self.link_kinds = tuple(LINK_RELATIONS.intersection(scheme.relations))
        # The rules ask a required choice only of regions with the label it applies to.
        self.required = tuple((c.name, c.applies_to) for c in scheme.choices.values()
                              if c.required and c.per_region and c.applies_to is not None)
        attribution = scheme.choices.get(ATTRIBUTION_CONTROL)
        self.attribution = ATTRIBUTION_CONTROL if attribution and attribution.per_region \
            else None  # the rules see only per-region choices

    def accepts(self, result: list[Any], text: str) -> bool:
        """True only when `check_result(result, text)` would report nothing."""
        return self.sizes(result, text) is not None

    def sizes(self, result: list[Any], text: str) -> tuple[int, int] | None:
        """(regions, relations) of a list `check_result` would report nothing in, counted
        on the way (the validation report counts them); None at the first doubt."""
        try:
            return self._sizes(result, text)
        except _DOUBT:
            return None

    def _sizes(self, result: list[Any], text: str) -> tuple[int, int] | None:
        label_of: dict[str, str] = {}
        claims: dict[str, tuple[int, int]] = {}
        choices: list[dict[str, Any]] = []
        relations: list[dict[str, Any]] = []
        if not self._regions(result, text, label_of, claims, choices, relations):
            return None
        chosen: dict[str, dict[str, str]] = {control: {} for control in self.choice_names}
        links: dict[str, set[str]] = {kind: set() for kind in self.endpoints}
        if (self._choices(choices, label_of, chosen)
                and self._relations(relations, label_of, links)
                and self._claims(text, claims, chosen[self.attribution] if self.attribution
                                 else {}, links)):
            return len(label_of), len(relations)
        return None

    def _regions(self, result: list[Any], text: str, label_of: dict[str, str],
                 claims: dict[str, tuple[int, int]], choices: list[dict[str, Any]],
                 relations: list[dict[str, Any]]) -> bool:
        """Every labels item: a usable span with one known label under a fresh id;
        choices and relations are kept for after (they refer to the regions)."""
        seen: set[tuple[int, int, str, str]] = set()
        length, text_name, labels_of = len(text), self.text_name, self.labels_of
        for item in result:
            kind = item["type"]
            if kind != "labels":
                if kind == "choices":
                    choices.append(item)
                elif kind == "relation":
                    relations.append(item)
                else:
                    return False
                continue
            value, region_id, control = item["value"], item["id"], item["from_name"]
            start, end, labels = value["start"], value["end"], value["labels"]
            (label,) = labels
            if (type(region_id) is not str or not (type(start) is type(end) is int)
                    or not region_id or type(labels) is not list or label not in labels_of[control]
                    or item["to_name"] != text_name or not 0 <= start < end <= length):
                return False
            span = text[start:end]
            # value.text, if there, is the span; no whitespace at either end of it (strip
            # and the rules' isspace agree on what whitespace is).
            if value.get("text", span) != span or span.strip() != span:
                return False
            seen.add((start, end, control, label))
            label_of[region_id] = label
            if label == CLAIM_LABEL:
                claims[region_id] = (start, end)
        # Fewer ids or spans than regions: an id used twice, or the same region twice.
        regions = len(result) - len(choices) - len(relations)
        return len(label_of) == regions and len(seen) == regions

    def _choices(self, items: list[dict[str, Any]], label_of: dict[str, str],
                 chosen: dict[str, dict[str, str]]) -> bool:
        """Every choice one value the scheme allows on the region it names, the required
        ones on every region they apply to; `chosen` gets control -> region id -> value
        (the last one, as in the rules)."""
        triples = self.choice_triples
        for item in items:
            region_id, control, values = item["id"], item["from_name"], item["value"]["choices"]
            (value,) = values
            if type(values) is not list or (control, value, label_of.get(region_id)) \
                    not in triples:
                return False
            chosen[control][region_id] = value
        if self.required:  # chosen names only regions of the right label: count them
            labels = list(label_of.values())
            for control, label in self.required:
                if len(chosen[control]) != labels.count(label):
                    return False
        return True

    def _relations(self, items: list[dict[str, Any]], label_of: dict[str, str],
                   links: dict[str, set[str]]) -> bool:
        """Every relation of one known type, going between regions of the labels it
        joins; `links` gets type -> the regions it goes from. (Label Studio can give a
        relation several types: the rules take them, the screen leaves them to them.)"""
        endpoints = self.endpoints
        for item in items:
            from_id, to_id, kinds = item["from_id"], item["to_id"], item["labels"]
            if item.get("direction") == "left":  # arrow flipped in the UI: to -> from
                from_id, to_id = to_id, from_id
            (kind,) = kinds
            want_from, want_to = endpoints[kind]
            if (type(kinds) is not list or label_of[from_id] != want_from
                    or label_of[to_id] != want_to):
                return False  # (a dangling id is a KeyError)
            links[kind].add(from_id)
        return True

    def _claims(self, text: str, claims: dict[str, tuple[int, int]],
                attribution_of: dict[str, str], links: dict[str, set[str]]) -> bool:
        """A claim's attribution agrees with its links and, for a direct quote, with the
        quotation marks around it."""
        sourced, link_kinds = links.get("source", ()), self.link_kinds
        for region_id, attribution in attribution_of.items():
            if region_id not in claims:
                continue
            if attribution == UNATTRIBUTED:
                if region_id in sourced:
                    return False
            elif not any(region_id in links[kind] for kind in link_kinds):
                return False
            if attribution == DIRECT_QUOTE and not quote_marked(text, *claims[region_id]):
                return False
        return True


_SCREENS: dict[int, tuple[Scheme, ResultScreen]] = {}


def screen_for(scheme: Scheme) -> ResultScreen:
    """The scheme's screen, built on first use (a scheme is not hashable: kept by id,
    with the scheme itself so the id cannot be reused while cached)."""
    cached = _SCREENS.get(id(scheme))
    if cached is None or cached[0] is not scheme:
        cached = _SCREENS[id(scheme)] = (scheme, ResultScreen(scheme))
    return cached[1]
