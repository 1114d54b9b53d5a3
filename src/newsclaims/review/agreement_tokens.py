"""Token values of the agreement readings, worked out a batch of articles at a time.

Every word or punctuation token of a text (`TOKEN`) is one unit of the token-level α;
a reading's value for it in a layer is the label of the shortest span of that layer
overlapping it, else OUTSIDE. Tokens do not overlap, so a span's tokens are one run:
from the first ending after its start to the last starting before its end (none when
that one comes first).

Tokenising each article and painting each reading's spans one by one was a dozen
numpy calls per article and one per span (~0.5 s of a 20,000-task release); a batch
joins its texts by a space (no token crosses one) and paints every span of every
reading in a few calls. tests/test_agreement_tokens.py holds it to the one-by-one way.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import numpy.typing as npt

from newsclaims.core.chars import char_classes, code_points, join_texts, token_bounds

TOKEN = re.compile(r"\w+|[^\w\s]")  # words and single punctuation marks

Values = npt.NDArray[np.uint8]  # one value per token, as an index into a layer's domain
Painted = tuple[int, int, int]  # a span's start, end and value
# Where a batch puts one reading's values of one layer (`values[layer]`), from its spans.
Slot = tuple[dict[str, Values], str, list[Painted]]


def token_offsets(text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Starts and ends of `TOKEN`'s matches, from the character classes (a run of word
    characters, or one character that is neither a word character nor a space)."""
    return token_bounds(char_classes(code_points(text)), join=False)


class TokenValues:
    """Articles buffered as they come, their readings' token values set `batch_chars`
    code points at a time (and by `flush`)."""

    def __init__(self, batch_chars: int = 1 << 19) -> None:
        self.batch_chars = batch_chars
        self._texts: list[str] = []
        self._slots: list[tuple[int, Slot]] = []  # (article in the batch, slot)
        self._chars = 0

    def add(self, text: str, slots: list[Slot]) -> None:
        """Buffer one article; each slot's `values[layer]` is set when its batch is."""
        self._slots += ((len(self._texts), slot) for slot in slots)
        self._texts.append(text)
        self._chars += len(text) + 1
        if self._chars >= self.batch_chars:
            self.flush()

    def flush(self) -> None:
        """Set the values of every buffered slot."""
        if not self._texts:
            return
        slots = self._slots
        text, article_starts = join_texts(self._texts)
        starts, ends = token_offsets(text)
        first_tokens = np.searchsorted(starts, article_starts)  # per article; then n
        articles = np.fromiter((article for article, _ in slots), np.int64, len(slots))
        sizes = np.diff(first_tokens)[articles]  # tokens per slot
        offsets = np.zeros(len(slots) + 1, np.int64)  # of each slot's values in `painted`
        np.cumsum(sizes, out=offsets[1:])
        painted = _paint(slots, articles, article_starts, starts, ends,
                         offsets[:-1] - first_tokens[articles], int(offsets[-1]))
        for (_, (values, layer, _)), begin, end in zip(
                slots, offsets[:-1].tolist(), offsets[1:].tolist(), strict=True):
            values[layer] = painted[begin:end]
        self._texts, self._slots, self._chars = [], [], 0


def _paint(slots: list[tuple[int, Slot]], articles: npt.NDArray[np.int64],
           article_starts: npt.NDArray[np.int64], starts: npt.NDArray[np.int64],
           ends: npt.NDArray[np.int64], shifts: npt.NDArray[np.int64], size: int) -> Values:
    """Every slot's values side by side (slot k's token t at `shifts[k] + t`, t counted
    in the joined text). Where spans overlap, the one painted last wins, as when the
    spans of a slot are painted longest first (then the later start; ties in their
    order): each token takes the highest rank among the spans covering it."""
    counts = [len(spans) for _, (_, _, spans) in slots]
    listed = itertools.chain.from_iterable(spans for _, (_, _, spans) in slots)
    spans = np.fromiter(itertools.chain.from_iterable(listed), np.int64,
                        3 * sum(counts)).reshape(-1, 3)  # half np.array's time
    slot = np.repeat(np.arange(len(slots)), counts)
    shift = article_starts[articles[slot]]
    begin, end, value = spans[:, 0] + shift, spans[:, 1] + shift, spans[:, 2]
    order = np.lexsort((np.arange(len(spans)), -begin, begin - end, slot))
    begin, end, value, slot = begin[order], end[order], value[order], slot[order]
    first = np.searchsorted(ends, begin, "right")
    lengths = np.maximum(np.searchsorted(starts, end, "left") - first, 0)
    # Each span's run of tokens, as positions in the result: one entry per token.
    run_starts = np.cumsum(lengths) - lengths
    at = (np.arange(int(lengths.sum())) - np.repeat(run_starts, lengths)
          + np.repeat(shifts[slot] + first, lengths))
    rank = np.full(size, -1, np.int64)
    np.maximum.at(rank, at, np.repeat(np.arange(len(begin)), lengths))
    return np.concatenate(([0], value)).astype(np.uint8)[rank + 1]
