"""One `result` list (an annotation's or a prediction's) → span and relation rows
(their contract: schemas/record-span and record-relation).

`parse_result` does not judge the data (that is `newsclaims.export.validate`); it
reports, as problems, every result item it could not turn into a row, so nothing is
dropped silently. Offsets are code points into the article's text; a span's text is
taken from the text, with surrounding whitespace trimmed and `trimmed` set.
`export.convert` adds articles and annotation provenance around these rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from newsclaims.core.errors import Problem, Severity
from newsclaims.core.scheme import RELATION_ENDPOINTS, Scheme, load_scheme


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
