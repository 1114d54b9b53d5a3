"""The `entities` table, built a batch of articles at a time.

An article has ~480 tokens, so numpy calls per article cost more than their
arithmetic. `tag_batch` tokenises, tags and cuts into sentences many articles at
once: their texts joined by a space (no token crosses one), a few numpy calls per
batch, Python only for the few full stops after a short word (an abbreviation?) and
for articles whose entities overlap. It gives exactly what `tokens.sentences` gives
each article (tests/test_release_tokens.py holds it to that).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from newsclaims.core.chars import SPACE, char_classes, code_points, join_texts
from newsclaims.core.errors import NewsclaimsError, Problem, Severity
from newsclaims.release.tables import TableBuilder, conll2003_map
from newsclaims.release.tokens import (
    MARKS,
    NO_BREAK_AFTER,
    OUTSIDE,
    SENTENCE_END,
    is_abbreviation,
    sentence_starters,
    to_conll,
    token_arrays,
)


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


@dataclass(slots=True)
class TaggedBatch:
    """Several articles' tokens as arrays, in article order: the `entities` table's
    columns with no Python object per token or sentence. Offsets are code points into
    the token's own article; `words` is the articles' non-space characters in UTF-8
    (the tokens cover exactly those, in order), cut by `word_bytes`."""

    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    tags: npt.NDArray[np.uint8]  # codes into the `TagCodes` given to `tag_batch`
    words: bytes
    word_bytes: npt.NDArray[np.int64]
    sentence_ends: npt.NDArray[np.int64]  # per sentence: the token index just past it
    sentence_articles: npt.NDArray[np.int64]  # per sentence: its article's index
    left_out: list[list[dict[str, Any]]]  # per article: the entity spans BIO could not hold


def tag_batch(texts: Sequence[str], entity_spans: Sequence[Sequence[dict[str, Any]]],
              codes: TagCodes) -> TaggedBatch:
    """Tokens, BIO tag codes and sentences of several articles (`tokens.sentences`)."""
    text, article_starts = join_texts(texts)
    points = code_points(text)
    starts, ends, classes = token_arrays(points)
    first_tokens = np.searchsorted(starts, article_starts)  # per article; the last is n
    token_articles = np.repeat(np.arange(len(texts)), np.diff(first_tokens))
    tags, left_out = _bio_codes(starts, ends, first_tokens, article_starts, entity_spans, codes)
    sentence_ends = _sentence_ends(text, points, starts, ends, codes.inside()[tags],
                                   first_tokens, article_starts)
    words, word_bytes = _words(text, points, classes, starts, ends)
    shift = article_starts[token_articles]
    return TaggedBatch(starts - shift, ends - shift, tags, words, word_bytes, sentence_ends,
                       token_articles[sentence_ends - 1], left_out)


def _bio_codes(starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64],
               first_tokens: npt.NDArray[np.int64], article_starts: npt.NDArray[np.int64],
               entity_spans: Sequence[Sequence[dict[str, Any]]],
               codes: TagCodes) -> tuple[npt.NDArray[np.uint8], list[list[dict[str, Any]]]]:
    """`tokens.bio_tags` of every article as codes: spans in its order (a stable sort
    by article, start, longest, label), each span's tokens found in the joined text
    and kept inside its article's. A span is kept when it covers a token and starts
    past the last token of every span kept before it in its article; only articles
    where one does not are decided span by span."""
    flat = [span for spans in entity_spans for span in spans]
    left_out: list[list[dict[str, Any]]] = [[] for _ in entity_spans]
    if not flat:
        return np.zeros(len(starts), np.uint8), left_out
    labels = sorted({span["label"] for span in flat})
    rank = {label: i for i, label in enumerate(labels)}
    articles = np.repeat(np.arange(len(entity_spans)), [len(spans) for spans in entity_spans])
    begin = np.array([span["start"] for span in flat], np.int64)
    end = np.array([span["end"] for span in flat], np.int64)
    ranks = np.array([rank[span["label"]] for span in flat], np.int64)
    order = np.lexsort((ranks, begin - end, begin, articles))
    articles, begin, end, ranks = articles[order], begin[order], end[order], ranks[order]
    low, high = first_tokens[articles], first_tokens[articles + 1]
    first = np.clip(np.searchsorted(ends, begin + article_starts[articles], "right"), low, high)
    last = np.clip(np.searchsorted(starts, end + article_starts[articles]), low, high)
    covers = first < last
    # A span's first token is never before an earlier article's last: one running
    # maximum serves every article.
    reach = np.maximum.accumulate(np.where(covers, last, 0))
    kept = covers & (first >= np.concatenate(([0], reach[:-1])))
    if (covers & ~kept).any():
        _keep_one_by_one(kept, first, last, np.isin(articles, articles[covers & ~kept]))
    for i, article in zip(order[~kept].tolist(), articles[~kept].tolist(), strict=True):
        left_out[article].append(flat[i])
    # Codes in order of first use, as span by span, article by article.
    used, at = np.unique(ranks[kept], return_index=True)
    b_codes, i_codes = np.zeros(len(labels), np.uint8), np.zeros(len(labels), np.uint8)
    for label in used[np.argsort(at)].tolist():
        b_codes[label] = codes.code(f"B-{labels[label]}")
        i_codes[label] = codes.code(f"I-{labels[label]}")
    first, last, ranks = first[kept], last[kept], ranks[kept]
    # Kept spans do not overlap: +k at a span's first token, -k past its last, summed.
    number = np.zeros(len(starts) + 1, np.int64)
    number[first] += np.arange(1, len(first) + 1)
    number[last] -= np.arange(1, len(first) + 1)
    tags: npt.NDArray[np.uint8] = np.concatenate(([0], i_codes[ranks]))[
        np.cumsum(number[:-1])].astype(np.uint8)
    tags[first] = b_codes[ranks]
    return tags, left_out


def _keep_one_by_one(kept: npt.NDArray[np.bool_], first: npt.NDArray[np.int64],
                     last: npt.NDArray[np.int64], chosen: npt.NDArray[np.bool_]) -> None:
    """`kept` decided span by span for the `chosen` spans (their articles' all)."""
    reach = 0  # an earlier article's spans end before this one's start
    for i in np.flatnonzero(chosen).tolist():
        kept[i] = bool(first[i] < last[i] and first[i] >= reach)
        if kept[i]:
            reach = int(last[i])


def _sentence_ends(joined: str, points: npt.NDArray[np.uint32], starts: npt.NDArray[np.int64],
                   ends: npt.NDArray[np.int64], inside: npt.NDArray[np.bool_],
                   first_tokens: npt.NDArray[np.int64],
                   article_starts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Token indices just past the end of each sentence of the batch, in order (each
    article's last sentence ends at its last token).

    Only tokens next to a line break, a sentence-final mark or a closer can end a
    sentence, so only those are looked at (not every token). Tokens of two articles
    are never attached (the joining space is between them).
    """
    n = len(starts)
    opens = np.zeros(n + 1, np.bool_)  # whether a token is its article's first (and n)
    opens[first_tokens] = True
    breaks = np.flatnonzero(points == _NEWLINE)
    after = np.searchsorted(starts, breaks, "right")
    article = np.searchsorted(article_starts, breaks, "right") - 1
    after = after[(after > first_tokens[article]) & (after < first_tokens[article + 1])]
    found = [after[~inside[after]], first_tokens[1:]]  # never inside an entity
    firsts = np.minimum(points[starts], len(_IS_MARK) - 1)
    marks = np.flatnonzero(_IS_MARK[firsts[:-1]] & ((ends - starts)[:-1] == 1))
    nxt = marks + 1
    # No gap: an attached closer ends the sentence; decided at the closer.
    marks = marks[~opens[nxt] & ~inside[nxt] & (ends[marks] != starts[nxt])]
    marks = marks[sentence_starters(points[starts[marks + 1]])]
    attached = ~opens[marks] & (ends[marks - 1] == starts[marks])
    stops = _IS_END[firsts[marks]]
    closers = marks[~stops & attached & _IS_END[firsts[marks - 1]]
                    & ((ends - starts)[marks - 1] == 1)]  # a closer right after . ! ?
    found += [marks[stops & ~attached] + 1, closers + 1,
              _not_after_abbreviations(joined, starts, ends, marks[stops & attached]) + 1]
    sentence_ends = np.unique(np.concatenate(found))
    return sentence_ends[sentence_ends > 0]  # 0: the end of articles without tokens


def _not_after_abbreviations(joined: str, starts: npt.NDArray[np.int64],
                             ends: npt.NDArray[np.int64],
                             stops: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The `stops` (. ! ? attached to the token before) not after an abbreviation. A
    word longer than every abbreviation is none (lower() never shortens a word); the
    rest are tested as strings."""
    short = (ends[stops - 1] - starts[stops - 1]) <= _LONGEST_ABBREVIATION
    tested = [i for i, a, b in zip(stops[short].tolist(), starts[stops[short] - 1].tolist(),
                                   ends[stops[short] - 1].tolist(), strict=True)
              if not is_abbreviation(joined[a:b])]
    return np.concatenate((stops[~short], np.array(tested, np.int64)))


def _words(joined: str, points: npt.NDArray[np.uint32], classes: npt.NDArray[np.uint8],
           starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
           ) -> tuple[bytes, npt.NDArray[np.int64]]:
    """The non-space characters in UTF-8 (every token's, in order), and each token's
    length in bytes: its length in code points plus the extra bytes of the few
    characters past ASCII in it."""
    wide = np.flatnonzero(points >= 0x80)
    spaces = classes[wide] == SPACE
    for point in np.unique(points[wide[spaces]]).tolist():  # e.g. no-break spaces
        joined = joined.replace(chr(point), "")
    words = joined.encode("utf-8").translate(None, _ascii_spaces())
    word_bytes = ends - starts
    inner = wide[~spaces]  # every non-space character is in a token
    np.add.at(word_bytes, np.searchsorted(starts, inner, "right") - 1,
              1 + (points[inner] >= 0x800).astype(np.int64) + (points[inner] >= 0x10000))
    return words, word_bytes


@functools.cache
def _ascii_spaces() -> bytes:
    return bytes(np.flatnonzero(char_classes(np.arange(0x80, dtype=np.uint32)) == SPACE).tolist())


_NEWLINE = ord("\n")
_LONGEST_ABBREVIATION = max(1, *map(len, NO_BREAK_AFTER))  # 1: a capital initial
# Whether a code point is one of MARKS / SENTENCE_END (all below U+2100; the last
# entry stands for every code point past them and is False).
_IS_MARK = np.zeros(max(map(ord, MARKS)) + 2, np.bool_)
_IS_MARK[[ord(mark) for mark in MARKS]] = True
_IS_END = np.zeros_like(_IS_MARK)
_IS_END[[ord(mark) for mark in SENTENCE_END]] = True


class EntityColumns:
    """The `entities` table's columns. Articles are buffered as they come and tagged
    `batch_chars` code points at a time (`tag_batch`); each batch goes to the builder
    as Arrow list arrays built from the batch's arrays."""

    def __init__(self, builder: TableBuilder, layer: str, batch_chars: int = 1 << 19) -> None:
        self.builder, self.layer, self.batch_chars = builder, layer, batch_chars
        self.mapping = conll2003_map()
        self.codes = TagCodes()
        self._clear()

    def _clear(self) -> None:
        self.texts: list[str] = []
        self.spans: list[list[dict[str, Any]]] = []
        self.article_ids: list[str] = []
        self.splits: list[str] = []
        # Per article: its task, and where in which problems list its warnings belong.
        self.places: list[tuple[Any, list[Problem], int]] = []
        self.chars = 0

    def add(self, text: str, spans: list[dict[str, Any]], aid: str, split: str, task_id: Any,
            problems: list[Problem]) -> None:
        """Buffer one article. Entity spans BIO cannot hold are reported (when its batch
        is tagged) in `problems` where they would have been appended now."""
        self.texts.append(text)
        self.spans.append(spans)
        self.article_ids.append(aid)
        self.splits.append(split)
        self.places.append((task_id, problems, len(problems)))
        self.chars += len(text) + 1
        if self.chars >= self.batch_chars:
            self.flush()

    def flush(self) -> None:
        """Tag the buffered articles and hand their rows to the builder."""
        if not self.texts:
            return
        batch = tag_batch(self.texts, self.spans, self.codes)
        self._report(batch.left_out)
        if len(batch.sentence_ends):
            self.builder.add_batch(self._columns(batch))
        self._clear()

    def _columns(self, batch: TaggedBatch) -> dict[str, pa.Array]:
        offsets = pa.array(np.concatenate(([0], batch.sentence_ends)).astype(np.int32))
        begins = np.concatenate(([0], batch.sentence_ends[:-1]))
        articles = pa.array(batch.sentence_articles)
        # Sentence numbers restart at each article's first sentence.
        numbers = np.arange(len(begins)) - np.searchsorted(batch.sentence_articles,
                                                           batch.sentence_articles)

        def listed(values: pa.Array) -> pa.ListArray:
            return pa.ListArray.from_arrays(offsets, values)

        words = pa.StringArray.from_buffers(
            len(batch.starts),
            pa.py_buffer(np.concatenate(([0], np.cumsum(batch.word_bytes))).astype(np.int32)),
            pa.py_buffer(batch.words))
        # Tags stay codes: written as strings (`table_files._as_written`).
        codes = pa.array(batch.tags.astype(np.int8))
        return {
            "article_id": pa.array(self.article_ids, pa.string()).take(articles),
            "sentence": pa.array(numbers.astype(np.int32)),
            "start": pa.array(batch.starts[begins].astype(np.int32)),
            "end": pa.array(batch.ends[batch.sentence_ends - 1].astype(np.int32)),
            "tokens": listed(words),
            "token_starts": listed(pa.array(batch.starts.astype(np.int32))),
            "token_ends": listed(pa.array(batch.ends.astype(np.int32))),
            "ner_tags": listed(pa.DictionaryArray.from_arrays(codes, self.codes.tags)),
            "conll_tags": listed(pa.DictionaryArray.from_arrays(
                codes, to_conll(self.codes.tags, self.mapping))),
            "split": pa.array(self.splits, pa.string()).take(articles),
        }

    def _report(self, left_out: list[list[dict[str, Any]]]) -> None:
        """An `entity-not-in-bio` warning per span left out, put where `add` was called
        in its problems list (after what came before that article, before what came
        after), so the order is the same as if each article were tagged as it came."""
        merged: dict[int, tuple[list[Problem], list[Problem], int]] = {}
        for spans, aid, (task_id, problems, at) in zip(left_out, self.article_ids, self.places,
                                                       strict=True):
            if not spans:
                continue
            into, new, copied = merged.setdefault(id(problems), (problems, [], 0))
            new += problems[copied:at]
            new += (Problem(
                Severity.WARNING, "entity-not-in-bio",
                f"{span['label']} {span['start']}..{span['end']} overlaps another entity; "
                "left out of the token-level entities table (still in spans)",
                task_id=task_id, article_id=aid, region_id=span.get("region_id"))
                for span in spans)
            merged[id(problems)] = (into, new, at)
        for problems, new, copied in merged.values():
            problems[:] = new + problems[copied:]
