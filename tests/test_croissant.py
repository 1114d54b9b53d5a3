"""croissant.json is valid Croissant 1.0 (mlcroissant) with a correct sha256 per file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import mlcroissant as mlc
import pytest

from newsclaims.release.release import release

BASE = Path(__file__).parent / "fixtures" / "release" / "base.json"


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dataset")
    assert release(BASE, version="0.1.0", dataset_dir=root, salt="s").ok
    return root / "v0.1.0"


def test_mlcroissant_reads_the_records(release_dir: Path) -> None:
    dataset = mlc.Dataset(jsonld=release_dir / "croissant.json")
    assert dataset.metadata.version == "0.1.0"
    manifest = json.loads((release_dir / "manifest.json").read_text())
    for table in ("claims", "spans"):
        records = list(dataset.records(table))
        assert len(records) == sum(manifest["tables"][table]["rows"].values())
    texts = {r["claims/claim_text"].decode() for r in dataset.records("claims")}
    assert "We will not raise taxes" in texts


def test_every_parquet_file_has_its_sha256(release_dir: Path) -> None:
    document = json.loads((release_dir / "croissant.json").read_text())
    assert document["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    objects = {o["contentUrl"]: o for o in document["distribution"]
               if o["@type"] == "cr:FileObject"}
    parquet = {p.relative_to(release_dir).as_posix() for p in release_dir.rglob("*.parquet")}
    assert set(objects) == parquet
    for path, entry in objects.items():
        assert entry["sha256"] == hashlib.sha256((release_dir / path).read_bytes()).hexdigest()
