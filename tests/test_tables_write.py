"""`write_sorted_splits`: sorted rows, one file per split, one dictionary per column in
order of first use, several row groups when a split outgrows one; whatever order the
rows came in."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from newsclaims.release import table_files
from newsclaims.release.table_files import write_sorted_splits
from newsclaims.release.tables import SPLITS, TableBuilder, TableSpec, table_spec


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
    monkeypatch.setattr(table_files, "ROW_GROUP_ROWS", 4)


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


def _spilled_and_kept(rows: list[dict], folder: Path) -> tuple[pa.Table, pa.Table]:
    spec = table_spec("spans")
    kept, spilled = TableBuilder(spec, batch_rows=6), TableBuilder(spec, batch_rows=6,
                                                                   spill_dir=folder)
    for builder in (kept, spilled):
        for row in rows:
            builder.append(row, split=SPLITS[int(row["article_id"], 16) % 3])
    return spilled.table(), kept.table()


def test_a_spilled_builder_gives_the_table_and_files_of_one_in_memory(tmp_path: Path) -> None:
    spill = tmp_path / "spill"
    spill.mkdir()
    spilled, kept = _spilled_and_kept(ROWS, spill)
    assert spilled.num_rows == len(ROWS) and spilled.column(0).num_chunks == 7
    assert spilled.equals(kept, check_metadata=True)
    assert list(spill.iterdir()) == []  # mapped, then unlinked: nothing left behind
    spec = table_spec("spans")
    for name, table in (("spilled", spilled), ("kept", kept)):
        write_sorted_splits(table, spec,
                            {s: tmp_path / name / f"{s}.parquet" for s in SPLITS})
    for split in SPLITS:
        assert (tmp_path / "spilled" / f"{split}.parquet").read_bytes() == (
            tmp_path / "kept" / f"{split}.parquet").read_bytes()


def test_an_empty_spilled_builder_gives_an_empty_table(tmp_path: Path) -> None:
    spilled, kept = _spilled_and_kept([], tmp_path)
    assert spilled.num_rows == 0 and spilled.schema == kept.schema
    assert list(tmp_path.iterdir()) == []


def _tag_batch(article: str, tags: list[list[str]], known: list[str]) -> dict[str, pa.Array]:
    """One batch of an article's sentences, tags as codes over `known` (which grows)."""
    for sentence in tags:
        known.extend(tag for tag in sentence if tag not in known)
    codes = pa.array([known.index(t) for sentence in tags for t in sentence], pa.int8())
    offsets = pa.array([0, *itertools.accumulate(map(len, tags))], pa.int32())
    listed = pa.ListArray.from_arrays(offsets, pa.DictionaryArray.from_arrays(
        codes, pa.array(known)))
    return {"article_id": pa.array([article] * len(tags)), "tags": listed,
            "split": pa.array(["train"] * len(tags))}


def test_a_spilled_dictionary_column_may_grow_between_batches(tmp_path: Path) -> None:
    """The token table's tags are one-byte codes over a dictionary that gains tags as
    articles come; spilled, each batch still reads back with its own tags."""
    fields = [pa.field("article_id", pa.string()), pa.field("tags", pa.list_(pa.string())),
              pa.field("split", pa.string())]
    spec = TableSpec("tagged", "entity", pa.schema(fields),
                            tuple(f.type for f in fields), ("article_id",), "")
    kept, spilled = TableBuilder(spec), TableBuilder(spec, spill_dir=tmp_path)
    for builder in (kept, spilled):
        known: list[str] = ["O"]
        builder.add_batch(_tag_batch("b", [["O", "B-PERSON"], ["O"]], known))
        builder.add_batch(_tag_batch("a", [["B-GPE", "I-GPE", "O", "B-PERSON"]], known))
    # Read back, every batch has the whole (grown) dictionary: the same values.
    table, in_memory = spilled.table(), kept.table()
    assert table.cast(spec.schema).equals(in_memory.cast(spec.schema))
    assert table.column("tags").cast(pa.list_(pa.string())).to_pylist() == [
        ["O", "B-PERSON"], ["O"], ["B-GPE", "I-GPE", "O", "B-PERSON"]]
    write_sorted_splits(table, spec, {"train": tmp_path / "spilled.parquet"})
    write_sorted_splits(in_memory, spec, {"train": tmp_path / "kept.parquet"})
    assert pq.read_table(tmp_path / "spilled.parquet").column("tags").to_pylist() == [
        ["B-GPE", "I-GPE", "O", "B-PERSON"], ["O", "B-PERSON"], ["O"]]
    assert (tmp_path / "spilled.parquet").read_bytes() == (
        tmp_path / "kept.parquet").read_bytes()


@pytest.mark.parametrize("run_rows", [1, 10**9])  # runs as slices; every row gathered
def test_taking_rows_batch_by_batch_is_table_take(monkeypatch: pytest.MonkeyPatch,
                                                  run_rows: int) -> None:
    monkeypatch.setattr(table_files, "_RUN_ROWS", run_rows)
    table = pa.Table.from_pylist([{**r, "split": "train"} for r in ROWS])
    chunked = pa.Table.from_batches(
        [batch for start, size in ((0, 1), (1, 9), (10, 5), (15, 17), (32, 8))
         for batch in table.slice(start, size).to_batches()])
    scattered = random.Random(5).sample(range(len(ROWS)), 25)
    runs = [*range(12, 36), *range(0, 12), *range(36, 40)]  # across batch boundaries
    for rows in (pa.array(scattered, pa.uint64()), pa.array(runs, pa.uint64())):
        taken = table_files._take(chunked, rows)
        assert taken.equals(table.take(rows))
        assert {column.num_chunks for column in taken.columns} == {1}
    assert table_files._take(chunked, pa.array([], pa.uint64())).num_rows == 0
