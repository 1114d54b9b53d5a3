"""croissant.json is valid Croissant 1.0 (mlcroissant) with a correct sha256 per file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import mlcroissant as mlc


def test_mlcroissant_reads_the_records(base_release: Path) -> None:
    dataset = mlc.Dataset(jsonld=base_release / "croissant.json")
    assert dataset.metadata.version == "0.1.0"
    manifest = json.loads((base_release / "manifest.json").read_text())
    for table in ("claims", "spans"):
        records = list(dataset.records(table))
        assert len(records) == sum(manifest["tables"][table]["rows"].values())
    texts = {r["claims/claim_text"].decode() for r in dataset.records("claims")}
    assert "We will not raise taxes" in texts


def test_every_parquet_file_has_its_sha256(base_release: Path) -> None:
    document = json.loads((base_release / "croissant.json").read_text())
    assert document["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    objects = {o["contentUrl"]: o for o in document["distribution"]
               if o["@type"] == "cr:FileObject"}
    parquet = {p.relative_to(base_release).as_posix() for p in base_release.rglob("*.parquet")}
    assert set(objects) == parquet
    for path, entry in objects.items():
        assert entry["sha256"] == hashlib.sha256((base_release / path).read_bytes()).hexdigest()
