"""The agreement's token values, worked out a batch of articles at a time, are what
tokenising each article with `TOKEN` and painting its spans one by one gives."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclaims.review.agreement_tokens import TOKEN, Painted, TokenValues


def _one_by_one(text: str, spans: list[Painted]) -> list[int]:
    """Each token's value: spans painted longest first, then the later start (ties in
    their order), so the shortest span over a token is painted last."""
    tokens = [m.span() for m in TOKEN.finditer(text)]
    values = [0] * len(tokens)
    for start, end, value in sorted(spans, key=lambda s: (s[1] - s[0], s[0]), reverse=True):
        for i, (token_start, token_end) in enumerate(tokens):
            if token_start < end and start < token_end:
                values[i] = value
    return values


_TEXT = st.text(alphabet=st.sampled_from("ab9_'.-,! \n\u00a0é🦆"), max_size=30)


@st.composite
def _articles(draw: Any) -> list[tuple[str, list[list[Painted]]]]:
    articles = []
    for text in draw(st.lists(_TEXT, max_size=6)):
        bounds = st.tuples(st.integers(0, len(text)), st.integers(0, len(text))).filter(
            lambda b: b[0] < b[1])
        span = st.tuples(bounds, st.integers(1, 5)).map(lambda s: (*s[0], s[1]))
        spans = st.lists(span, max_size=6) if text else st.just([])  # none in no text
        slots = draw(st.lists(spans, max_size=3))
        articles.append((text, slots))
    return articles


@settings(max_examples=300, deadline=None)
@given(_articles(), st.integers(1, 80))
def test_batches_give_what_each_article_alone_gives(
        articles: list[tuple[str, list[list[Painted]]]], batch_chars: int) -> None:
    batch = TokenValues(batch_chars)
    found = []
    for text, slots in articles:
        values: list[dict[str, Any]] = [{} for _ in slots]
        batch.add(text, [(v, "layer", spans) for v, spans in zip(values, slots, strict=True)])
        found.append(values)
    batch.flush()
    for (text, slots), values in zip(articles, found, strict=True):
        for spans, value in zip(slots, values, strict=True):
            assert value["layer"].dtype == np.uint8
            assert value["layer"].tolist() == _one_by_one(text, spans)
