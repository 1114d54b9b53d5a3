"""Articles (JSONL of task data) and predictions, checked before they are used.

`push` sends nothing and `preannotate` writes nothing while these report an error.

Articles are validated against schemas/ (`article` when they carry ingest's `origin`,
`task` otherwise) and their content-hash id is recomputed; predictions (JSONL of
`{"article_id", "model_version", "score", "result"}`) are checked for shape and for an
article to attach to. The schemas are the contract; plain code that accepts only what
they accept (`task_data_ok`, `article_record_ok`) spares the jsonschema run for records
that pass, ~20x cheaper. Every bad record becomes a Problem naming file and line, so a
run lists all of them and sends nothing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsclaims.core.errors import Problem, Severity, Where
from newsclaims.core.ids import article_id as compute_article_id
from newsclaims.core.jsonread import JSONInputError, iter_lines
from newsclaims.core.reading import open_regular, read_errors
from newsclaims.core.schemas import describe, errors, format_checker, load_schema


@dataclass(frozen=True, slots=True)
class Located:
    """A record and where it came from (file, 1-based line), for problem lines."""

    record: Any
    file: str | None = None
    line: int | None = None


@dataclass
class PushInput:
    tasks: list[dict[str, Any]] = field(default_factory=list)  # task data, input order
    predictions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by article_id
    problems: list[Problem] = field(default_factory=list)


def read_jsonl(path: str | Path, what: str = "file") -> Iterator[Located]:
    """Each non-blank line of a JSONL file, parsed (`newsclaims.core.jsonread`: one parser,
    one set of limits); a bad line yields its `Problem` instead and reading goes on. A
    file that cannot be read at all raises `UnreadableInput` (exit 2)."""
    file = str(path)
    with open_regular(path, what) as fh, read_errors(path, what):
        for number, value in iter_lines(fh):
            if isinstance(value, JSONInputError):
                value = value.problem(file, number)
            yield Located(value, file, number)


def task_fields() -> tuple[str, ...]:
    """The task data field names, read from schemas/task.schema.json."""
    return tuple(load_schema("task")["$defs"]["fields"]["properties"])


def check_articles(records: Iterable[Located]) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Task data of each good article (first copy of a repeated id); problems for the rest."""
    tasks: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    keep = set(task_fields())
    for item in records:
        if isinstance(item.record, Problem):
            problems.append(item.record)
            continue
        record = item.record
        where: Where = {"file": item.file, "line": item.line}
        if not isinstance(record, dict):
            problems.append(
                Problem(Severity.ERROR, "not-an-object", "record is not a JSON object", **where)
            )
            continue
        schema = "article" if "origin" in record else "task"
        plain_ok = article_record_ok if schema == "article" else task_data_ok
        found = [] if plain_ok(record) else [describe(e) for e in errors(schema, record)]
        aid = record.get("article_id") if isinstance(record.get("article_id"), str) else None
        where["article_id"] = aid
        code = "article-schema" if schema == "article" else "task-schema"
        for message in found:
            problems.append(Problem(Severity.ERROR, code, message, **where))
        if found:
            continue
        expected = compute_article_id(record["text"])
        if aid != expected:
            problems.append(
                Problem(
                    Severity.ERROR,
                    "article-id-mismatch",
                    f"article_id {aid} is not the content hash of text (expected {expected})",
                    **where,
                )
            )
            continue
        if aid in seen:
            problems.append(
                Problem(
                    Severity.WARNING,
                    "article-duplicate",
                    f"same article as {seen[aid]}; sent once",
                    **where,
                )
            )
            continue
        seen[aid] = f"{item.file}:{item.line}" if item.file else f"record {item.line}"
        tasks.append({k: v for k, v in record.items() if k in keep})
    return tasks, problems


def check_predictions(
    records: Iterable[Located], article_ids: set[str]
) -> tuple[dict[str, list[dict[str, Any]]], list[Problem]]:
    """Predictions grouped by article_id, in Label Studio's import shape."""
    by_article: dict[str, list[dict[str, Any]]] = {}
    problems: list[Problem] = []
    for item in records:
        if isinstance(item.record, Problem):
            problems.append(item.record)
            continue
        record = item.record
        where: Where = {"file": item.file, "line": item.line}
        message = _prediction_shape_error(record)
        aid = record.get("article_id") if isinstance(record, dict) else None
        aid = aid if isinstance(aid, str) else None
        where["article_id"] = aid
        if message:
            problems.append(
                Problem(Severity.ERROR, "prediction-shape", message, **where)
            )
            continue
        if aid not in article_ids:
            problems.append(
                Problem(
                    Severity.WARNING,
                    "prediction-without-article",
                    "no article with this article_id in the input; prediction not sent",
                    **where,
                )
            )
            continue
        prediction = {"model_version": record["model_version"], "result": record["result"]}
        if record.get("score") is not None:
            prediction["score"] = record["score"]
        by_article.setdefault(aid, []).append(prediction)
    return by_article, problems


