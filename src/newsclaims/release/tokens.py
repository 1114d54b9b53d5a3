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
    return _bio_tags([start for start, _ in offsets], [end for _, end in offsets], spans)


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
    """One article's tokens as flat lists, and where its sentences end (token indices,
    the last is the number of tokens): the `entities` table's columns without
    per-sentence objects."""

    words: list[str]
    starts: list[int]
    ends: list[int]
    ner_tags: list[str]
    conll_tags: list[str]
    sentence_ends: list[int]
    left_out: list[dict[str, Any]]  # entity spans BIO could not hold


def tag_text(text: str, entity_spans: list[dict[str, Any]],
             mapping: dict[str, str | None] | None = None) -> TaggedText:
    """Tokens, BIO tags and sentence ends of `text` (see the module docstring)."""
    matches = list(TOKEN.finditer(text))
    words = list(map(re.Match.group, matches))
    starts = list(map(re.Match.start, matches))
    ends = list(map(re.Match.end, matches))
    tags, left_out = _bio_tags(starts, ends, entity_spans)
    conll = _conll_of(tags, conll2003_map() if mapping is None else mapping)
    cuts = [end for end in _sentence_ends(text, words, starts, ends, tags) if end]
    return TaggedText(words, starts, ends, tags, list(map(conll.__getitem__, tags)),
                      cuts, left_out)


def sentences(
    text: str, entity_spans: list[dict[str, Any]]
) -> tuple[list[Sentence], list[dict[str, Any]]]:
    """The article cut into tagged sentences, and the entity spans BIO could not hold."""
    tagged = tag_text(text, entity_spans)
    out: list[Sentence] = []
    begin = 0
    for end in tagged.sentence_ends:
        out.append(Sentence(
            start=tagged.starts[begin], end=tagged.ends[end - 1],
            tokens=tagged.words[begin:end], token_starts=tagged.starts[begin:end],
            token_ends=tagged.ends[begin:end], ner_tags=tagged.ner_tags[begin:end],
            conll_tags=tagged.conll_tags[begin:end]))
        begin = end
    return out, tagged.left_out


def _bio_tags(starts: list[int], ends: list[int],
              spans: Iterable[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """`bio_tags` on token offsets already split into starts and ends."""
    tags = [OUTSIDE] * len(starts)
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


def _conll_of(tags: list[str], mapping: dict[str, str | None]) -> dict[str, str]:
    """CoNLL-2003 tag of every distinct OntoNotes tag in `tags` (as `to_conll` maps)."""
    distinct = list(set(tags))
    return dict(zip(distinct, to_conll(distinct, mapping), strict=True))


def _sentence_ends(text: str, words: list[str], starts: list[int], ends: list[int],
                   tags: list[str]) -> list[int]:
    """Token indices just past the end of each sentence (the last is len(words)).

    Only tokens next to a line break, a sentence-final mark or a closer can end a
    sentence, so only those are looked at (not every token).
    """
    n = len(words)
    found = set()
    newline = text.find("\n")
    while newline != -1:
        nxt = bisect.bisect_right(starts, newline)  # first token after the line break
        if 0 < nxt < n and not tags[nxt].startswith("I-"):
            found.add(nxt)  # never inside an entity
        newline = text.find("\n", newline + 1)
    for i in [i for i, word in enumerate(words) if word in _MARKS]:
        nxt = i + 1
        if nxt >= n or tags[nxt].startswith("I-") or ends[i] == starts[nxt]:
            continue  # no gap: an attached closer ends the sentence; decided at the closer
        if not _starts_sentence(text, starts[nxt]):
            continue
        word = words[i]
        if word in _SENTENCE_END:
            if i == 0 or not _is_abbreviation(words[i - 1], ends[i - 1], starts[i]):
                found.add(nxt)
        elif i > 0 and words[i - 1] in _SENTENCE_END and ends[i - 1] == starts[i]:
            found.add(nxt)  # a closer right after . ! ?
    found.add(n)
    return sorted(found)


def _is_abbreviation(word: str, word_end: int, stop_start: int) -> bool:
    if word_end != stop_start:
        return False
    return word.lower() in _NO_BREAK_AFTER or (len(word) == 1 and word.isupper())


def _starts_sentence(text: str, start: int) -> bool:
    first = text[start]
    return first.isupper() or first.isdigit() or first in "\"'“‘(["
