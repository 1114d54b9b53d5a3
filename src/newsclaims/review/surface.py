"""Gold annotations written by surface text, turned into Label Studio results.

People review "CLAIM: 'The operation ... leadership.'" far better than
"CLAIM 412-530", so gold files name each span by the words it covers and this
module finds the offsets. A YAML gold file looks like:

    article_id: 4af2a8db3149b02d        # optional; checked against the text
    meta: {title: ..., tags: [...]}     # optional; the task's other data fields, not checked here
    spans:
      - {id: c1, label: CLAIM, text: "The United States is poised ...",
         attribution_type: INDIRECT, certainty: HEDGED}
      - {id: s1, label: SOURCE, text: "sources familiar with ...", source_type: ANONYMOUS}
      - {id: e1, label: PERSON, text: "Nicolás Maduro", occurrence: 1}
    relations:
      - {from: c1, to: s1, type: source}

A span's `text` must occur in the article as whole words (a match never starts
or ends inside a word, so "Venezuela" does not match inside "Venezuelan").
When it occurs more than once, `occurrence: N` (1-based) or `after: <span id>`
(the first match starting at or after that span's start; with `occurrence`,
the N-th such match) says which. Every name is checked against label_config.xml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.ids import article_id as compute_article_id
from newsclaims.core.reading import read_text
from newsclaims.core.schemas import describe, load_schema
from newsclaims.core.schemas import errors as schema_errors
from newsclaims.core.scheme import RELATION_ENDPOINTS, Scheme, load_scheme

# Fixed so that fixtures built from gold files are byte-for-byte deterministic.
FIXED_TIMESTAMP = "2026-01-01T00:00:00.000000Z"

_SPAN_KEYS = {"id", "label", "text", "occurrence", "after"}
_RELATION_KEYS = {"from", "to", "type"}


def load_surface_gold(path: str | Path) -> dict[str, Any]:
    """Read and check a gold YAML file; the returned dict remembers its `path`."""
    path = Path(path)
    raw = read_text(path, "gold file")
    try:
        gold = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise NewsclaimsError(f"{path}: not valid YAML: {_one_line(exc)}") from exc
    if not isinstance(gold, dict):
        raise NewsclaimsError(f"{path}: a gold file is a mapping with `spans` and `relations`")
    gold = {**gold, "path": str(path)}
    check_gold(gold)
    return gold


def check_gold(gold: dict[str, Any], scheme: Scheme | None = None) -> None:
    """Check every name in `gold` against the scheme (offsets are checked by `to_result`)."""
    scheme = scheme or load_scheme()
    where = gold.get("path", "<gold>")
    unknown_keys = set(gold) - {"article_id", "meta", "spans", "relations", "path"}
    if unknown_keys:
        raise NewsclaimsError(f"{where}: unknown top-level keys {sorted(unknown_keys)}")
    if not isinstance(gold.get("meta", {}), dict):
        raise NewsclaimsError(f"{where}: `meta` (the task's other data fields) must be a mapping")
    spans = gold.get("spans")
    relations = gold.get("relations", []) or []
    if not isinstance(spans, list) or not isinstance(relations, list):
        raise NewsclaimsError(f"{where}: `spans` (and `relations`, if given) must be lists")
    labels: dict[str, str] = {}
    for index, span in enumerate(spans, start=1):
        span_id = _check_span(span, index, where, scheme)
        if span_id in labels:
            raise NewsclaimsError(f"{where}: span {span_id}: duplicate span id")
        labels[span_id] = span["label"]
    for span in spans:
        anchor = span.get("after")
        if anchor is not None and anchor not in labels:
            raise NewsclaimsError(f"{where}: span {span['id']}: `after: {anchor}` names no span")
    seen: set[tuple[str, str, str]] = set()
    for index, relation in enumerate(relations, start=1):
        key = _check_relation(relation, index, where, scheme, labels)
        if key in seen:
            raise NewsclaimsError(f"{where}: relation {index} ({key[0]} -> {key[1]}): duplicate")
        seen.add(key)


def _check_span(span: Any, index: int, where: str, scheme: Scheme) -> str:
    if not isinstance(span, dict) or not isinstance(span.get("id"), str) or not span["id"]:
        raise NewsclaimsError(f"{where}: span #{index}: needs a string `id`")
    span_id = span["id"]
    label = span.get("label")
    if label not in scheme.control_of_label:
        raise NewsclaimsError(
            f"{where}: span {span_id}: unknown label {label!r}; "
            f"known: {', '.join(scheme.all_labels)}"
        )
    text = span.get("text")
    if not isinstance(text, str) or not text.strip():
        raise NewsclaimsError(f"{where}: span {span_id}: `text` must be a non-empty string")
    if text != text.strip():
        raise NewsclaimsError(f"{where}: span {span_id}: `text` starts or ends with whitespace")
    occurrence = span.get("occurrence")
    if occurrence is not None and (
        isinstance(occurrence, bool) or not isinstance(occurrence, int) or occurrence < 1
    ):
        raise NewsclaimsError(f"{where}: span {span_id}: `occurrence` must be an integer >= 1")
    allowed = {c.name: c for c in scheme.choices_for_label(label)}
    for key, value in span.items():
        if key in _SPAN_KEYS:
            continue
        if key not in scheme.choices:
            raise NewsclaimsError(f"{where}: span {span_id}: unknown key {key!r}")
        if key not in allowed:
            raise NewsclaimsError(
                f"{where}: span {span_id}: choice {key!r} does not apply to {label} "
                f"(applies to {scheme.choices[key].applies_to})"
            )
        if value not in allowed[key].values:
            raise NewsclaimsError(
                f"{where}: span {span_id}: {key} {value!r} is not one of "
                f"{', '.join(allowed[key].values)}"
            )
    for name, control in allowed.items():
        if control.required and name not in span:
            raise NewsclaimsError(f"{where}: span {span_id}: {label} needs `{name}`")
    return span_id


def _check_relation(
    relation: Any, index: int, where: str, scheme: Scheme, labels: dict[str, str]
) -> tuple[str, str, str]:
    if not isinstance(relation, dict) or set(relation) != _RELATION_KEYS:
        raise NewsclaimsError(f"{where}: relation #{index}: needs exactly `from`, `to`, `type`")
    source, target, kind = relation["from"], relation["to"], relation["type"]
    name = f"relation #{index} ({source} -> {target})"
    if kind not in scheme.relations:
        raise NewsclaimsError(
            f"{where}: {name}: unknown type {kind!r}; known: {', '.join(scheme.relations)}"
        )
    for end in (source, target):
        if end not in labels:
            raise NewsclaimsError(f"{where}: {name}: span {end!r} is not defined")
    expected = RELATION_ENDPOINTS[kind]
    if (labels[source], labels[target]) != expected:
        raise NewsclaimsError(
            f"{where}: {name}: a {kind} relation joins {expected[0]} -> {expected[1]}, "
            f"not {labels[source]} -> {labels[target]}"
        )
    return source, target, kind


def locate(gold: dict[str, Any], text: str) -> dict[str, tuple[int, int]]:
    """Offsets (start, end exclusive, code points) of every span of `gold` in `text`."""
    where = gold.get("path", "<gold>")
    spans = {span["id"]: span for span in gold["spans"]}
    found: dict[str, tuple[int, int]] = {}
    resolving: list[str] = []

    def resolve(span_id: str) -> tuple[int, int]:
        if span_id in found:
            return found[span_id]
        if span_id in resolving:
            cycle = " -> ".join([*resolving, span_id])
            raise NewsclaimsError(f"{where}: span {span_id}: `after` forms a cycle: {cycle}")
        resolving.append(span_id)
        span = spans[span_id]
        starts = _word_matches(text, span["text"])
        anchor = span.get("after")
        if anchor is not None:
            anchor_start = resolve(anchor)[0]
            starts = [s for s in starts if s >= anchor_start]
        if not starts:
            extra = f" at or after span {anchor}" if anchor is not None else ""
            raise NewsclaimsError(
                f"{where}: span {span_id}: text {_short(span['text'])} not found{extra} "
                "as whole words in the article"
            )
        occurrence = span.get("occurrence")
        if occurrence is None and anchor is None and len(starts) > 1:
            raise NewsclaimsError(
                f"{where}: span {span_id}: text {_short(span['text'])} occurs {len(starts)} "
                f"times (starts {', '.join(map(str, starts))}); add `occurrence: N` or `after:`"
            )
        index = (occurrence or 1) - 1
        if index >= len(starts):
            raise NewsclaimsError(
                f"{where}: span {span_id}: occurrence {occurrence} asked, text occurs only "
                f"{len(starts)} time(s) (starts {', '.join(map(str, starts))})"
            )
        start = starts[index]
        found[span_id] = (start, start + len(span["text"]))
        resolving.pop()
        return found[span_id]

    for span_id in spans:
        resolve(span_id)
    return found


def _word_matches(text: str, needle: str) -> list[int]:
    """Start offsets of `needle` in `text` that begin and end on word boundaries."""
    starts = []
    position = text.find(needle)
    while position != -1:
        end = position + len(needle)
        cut_before = position > 0 and needle[0].isalnum() and text[position - 1].isalnum()
        cut_after = end < len(text) and needle[-1].isalnum() and text[end].isalnum()
        if not (cut_before or cut_after):
            starts.append(position)
        position = text.find(needle, position + 1)
    return starts


def to_result(
    gold: dict[str, Any], text: str, *, scheme: Scheme | None = None
) -> list[dict[str, Any]]:
    """Native Label Studio result items for `gold` on `text` (labels, choices, relations)."""
    scheme = scheme or load_scheme()
    check_gold(gold, scheme)
    where = gold.get("path", "<gold>")
    expected_id = gold.get("article_id")
    if expected_id is not None and str(expected_id) != compute_article_id(text):
        raise NewsclaimsError(
            f"{where}: article_id {expected_id} does not match the text "
            f"(its id is {compute_article_id(text)})"
        )
    offsets = locate(gold, text)
    result: list[dict[str, Any]] = []
    for span in gold["spans"]:
        start, end = offsets[span["id"]]
        region = {"start": start, "end": end, "text": text[start:end]}
        label = span["label"]
        result.append({
            "id": span["id"],
            "from_name": scheme.control_of_label[label],
            "to_name": scheme.text_name,
            "type": "labels",
            "value": {**region, "labels": [label]},
            "origin": "manual",
        })
        for control in scheme.choices_for_label(label):
            if control.name in span:
                result.append({
                    "id": span["id"],
                    "from_name": control.name,
                    "to_name": scheme.text_name,
                    "type": "choices",
                    "value": {**region, "choices": [span[control.name]]},
                    "origin": "manual",
                })
    for relation in gold.get("relations", []) or []:
        result.append({
            "from_id": relation["from"],
            "to_id": relation["to"],
            "type": "relation",
            "direction": "right",
            "labels": [relation["type"]],
        })
    return result


def to_export_task(
    article: dict[str, Any],
    result: list[dict[str, Any]],
    *,
    task_id: int,
    annotation_id: int,
    completed_by: int | dict[str, Any] = 1,
) -> dict[str, Any]:
    """One task shaped like Label Studio's native JSON export, with fixed timestamps."""
    fields = load_schema("task")["$defs"]["fields"]["properties"]
    data = {name: article[name] for name in fields if name in article}
    if "article_id" not in data and isinstance(data.get("text"), str):
        data["article_id"] = compute_article_id(data["text"])
    problems = [describe(error) for error in schema_errors("task", data)]
    if problems:
        raise NewsclaimsError(f"task {task_id}: data is not valid task data: {problems[0]}")
    return {
        "id": task_id,
        "data": data,
        "annotations": [{
            "id": annotation_id,
            "completed_by": completed_by,
            "result": result,
            "was_cancelled": False,
            "ground_truth": False,
            "created_at": FIXED_TIMESTAMP,
            "updated_at": FIXED_TIMESTAMP,
            "lead_time": 0.0,
            "task": task_id,
        }],
        "predictions": [],
        "meta": {},
        "created_at": FIXED_TIMESTAMP,
        "updated_at": FIXED_TIMESTAMP,
    }


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
