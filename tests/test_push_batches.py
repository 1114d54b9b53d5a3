"""Import requests are bounded by tasks and by JSON bytes, keep input order, and never
drop or split a task (an oversized one travels alone)."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclaims.studio.push import _batches


def _task(n: int, chars: int) -> dict:
    return {"data": {"article_id": f"{n:016x}", "text": "x" * chars}}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 400), max_size=40), st.integers(1, 7), st.integers(50, 900))
def test_batches_respect_both_limits_and_lose_nothing(sizes: list[int], max_tasks: int,
                                                      max_bytes: int) -> None:
    tasks = [_task(n, chars) for n, chars in enumerate(sizes)]
    batches = list(_batches(iter(tasks), max_tasks, max_bytes))
    assert [t for batch, _ in batches for t in batch] == tasks
    for batch, encoded in batches:
        assert 1 <= len(batch) <= max_tasks
        assert encoded == [orjson.dumps(t) for t in batch]  # what the request sends
        assert sum(map(len, encoded)) <= max_bytes or len(batch) == 1


def test_tasks_fill_a_request_up_to_the_byte_limit() -> None:
    tasks = [_task(n, 100) for n in range(10)]
    one = len(orjson.dumps(tasks[0]))
    batches = list(_batches(tasks, 1000, 3 * one))
    assert [len(b) for b, _ in batches] == [3, 3, 3, 1]