def _prediction_shape_error(record: Any) -> str | None:
    if not isinstance(record, dict):
        return "prediction is not a JSON object"
    if not isinstance(record.get("article_id"), str):
        return "article_id must be a string"
    if not isinstance(record.get("model_version"), str) or not record["model_version"]:
        return "model_version must be a non-empty string"
    score = record.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        return "score must be a number"
    result = record.get("result")
    if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
        return "result must be a list of Label Studio result objects"
    return None


def task_data_ok(data: Any) -> bool:
    """True only if task.schema.json would accept `data`: the same checks in plain
    code (the schema's own patterns and format checkers), ~20x cheaper than running
    the schema on every task; anything else goes through the schema."""
    if type(data) is not dict or not data.keys() <= _data_keys():
        return False
    text, article, tags = data.get("text"), data.get("article_id"), data.get("tags", [])
    title, source, url, published, language = map(data.get, _OPTIONAL_STRINGS)
    patterns = _data_patterns()
    return (type(text) is str and len(text) >= 1 and _no_control_characters(text)
            and type(article) is str and patterns["article_id"].search(article) is not None
            and (title is None or type(title) is str)
            and (source is None or type(source) is str)
            and (url is None or (type(url) is str and _conforms(url, "uri")))
            and (published is None or (type(published) is str and _conforms(published, "date")))
            and (language is None or (type(language) is str
                                      and patterns["language"].search(language) is not None))
            and type(tags) is list and all(type(t) is str and t for t in tags)
            and len(set(tags)) == len(tags))


_OPTIONAL_STRINGS = ("title", "source", "url", "published", "language")  # string or null


# The characters the task schema's text pattern forbids (U+0000-U+0008, U+000B-U+001F,
# U+007F) are one byte each in UTF-8, and every byte of a longer character is >= 0x80:
# so a translate of the UTF-8 bytes finds them, ~5x faster than the pattern's regex.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])
_CONTROL_TO_NUL = bytes.maketrans(_CONTROL_BYTES, bytes(len(_CONTROL_BYTES)))


def _no_control_characters(text: str) -> bool:
    """What the schema's text pattern says (lone surrogates pass it, and pass here)."""
    return b"\0" not in text.encode("utf-8", "surrogatepass").translate(_CONTROL_TO_NUL)


def _conforms(value: str, form: str) -> bool:
    """The task schema's own format check, asked only for a record that has the field
    (so clean records without a url or date never import jsonschema)."""
    return bool(format_checker().conforms(value, form))


def article_record_ok(record: Any) -> bool:
    """True only if article.schema.json would accept `record` (ingest's output: task
    data plus `origin`); plain code as `task_data_ok`, the schema decides otherwise."""
    if type(record) is not dict or not _schema_unchanged("article"):
        return False
    origin = record.get("origin")
    if type(origin) is not dict or not origin.keys() <= {"path", "format", "line"}:
        return False
    path, line = origin.get("path"), origin.get("line", 1)
    if not (type(path) is str and path and origin.get("format") in _ORIGIN_FORMATS
            and type(line) is int and line >= 1):
        return False
    data = {k: v for k, v in record.items() if k != "origin"}
    return "title" in data and "tags" in data and task_data_ok(data)


# sha256 prefixes of the schemas (keys sorted) that the plain checks mirror: if a
# schema changes, its plain check stands aside until it is updated to match.
_PLAIN_SCHEMAS = {"task": "246b5e0f5cea86e5", "article": "fd0dd1141809f350"}
_ORIGIN_FORMATS = ("txt", "jsonl", "json", "csv", "html")


@functools.cache
def _schema_unchanged(name: str) -> bool:
    digest = hashlib.sha256(json.dumps(load_schema(name), sort_keys=True).encode()).hexdigest()
    return digest[:16] == _PLAIN_SCHEMAS[name]


@functools.cache
def _data_keys() -> frozenset[str]:
    """The keys task data may have; empty (nothing passes) if the schema changed."""
    if not _schema_unchanged("task"):
        return frozenset()
    return frozenset(load_schema("task")["$defs"]["fields"]["properties"])


@functools.cache
def _data_patterns() -> dict[str, re.Pattern[str]]:
    """The task schema's patterns, compiled (jsonschema matches them with re.search);
    text's is asked by `_no_control_characters` instead (tests hold the two equal)."""
    properties = load_schema("task")["$defs"]["fields"]["properties"]
    return {name: re.compile(properties[name]["pattern"])
            for name in ("text", "article_id", "language")}


def load_push_input(
    articles: str | Path | Iterable[dict[str, Any]],
    predictions: str | Path | Iterable[dict[str, Any]] | None = None,
) -> PushInput:
    """Read and check articles (and optional predictions) from files or in-memory records."""
    article_records = _located(articles)
    tasks, problems = check_articles(article_records)
    by_article: dict[str, list[dict[str, Any]]] = {}
    if predictions is not None:
        by_article, more = check_predictions(
            _located(predictions), {t["article_id"] for t in tasks}
        )
        problems.extend(more)
    return PushInput(tasks, by_article, problems)


def _located(source: str | Path | Iterable[dict[str, Any]]) -> Iterable[Located]:
    if isinstance(source, str | Path):
        return read_jsonl(source)
    return (Located(record, None, n) for n, record in enumerate(source, start=1))
