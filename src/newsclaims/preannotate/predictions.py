"""Rule-based pre-annotation: attribution (CLAIM, SOURCE, CUE with their choices and
relations) and entity suggestions, as Label Studio predictions that annotators correct.

    preannotate(article) -> {"article_id", "model_version", "score", "result": [...]}
    preannotate_articles(articles) -> list of those, in input order
    iter_predictions(articles) -> the same, one at a time (what the CLI writes)

Every result list is checked against label_config.xml before it is returned: known
valid by the way it was built (every region, choice and relation passes what
`check_result` checks, tracked while building), or else run through `check_result`. A
region that fails the check is a bug in a rule; it is dropped (with its choices and
relations) and reported as a warning naming the article and the rule, so one bad region
never stops a batch and never reaches Label Studio.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from newsclaims.core.articles import check_articles, read_jsonl
from newsclaims.core.atomic import atomic_open
from newsclaims.core.claim_rules import (
    ATTRIBUTION_CONTROL,
    CLAIM_LABEL,
    LINK_RELATIONS,
    UNATTRIBUTED,
)
from newsclaims.core.collector import collector_paused
from newsclaims.core.errors import NewsclaimsError, Problem, Severity
from newsclaims.core.result_rules import check_result
from newsclaims.core.scheme import RELATION_ENDPOINTS
from newsclaims.preannotate.attribution import Attribution, Region, find_attributions
from newsclaims.preannotate.entities import backend_name, find_entities
from newsclaims.preannotate.rules import MODEL_VERSION, Rules, load_rules
from newsclaims.preannotate.text import Doc
from newsclaims.preannotate.unattributed import unattributed_claims

if TYPE_CHECKING:
    from newsclaims.preannotate.tagger import TaggerModel

log = logging.getLogger(__name__)
_NO_LINKS: frozenset[str] = frozenset()


def model_version(version: str = MODEL_VERSION, model: TaggerModel | None = None) -> str:
    """The version stamped on predictions: the rule version (or the trained model's,
    which names the model file), plus the spaCy pipeline when one makes the entity
    suggestions (so the two are never confused)."""
    if model is not None:
        version = model.model_version
    backend = backend_name()
    return version if backend == "patterns" else f"{version}+{backend}"


class _Construction:
    """What `check_result` asks of a region, a choice and a relation, worked out once
    per rule version from the scheme, so that `_ResultBuilder` can tell while it builds
    whether its result is one that `check_result` would find no error in (it then
    skips that check, about a seventh of the rule path). Anything it does not know to
    be sound sends the result through `check_result` as before."""

    def __init__(self, rules: Rules) -> None:
        scheme = rules.scheme
        labels = scheme.all_labels
        # Region ids are "p<start>_<end>_<label in lower case>": unique per region only
        # while no two labels differ in case alone.
        self.ids_unique = len({label.lower() for label in labels}) == len(labels)
        per_region = [c for c in scheme.choices.values() if c.per_region]
        self.required: dict[str, frozenset[str]] = {
            label: frozenset(c.name for c in per_region if c.required and c.applies_to == label)
            for label in labels
        }
        # (control, label) -> the values a choice of that control may take on a region
        # of that label; absent when any such choice is an error.
        self.values: dict[tuple[str, str], frozenset[str]] = {
            (c.name, label): frozenset(c.values)
            for c in scheme.choices.values() for label in labels
            if not c.per_region or c.applies_to in (None, label)
        }
        self.counted = frozenset(c.name for c in per_region)  # choices a region "has"
        self.endpoints = {
            name: ends for name, ends in RELATION_ENDPOINTS.items() if name in scheme.relations
        }


_CONSTRUCTION: dict[int, tuple[Rules, _Construction]] = {}


def _construction(rules: Rules) -> _Construction:
    """Per `Rules` object (kept alive here, so its id is never reused)."""
    held = _CONSTRUCTION.get(id(rules))
    if held is None:
        held = _CONSTRUCTION[id(rules)] = (rules, _Construction(rules))
    return held[1]


class _ResultBuilder:
    """The result list of one article. Region ids are stable ("p<start>_<end>_<label>"):
    the same suggestion gets the same id on every run, and one article never has two
    regions with the same label and offsets."""

    def __init__(self, text: str, rules: Rules) -> None:
        self.text = text
        self.rules = rules
        self.scheme = rules.scheme
        self.text_name = rules.scheme.text_name
        self.control_of = rules.control_of_label
        self.known = _construction(rules)
        self.items: list[dict[str, Any]] = []
        self.ids: dict[tuple[str, int, int], str] = {}
        self.rule_of: dict[str, str] = {}  # region id -> the rule that made it
        self.label_of: dict[str, str] = {}  # region id -> its label
        # False once an item is not known to pass check_result (see _Construction).
        self.sound = self.known.ids_unique
        self.attribution_of: dict[str, str | None] = {}  # CLAIM id -> attribution_type
        self.linked: dict[str, set[str]] = {}  # CLAIM id -> relation names from it

    def region(
        self, label: str, start: int, end: int, score: float, rule: str,
        chosen: AbstractSet[str] = frozenset(),
    ) -> str:
        key = (label, start, end)
        rid = self.ids.get(key)
        if rid is not None:
            return rid
        rid = f"p{start}_{end}_{label.lower()}"
        text = self.text
        span = text[start:end]
        # check_result's errors for a span: not integers, negative, empty, past the
        # text's end, only whitespace; and a required choice the region has not got.
        if (type(start) is not int or type(end) is not int or not 0 <= start < end <= len(text)
                or span.isspace() or not self.known.required[label] <= chosen):
            self.sound = False
        self.ids[key] = rid
        self.rule_of[rid] = rule
        self.label_of[rid] = label
        self.items.append({
            "id": rid,
            "from_name": self.control_of[label],
            "to_name": self.text_name,
            "type": "labels",
            "value": {"start": start, "end": end, "text": span, "labels": [label]},
            "score": score,
        })
        return rid

    def attribution_region(self, region: Region, rule: str) -> str:
        label = self.rules.label[region.role]
        rid = self.ids.get((label, region.start, region.end))
        if rid is not None:
            return rid
        choices = region.choices
        rid = self.region(label, region.start, region.end, region.score, rule, choices.keys())
        span = self.items[-1]["value"]["text"]
        values, counted = self.known.values, self.known.counted
        for control, value_key in choices.items():
            value = self.rules.choice[control][value_key]
            if value not in values.get((control, label), ()):
                self.sound = False
            elif control == ATTRIBUTION_CONTROL and control in counted:
                self.attribution_of[rid] = value
            self.items.append({
                "id": rid,
                "from_name": control,
                "to_name": self.text_name,
                "type": "choices",
                "value": {
                    "start": region.start,
                    "end": region.end,
                    "text": span,
                    "choices": [value],
                },
            })
        if label == CLAIM_LABEL:
            self.attribution_of.setdefault(rid, None)
        return rid

    def relation(self, from_id: str, to_id: str, role: str) -> None:
        name = self.rules.relation_for[role]
        if self.known.endpoints.get(name) != (self.label_of[from_id], self.label_of[to_id]):
            self.sound = False
        else:
            self.linked.setdefault(from_id, set()).add(name)
        self.items.append({
            "from_id": from_id,
            "to_id": to_id,
            "type": "relation",
            "direction": "right",
            "labels": [name],
        })

    def attribution(self, found: Attribution) -> None:
        rule = f"cue:{found.rule}"
        claim = self.attribution_region(found.claim, rule)
        links = [("source", found.source, rule), ("cue", found.cue, rule)]
        links += [("cue", cue, "cue:framing") for cue in found.extra_cues]
        for role, region, made_by in links:
            if region is not None:
                self.relation(claim, self.attribution_region(region, made_by), role)

    def known_valid(self) -> bool:
        """True when check_result would find no error in the items: every item was
        sound when added, and every CLAIM's relations fit its attribution_type."""
        if not self.sound:
            return False
        linked = self.linked
        for rid, attribution in self.attribution_of.items():
            links = linked.get(rid, _NO_LINKS)
            if attribution == UNATTRIBUTED:
                if "source" in links:
                    return False
            elif attribution is not None and not links & LINK_RELATIONS:
                return False
        return True

    def drop_invalid(self, article_id: str | None) -> list[Problem]:
        """Drop every region `check_result` finds wrong, with its choices, its relations
        and the SOURCE/CUE regions left with no relation; one warning per dropped region.
        Raises NewsclaimsError for an error that names no region (a bug in this module)."""
        dropped: list[Problem] = []
        if self.known_valid():  # check_result would find no error (see _Construction)
            return dropped
        for _ in range(len(self.items) + 1):  # each pass drops at least one region
            errors = [
                p for p in check_result(self.items, self.text, scheme=self.scheme,
                                        article_id=article_id)
                if p.severity is Severity.ERROR
            ]
            if not errors:
                return dropped
            bad = {p.region_id for p in errors}
            if None in bad:
                raise NewsclaimsError(f"pre-annotation produced an invalid result: {errors[0]}")
            bad |= self._orphans(bad)
            self.items = [
                item for item in self.items
                if item.get("id") not in bad
                and item.get("from_id") not in bad and item.get("to_id") not in bad
            ]
            for problem in errors:
                if problem.region_id in self.rule_of:
                    rule = self.rule_of.pop(problem.region_id)
                    dropped.append(Problem(
                        Severity.WARNING, "prediction-region-dropped",
                        f"rule {rule} ({self.rules.model_version}) made an invalid region, "
                        f"left out with its relations: {problem.code}: {problem.message}",
                        article_id=article_id, region_id=problem.region_id,
                        extra={"rule": rule, "check": problem.code},
                    ))
        raise NewsclaimsError("pre-annotation could not repair its result")  # pragma: no cover

    def _orphans(self, bad: set[str | None]) -> set[str]:
        """SOURCE/CUE regions whose every relation touches a region in `bad`."""
        kept: set[str] = set()
        touched: set[str] = set()
        for item in self.items:
            if item["type"] == "relation":
                to = item["to_id"]
                (touched if item["from_id"] in bad else kept).add(to)
        return touched - kept - bad


