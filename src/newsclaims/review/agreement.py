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
`MIN_ARTICLES` articles or `MIN_UNITS` units come with a warning. This module reads
the annotations into per-annotator readings; `agreement_figures` compares them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from newsclaims.core.scheme import Scheme, load_scheme
from newsclaims.export.claims import claim_links
from newsclaims.export.result_rows import ParsedAnnotations, ParsedResult
from newsclaims.review.agreement_figures import Article, Reading, report_figures, token_domain
from newsclaims.review.agreement_tokens import Painted, Slot, TokenValues
from newsclaims.review.gold import (
    adjudication_prediction_ids,
    annotator_of,
    completed_annotations,
)


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
        self._articles: list[Article] = []
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
            self._articles.append(Article(task.get("id"), readings))
        else:
            seen["single_annotated" if readings else "unannotated"] += 1

    def report(self) -> dict[str, Any]:
        """Every figure, per label, attribute, layer and annotator pair."""
        self._token_values.flush()
        return report_figures(self._articles, self._seen, self.scheme)

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
                   {layer: token_domain(scheme, layer) for layer in scheme.labels})


def _read_task(task: dict[str, Any], scheme: Scheme, lookups: _Lookups,
               parsed: ParsedAnnotations | None,
               token_values: TokenValues) -> tuple[dict[str, Reading], int, int]:
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
        return {who: Reading(a.get("id")) for who, a in latest.items()}, repeats, adjudications
    parse = parsed or ParsedAnnotations(text, scheme)
    readings: dict[str, Reading] = {}
    slots: list[Slot] = []
    for who, annotation in latest.items():
        reading, of_layer = _reading(annotation, parse(annotation), lookups)
        readings[who] = reading
        slots += ((reading.token_values, layer, spans) for layer, spans in of_layer.items())
    token_values.add(text, slots)
    return readings, repeats, adjudications


def _reading(annotation: dict[str, Any], parsed: ParsedResult,
             lookups: _Lookups) -> tuple[Reading, dict[str, list[Painted]]]:
    """The reading, and per layer its spans with their token value (`_token_domain`)."""
    reading = Reading(annotation.get("id"))
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
