"""`TableBuilder` rows: appended one by one or extended many at a time, in the order
they came, across batches; `extra` values win over the row's, missing columns are
null."""

from __future__ import annotations

from newsclaims.release import tables
from newsclaims.release.tables import TableBuilder, table_spec


def test_appended_and_extended_rows_keep_their_order_across_batches() -> None:
    spec = table_spec("relations")
    builder = TableBuilder(spec, batch_rows=3)
    rows = [{"article_id": "stale", "from_id": f"f{i}", "to_id": f"t{i}", "type": "source",
             "from_label": "CLAIM", "unknown": i} for i in range(7)]
    builder.append(rows[0], article_id="a1", split="train")
    builder.extend(rows[1:4], article_id="a2", split="test")
    builder.extend([], article_id="a9", split="test")
    builder.append(rows[4], article_id="a3", split="validation")
    builder.extend(rows[5:], article_id="a4", split="train")
    table = builder.table()
    assert builder.rows == table.num_rows == 7
    assert table.column_names == list(spec.columns)
    assert table.column("article_id").to_pylist() == ["a1", "a2", "a2", "a2", "a3", "a4", "a4"]
    assert table.column("from_id").to_pylist() == [f"f{i}" for i in range(7)]
    assert table.column("split").to_pylist() == ["train", "test", "test", "test",
                                                 "validation", "train", "train"]
    assert table.column("to_label").null_count == 7


def test_a_row_of_one_column_is_still_a_tuple() -> None:
    assert tables._picker(["a"])({"a": 1, "b": 2}) == (1,)
    assert tables._picker(["b", "a"])({"a": 1, "b": 2}) == (2, 1)
