"""A release spills its tables to Arrow IPC files in its temporary spill folder while it
builds them, and leaves none behind: not after it succeeds, not after it fails (a
release killed outright is cleaned by the next one: test_release_killed.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from factories import BASE_EXPORT, RELEASE_SALT
from newsclaims.release import build, tables
from newsclaims.release.release import TEMP_PREFIX, release
from newsclaims.release.verify import verify


@pytest.fixture
def spill_files(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Every spill file the release creates (the real class, only watched)."""
    created: list[Path] = []
    original = tables.SpillFile.__init__

    def watched(self: tables.SpillFile, folder: Path, name: str) -> None:
        original(self, folder, name)
        created.append(self.path)

    monkeypatch.setattr(tables.SpillFile, "__init__", watched)
    yield created


def test_a_release_spills_every_table_and_leaves_no_file(tmp_path: Path,
                                                         spill_files: list[Path]) -> None:
    dataset = tmp_path / "dataset"
    result = release(BASE_EXPORT, version="0.1.0", dataset_dir=dataset, salt=RELEASE_SALT)
    assert result.ok and verify(dataset / "v0.1.0") == []
    # The builders' tables and DuckDB's region tables, in the release's spill folder.
    names = sorted(path.name.split("-")[0] for path in spill_files)
    assert names == sorted([*tables.table_specs(), "annotation_spans", "spans", "relations",
                            "claims"])
    assert {path.parent.name.startswith(f"{TEMP_PREFIX}duckdb-") for path in spill_files} == {
        True}
    assert {path.parent.parent for path in spill_files} == {dataset}
    assert not any(path.exists() for path in spill_files)
    assert sorted(p.name for p in dataset.iterdir()) == ["CHANGELOG.md", "splits.json",
                                                         "v0.1.0"]


def test_a_release_that_fails_mid_pass_leaves_no_spill_file(
    tmp_path: Path, spill_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = tmp_path / "dataset"
    existed: list[bool] = []
    original = build.convert_task

    def failing(task: dict[str, Any], **kwargs: Any) -> Any:
        if task["id"] == 3:
            existed.extend(path.exists() for path in spill_files)
            raise RuntimeError("the pass broke")
        return original(task, **kwargs)

    monkeypatch.setattr(build, "convert_task", failing)
    with pytest.raises(RuntimeError, match="the pass broke"):
        release(BASE_EXPORT, version="0.1.0", dataset_dir=dataset, salt=RELEASE_SALT)
    assert existed and all(existed)  # the builders' files were there when it broke
    assert not any(path.exists() for path in spill_files)
    assert not list(dataset.glob(f"{TEMP_PREFIX}*"))
