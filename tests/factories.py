"""Builders for native Label Studio data in tests: result items, annotations, tasks.

Each builder writes one item the way Label Studio's own export does (docs/DESIGN.md,
tests/fixtures/exports/make_fixtures.py), so a test states only what differs: the text,
the fragment, the label, the choices. Offsets are code points into the task text.
Also the one release export most release tests start from (the base release itself is
the `base_release` fixture in conftest.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

RELEASE_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "release"
BASE_EXPORT = RELEASE_FIXTURES / "base.json"  # six articles; see make_fixtures.py there
ADDED_EXPORT = RELEASE_FIXTURES / "added.json"  # the base export and two more articles
RELEASE_SALT = "test-salt"

Item = dict[str, Any]


def find(text: str, fragment: str, nth: int = 0) -> tuple[int, int]:
    """Start and end of the `nth` (from 0) occurrence of `fragment` in `text`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(fragment, start + 1)
    return start, start + len(fragment)


def labels(rid: str, label: str, text: str, start: int, end: int, *,
           control: str = "attribution", shown: str | None = None) -> Item:
    """A labels region over text[start:end]; `shown` replaces the region's own copy of
    the text (value.text) for a test that wants the two to disagree."""
    fragment = text[start:end] if shown is None else shown
    return {"id": rid, "from_name": control, "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": fragment, "labels": [label]}}


def choice(region: Item | str, control: str, value: str) -> Item:
    """A per-region choice, which reuses its region's id. Given the region itself it
    carries the region's offsets and text as Label Studio writes them; given a bare id
    (say, of a region that does not exist) it carries the choice alone."""
    if isinstance(region, str):
        return {"id": region, "from_name": control, "to_name": "text", "type": "choices",
                "value": {"choices": [value]}}
    where = {key: region["value"][key] for key in ("start", "end", "text")}
    return {"id": region["id"], "from_name": control, "to_name": "text", "type": "choices",
            "value": {**where, "choices": [value]}}


def region(rid: str, label: str, text: str, fragment: str, *, nth: int = 0,
           control: str = "attribution", **choices: str) -> list[Item]:
    """The labels region over the `nth` occurrence of `fragment`, then one choice item
    per keyword (control name = value), e.g. `attribution_type="INDIRECT"`."""
    span = labels(rid, label, text, *find(text, fragment, nth), control=control)
    return [span, *(choice(span, name, value) for name, value in choices.items())]


def relation(from_id: str, to_id: str, kind: str, direction: str = "right") -> Item:
    """A relation between two regions; `kind` is its label ("source" or "cue")."""
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": direction,
            "labels": [kind]}


def annotation(annotation_id: int, *items: Item | list[Item], **fields: Any) -> Item:
    """A completed annotation; `items` are result items or lists of them (as `region`
    returns), `fields` add to or override the annotation's own fields."""
    result: list[Item] = []
    for item in items:
        result.extend(item if isinstance(item, list) else [item])
    return {"id": annotation_id, "result": result, "was_cancelled": False,
            "ground_truth": False, **fields}


def task(task_id: int, text: str, *annotations: Item, **data: Any) -> Item:
    """An exported task: its data (the text and any `data` fields) and annotations."""
    return {"id": task_id, "data": {"text": text, **data}, "annotations": list(annotations)}
