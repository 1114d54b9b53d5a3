"""One small pure function per input format: bytes in, raw article records out.

Like spaCy's training converters, a reader only knows its format's layout: it
decodes, finds the records and maps field names. It does not normalise text,
compute ids or validate (that is `newsclaims.ingest.ingest`, the same for every format).
A reader never raises on bad data: it returns a `Problem` per bad file, line or row.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from newsclaims.core.errors import Problem, Severity
from newsclaims.core.jsonread import JSONInputError, iter_array, iter_lines, loads
from newsclaims.core.reading import decode_utf8, strip_bom
from newsclaims.ingest.headlines import is_headline_with_full_stop
from newsclaims.ingest.tags import split_tag_line

FIELDS = ("text", "title", "url", "published", "tags", "source", "language")

# Input names accepted for each article field, in order of preference (matched
# case-insensitively). The first one present wins; the rest are reported as unused.
ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("text", "body", "content", "article", "article_text", "full_text", "story"),
    "title": ("title", "headline", "heading"),
    "url": ("url", "link", "href", "permalink"),
    "published": (
        "published", "published_at", "publish_date", "pub_date", "date_published",
        "datepublished", "date",
    ),
    "tags": ("tags", "keywords", "categories", "topics"),
    "source": ("source", "outlet", "publisher", "site", "sitename", "site_name"),
    "language": ("language", "lang", "locale"),
}

# A line that ends a sentence (optionally inside closing quotes) is body text, not a title.
_SENTENCE_END = re.compile(r"[.,;:]['\"’”»)]*$")
TITLE_MAX_CHARS = 250
SINGLE_TAG_MAX_WORDS = 4


@dataclass(slots=True)
class RawArticle:
    """Fields as found in the input (not yet normalised) and where they were found."""

    fields: dict[str, Any]
    line: int | None = None
    unused: list[str] = field(default_factory=list)
    # The text still starts with the scraped header (tag line, title): ingest splits
    # it off with `split_header` after normalising and removing debris.
    has_header: bool = False


@dataclass(slots=True)
class ReadResult:
    articles: list[RawArticle] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _error(code: str, message: str, file: str, line: int | None = None) -> Problem:
    return Problem(Severity.ERROR, code, message, file=file, line=line)


def _map_record(record: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Article fields from a record's keys via ALIASES; the keys no field used."""
    by_name = {str(key).strip().lower(): key for key in record}
    fields: dict[str, Any] = {}
    used: set[str] = set()
    for name, aliases in ALIASES.items():
        for alias in aliases:
            key = by_name.get(alias)
            if key is not None and record[key] not in (None, ""):
                fields[name] = record[key]
                used.add(key)
                break
    return fields, [str(key) for key in record if key not in used]


def _record_from(value: Any, file: str, line: int | None) -> RawArticle | Problem:
    if isinstance(value, dict) and isinstance(value.get("data"), dict):
        value = value["data"]  # a Label Studio task: the article is its data
    if not isinstance(value, dict):
        kind = type(value).__name__
        return _error("not-an-object", f"record is a JSON {kind}, not an object", file, line)
    fields, unused = _map_record(value)
    return RawArticle(fields, line, unused)


# --- .txt -------------------------------------------------------------------------


def _is_title_like(line: str) -> bool:
    return len(line) <= TITLE_MAX_CHARS and not _SENTENCE_END.search(line)


def _is_title_line(lines: list[str], index: int) -> bool:
    """Title-like, or a headline with a final full stop standing alone as a paragraph
    (followed by a blank line): the layout of PolNeAR and many scraped corpora."""
    line = lines[index].strip()
    if _is_title_like(line):
        return True
    followed_by_blank = index + 1 < len(lines) and not lines[index + 1].strip()
    return followed_by_blank and is_headline_with_full_stop(line)


def _is_single_tag(line: str) -> bool:
    """A short run of capitalised words (`Politics`, `Donald Trump`): a one-tag line."""
    words = line.split()
    return len(words) <= SINGLE_TAG_MAX_WORDS and all(w[0].isupper() or w[0].isdigit()
                                                       for w in words)


def split_header(lines: list[str]) -> tuple[list[str], str | None, list[str]]:
    """(tags, title, body lines) of a scraped article: see docs/ingest.md, "The .txt layout".

    The first non-blank line is a tag line when it and the next non-blank line are
    both title-like (short, not ending like a sentence), a body follows, and the
    first line either splits into two or more tags or is a short run of capitalised
    words (one tag). A title is a title-like first line followed by a body, or a
    headline ending in a full stop on a paragraph of its own (`headlines.py`).
    """
    content = [i for i, line in enumerate(lines) if line.strip()]
    tags: list[str] = []
    if len(content) >= 3:
        first, second = lines[content[0]].strip(), lines[content[1]].strip()
        candidate = split_tag_line(first)
        if (_is_title_like(first) and _is_title_like(second)
                and (len(candidate) >= 2 or _is_single_tag(first))):
            tags = candidate
            content = content[1:]
    title = None
    if len(content) >= 2 and _is_title_line(lines, content[0]):
        title = lines[content[0]].strip()
        content = content[1:]
    body = lines[content[0] :] if content else []
    return tags, title, body


def read_txt(data: bytes, file: str) -> ReadResult:
    """One article per file in the seed's scraped layout (tag line, title, body)."""
    text = decode_utf8(data, file)
    if isinstance(text, Problem):
        return ReadResult(problems=[text])
    return ReadResult([RawArticle({"text": text}, has_header=True)])


# --- .jsonl / .json ---------------------------------------------------------------


