"""Splitting a scraped tag line such as `Donald TrumpMilitaryPoliticsVenezuela`.

The scraper glued the tags together with no delimiter, so the only evidence is
case: a tag starts where a lowercase letter runs into an uppercase one
(`TrumpMilitary`), or where an acronym runs into a capitalised word
(`NBAFinals`). Spaces are kept, so multi-word tags (`Donald Trump`) survive.
Words with capitals inside (`YouTube`, `iPhone`) and name prefixes (`McDonald`)
come from data/tag_words.txt so the list can grow without code changes.
Limits are documented in docs/ingest.md ("Splitting the tag line").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

TAG_WORDS_FILE = Path(__file__).parent / "data" / "tag_words.txt"


@dataclass(frozen=True, slots=True)
class TagWords:
    words: tuple[str, ...]  # never split inside; a tag may start right before one
    prefixes: tuple[str, ...]  # `Mc` in `McDonald`: a capital after it continues the word


def parse_tag_words(text: str) -> TagWords:
    """One entry per line; `#` starts a comment; a trailing `*` marks a name prefix."""
    words: list[str] = []
    prefixes: list[str] = []
    for raw in text.splitlines():
        entry = raw.split("#", 1)[0].strip()
        if entry.endswith("*"):
            prefixes.append(entry[:-1])
        elif entry:
            words.append(entry)
    return TagWords(tuple(words), tuple(prefixes))


@functools.cache
def default_tag_words() -> TagWords:
    return parse_tag_words(TAG_WORDS_FILE.read_text("utf-8"))


def _case_joins(line: str) -> list[int]:
    """Indices where a new capitalised piece starts inside a run of letters."""
    joins = []
    for i in range(1, len(line)):
        before, here = line[i - 1], line[i]
        after = line[i + 1] if i + 1 < len(line) else ""
        if (before.islower() and here.isupper()) or (
            before.isupper() and here.isupper() and after.islower()
        ):
            joins.append(i)
    return joins


def split_tag_line(line: str, tag_words: TagWords | None = None) -> list[str]:
    """Tags of a run-together tag line, in order; one item if there is no join."""
    known = tag_words or default_tag_words()
    line = " ".join(line.split())
    inside: set[int] = set()  # positions inside a known word: no split there
    starts: set[int] = set()  # a known word glued to a previous letter starts a tag
    for word in known.words:
        for match in re.finditer(re.escape(word), line):
            inside.update(range(match.start() + 1, match.end()))
            if match.start() > 0 and line[match.start() - 1].isalpha():
                starts.add(match.start())
    cuts = sorted((set(_case_joins(line)) - inside) | starts)
    tags: list[str] = []
    begin = 0
    for k, i in enumerate(cuts):
        piece = line[begin:i]
        word = piece.rsplit(" ", 1)[-1]  # the glued word the join is in
        end = min([*cuts[k + 1 : k + 2], len(line)])
        next_word = line[i:end].split(" ", 1)[0]
        if (
            len(word) < 2
            or len(next_word) < 2
            or (word[0].islower() and word not in known.words)
            or (word in known.prefixes and i not in starts)
        ):
            continue
        tags.append(piece)
        begin = i
    tags.append(line[begin:])
    return [tag.strip() for tag in tags if tag.strip()]
