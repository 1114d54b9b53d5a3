"""Native Label Studio export → canonical records (their contract: schemas/record-*.schema.json).

`parse_result` turns one annotation's (or prediction's) `result` list into span and
relation rows; `claims.claims_from` folds them into one row per CLAIM; `convert` does that
for every task of an export (`convert_task` for one) and adds articles and annotation
provenance. Annotators leave this module only as salted pseudonyms of their user id.

Conversion does not judge the data (that is `newsclaims.export.validate`); it reports, as
problems, every result item it could not turn into a row, so nothing is dropped
silently. Offsets are code points into `data.text`; a span's text is taken from
`data.text`, with surrounding whitespace trimmed and `trimmed` set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsclaims.core.errors import NewsclaimsError, Problem, Severity
from newsclaims.core.ids import article_id as compute_article_id
from newsclaims.core.ids import pseudonym
from newsclaims.core.scheme import RELATION_ENDPOINTS, Scheme, load_scheme
from newsclaims.export.claims import claims_from
from newsclaims.export.reader import iter_tasks

ARTICLE_FIELDS = ("title", "source", "url", "published", "tags", "language")


@dataclass(slots=True)
class ParsedResult:
    spans: list[dict[str, Any]]
    relations: list[dict[str, Any]]
    problems: list[Problem]


class ParsedAnnotations:
    """`parse_result` of each annotation of one task, computed once: the gold majority
    merge and the agreement readings both parse every annotation of a multi-annotated
    task, and a release runs both. Keyed by the annotation object (held here, so its
    id stays its own); callers only read what comes back."""

    def __init__(self, text: str, scheme: Scheme) -> None:
        self.text, self.scheme = text, scheme
        self._parsed: dict[int, tuple[dict[str, Any], ParsedResult]] = {}

    def __call__(self, annotation: dict[str, Any]) -> ParsedResult:
        entry = self._parsed.get(id(annotation))
        if entry is None:
            entry = (annotation, parse_result(annotation.get("result") or [], self.text,
                                              scheme=self.scheme))
            self._parsed[id(annotation)] = entry
        return entry[1]


@dataclass(slots=True)
class Records:
    articles: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _problem(code: str, message: str, region_id: Any = None, **extra: Any) -> Problem:
    return Problem(
        Severity.ERROR,
        code,
        message,
        region_id=None if region_id is None else str(region_id),
        extra=extra,
    )


def parse_result(result: object, text: str, *, scheme: Scheme | None = None) -> ParsedResult:
    """Span and relation rows of one `result` list; pure (no I/O beyond the cached scheme).

    Per-region choices (separate result items reusing their region's id) are folded
    into the span of the label they apply to. Items that cannot become a row are
    skipped and reported as error problems carrying the region id.
    """
    scheme = scheme or load_scheme()
    choice_columns = tuple(scheme.choices)
    problems: list[Problem] = []
    spans: list[dict[str, Any]] = []
    spans_of_region: dict[str, list[dict[str, Any]]] = {}
    choice_items: list[dict[str, Any]] = []
    relation_items: list[dict[str, Any]] = []
    if not isinstance(result, list):
        return ParsedResult([], [], [_problem("result-invalid", "result is not a list")])

    for item in result:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "labels":
            span = _span(item, text, choice_columns, problems)
            if span is not None:
                spans.append(span)
                spans_of_region.setdefault(span["region_id"], []).append(span)
        elif kind == "choices":
            choice_items.append(item)
        elif kind == "relation":
            relation_items.append(item)
        else:
            region = item.get("id") if isinstance(item, dict) else None
            problems.append(
                _problem(
                    "result-item-invalid",
                    f"result item of type {kind!r} is not a labels, choices or relation item",
                    region,
                )
            )

    for item in choice_items:
        _fold_choice(item, spans_of_region, scheme, problems)
    relations = [
        row for item in relation_items for row in _relations(item, spans_of_region, problems)
    ]
    return ParsedResult(spans, relations, problems)


def _span(
    item: dict[str, Any], text: str, choice_columns: tuple[str, ...], problems: list[Problem]
) -> dict[str, Any] | None:
    region_id: Any = item.get("id")
    value: Any = item.get("value")
    raw = _plain_slice(region_id, value, text)
    if raw is None:
        raw = _checked_slice(region_id, value, text, problems)
        if raw is None:
            return None
    stripped = raw.strip()
    if len(stripped) == len(raw):  # nothing to trim, as nearly always
        start = value["start"]
    elif stripped:
        start = value["start"] + len(raw) - len(raw.lstrip())
    else:
        problems.append(_problem("span-blank", "span is only whitespace", region_id))
        return None
    return span_row(region_id, item.get("from_name"), value["labels"][0], start, stripped,
                    trimmed=len(stripped) != len(raw), choice_columns=choice_columns)


def _plain_slice(region_id: Any, value: Any, text: str) -> str | None:
    """`text[start:end]` of a labels item that plainly passes every check of
    `_checked_slice` (exact types, offsets inside the text, its `text` the slice), else
    None: nearly every item is plain, and the full checks were most of a span's cost."""
    if type(value) is not dict or type(region_id) is not str or not region_id:
        return None
    start, end, labels = value.get("start"), value.get("end"), value.get("labels")
    if (type(start) is not int or type(end) is not int or not 0 <= start < end <= len(text)
            or type(labels) is not list or len(labels) != 1 or type(labels[0]) is not str):
        return None
    raw = text[start:end]
    quoted = value.get("text", raw)
    return raw if type(quoted) is str and quoted == raw else None


def _checked_slice(region_id: Any, value: Any, text: str,
                   problems: list[Problem]) -> str | None:
    """`text[start:end]` of a labels item, its problems reported: None when it cannot
    be a span (`_unusable_span`), a note when its `text` differs from the slice."""
    unusable = _unusable_span(region_id, value, text)
    if unusable is not None:
        problems.append(unusable)
        return None
    start, end = value["start"], value["end"]
    raw: str = text[start:end]
    if "text" in value and value["text"] != raw:
        problems.append(
            _problem(
                "text-mismatch",
                f"value.text {_short(value['text'])} != text[{start}:{end}] {_short(raw)}",
                region_id,
            )
        )
    return raw


def span_row(region_id: Any, layer: Any, label: Any, start: int, text: str, *, trimmed: bool,
             choice_columns: Iterable[str]) -> dict[str, Any]:
    """One span row as `parse_result` makes it (choices unset); the gold merge builds
    its rows with it too."""
    row = {"region_id": region_id, "layer": layer, "label": label, "start": start,
           "end": start + len(text), "text": text, "trimmed": trimmed}
    for column in choice_columns:  # cheaper than merging a dict.fromkeys
        row[column] = None
    return row


def relation_row(from_id: Any, to_id: Any, kind: str, from_label: Any,
                 to_label: Any) -> dict[str, Any]:
    """One relation row as `parse_result` makes it; the gold merge builds its rows with
    it too."""
    return {"from_id": from_id, "to_id": to_id, "type": kind, "from_label": from_label,
            "to_label": to_label}


def _unusable_span(region_id: Any, value: Any, text: str) -> Problem | None:
    """Why a labels item cannot become a span row (the first reason), or None: it needs
    an id, integer offsets inside the text with start < end, and exactly one label."""
    if not isinstance(region_id, str) or not region_id or not isinstance(value, dict):
        return _problem("result-item-invalid", "labels item without an id or value", region_id)
    start, end, labels = value.get("start"), value.get("end"), value.get("labels")
    if type(start) is not int or type(end) is not int:
        return _problem("result-item-invalid", "labels item without integer start/end",
                        region_id)
    if not isinstance(labels, list) or len(labels) != 1 or not isinstance(labels[0], str):
        return _problem("label-count", f"region must carry exactly one label, has {labels!r}",
                        region_id)
    if start < 0 or end > len(text):
        return _problem("offset-out-of-range",
                        f"span {start}..{end} is outside the text (length {len(text)})",
                        region_id)
    if start >= end:
        return _problem("span-empty", f"start {start} >= end {end}", region_id)
    return None


def _fold_choice(
    item: dict[str, Any],
    spans_of_region: dict[str, list[dict[str, Any]]],
    scheme: Scheme,
    problems: list[Problem],
) -> None:
    region_id, control = item.get("id"), item.get("from_name")
    choice = scheme.choices.get(control) if isinstance(control, str) else None
    if choice is None or not choice.per_region or not isinstance(control, str):
        problems.append(
            _problem("control-unknown", f"{control!r} is not a per-region choice", region_id)
        )
        return
    value = item.get("value")
    values = value.get("choices") if isinstance(value, dict) else None
    if not isinstance(values, list) or len(values) != 1 or not isinstance(values[0], str):
        problems.append(
            _problem("choice-count", f"{control} must have exactly one value, has {values!r}",
                     region_id)
        )
        return
    rows = spans_of_region.get(region_id) if isinstance(region_id, str) else None
    if not rows:
        problems.append(
            _problem("choice-orphan", f"{control} choice has no region with id {region_id!r}",
                     region_id)
        )
        return
    targets = [row for row in rows if choice.applies_to in (None, row["label"])]
    if not targets:
        labels = ", ".join(row["label"] for row in rows)
        problems.append(
            _problem(
                "choice-wrong-label",
                f"{control} applies to {choice.applies_to}, region is {labels}",
                region_id,
            )
        )
        return
    for row in targets:
        row[control] = values[0]


def _relations(
    item: dict[str, Any],
    spans_of_region: dict[str, list[dict[str, Any]]],
    problems: list[Problem],
) -> list[dict[str, Any]]:
    from_id, to_id = item.get("from_id"), item.get("to_id")
    if item.get("direction") == "left":  # the arrow was flipped in the UI: to → from
        from_id, to_id = to_id, from_id
    where = f"{from_id}->{to_id}"
    labels = item.get("labels")
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
        problems.append(_problem("relation-untyped", f"relation {where} has no type", from_id))
        return []
    sources = spans_of_region.get(from_id) if isinstance(from_id, str) else None
    targets = spans_of_region.get(to_id) if isinstance(to_id, str) else None
    if not sources or not targets:
        missing = from_id if not sources else to_id
        problems.append(
            _problem(
                "relation-dangling",
                f"relation {where} refers to {missing!r}, not a region of this annotation",
                from_id,
            )
        )
        return []
    rows = []
    for kind in labels:
        want_from, want_to = RELATION_ENDPOINTS.get(kind, (None, None))
        rows.append(relation_row(from_id, to_id, kind, _endpoint_label(sources, want_from),
                                 _endpoint_label(targets, want_to)))
    return rows


def _endpoint_label(rows: list[dict[str, Any]], wanted: str | None) -> str:
    """The region's label that the relation rule expects, else its first label."""
    for row in rows:
        if row["label"] == wanted:
            return row["label"]
    return rows[0]["label"]


def annotator_pseudonym(completed_by: Any, salt: str) -> str | None:
    """Pseudonym of the annotating user's id; `completed_by` is an id or a user object."""
    user_id = completed_by.get("id") if isinstance(completed_by, dict) else completed_by
    if user_id is None or isinstance(user_id, (dict, list, bool)):
        return None
    return pseudonym(str(user_id), salt)


def convert(
    tasks: Iterable[dict[str, Any]] | str | Path, *, salt: str, scheme: Scheme | None = None
) -> Records:
    """Canonical records for every task of an export (tasks, or the path of an export)."""
    _check_salt(salt)
    scheme = scheme or load_scheme()
    if isinstance(tasks, (str, Path)):
        tasks = iter_tasks(tasks)
    records = Records()
    for task in tasks:
        _convert_task(task, salt, scheme, records)
    return records


def convert_task(task: dict[str, Any], *, salt: str, scheme: Scheme | None = None,
                 regions: bool = True) -> Records:
    """Canonical records of one task: no article when the task has no text, else one.

    With `regions=False` only the article and annotation rows are made (their
    `n_regions` and `n_relations` left None): a release flattens the regions of a
    validated export in DuckDB (`newsclaims.release.columnar`) instead.
    """
    _check_salt(salt)
    records = Records()
    _convert_task(task, salt, scheme or load_scheme(), records, regions=regions)
    return records


def _check_salt(salt: str) -> None:
    if not salt:
        raise NewsclaimsError("converting needs a non-empty pseudonym salt (from configuration)")


def _convert_task(task: dict[str, Any], salt: str, scheme: Scheme, records: Records, *,
                  regions: bool = True) -> None:
    task_id = task.get("id")
    data = task.get("data")
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(text, str):
        records.problems.append(
            Problem(Severity.ERROR, "task-no-text", "task has no data.text; skipped",
                    task_id=task_id)
        )
        return
    article = data.get("article_id") or compute_article_id(text)
    records.articles.append(
        {
            "article_id": article,
            "task_id": task_id,
            **{name: data.get(name) for name in ARTICLE_FIELDS},
            "text": text,
        }
    )
    if records.articles[-1]["tags"] is None:
        records.articles[-1]["tags"] = []
    annotations = task.get("annotations") or []
    for annotation in annotations:
        if not isinstance(annotation, dict):
            records.problems.append(
                Problem(Severity.ERROR, "annotation-invalid", "annotation is not an object",
                        task_id=task_id, article_id=article)
            )
            continue
        annotation_id = annotation.get("id")
        if annotation.get("was_cancelled"):
            records.problems.append(
                Problem(Severity.INFO, "annotation-cancelled",
                        "cancelled (skipped) annotation left out",
                        task_id=task_id, article_id=article, annotation_id=annotation_id)
            )
            continue
        _convert_annotation(annotation, task_id, article, text, salt, scheme, records,
                            regions=regions)


def _convert_annotation(
    annotation: dict[str, Any],
    task_id: Any,
    article: str,
    text: str,
    salt: str,
    scheme: Scheme,
    records: Records,
    *,
    regions: bool = True,
) -> None:
    annotation_id = annotation.get("id")
    annotator = annotator_pseudonym(annotation.get("completed_by"), salt)
    if not regions:
        records.annotations.append(_annotation_row(annotation, task_id, article, annotator))
        return
    parsed = parse_result(annotation.get("result") or [], text, scheme=scheme)
    place = {"article_id": article, "annotation_id": annotation_id, "annotator": annotator}
    records.problems.extend(
        dataclasses.replace(p, task_id=task_id, article_id=article, annotation_id=annotation_id)
        for p in parsed.problems
    )
    records.annotations.append({
        **_annotation_row(annotation, task_id, article, annotator),
        "n_regions": len({s["region_id"] for s in parsed.spans}),
        "n_relations": len(parsed.relations),
    })
    records.spans.extend({**place, **span} for span in parsed.spans)
    records.relations.extend({**place, **rel} for rel in parsed.relations)
    claims = claims_from(parsed.spans, parsed.relations)
    records.claims.extend({**place, **claim} for claim in claims)


def _annotation_row(annotation: dict[str, Any], task_id: Any, article: str,
                    annotator: str | None) -> dict[str, Any]:
    """An annotation's provenance row, its region and relation counts left None."""
    return {
        "annotation_id": annotation.get("id"),
        "task_id": task_id,
        "article_id": article,
        "annotator": annotator,
        "created_at": annotation.get("created_at"),
        "updated_at": annotation.get("updated_at"),
        "lead_time": annotation.get("lead_time"),
        "ground_truth": bool(annotation.get("ground_truth")),
        "n_regions": None,
        "n_relations": None,
    }


def layer_spans(result: Any, text: str, layer: str) -> list[dict[str, Any]]:
    """The span rows of one Labels control in a validated `result` (trimmed as every
    span is), without their choices: what the token table needs of a gold result."""
    problems: list[Problem] = []
    # The layer first: most items are of another layer, or relations without one.
    spans = (_span(item, text, (), problems) for item in result or ()
             if item.get("from_name") == layer and item.get("type") == "labels")
    return [span for span in spans if span is not None]


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"
