"""Native Label Studio export → canonical records (their contract: schemas/record-*.schema.json).

`result_rows.parse_result` turns one annotation's `result` list into span and
relation rows; `claims.claims_from` folds them into one row per CLAIM; `convert` does that
for every task of an export (`convert_task` for one) and adds articles and annotation
provenance. Annotators leave this module only as salted pseudonyms of their user id.

Conversion does not judge the data (that is `newsclaims.export.validate`); what it
could not turn into rows comes back as problems (`result_rows` says how spans are cut),
plus `task-no-text` for a task without `data.text`.
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
from newsclaims.core.scheme import Scheme, load_scheme
from newsclaims.export.claims import claims_from
from newsclaims.export.reader import iter_tasks
from newsclaims.export.result_rows import parse_result

ARTICLE_FIELDS = ("title", "source", "url", "published", "tags", "language")


@dataclass(slots=True)
class Records:
    articles: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


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
