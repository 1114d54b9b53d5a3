"""Ingest raw articles: walk paths, read each format, normalise, id, de-duplicate,
validate against schemas/article.schema.json, write articles.jsonl atomically.

The text written here is what annotators label and what every offset points
into, so normalisation is deliberately small, documented (docs/ingest.md) and
idempotent: normalising an ingested text again changes nothing, and
`article_id == newsclaims.core.ids.article_id(text)` always holds.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from newsclaims.core import schemas
from newsclaims.core.atomic import atomic_open
from newsclaims.core.errors import NewsclaimsError, Problem, Severity
from newsclaims.core.ids import article_id
from newsclaims.core.reading import UnreadableInput, read_bytes
from newsclaims.ingest.readers import READERS, SUFFIXES, RawArticle, split_header

DEBRIS_FILE = Path(__file__).parent / "data" / "debris.txt"
PROGRESS_MIN_FILES = 20  # fewer files than this finish before a bar would help

# Line breaks other than \n that Python's str.splitlines() honours (\r\n is replaced first).
_LINE_BREAKS = re.compile(r"[\r\v\f\x1c-\x1e\x85\u2028\u2029]")
# A run of horizontal whitespace (spaces, tabs, no-break and other Unicode spaces)
# that is not already one plain space; written so single spaces do not match (speed).
_SPACES = re.compile(r" [^\S\n]+|[^\S\n ][^\S\n]*")
_BLANK_RUNS = re.compile(r"\n\n\n+")
# Control characters other than tab and the line breaks above: invisible, never part of
# an article (U+0000 cannot even be stored by Label Studio on PostgreSQL). Removed, with
# a warning (`control-chars-removed`); task.schema.json refuses them in a text.
CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f]")
_TEXT_FIELDS = ("text", "title", "source", "url", "language", "tags")
_TAG_SEPARATORS = re.compile(r"\s*[;,|]\s*")


@dataclass(slots=True)
class IngestResult:
    articles: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    duplicates: int = 0
    files: int = 0  # files read (skipped ones are reported as problems instead)
    debris_lines: int = 0  # lines removed by the debris rules


# --- normalisation ----------------------------------------------------------------


def normalise_text(text: str) -> str:
    """NFC; every line break becomes \\n; runs of horizontal whitespace become one
    space; each line stripped; paragraphs separated by exactly one blank line;
    no leading or trailing blank lines. A BOM and control characters (`CONTROLS`)
    anywhere are dropped."""
    text = unicodedata.normalize("NFC", CONTROLS.sub("", text.replace("\ufeff", "")))
    text = _LINE_BREAKS.sub("\n", text.replace("\r\n", "\n"))
    text = "\n".join(line.strip(" ") for line in _SPACES.sub(" ", text).split("\n"))
    return unicodedata.normalize("NFC", _BLANK_RUNS.sub("\n\n", text).strip("\n"))


def normalise_line(value: str) -> str:
    """A one-line field (title, tag): NFC, all whitespace runs to one space, stripped;
    BOM and control characters dropped."""
    value = CONTROLS.sub("", value.replace("\ufeff", ""))
    return " ".join(unicodedata.normalize("NFC", value).split())


@dataclass(frozen=True, slots=True)
class DebrisRules:
    patterns: tuple[re.Pattern[str], ...]

    def is_debris(self, line: str) -> bool:
        return any(p.fullmatch(line) for p in self.patterns)


def parse_debris_rules(text: str, source: str = "debris rules") -> DebrisRules:
    """One regex per line, `#` comments and blank lines ignored, case-insensitive."""
    patterns = []
    for number, raw in enumerate(text.splitlines(), start=1):
        rule = raw.strip()
        if not rule or rule.startswith("#"):
            continue
        try:
            patterns.append(re.compile(rule, re.IGNORECASE))
        except re.error as exc:
            raise NewsclaimsError(f"{source}:{number}: bad regular expression: {exc}") from None
    return DebrisRules(tuple(patterns))


@functools.cache
def default_debris_rules() -> DebrisRules:
    return parse_debris_rules(DEBRIS_FILE.read_text("utf-8"), str(DEBRIS_FILE))


def remove_debris(text: str, rules: DebrisRules) -> tuple[str, int]:
    """Normalised text without the lines the rules match, and how many were removed."""
    lines = normalise_text(text).split("\n")
    kept = [line for line in lines if not (line and rules.is_debris(line))]
    return normalise_text("\n".join(kept)), len(lines) - len(kept)


def clean_text(text: str, rules: DebrisRules | None = None) -> str:
    """The text as ingest writes it (normalised, debris removed)."""
    return remove_debris(text, rules or default_debris_rules())[0]


# --- fields -----------------------------------------------------------------------


def _tags(value: Any) -> list[str] | Any:
    """A list of tags from a list or a `;`/`,`/`|`-separated string, deduplicated."""
    if isinstance(value, str):
        value = _TAG_SEPARATORS.split(value)
    if not isinstance(value, list):
        return value  # left for the schema to report
    tags = [normalise_line(t) if isinstance(t, str) else t for t in value]
    return list(dict.fromkeys(t for t in tags if t != ""))


def _published(value: Any) -> tuple[str | None, str | None]:
    """(ISO date, None) for a date or ISO 8601 date-time; (None, why) otherwise."""
    if isinstance(value, str):
        candidate = value.strip().replace("Z", "+00:00")
        for parse in (date.fromisoformat, datetime.fromisoformat):
            try:
                parsed = parse(candidate)
            except ValueError:
                continue
            day = parsed.date() if isinstance(parsed, datetime) else parsed
            return day.isoformat(), None
    return None, f"published {value!r} is not an ISO 8601 date; left empty"


def controls_removed(fields: dict[str, Any], **where: Any) -> Problem | None:
    """The warning for control characters that normalisation drops from these fields."""
    found: Counter[str] = Counter()
    names = []
    for name in _TEXT_FIELDS:
        value = fields.get(name)
        chars = [c for v in (value if isinstance(value, list) else [value])
                 if isinstance(v, str) for c in CONTROLS.findall(v)]
        if chars:
            names.append(name)
            found.update(chars)
    if not found:
        return None
    shown = ", ".join(f"U+{ord(c):04X}" + (f" ×{n}" if n > 1 else "")
                      for c, n in sorted(found.items()))
    return Problem(Severity.WARNING, "control-chars-removed",
                   f"removed {found.total()} control characters ({shown}) from "
                   f"{', '.join(names)}", **where)


def _strip_header_lines(text: str, title: str | None, tags: list[str] | Any) -> str:
    """Drop a first line that only repeats the glued tags and/or the title."""
    lines = text.split("\n")
    strings = isinstance(tags, list) and all(isinstance(t, str) for t in tags)
    glued = "".join(tags) if strings else ""
    if glued and lines and lines[0] == glued:
        lines = lines[1:]
        while lines and not lines[0]:
            lines = lines[1:]
    if title and lines and lines[0] == title:
        lines = lines[1:]
    return "\n".join(lines)


def build_record(
    raw: RawArticle, file: str, fmt: str, rules: DebrisRules
) -> tuple[dict[str, Any] | None, list[Problem], int]:
    """The article record for one raw article, its problems, and debris lines removed."""
    fields = raw.fields
    where = {"file": file, "line": raw.line}
    problems: list[Problem] = []
    text = fields.get("text")
    if isinstance(text, list) and text and all(isinstance(p, str) for p in text):
        text = "\n\n".join(text)  # a list of paragraphs
    if not isinstance(text, str):
        what = "no text field" if text is None else f"text is a {type(text).__name__}"
        problems.append(Problem(Severity.ERROR, "article-empty", f"empty article: {what}", **where))
        return None, problems, 0
    if removed_controls := controls_removed(fields, **where):
        problems.append(removed_controls)
    title = fields.get("title")
    title = (normalise_line(title) or None) if isinstance(title, str) else title
    tags = _tags(fields.get("tags", []))
    text, removed = remove_debris(text, rules)
    if raw.has_header:
        found_tags, found_title, body = split_header(text.split("\n"))
        tags = _tags(found_tags) if found_tags else tags
        title, text = found_title or title, "\n".join(body)
    text = normalise_text(_strip_header_lines(text, title, tags))
    if not text:
        why = "only debris" if removed else "no text"
        problems.append(Problem(Severity.ERROR, "article-empty", f"empty article: {why}", **where))
        return None, problems, removed
    record: dict[str, Any] = {"article_id": article_id(text), "title": title, "tags": tags}
    for name in ("source", "url", "language"):
        value = fields.get(name)
        record[name] = (normalise_line(value) or None) if isinstance(value, str) else value
    record["published"] = None
    if fields.get("published") is not None:
        record["published"], why = _published(fields["published"])
        if why:
            problems.append(Problem(Severity.WARNING, "published-invalid", why, **where))
    record["text"] = text
    record["origin"] = {"path": file, "format": fmt}
    if raw.line is not None:
        record["origin"]["line"] = raw.line
    for error in schemas.errors("article", record):
        problems.append(Problem(Severity.ERROR, "article-schema", f"not a valid article: "
                                f"{schemas.describe(error)}", article_id=record["article_id"],
                                **where))
    rejected = any(p.code == "article-schema" for p in problems)
    return (None if rejected else record), problems, removed


# --- files ------------------------------------------------------------------------


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def collect_files(
    paths: Iterable[str | os.PathLike[str]], exclude: Iterable[str | os.PathLike[str]] = ()
) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """(file, format) pairs in a deterministic order, and info about what was skipped.

    Directories are walked recursively and their files sorted by path components;
    hidden entries are skipped and symlinked directories not followed; a directory that
    cannot be listed is a problem. A path that does not exist stops the run (exit 2).
    """
    paths = [Path(p) for p in paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise NewsclaimsError(f"no such file or directory: {', '.join(missing)}")
    excluded = {Path(p).resolve() for p in exclude}
    files: list[tuple[Path, str]] = []
    problems: list[Problem] = []

    def add(path: Path, named: bool) -> None:
        fmt = SUFFIXES.get(path.suffix.lower())
        if path.resolve() in excluded:
            problems.append(Problem(Severity.INFO, "file-skipped",
                                    "skipped: it is the output file", file=str(path)))
        elif fmt is None:
            severity = Severity.ERROR if named else Severity.INFO
            known = ", ".join(sorted(SUFFIXES))
            problems.append(Problem(severity, "file-skipped",
                                    f"skipped: not an ingest format ({known})", file=str(path)))
        else:
            files.append((path, fmt))

    def unreadable(exc: OSError) -> None:  # a directory the walk cannot list
        problems.append(Problem(Severity.ERROR, "file-unreadable",
                                f"cannot read directory: {exc.strerror}", file=exc.filename))

    for path in paths:
        if not path.is_dir():
            add(path, named=True)
            continue
        found = []
        for root, dirs, names in os.walk(path, onerror=unreadable):
            dirs[:] = [d for d in dirs if not _is_hidden(d)]
            found.extend(Path(root, name) for name in names if not _is_hidden(name))
        for file in sorted(found, key=lambda f: f.relative_to(path).parts):
            add(file, named=False)
    return files, problems


def read_file(path: Path, fmt: str, rules: DebrisRules) -> tuple[list[dict], list[Problem], int]:
    """Records, problems and debris lines removed for one file."""
    file = str(path)
    try:
        data = read_bytes(path)
    except UnreadableInput as exc:
        return [], [exc.problem], 0
    if not data.strip():
        return [], [Problem(Severity.ERROR, "article-empty", "empty article: the file is blank",
                            file=file)], 0
    read = READERS[fmt](data, file)
    records, problems, removed = [], list(read.problems), 0
    unused = Counter(name for raw in read.articles for name in raw.unused)
    if unused:
        names = ", ".join(f"{name} ({n}×)" if n > 1 else name for name, n in unused.items())
        problems.append(Problem(Severity.INFO, "fields-unused", f"fields not used: {names}",
                                file=file))
    for raw in read.articles:
        record, found, lines = build_record(raw, file, fmt, rules)
        problems.extend(found)
        removed += lines
        if record is not None:
            records.append(record)
    return records, sorted(problems, key=lambda p: p.line or 0), removed


def ingest(
    paths: Sequence[str | os.PathLike[str]],
    *,
    debris_rules: DebrisRules | None = None,
    exclude: Iterable[str | os.PathLike[str]] = (),
    progress: bool = False,
) -> IngestResult:
    """Read every article under `paths`; bad input becomes problems, never an exception
    (except a path that does not exist: NewsclaimsError). Duplicates (same article_id)
    are kept once, at their first occurrence, and reported."""
    rules = debris_rules or default_debris_rules()
    files, skipped = collect_files(paths, exclude)
    result = IngestResult(problems=skipped, files=len(files))
    first_seen: dict[str, str] = {}
    bar = tqdm(files, desc="ingest", unit="file", file=sys.stderr,
               disable=not progress or len(files) < PROGRESS_MIN_FILES)
    for path, fmt in bar:
        records, problems, removed = read_file(path, fmt, rules)
        result.problems.extend(problems)
        result.debris_lines += removed
        for record in records:
            origin = record["origin"]
            here = origin["path"] + (f":{origin['line']}" if "line" in origin else "")
            if record["article_id"] in first_seen:
                result.duplicates += 1
                result.problems.append(Problem(
                    Severity.WARNING, "article-duplicate",
                    f"duplicate of {first_seen[record['article_id']]}; written once",
                    file=origin["path"], line=origin.get("line"),
                    article_id=record["article_id"]))
                continue
            first_seen[record["article_id"]] = here
            result.articles.append(record)
    return result


def write_articles(path: str | os.PathLike[str], articles: Iterable[dict[str, Any]]) -> int:
    """Write JSON Lines atomically (temp file, then rename); the number of lines written.
    An output that cannot be written is a NewsclaimsError (exit 2)."""
    count = 0
    try:
        with atomic_open(path, "w") as fh:
            for article in articles:
                fh.write(json.dumps(article, ensure_ascii=False) + "\n")
                count += 1
    except OSError as exc:
        raise NewsclaimsError(f"cannot write {path}: {exc.strerror or exc}") from None
    return count
