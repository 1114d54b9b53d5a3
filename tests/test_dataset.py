"""The committed dataset: v0.1.0 is intact, carries the reviewed seed gold exactly,
and rebuilds byte for byte from the committed Label Studio export."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

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


def test_v0_1_0_verifies():
    assert verify(V010) == []


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


def test_v0_1_0_rebuilds_byte_for_byte(tmp_path: Path):
    rebuilt = tmp_path / "dataset"
    rebuilt.mkdir()
    shutil.copy(DATASET / ".annotator-salt", rebuilt / ".annotator-salt")
    # A release records the label config it was made with; the layout of today's may differ.
    scheme = load_scheme(V010 / "label_config.xml")
    made = release(source_export(), version="0.1.0", dataset_dir=rebuilt,
                   notes=_notes_of_v0_1_0(), scheme=scheme)
    assert made.ok, made.problems
    assert tree_digest(rebuilt / "v0.1.0") == tree_digest(V010)


def _notes_of_v0_1_0() -> str:
    """The release notes are part of the card; take them from the committed card."""
    card = (V010 / "README.md").read_text("utf-8")
    quoted = [line[2:] for line in card.splitlines() if line.startswith("> ")]
    if not quoted:
        pytest.fail("v0.1.0's card has no release notes line")
    return quoted[0]
