"""The token-level `entities` view: sentences, tokens with offsets, BIO tags.

NER training wants tokens and BIO tags, not character spans. Tokenisation is a fixed
regular expression (words with inner apostrophes, hyphens or dots; every other
non-space character alone), so a release never depends on a model download and the
same text always gives the same tokens. Sentences end at . ! ? (plus closing quotes
or brackets) before a capitalised token, at line breaks, never inside an entity and
not after a short list of titles and initials. The CoNLL-2003 4-type tags are derived
from the OntoNotes tags with the map in schemas/record-entity.schema.json.

`tokenize`, `bio_tags` and `sentences` are these rules in plain Python, one article
at a time: the definitions. A release computes the same on many articles at once as
arrays (`token_arrays` here, `entities.tag_batch`), and tests/test_release_tokens.py
holds that to these definitions.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from newsclaims.core.chars import char_classes, lookup, token_bounds
from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.scheme import Scheme
from newsclaims.release.tables import conll2003_map

TOKEN = re.compile(r"\w+(?:['’.\-]\w+)*|[^\w\s]")
SENTENCE_END = {".", "!", "?", "…"}
CLOSERS = {'"', "'", "”", "’", ")", "]", "»"}
# Tokens after which a full stop rarely ends a sentence.
NO_BREAK_AFTER = {
    "mr", "mrs", "ms", "dr", "prof", "st", "gen", "sen", "rep", "gov", "lt", "col", "sgt",
    "capt", "jr", "sr", "inc", "co", "corp", "ltd", "no", "vs", "etc", "jan", "feb", "aug",
    "sept", "oct", "nov", "dec", "u.s", "u.k", "e.g", "i.e",
}
MARKS = SENTENCE_END | CLOSERS
SENTENCE_OPENERS = "\"'“‘(["  # besides capitals and digits, what a sentence can start with
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

    A token belongs to a span when they overlap. Spans are taken by start, longest
    first, then by label; a span that overlaps an already tagged span (nested or
    crossing entities) or covers no token cannot be expressed in BIO: it is left out
    and returned in the second list so the caller can report it.
    """
    starts, ends = [start for start, _ in offsets], [end for _, end in offsets]
    tags = [OUTSIDE] * len(offsets)
    left_out = []
    for span in sorted(spans, key=lambda s: (s["start"], -(s["end"] - s["start"]), s["label"])):
        first = bisect.bisect_right(ends, span["start"])
        last = bisect.bisect_left(starts, span["end"])
        if first >= last or any(tag != OUTSIDE for tag in tags[first:last]):
            left_out.append(span)
            continue
        tags[first] = f"B-{span['label']}"
        tags[first + 1:last] = [f"I-{span['label']}"] * (last - first - 1)
    return tags, left_out


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


def sentences(
    text: str, entity_spans: list[dict[str, Any]]
) -> tuple[list[Sentence], list[dict[str, Any]]]:
    """The article cut into tagged sentences, and the entity spans BIO could not hold."""
    offsets = tokenize(text)
    starts, ends = [start for start, _ in offsets], [end for _, end in offsets]
    words = [text[start:end] for start, end in offsets]
    tags, left_out = bio_tags(offsets, entity_spans)
    conll = to_conll(tags, conll2003_map())
    out: list[Sentence] = []
    begin = 0
    for end in _sentence_ends(text, words, starts, ends, tags):
        if end > begin:
            out.append(Sentence(
                start=starts[begin], end=ends[end - 1], tokens=words[begin:end],
                token_starts=starts[begin:end], token_ends=ends[begin:end],
                ner_tags=tags[begin:end], conll_tags=conll[begin:end]))
        begin = end
    return out, left_out


def _sentence_ends(text: str, words: list[str], starts: list[int], ends: list[int],
                   tags: list[str]) -> list[int]:
    """Token indices just past the end of each sentence (the last is len(words))."""
    n = len(words)
    found = set()
    for newline in (i for i, char in enumerate(text) if char == "\n"):
        nxt = bisect.bisect_right(starts, newline)  # first token after the line break
        if 0 < nxt < n and not tags[nxt].startswith("I-"):
            found.add(nxt)  # never inside an entity
    for i, word in enumerate(words):
        nxt = i + 1
        if word not in MARKS or nxt >= n or tags[nxt].startswith("I-"):
            continue
        if ends[i] == starts[nxt] or not starts_sentence(text[starts[nxt]]):
            continue  # no gap: an attached closer ends the sentence; decided at the closer
        attached = i > 0 and ends[i - 1] == starts[i]
        if word in SENTENCE_END:
            if not (attached and is_abbreviation(words[i - 1])):
                found.add(nxt)
        elif attached and words[i - 1] in SENTENCE_END:
            found.add(nxt)  # a closer right after . ! ?
    found.add(n)
    return sorted(found)


def is_abbreviation(word: str) -> bool:
    """Whether a full stop right after `word` rarely ends a sentence."""
    return word.lower() in NO_BREAK_AFTER or (len(word) == 1 and word.isupper())


def starts_sentence(char: str) -> bool:
    """Whether a token starting with `char` can start a sentence."""
    return char.isupper() or char.isdigit() or char in SENTENCE_OPENERS


def token_arrays(points: npt.NDArray[np.uint32]) -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """`TOKEN`'s matches on code points (`chars.token_bounds`, joiners inside words):
    starts, ends, and every code point's class (`chars.SPACE` for the characters tokens
    leave out)."""
    classes = char_classes(points)
    starts, ends = token_bounds(classes, join=True)
    return starts, ends, classes


def sentence_starters(points: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    """Per code point: `starts_sentence`."""
    return lookup(points, _bmp_starters(), starts_sentence)


@functools.cache
def _bmp_starters() -> npt.NDArray[np.bool_]:
    return np.fromiter((starts_sentence(chr(c)) for c in range(0x10000)), np.bool_, 0x10000)
