"""Fast acceptance of a result list that breaks no rule of `result_rules`.

Almost every result list a release or the pre-annotator checks is clean, and the full
rules spend most of their time building the state they need to word a problem. The
screen asks only "is every rule kept?", on the assumption that the list is well
formed (direct indexing, exact types, one label per region, unique region ids), and
says no at the first doubt: a missing key, an unexpected type, an id used twice, any
rule that would report, warnings included. `check_result` then runs the full rules,
so every problem is still found, worded and placed by them alone.
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

_NO_TEXT = object()  # value.text absent (None would be a wrong type)
_DOUBT = (KeyError, TypeError, ValueError, IndexError, AttributeError)


class ResultScreen:
    """The scheme's names as the lookups the screen needs, built once per scheme."""

    __slots__ = ("choice_of", "endpoints", "labels_of", "required_for", "text_name")

    def __init__(self, scheme: Scheme) -> None:
        self.text_name = scheme.text_name
        self.labels_of = {control: frozenset(labels) for control, labels in scheme.labels.items()}
        self.choice_of = {name: (frozenset(c.values), c.per_region, c.applies_to)
                          for name, c in scheme.choices.items()}
        self.endpoints = {kind: RELATION_ENDPOINTS[kind] for kind in scheme.relations}
        required: dict[str | None, list[str]] = {}
        for c in scheme.choices.values():
            if c.required and c.per_region:
                required.setdefault(c.applies_to, []).append(c.name)
        self.required_for = required

    def accepts(self, result: list[Any], text: str) -> bool:
        """True only when `check_result(result, text)` would report nothing."""
        try:
            return self._accepts(result, text)
        except _DOUBT:
            return False

    def _accepts(self, result: list[Any], text: str) -> bool:
        label_of: dict[str, str] = {}
        claims: dict[str, tuple[int, int]] = {}
        chosen: dict[tuple[str, str], str] = {}
        links: dict[str, set[str]] = {}
        later: list[dict[str, Any]] = []
        if not self._regions(result, text, label_of, claims, later):
            return False
        relations = []
        for item in later:
            if item["type"] == "choices":
                if not self._choice(item, label_of, chosen):
                    return False
            else:
                relations.append(item)
        for item in relations:
            if not self._relation(item, label_of, links):
                return False
        return self._region_rules(text, label_of, claims, chosen, links)

    def _regions(self, result: list[Any], text: str, label_of: dict[str, str],
                 claims: dict[str, tuple[int, int]], later: list[dict[str, Any]]) -> bool:
        """Every labels item: a usable span with one known label under a fresh id;
        choices and relations are kept for after (they refer to the regions)."""
        seen: set[tuple[str, str, int, int]] = set()
        length, text_name, labels_of = len(text), self.text_name, self.labels_of
        for item in result:
            kind = item["type"]
            if kind != "labels":
                if kind != "choices" and kind != "relation":
                    return False
                later.append(item)
                continue
            region_id, value, control = item["id"], item["value"], item["from_name"]
            start, end, (label,) = value["start"], value["end"], value["labels"]
            if (type(region_id) is not str or not region_id or region_id in label_of
                    or type(start) is not int or type(end) is not int
                    or type(label) is not str or type(value["labels"]) is not list
                    or label not in labels_of[control] or item["to_name"] != text_name
                    or not 0 <= start < end <= length):
                return False
            key = (control, label, start, end)
            span = text[start:end]
            expected = value.get("text", _NO_TEXT)
            if (key in seen or span[0].isspace() or span[-1].isspace()
                    or (expected is not _NO_TEXT and expected != span)):
                return False
            seen.add(key)
            label_of[region_id] = label
            if label == CLAIM_LABEL:
                claims[region_id] = (start, end)
        return True

    def _choice(self, item: dict[str, Any], label_of: dict[str, str],
                chosen: dict[tuple[str, str], str]) -> bool:
        control = item["from_name"]
        values, per_region, applies_to = self.choice_of[control]
        (value,) = item["value"]["choices"]
        if type(value) is not str or value not in values or type(item["value"]["choices"]) \
                is not list:
            return False
        if per_region:
            label = label_of.get(item["id"])
            if label is None or (applies_to is not None and applies_to != label):
                return False
            chosen[item["id"], control] = value
        return True

    def _relation(self, item: dict[str, Any], label_of: dict[str, str],
                  links: dict[str, set[str]]) -> bool:
        from_id, to_id, kinds = item["from_id"], item["to_id"], item["labels"]
        if type(from_id) is not str or type(to_id) is not str or type(kinds) is not list \
                or not kinds:
            return False
        if item.get("direction") == "left":
            from_id, to_id = to_id, from_id
        ends = (label_of.get(from_id), label_of.get(to_id))
        for kind in kinds:
            if type(kind) is not str or self.endpoints[kind] != ends:
                return False
            links.setdefault(from_id, set()).add(kind)
        return True

    def _region_rules(self, text: str, label_of: dict[str, str],
                      claims: dict[str, tuple[int, int]], chosen: dict[tuple[str, str], str],
                      links: dict[str, set[str]]) -> bool:
        """Required choices present; a claim's attribution agrees with its links and,
        for a direct quote, with the quotation marks around it."""
        required_for = self.required_for
        for region_id, label in label_of.items():
            for control in required_for.get(label, ()):
                if (region_id, control) not in chosen:
                    return False
            if label != CLAIM_LABEL:
                continue
            attribution = chosen.get((region_id, ATTRIBUTION_CONTROL))
            linked = links.get(region_id, ())
            if attribution == UNATTRIBUTED:
                if "source" in linked:
                    return False
            elif attribution is not None and not LINK_RELATIONS.intersection(linked):
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
