"""The committed dataset: v0.1.0 (release format 1) and v0.2.0 (format 2, the same
gold) are intact and carry the reviewed seed gold exactly; v0.2.0 rebuilds byte for
byte from the committed Label Studio export."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import newsclaims
from newsclaims.core.scheme import load_scheme
from newsclaims.ingest.ingest import ingest
from newsclaims.release.release import release
from newsclaims.release.verify import verify
from newsclaims.review.surface import load_surface_gold, to_result

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "dataset"
V010 = DATASET / "v0.1.0"
V020 = DATASET / "v0.2.0"
GOLD = DATASET / "gold" / "seed-000_3555f0db28fc0288.yaml"


def source_export() -> Path:
    (export,) = sorted((DATASET / "annotations").glob("*Z.json"))
    return export


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("release_dir", [V010, V020], ids=["v0.1.0", "v0.2.0"])
def test_committed_releases_verify(release_dir: Path):
    assert verify(release_dir) == []


def test_the_formats_are_what_each_release_says():
    assert "format_version" not in json.loads((V010 / "manifest.json").read_text())
    assert json.loads((V020 / "manifest.json").read_text())["format_version"] == 2
    # Format 2 writes a CRC32 per data page (Thrift field 8 of PageHeader); 1 did not.
    for release_dir, checksummed in ((V010, False), (V020, True)):
        files = [p for p in sorted(release_dir.rglob("*.parquet"))
                 if pq.ParquetFile(p).metadata.num_row_groups]
        assert len(files) >= 7  # every table has rows in train
        for path in files:
            assert _pages_carry_crc(path) is checksummed, path


def test_v0_2_0_holds_the_rows_of_v0_1_0():
    for table in ("articles", "spans", "relations", "claims", "entities", "annotations",
                  "annotation_spans"):
        old = newsclaims.load(table, version="0.1.0", dataset_dir=DATASET)
        new = newsclaims.load(table, version="0.2.0", dataset_dir=DATASET)
        pd.testing.assert_frame_equal(old, new)


def test_v0_1_0_is_the_reviewed_seed_gold():
    gold = load_surface_gold(GOLD)
    (article,) = ingest([ROOT / "seeds"]).articles
    expected = {
        (item["value"]["start"], item["value"]["end"], item["value"]["labels"][0])
        for item in to_result(gold, article["text"])
        if item["type"] == "labels"
    }
    spans = newsclaims.load("spans", version="0.1.0", dataset_dir=DATASET)
    released = {(int(s), int(e), str(lab)) for s, e, lab in
                zip(spans["start"], spans["end"], spans["label"], strict=True)}
    assert released == expected
    claims = newsclaims.load("claims", version="0.1.0", dataset_dir=DATASET)
    assert len(claims) == sum(1 for s in gold["spans"] if s["label"] == "CLAIM")
    assert set(claims["article_id"]) == {article["article_id"]}


def test_v0_2_0_rebuilds_byte_for_byte(tmp_path: Path):
    """Beside a copy of v0.1.0 (v0.2.0's manifest records the changes against it)."""
    rebuilt = tmp_path / "dataset"
    rebuilt.mkdir()
    for name in (".annotator-salt", "splits.json"):
        shutil.copy(DATASET / name, rebuilt / name)
    shutil.copytree(V010, rebuilt / "v0.1.0")
    # A release records the label config it was made with; the layout of today's may differ.
    scheme = load_scheme(V020 / "label_config.xml")
    made = release(source_export(), version="0.2.0", dataset_dir=rebuilt,
                   notes=_notes_of(V020), scheme=scheme)
    assert made.ok, made.problems
    assert tree_digest(rebuilt / "v0.2.0") == tree_digest(V020)
    assert (rebuilt / "CHANGELOG.md").read_bytes() == (DATASET / "CHANGELOG.md").read_bytes()


def _notes_of(release_dir: Path) -> str:
    """The release notes are part of the card; take them from the committed card."""
    card = (release_dir / "README.md").read_text("utf-8")
    quoted = [line[2:] for line in card.splitlines() if line.startswith("> ")]
    if not quoted:
        pytest.fail(f"{release_dir.name}'s card has no release notes line")
    return quoted[0]


def _pages_carry_crc(path: Path) -> bool:
    """Whether the first data page header of the first column has a crc field, read
    from the raw bytes: a compact-Thrift PageHeader starts with type (field 1),
    sizes (2, 3) and then crc (field 4, i32) when present."""
    column = pq.ParquetFile(path).metadata.row_group(0).column(0)
    offset = column.dictionary_page_offset or column.data_page_offset
    with path.open("rb") as fh:
        fh.seek(offset)
        header = fh.read(32)
    position = 1 + _varint_length(header, 1)  # field 1: type
    position += 1 + _varint_length(header, position + 1)  # field 2: uncompressed size
    position += 1 + _varint_length(header, position + 1)  # field 3: compressed size
    return header[position] == 0x15  # delta 1, type i32: field 4, the crc


def _varint_length(data: bytes, start: int) -> int:
    length = 1
    while data[start + length - 1] & 0x80:
        length += 1
    return length
