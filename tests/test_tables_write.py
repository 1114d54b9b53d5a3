"""`write_sorted_splits`: sorted rows, one file per split, one dictionary per column in
order of first use, several row groups when a split outgrows one; whatever order the
rows came in."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from newsclaims.release import tables
from newsclaims.release.tables import SPLITS, TableBuilder, table_spec, write_sorted_splits


def _span(i: int) -> dict:
    return {
        "article_id": f"{i % 7:016x}", "region_id": f"r{i:03d}", "layer": "attribution",
        "label": ("CLAIM", "SOURCE", "CUE")[i % 3], "start": (i * 13) % 50, "end": 60 + i,
        "text": f"text {i}", "trimmed": False,
        "attribution_type": None if i % 3 else ("DIRECT", "INDIRECT")[i % 2],
        "certainty": None, "source_type": None,
    }


ROWS = [_span(i) for i in range(40)]


def _write(rows: list[dict], folder: Path) -> dict[str, int]:
    spec = table_spec("spans")
    builder = TableBuilder(spec, batch_rows=6)  # several batches
    for row in rows:
        builder.append(row, split=SPLITS[int(row["article_id"], 16) % 3])
    return write_sorted_splits(builder.table(), spec,
                               {split: folder / f"{split}.parquet" for split in SPLITS})


@pytest.fixture
def small_row_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "ROW_GROUP_ROWS", 4)


def test_each_split_is_sorted_complete_and_encoded(tmp_path: Path, small_row_groups: None) -> None:
    rows = _write(ROWS, tmp_path)
    spec = table_spec("spans")
    assert sum(rows.values()) == len(ROWS)
    for split in SPLITS:
        file = pq.ParquetFile(tmp_path / f"{split}.parquet")
        assert file.metadata.num_rows == rows[split]
        assert file.metadata.num_row_groups == -(-rows[split] // 4)
        table = file.read()
        assert table.schema == spec.schema
        keys = [tuple(r[k] for k in spec.sort) for r in table.to_pylist()]
        assert keys == sorted(keys)
        assert set(table.column("split").to_pylist()) == {split}
        assert table.column("attribution_type").null_count == sum(
            1 for r in ROWS if r["attribution_type"] is None
            and SPLITS[int(r["article_id"], 16) % 3] == split)
    written = [r for s in SPLITS for r in pq.read_table(tmp_path / f"{s}.parquet").to_pylist()]
    assert sorted((r["region_id"], r["label"], r["start"]) for r in written) == sorted(
        (r["region_id"], r["label"], r["start"]) for r in ROWS)


def test_dictionary_follows_first_use_in_sorted_rows(tmp_path: Path) -> None:
    _write(ROWS, tmp_path)
    spec = table_spec("spans")
    everything = sorted(ROWS, key=lambda r: tuple(r[k] for k in spec.sort))
    first_use = list(dict.fromkeys(r["label"] for r in everything))
    label = pq.read_table(tmp_path / "train.parquet").column("label").combine_chunks()
    assert label.dictionary.to_pylist() == first_use


def test_input_order_does_not_change_the_bytes(tmp_path: Path, small_row_groups: None) -> None:
    shuffled = ROWS[:]
    random.Random(3).shuffle(shuffled)
    _write(ROWS, tmp_path / "a")
    _write(shuffled, tmp_path / "b")
    for split in SPLITS:
        assert (tmp_path / "a" / f"{split}.parquet").read_bytes() == (
            tmp_path / "b" / f"{split}.parquet").read_bytes()


def test_an_empty_table_writes_empty_files(tmp_path: Path) -> None:
    assert _write([], tmp_path) == dict.fromkeys(SPLITS, 0)
    for split in SPLITS:
        assert pq.read_table(tmp_path / f"{split}.parquet").num_rows == 0
    assert pa.types.is_dictionary(
        pq.read_schema(tmp_path / "train.parquet").field("label").type)