def preannotate(
    article: dict[str, Any], *, version: str = MODEL_VERSION,
    problems: list[Problem] | None = None, model: TaggerModel | None = None,
) -> dict[str, Any]:
    """One prediction for `article` (needs `text`; `article_id` is carried over).
    With a trained `model` (`tagger.load_model`), it finds the attributions and its
    rules version the rest; `version` is then not used.

    A region that fails `check_result` is left out; the warning saying so goes to
    `problems` when given, else to the log (never silently)."""
    rules = load_rules(version) if model is None else model.rules
    text = article["text"]
    doc = Doc(text, rules.quote_re, rules.sentence_end_re)
    builder = _ResultBuilder(text, rules)
    triples, lone_cues = find_attributions(doc, rules), list[Region]()
    if model is not None:
        # Imported here: linking reads the BRAT importer's type rules (the ingest
        # package, ~0.05 CPU s of start-up) that only a trained model needs.
        from newsclaims.preannotate.linking import link

        triples, lone_cues = link(doc, model.tag(doc, triples), triples, rules)
    for found in triples:
        builder.attribution(found)
    for cue in lone_cues:
        builder.attribution_region(cue, "cue:tagger")
    for claim in unattributed_claims(doc, triples, rules):
        builder.attribution_region(claim, "unattributed")
    for entity in find_entities(doc, rules):
        builder.region(entity.label, entity.start, entity.end, 0.5, "entities")
    dropped = builder.drop_invalid(article.get("article_id"))
    if problems is not None:
        problems.extend(dropped)
    for problem in dropped if problems is None else ():
        log.warning("%s", problem)
    scores = [item["score"] for item in builder.items if "score" in item]
    return {
        "article_id": article.get("article_id"),
        "model_version": model_version(version, model),
        "score": round(sum(scores) / len(scores), 3) if scores else 0.0,
        "result": builder.items,
    }


