"""A release loads with newsclaims.load, 🤗 datasets, pandas and DuckDB alike."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import newsclaims
from factories import ADDED_EXPORT, RELEASE_SALT
from newsclaims.core.errors import NewsclaimsError
from newsclaims.release.release import release


@pytest.fixture(scope="module")
def dataset(base_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base release and v0.2.0 (two articles added) in one dataset folder."""
    root = Path(shutil.copytree(base_release.parent, tmp_path_factory.mktemp("load") / "dataset"))
    assert release(ADDED_EXPORT, version="0.2.0", dataset_dir=root, salt=RELEASE_SALT).ok
    return root


def _rows(dataset: Path, version: str, table: str) -> dict[str, int]:
    manifest = json.loads((dataset / f"v{version}" / "manifest.json").read_text())
    return manifest["tables"][table]["rows"]


def test_newsclaims_load_latest_and_by_version(dataset: Path) -> None:
    latest = newsclaims.load("claims", dataset_dir=dataset)
    assert len(latest) == sum(_rows(dataset, "0.2.0", "claims").values())
    assert len(newsclaims.load("claims", version="0.1.0", dataset_dir=dataset)) == sum(
        _rows(dataset, "0.1.0", "claims").values())
    assert all(isinstance(dtype, pd.ArrowDtype) for dtype in latest.dtypes)
    train = newsclaims.load("spans", split="train", dataset_dir=dataset)
    assert len(train) == _rows(dataset, "0.2.0", "spans")["train"]
    assert set(train["split"].astype(str)) == {"train"}


def test_dataset_dir_from_the_environment(dataset: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSCLAIMS_DATASET_DIR", str(dataset))
    assert len(newsclaims.load("articles", version="v0.1.0")) == 6


@pytest.mark.parametrize(
    ("kwargs", "listed"),
    [
        ({"version": "0.3.0"}, "0.1.0, 0.2.0"),
        ({"version": "newest"}, "0.1.0, 0.2.0"),
        ({"table": "tokens"}, "claims"),
        ({"split": "dev"}, "train, validation, test"),
    ],
)
def test_unknown_names_list_what_exists(dataset: Path, kwargs: dict, listed: str) -> None:
    with pytest.raises(NewsclaimsError, match=listed):
        newsclaims.load(dataset_dir=dataset, **kwargs)


def test_empty_dataset_dir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NewsclaimsError, match="no release"):
        newsclaims.load(dataset_dir=tmp_path)


def test_hugging_face_datasets_loads_every_table(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import datasets

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    release_dir = dataset / "v0.2.0"
    for table in ("claims", "entities", "annotations"):
        loaded = datasets.load_dataset(str(release_dir), table, cache_dir=str(tmp_path))
        rows = _rows(dataset, "0.2.0", table)
        assert {name: split.num_rows for name, split in loaded.items()} == {
            name: n for name, n in rows.items() if n}
    claims = datasets.load_dataset(str(release_dir), "claims", cache_dir=str(tmp_path))
    assert "claim_text" in claims["train"].features


def test_pandas_and_duckdb_read_the_files(dataset: Path) -> None:
    release_dir = dataset / "v0.2.0"
    spans = pd.read_parquet(release_dir / "spans")
    expected = sum(_rows(dataset, "0.2.0", "spans").values())
    assert len(spans) == expected
    count = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{release_dir}/spans/*.parquet')").fetchall()
    assert count == [(expected,)]
    claims = duckdb.sql(
        f"SELECT claim_text FROM read_parquet('{release_dir}/claims/*.parquet') "
        "WHERE attribution_type = 'DIRECT_QUOTE'").fetchall()
    assert claims == [("We will not raise taxes",)]
