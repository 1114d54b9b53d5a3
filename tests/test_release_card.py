"""The dataset card: HF front matter that matches the files, datasheet sections, charts."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import yaml
from datasets import Features

from newsclaims.release.tables import table_specs

SECTIONS = ("Motivation", "Composition", "Collection process", "Labelling", "Uses",
            "Distribution", "Maintenance", "How to load", "Label distribution", "Agreement")


def _card(release_dir: Path) -> tuple[dict, str]:
    text = (release_dir / "README.md").read_text()
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def _decoded(schema: pa.Schema) -> pa.Schema:
    return pa.schema([
        pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
        for f in schema
    ])


def test_front_matter_configs_and_features_match_the_files(base_release: Path) -> None:
    front, _ = _card(base_release)
    manifest = json.loads((base_release / "manifest.json").read_text())
    configs = {c["config_name"]: c for c in front["configs"]}
    assert set(configs) == set(manifest["tables"])
    assert configs["claims"].get("default") is True
    for name, config in configs.items():
        for data_file in config["data_files"]:
            assert (base_release / data_file["path"]).is_file()
            assert manifest["tables"][name]["rows"][data_file["split"]] > 0
    infos = {i["config_name"]: i for i in front["dataset_info"]}
    for name, spec in table_specs().items():
        expected = Features.from_arrow_schema(_decoded(spec.schema))._to_yaml_list()
        assert infos[name]["features"] == expected, name
        assert {s["name"]: s["num_examples"] for s in infos[name]["splits"]} == {
            split: n for split, n in manifest["tables"][name]["rows"].items() if n}


def test_datasheet_sections_and_label_tables(base_release: Path) -> None:
    _, body = _card(base_release)
    for section in SECTIONS:
        assert f"## {section}" in body, section
    manifest = json.loads((base_release / "manifest.json").read_text())
    claims = manifest["label_counts"]["attribution"]["CLAIM"]
    row = f"| CLAIM | {claims['train']} | {claims['validation']} | {claims['test']} | "
    assert row in body
    assert sum(claims.values()) == 8  # eight CLAIM spans in the fixture's gold


def test_one_chart_per_layer_without_software_metadata(base_release: Path) -> None:
    charts = sorted(p.name for p in (base_release / "charts").glob("*.png"))
    assert charts == ["attribution.png", "entity.png"]
    for chart in charts:
        data = (base_release / "charts" / chart).read_bytes()
        assert data.startswith(b"\x89PNG") and b"matplotlib" not in data
        assert f"charts/{chart}" in (base_release / "README.md").read_text()
