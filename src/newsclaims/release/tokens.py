"""The token-level `entities` view: sentences, tokens with offsets, BIO tags.

NER training wants tokens and BIO tags, not character spans. Tokenisation is a fixed
regular expression (words with inner apostrophes, hyphens or dots; every other
non-space character alone), so a release never depends on a model download and the
same text always gives the same tokens; a release computes the same tokens on the
code points as arrays (`token_offsets`), with no Python object per token.
Sentences end at . ! ? (plus closing quotes or brackets) before a capitalised
token, at line breaks, never inside an entity and not after a short list of titles
and initials. The CoNLL-2003 4-type tags are derived from the OntoNotes tags with
the map in schemas/record-entity.schema.json.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.scheme import Scheme
from newsclaims.release.tables import conll2003_map

TOKEN = re.compile(r"\w+(?:['’.\-]\w+)*|[^\w\s]")
_SENTENCE_END = {".", "!", "?", "…"}
_CLOSERS = {'"', "'", "”", "’", ")", "]", "»"}
_MARKS = _SENTENCE_END | _CLOSERS
# Tokens after which a full stop rarely ends a sentence.
_NO_BREAK_AFTER = {
    "mr", "mrs", "ms", "dr", "prof", "st", "gen", "sen", "rep", "gov", "lt", "col", "sgt",
    "capt", "jr", "sr", "inc", "co", "corp", "ltd", "no", "vs", "etc", "jan", "feb", "aug",
    "sept", "oct", "nov", "dec", "u.s", "u.k", "e.g", "i.e",
}
OUTSIDE = "O"


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    tokens: list[str]
    token_starts: list[int]
    token_ends: list[int]
    ner_tags: list[str]
    conll_tags: list[str]


def tokenize(text: str) -> list[tuple[int, int]]:
    """(start, end) code-point offsets of every token of `text`."""
    return [match.span() for match in TOKEN.finditer(text)]


def entity_layer(scheme: Scheme) -> str:
    """The Labels control whose labels are the OntoNotes types the CoNLL map covers."""
    mapped = set(conll2003_map())
    layers = [name for name, labels in scheme.labels.items() if labels and set(labels) <= mapped]
    if len(layers) != 1:
        raise NewsclaimsError(
            "cannot tell the entity layer: the CoNLL-2003 map in record-entity.schema.json "
            f"covers the labels of {layers or 'no'} Labels controls, expected exactly one"
        )
    return layers[0]


def bio_tags(
    offsets: list[tuple[int, int]], spans: Iterable[dict[str, Any]]
) -> tuple[list[str], list[dict[str, Any]]]:
    """BIO tags for tokens at `offsets` from entity spans (start, end, label).

    A token belongs to a span when they overlap. A span that overlaps an already
    tagged span (nested or crossing entities) cannot be expressed in BIO: it is
    left out and returned in the second list so the caller can report it.
    """
    codes = TagCodes()
    found, left_out = _bio_codes([start for start, _ in offsets], [end for _, end in offsets],
                                 spans, codes)
    return [codes.tags[code] for code in found.tolist()], left_out


def to_conll(tags: list[str], mapping: dict[str, str | None]) -> list[str]:
    """OntoNotes BIO tags → CoNLL-2003 BIO tags; unmapped types become O."""
    out = []
    for tag in tags:
        if tag == OUTSIDE:
            out.append(OUTSIDE)
            continue
        prefix, kind = tag.split("-", 1)
        target = mapping.get(kind)
        out.append(OUTSIDE if target is None else f"{prefix}-{target}")
    return out


@dataclass(slots=True)
class TaggedText:
    """One article's tokens as arrays, and where its sentences end (token indices, the
    last is the number of tokens): the `entities` table's columns without a Python
    object per token or sentence. The token strings are `words`, the article's
    non-space characters in UTF-8 (the tokens cover exactly those, in order), cut by
    `word_bytes`."""

    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    tags: npt.NDArray[np.uint8]  # codes into the `TagCodes` given to `tag_text`
    sentence_ends: list[int]
    left_out: list[dict[str, Any]]  # entity spans BIO could not hold
    words: bytes
    word_bytes: npt.NDArray[np.int64]

    def word_list(self) -> list[str]:
        cuts = np.concatenate(([0], np.cumsum(self.word_bytes))).tolist()
        return [self.words[a:b].decode("utf-8") for a, b in itertools.pairwise(cuts)]


class TagCodes:
    """BIO tag strings as one-byte codes (OUTSIDE is 0; a scheme has a few dozen
    tags), so a release keeps one byte per token instead of a string."""

    def __init__(self) -> None:
        self.tags = [OUTSIDE]
        self._code = {OUTSIDE: 0}
        self._inside: npt.NDArray[np.bool_] = np.zeros(1, np.bool_)

    def code(self, tag: str) -> int:
        code = self._code.get(tag)
        if code is None:
            if len(self.tags) > 127:
                raise NewsclaimsError("more than 127 distinct entity tags: the scheme has "
                                      "too many entity labels for the entities table")
            code = self._code[tag] = len(self.tags)
            self.tags.append(tag)
            self._inside = np.array([t.startswith("I-") for t in self.tags], np.bool_)
        return code

    def inside(self) -> npt.NDArray[np.bool_]:
        """Per code: whether it is an I- tag (a sentence never ends inside an entity)."""
        return self._inside


def token_offsets(text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64],
                                      npt.NDArray[np.uint32]]:
    """Start and end code-point offsets of `TOKEN`'s matches, computed on the code
    points as arrays (no Python object per token), and the code points. A joiner
    (' ’ . -) is inside a word exactly when a word character is on both sides of it;
    every other character that is neither a word character nor a space is a token
    alone. tests/test_release_tokens.py holds this to `TOKEN.finditer`."""
    points = np.frombuffer(text.encode("utf-32-le"), np.uint32)
    classes = _classes(points)
    word = classes == _WORD
    joiner = classes == _JOINER
    inner = np.zeros_like(word)
    inner[1:-1] = joiner[1:-1] & word[:-2] & word[2:]
    wordish = word | inner
    single = (classes == _OTHER) | (joiner & ~inner)
    before = np.zeros_like(wordish)
    before[1:] = wordish[:-1]
    after = np.zeros_like(wordish)
    after[:-1] = wordish[1:]
    starts = np.flatnonzero((wordish & ~before) | single)
    ends = np.flatnonzero((wordish & ~after) | single) + 1
    return starts, ends, points


def tag_text(text: str, entity_spans: list[dict[str, Any]], codes: TagCodes) -> TaggedText:
    """Tokens, BIO tag codes and sentence ends of `text` (see the module docstring)."""
    starts, ends, points = token_offsets(text)
    begin, finish = starts.tolist(), ends.tolist()
    tags, left_out = _bio_codes(begin, finish, entity_spans, codes)
    inside = codes.inside()[tags]
    cuts = [end for end in _sentence_ends(text, points, starts, ends, inside, begin, finish)
            if end]
    if text.isascii():
        word_bytes = ends - starts
    else:
        sizes = 1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000)
        at = np.concatenate(([0], np.cumsum(sizes)))
        word_bytes = at[ends] - at[starts]
    # str.split() cuts at TOKEN's \s characters (both use Py_UNICODE_ISSPACE).
    return TaggedText(starts, ends, tags, cuts, left_out, "".join(text.split()).encode("utf-8"),
                      word_bytes)


def sentences(
    text: str, entity_spans: list[dict[str, Any]]
) -> tuple[list[Sentence], list[dict[str, Any]]]:
    """The article cut into tagged sentences, and the entity spans BIO could not hold."""
    codes = TagCodes()
    tagged = tag_text(text, entity_spans, codes)
    words, starts, ends = tagged.word_list(), tagged.starts.tolist(), tagged.ends.tolist()
    ner = [codes.tags[code] for code in tagged.tags.tolist()]
    conll = to_conll(ner, conll2003_map())
    out: list[Sentence] = []
    begin = 0
    for end in tagged.sentence_ends:
        out.append(Sentence(
            start=starts[begin], end=ends[end - 1], tokens=words[begin:end],
            token_starts=starts[begin:end], token_ends=ends[begin:end],
            ner_tags=ner[begin:end], conll_tags=conll[begin:end]))
        begin = end
    return out, tagged.left_out


def _bio_codes(starts: list[int], ends: list[int], spans: Iterable[dict[str, Any]],
               codes: TagCodes) -> tuple[npt.NDArray[np.uint8], list[dict[str, Any]]]:
    """`bio_tags` as codes, on token offsets already split into starts and ends (a
    bytearray: slices test and fill in C)."""
    tags = bytearray(len(starts))
    left_out = []
    for span in sorted(spans, key=lambda s: (s["start"], -(s["end"] - s["start"]), s["label"])):
        first = bisect.bisect_right(ends, span["start"])
        last = bisect.bisect_left(starts, span["end"])
        if first >= last or any(tags[first:last]):
            left_out.append(span)
            continue
        tags[first] = codes.code(f"B-{span['label']}")
        tags[first + 1:last] = bytes([codes.code(f"I-{span['label']}")]) * (last - first - 1)
    return np.frombuffer(tags, np.uint8), left_out


def _sentence_ends(text: str, points: npt.NDArray[np.uint32], starts: npt.NDArray[np.int64],
                   ends: npt.NDArray[np.int64], inside: npt.NDArray[np.bool_],
                   begin: list[int], finish: list[int]) -> list[int]:
    """Token indices just past the end of each sentence (the last is the number of
    tokens).

    Only tokens next to a line break, a sentence-final mark or a closer can end a
    sentence, so only those are looked at (not every token).
    """
    n = len(starts)
    after_breaks = np.searchsorted(starts, np.flatnonzero(points == _NEWLINE), "right")
    after_breaks = after_breaks[(after_breaks > 0) & (after_breaks < n)]
    found = set(after_breaks[~inside[after_breaks]].tolist())  # never inside an entity
    firsts = np.minimum(points[starts], len(_IS_MARK) - 1)
    marks = np.flatnonzero(_IS_MARK[firsts] & ((ends - starts) == 1))
    for i in marks.tolist():
        nxt = i + 1
        if nxt >= n or inside[nxt] or finish[i] == begin[nxt]:
            continue  # no gap: an attached closer ends the sentence; decided at the closer
        if not _starts_sentence(text, begin[nxt]):
            continue
        before = text[begin[i - 1]:finish[i - 1]] if i else ""
        if text[begin[i]] in _SENTENCE_END:
            if i == 0 or not _is_abbreviation(before, finish[i - 1], begin[i]):
                found.add(nxt)
        elif i > 0 and before in _SENTENCE_END and finish[i - 1] == begin[i]:
            found.add(nxt)  # a closer right after . ! ?
    found.add(n)
    return sorted(found)


def _classes(points: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint8]:
    """The character class of every code point, from the regular expression's own \\w
    and \\s (`_class_of`): a table for the Basic Multilingual Plane, built on first
    use (~50 ms), the few astral characters one by one."""
    table = _bmp_classes()
    if not len(points) or points.max() < len(table):
        return table[points]
    classes = table[np.minimum(points, len(table) - 1)]
    for i in np.flatnonzero(points >= len(table)).tolist():
        classes[i] = _class_of(chr(points[i]))
    return classes


@functools.cache
def _bmp_classes() -> npt.NDArray[np.uint8]:
    return np.fromiter((_class_of(chr(c)) for c in range(0x10000)), np.uint8, 0x10000)


def _class_of(char: str) -> int:
    if char in _JOINERS:
        return _JOINER
    if _WORD_CHAR.match(char):
        return _WORD
    return _SPACE if _SPACE_CHAR.match(char) else _OTHER


_WORD, _SPACE, _JOINER, _OTHER = 1, 2, 3, 4
_JOINERS = "'’.-"  # as in TOKEN
_WORD_CHAR, _SPACE_CHAR = re.compile(r"\w"), re.compile(r"\s")
_NEWLINE = ord("\n")
# Whether a code point is one of _MARKS (all below U+2100; the last entry is False).
_IS_MARK = np.zeros(max(map(ord, _MARKS)) + 2, np.bool_)
_IS_MARK[[ord(mark) for mark in _MARKS]] = True


def _is_abbreviation(word: str, word_end: int, stop_start: int) -> bool:
    if word_end != stop_start:
        return False
    return word.lower() in _NO_BREAK_AFTER or (len(word) == 1 and word.isupper())


def _starts_sentence(text: str, start: int) -> bool:
    first = text[start]
    return first.isupper() or first.isdigit() or first in "\"'“‘(["
