"""Rule-based pre-annotation: attribution (CLAIM, SOURCE, CUE with their choices and
relations) and entity suggestions, as Label Studio predictions that annotators correct.

    preannotate(article) -> {"article_id", "model_version", "score", "result": [...]}
    preannotate_articles(articles) -> list of those, in input order

Every result list is checked against label_config.xml before it is returned, so a
prediction that Label Studio would show wrongly is a bug here, never a file written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from newsclaims.core.articles import check_articles, read_jsonl
from newsclaims.core.atomic import atomic_open
from newsclaims.core.errors import NewsclaimsError, Problem
from newsclaims.preannotate.attribution import Attribution, Region, find_attributions
from newsclaims.preannotate.check import result_errors
from newsclaims.preannotate.entities import backend_name, find_entities
from newsclaims.preannotate.rules import MODEL_VERSION, Rules, load_rules
from newsclaims.preannotate.text import Doc
from newsclaims.preannotate.unattributed import unattributed_claims


def model_version(version: str = MODEL_VERSION) -> str:
    """The version stamped on predictions: the rule version, plus the spaCy pipeline
    when one makes the entity suggestions (so the two are never confused)."""
    backend = backend_name()
    return version if backend == "patterns" else f"{version}+{backend}"


def _region_id(label: str, start: int, end: int) -> str:
    """Stable region id: the same suggestion gets the same id on every run, and one
    article never has two regions with the same label and offsets."""
    return f"p{start}_{end}_{label.lower()}"


class _ResultBuilder:
    def __init__(self, text: str, rules: Rules) -> None:
        self.text = text
        self.rules = rules
        self.scheme = rules.scheme
        self.control_of = rules.control_of_label
        self.items: list[dict[str, Any]] = []
        self.ids: dict[tuple[str, int, int], str] = {}

    def region(self, label: str, start: int, end: int, score: float) -> str:
        key = (label, start, end)
        if key in self.ids:
            return self.ids[key]
        rid = _region_id(label, start, end)
        self.ids[key] = rid
        self.items.append({
            "id": rid,
            "from_name": self.control_of[label],
            "to_name": self.scheme.text_name,
            "type": "labels",
            "value": {"start": start, "end": end, "text": self.text[start:end], "labels": [label]},
            "score": score,
        })
        return rid

    def attribution_region(self, region: Region) -> str:
        label = self.rules.label[region.role]
        key = (label, region.start, region.end)
        if key in self.ids:
            return self.ids[key]
        rid = self.region(label, region.start, region.end, region.score)
        for control, value_key in region.choices.items():
            self.items.append({
                "id": rid,
                "from_name": control,
                "to_name": self.scheme.text_name,
                "type": "choices",
                "value": {
                    "start": region.start,
                    "end": region.end,
                    "text": self.text[region.start:region.end],
                    "choices": [self.rules.choice[control][value_key]],
                },
            })
        return rid

    def relation(self, from_id: str, to_id: str, role: str) -> None:
        self.items.append({
            "from_id": from_id,
            "to_id": to_id,
            "type": "relation",
            "direction": "right",
            "labels": [self.rules.relation_for[role]],
        })

    def attribution(self, found: Attribution) -> None:
        claim = self.attribution_region(found.claim)
        links = [("source", found.source), ("cue", found.cue)]
        links += [("cue", cue) for cue in found.extra_cues]
        for role, region in links:
            if region is not None:
                self.relation(claim, self.attribution_region(region), role)


def preannotate(article: dict[str, Any], *, version: str = MODEL_VERSION) -> dict[str, Any]:
    """One prediction for `article` (needs `text`; `article_id` is carried over)."""
    rules = load_rules(version)
    text = article["text"]
    doc = Doc(text)
    builder = _ResultBuilder(text, rules)
    triples = find_attributions(doc, rules)
    for found in triples:
        builder.attribution(found)
    for claim in unattributed_claims(doc, triples, rules):
        builder.attribution_region(claim)
    for entity in find_entities(doc, rules):
        builder.region(entity.label, entity.start, entity.end, 0.5)
    problems = result_errors(builder.items, text, rules.scheme, article.get("article_id"))
    if problems:
        raise NewsclaimsError(
            f"article {article.get('article_id')}: pre-annotation produced an invalid "
            f"result (a bug in the rules): {problems[0]}"
        )
    scores = [item["score"] for item in builder.items if "score" in item]
    return {
        "article_id": article.get("article_id"),
        "model_version": model_version(version),
        "score": round(sum(scores) / len(scores), 3) if scores else 0.0,
        "result": builder.items,
    }


def preannotate_articles(
    articles: Iterable[dict[str, Any]], *, version: str = MODEL_VERSION
) -> list[dict[str, Any]]:
    """Predictions for `articles`, in order (what `push` attaches to its tasks)."""
    return [preannotate(article, version=version) for article in articles]


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
    with atomic_open(path, "w") as fh:
        for prediction in predictions:
            fh.write(json.dumps(prediction, ensure_ascii=False) + "\n")
            count += 1
    return count
