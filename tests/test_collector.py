"""The cyclic garbage collector is paused around batch work and always turned back on."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import newsclaims
from factories import BASE_EXPORT, RELEASE_SALT
from newsclaims.core.collector import collector_paused
from newsclaims.release.release import release


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_on_again_after(collector_on: None) -> None:
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause does not end the outer one
    assert gc.isenabled()


def test_on_again_after_an_exception(collector_on: None) -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_a_release_makes_no_cyclic_collection(tmp_path: Path, collector_on: None) -> None:
    passes: list[str] = []  # where in newsclaims a collection started

    def count(phase: str, info: dict[str, int]) -> None:
        frame = sys._getframe(1)
        while phase == "start" and frame is not None:
            where = Path(frame.f_code.co_filename)
            if PACKAGE in where.parents and where.name != "collector.py":
                passes.append(f"{where.name}:{frame.f_lineno}")
                return
            frame = frame.f_back

    # Collect at almost every allocation: only the pause keeps the release's code
    # (everything but the pause's own entry and exit) from starting a collection.
    gc.set_threshold(1, 1, 1)
    gc.callbacks.append(count)
    try:
        result = release(BASE_EXPORT, version="0.1.0", dataset_dir=tmp_path, salt=RELEASE_SALT)
    finally:
        gc.callbacks.remove(count)
        gc.set_threshold(*_DEFAULT_THRESHOLDS)
    assert result.ok, result.problems
    assert passes == []
    assert gc.isenabled()


_DEFAULT_THRESHOLDS = gc.get_threshold()
PACKAGE = Path(newsclaims.__file__).parent
