"""The token-level `entities` view: sentences, tokens with offsets, BIO tags.

NER training wants tokens and BIO tags, not character spans. Tokenisation is a fixed
regular expression (words with inner apostrophes, hyphens or dots; every other
non-space character alone), so a release never depends on a model download and the
same text always gives the same tokens. Sentences end at . ! ? (plus closing quotes
or brackets) before a capitalised token, at line breaks, never inside an entity and
not after a short list of titles and initials. The CoNLL-2003 4-type tags are
derived from the OntoNotes tags with the map in schemas/record-entity.schema.json.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from newsclaims.errors import NewsclaimsError
from newsclaims.scheme import Scheme
from newsclaims.tables import conll2003_map

TOKEN = re.compile(r"\w+(?:['’.\-]\w+)*|[^\w\s]")
_SENTENCE_END = {".", "!", "?", "…"}
_CLOSERS = {'"', "'", "”", "’", ")", "]", "»"}
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
    tags = [OUTSIDE] * len(offsets)
    starts = [start for start, _ in offsets]
    ends = [end for _, end in offsets]
    left_out = []
    for span in sorted(spans, key=lambda s: (s["start"], -(s["end"] - s["start"]), s["label"])):
        first = bisect.bisect_right(ends, span["start"])
        last = bisect.bisect_left(starts, span["end"])
        if first >= last or any(tag != OUTSIDE for tag in tags[first:last]):
            left_out.append(span)
            continue
        tags[first] = f"B-{span['label']}"
        for i in range(first + 1, last):
            tags[i] = f"I-{span['label']}"
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
    mapping = conll2003_map()
    offsets = tokenize(text)
    tags, left_out = bio_tags(offsets, entity_spans)
    out: list[Sentence] = []
    begin = 0
    for end in _sentence_ends(text, offsets, tags):
        part = offsets[begin:end]
        if part:
            ner = tags[begin:end]
            out.append(
                Sentence(
                    start=part[0][0],
                    end=part[-1][1],
                    tokens=[text[s:e] for s, e in part],
                    token_starts=[s for s, _ in part],
                    token_ends=[e for _, e in part],
                    ner_tags=ner,
                    conll_tags=to_conll(ner, mapping),
                )
            )
        begin = end
    return out, left_out


def _sentence_ends(text: str, offsets: list[tuple[int, int]], tags: list[str]) -> list[int]:
    """Token indices just past the end of each sentence (the last is len(offsets))."""
    ends = []
    n = len(offsets)
    for i in range(n - 1):
        nxt = i + 1
        if tags[nxt].startswith("I-"):
            continue  # never inside an entity
        gap = text[offsets[i][1] : offsets[nxt][0]]
        if "\n" in gap:
            ends.append(nxt)
            continue
        token = text[offsets[i][0] : offsets[i][1]]
        if token not in _SENTENCE_END:
            continue
        if not gap and text[offsets[nxt][0] : offsets[nxt][1]] in _CLOSERS:
            continue  # an attached closer ends the sentence; decided at the closer
        if i > 0 and _is_abbreviation(text, offsets[i - 1], offsets[i]):
            continue
        if _starts_sentence(text, offsets[nxt]) and gap:
            ends.append(nxt)
    closer_ends = _closer_ends(text, offsets, tags)
    return sorted(set(ends) | closer_ends | {n})


def _closer_ends(text: str, offsets: list[tuple[int, int]], tags: list[str]) -> set[int]:
    """Sentence ends after closing quotes/brackets that follow . ! ?."""
    found = set()
    for i in range(1, len(offsets) - 1):
        token = text[offsets[i][0] : offsets[i][1]]
        previous = text[offsets[i - 1][0] : offsets[i - 1][1]]
        following = offsets[i + 1]
        if (
            token in _CLOSERS
            and previous in _SENTENCE_END
            and offsets[i - 1][1] == offsets[i][0]
            and not tags[i + 1].startswith("I-")
            and text[offsets[i][1] : following[0]]
            and _starts_sentence(text, following)
        ):
            found.add(i + 1)
    return found


def _is_abbreviation(text: str, word: tuple[int, int], stop: tuple[int, int]) -> bool:
    if word[1] != stop[0]:
        return False
    token = text[word[0] : word[1]]
    return token.lower() in _NO_BREAK_AFTER or (len(token) == 1 and token.isupper())


def _starts_sentence(text: str, token: tuple[int, int]) -> bool:
    first = text[token[0]]
    return first.isupper() or first.isdigit() or first in "\"'“‘(["