def read_jsonl(data: bytes, file: str) -> ReadResult:
    """One JSON object per line; blank lines are skipped; a bad line does not stop the rest."""
    result = ReadResult()
    for number, value in iter_lines(data.split(b"\n")):
        _add(result, value, file, number)
    return result


def read_json(data: bytes, file: str) -> ReadResult:
    """A JSON array of article objects, or one object; each record keeps its line.
    Damage stops the file there; the records before it are kept."""
    result = ReadResult()
    body = strip_bom(data)
    if not body.lstrip().startswith(b"["):
        try:
            value = loads(body)
        except JSONInputError as exc:
            value = exc
        start = len(body) - len(body.lstrip())
        _add(result, value, file, body.count(b"\n", 0, start) + 1)
        return result
    line, counted = 1, 0
    try:
        for offset, value in iter_array(io.BytesIO(body)):
            line, counted = line + body.count(b"\n", counted, offset), offset
            _add(result, value, file, line)
    except JSONInputError as exc:
        at = body.count(b"\n", 0, exc.offset) + 1 if exc.offset is not None else None
        result.problems.append(exc.problem(file, at))
    return result


def _add(result: ReadResult, value: Any, file: str, line: int) -> None:
    """One parsed record (or the reason it could not be read) into `result`."""
    if isinstance(value, JSONInputError):
        result.problems.append(value.problem(file, line))
        return
    record = _record_from(value, file, line)
    if isinstance(record, Problem):
        result.problems.append(record)
    else:
        result.articles.append(record)


# --- .csv -------------------------------------------------------------------------

csv.field_size_limit(2**31 - 1)  # article bodies are longer than the 128 KiB default
CSV_DELIMITERS = ",;\t|"


def read_csv(data: bytes, file: str) -> ReadResult:
    """A header row, then one article per row, read as RFC 4180 (the csv module's
    defaults): a quoted cell may hold delimiters, line breaks and `""` for a quote;
    LF or CRLF line ends. Only the delimiter varies (`csv_delimiter`). Malformed
    quoting is an error from that row on, never a silently changed text."""
    text = decode_utf8(data, file)
    if isinstance(text, Problem):
        return ReadResult(problems=[text])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text),
                        strict=True)
    try:
        columns = next(reader)
    except (StopIteration, csv.Error):
        return ReadResult(problems=[_error("article-empty", "empty file: no header row",
                                           file, 1)])
    lowered = [c.strip().lower() for c in columns]
    if not any(alias in lowered for alias in ALIASES["text"]):
        names = ", ".join(columns) or "(none)"
        want = ", ".join(ALIASES["text"])
        return ReadResult(problems=[_error(
            "csv-no-text-column", f"no text column (have: {names}; want one of: {want})",
            file, 1)])
    result = ReadResult()
    start = reader.line_num + 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                if len(row) > len(columns):
                    result.problems.append(_error(
                        "csv-row-too-long",
                        f"row has {len(row)} cells but the header has {len(columns)}",
                        file, start))
                else:
                    record, unused = _map_record(dict(zip(columns, row, strict=False)))
                    result.articles.append(RawArticle(record, start, unused))
            start = reader.line_num + 1
    except csv.Error as exc:
        result.problems.append(_error(
            "invalid-csv", f"not valid CSV: {exc}; the rows from here on are not read",
            file, start))
    return result


def csv_delimiter(text: str) -> str:
    """The first of `CSV_DELIMITERS` that makes the header row name a text column, else a
    comma. Only the header is looked at, where no prose can mislead (quotes included).
    The header ends at the first CR or LF, as the csv module reads lines."""
    header = re.split(r"[\r\n]", text, maxsplit=1)[0]
    for delimiter in CSV_DELIMITERS:
        try:
            cells = next(csv.reader([header], delimiter=delimiter), [])
        except csv.Error:  # a header cut inside a quoted cell: read_csv reports it
            continue
        if any(cell.strip().lower() in ALIASES["text"] for cell in cells):
            return delimiter
    return ","


# --- .html ------------------------------------------------------------------------


def read_html(data: bytes, file: str) -> ReadResult:
    """Main text and metadata via trafilatura, which also honours a declared charset."""
    import trafilatura  # slow to import; only needed for HTML

    tree = trafilatura.load_html(data)
    if tree is None:
        return ReadResult(problems=[_error("invalid-html", "not parseable as HTML", file)])
    language = tree.get("lang")
    doc = trafilatura.bare_extraction(
        tree, with_metadata=True, include_comments=False, include_tables=True
    )
    if doc is None or not (doc.text or "").strip():
        return ReadResult(problems=[_error("article-empty", "empty article: no main text found",
                                           file)])
    # trafilatura puts one paragraph per line; make them paragraphs.
    fields = {
        "text": "\n\n".join(doc.text.split("\n")),
        "title": doc.title,
        "url": doc.url,
        "published": doc.date,
        "tags": list(dict.fromkeys([*(doc.tags or []), *(doc.categories or [])])),
        "source": doc.sitename or doc.hostname,
        "language": language,
    }
    return ReadResult([RawArticle({k: v for k, v in fields.items() if v not in (None, "", [])})])


Reader = Callable[[bytes, str], ReadResult]

READERS: dict[str, Reader] = {
    "txt": read_txt,
    "jsonl": read_jsonl,
    "json": read_json,
    "csv": read_csv,
    "html": read_html,
}

# File suffix -> format name (the name recorded in origin.format).
SUFFIXES: dict[str, str] = {
    ".txt": "txt",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".html": "html",
    ".htm": "html",
}
