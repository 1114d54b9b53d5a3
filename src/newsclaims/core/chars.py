"""Character classes of the tokenisers, from the regular expressions' own \\w and \\s,
for whole texts at once as arrays of code points: a regular expression matching token
by token costs ~0.2 ms per 3,000-character article.

`WORD` is a \\w character, `SPACE` a \\s one; `JOINER` (' ’ . -) and `OTHER` are
neither: a release's tokens join words with a joiner (`release.tokens.TOKEN`), the
agreement's tokens do not (`review.agreement_tokens.TOKEN`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt


def code_points(text: str) -> npt.NDArray[np.uint32]:
    """The text's code points (Python's string offsets) as an array."""
    return np.frombuffer(text.encode("utf-32-le"), np.uint32)


def join_texts(texts: Sequence[str]) -> tuple[str, npt.NDArray[np.int64]]:
    """Texts tokenised as one: joined by a space (no token crosses one), and where each
    starts in the joined text (one more entry: past the last text's end and space)."""
    starts = np.zeros(len(texts) + 1, np.int64)
    np.cumsum(np.fromiter(map(len, texts), np.int64, len(texts)) + 1, out=starts[1:])
    return " ".join(texts), starts


def char_classes(points: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint8]:
    """The character class of every code point, from the regular expression's own \\w
    and \\s (`_class_of`)."""
    return lookup(points, _bmp_classes(), _class_of)


def lookup(points: npt.NDArray[np.uint32], table: npt.NDArray[Any],
           of: Callable[[str], Any]) -> npt.NDArray[Any]:
    """`of` every code point: a table for the Basic Multilingual Plane, built on first
    use, the few astral characters one by one."""
    if not len(points) or points.max() < len(table):
        return table[points]
    found = table[np.minimum(points, len(table) - 1)]
    for i in np.flatnonzero(points >= len(table)).tolist():
        found[i] = of(chr(points[i]))
    return found


def token_bounds(classes: npt.NDArray[np.uint8], *, join: bool) -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Starts and ends of the tokens over `char_classes`: runs of word characters, and
    every other character that is not a space alone. With `join`, a joiner with a word
    character on both sides is inside the word (`release.tokens.TOKEN`); without, it is
    a token of its own (`review.agreement_tokens.TOKEN`)."""
    word = classes == WORD
    joiner = classes == JOINER
    inner = np.zeros_like(word)
    if join:
        inner[1:-1] = joiner[1:-1] & word[:-2] & word[2:]
    wordish = word | inner
    single = (classes == OTHER) | (joiner & ~inner)
    before = np.zeros_like(wordish)
    before[1:] = wordish[:-1]
    after = np.zeros_like(wordish)
    after[:-1] = wordish[1:]
    starts = np.flatnonzero((wordish & ~before) | single)
    ends = np.flatnonzero((wordish & ~after) | single) + 1
    return starts, ends


@functools.cache
def _bmp_classes() -> npt.NDArray[np.uint8]:
    return np.fromiter((_class_of(chr(c)) for c in range(0x10000)), np.uint8, 0x10000)


def _class_of(char: str) -> int:
    if char in _JOINERS:
        return JOINER
    if _WORD_CHAR.match(char):
        return WORD
    return SPACE if _SPACE_CHAR.match(char) else OTHER


WORD, SPACE, JOINER, OTHER = 1, 2, 3, 4
_JOINERS = "'’.-"  # as in release.tokens.TOKEN
_WORD_CHAR, _SPACE_CHAR = re.compile(r"\w"), re.compile(r"\s")