def preannotate_articles(
    articles: Iterable[dict[str, Any]], *, version: str = MODEL_VERSION,
    problems: list[Problem] | None = None, model: TaggerModel | None = None,
) -> list[dict[str, Any]]:
    """Predictions for `articles`, in order (what `push` attaches to its tasks); the
    warnings about regions left out go to `problems` when given, else to the log."""
    with collector_paused():
        return list(iter_predictions(articles, version=version, problems=problems, model=model))


def iter_predictions(
    articles: Iterable[dict[str, Any]], *, version: str = MODEL_VERSION,
    problems: list[Problem] | None = None, model: TaggerModel | None = None,
) -> Iterator[dict[str, Any]]:
    """`preannotate_articles` one prediction at a time, so a caller that writes each
    as it comes holds none of them (the CLI: 1,000 articles held ~160 MB, and the
    page faults of that growth cost CPU). The collector is not paused here (a
    generator cannot tell when its caller stops); the CLI turns it off itself."""
    for article in articles:
        yield preannotate(article, version=version, problems=problems, model=model)


def read_articles(path: str | Path) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Task data of each good article in a JSONL file, and a problem per bad line
    (the same checks `push` makes). Raises NewsclaimsError only when the file cannot
    be read at all or holds no article."""
    articles, problems = check_articles(read_jsonl(path))
    if not articles and not problems:
        raise NewsclaimsError(f"{path}: no articles")
    return articles, problems


def write_predictions(path: str | Path, predictions: Iterable[dict[str, Any]]) -> int:
    """Write one prediction per line, atomically; returns how many were written."""
    count = 0
    with atomic_open(path, "wb") as fh:
        for prediction in predictions:
            fh.write(orjson.dumps(prediction, option=orjson.OPT_APPEND_NEWLINE))
            count += 1
    return count
