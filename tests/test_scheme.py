"""label_config.xml is the scheme's single source of truth: it must parse with the
Label Studio SDK and agree, value for value, with the scheme table in DESIGN.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from label_studio_sdk.label_interface import LabelInterface

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.scheme import RELATION_ENDPOINTS, load_scheme, parse_scheme

DESIGN = Path(__file__).resolve().parents[1] / "docs" / "DESIGN.md"


def design_table() -> dict[str, dict]:
    """Parse the scheme table rows of DESIGN.md: control -> {kind, values, required, target}."""
    rows = {}
    for line in DESIGN.read_text("utf-8").splitlines():
        match = re.match(r"\| `(\w+)` \((Labels|Choices)([^)]*)\) \| (.*?) \| (.*?) \|$", line)
        if match:
            name, kind, flags, values, target = match.groups()
            rows[name] = {
                "kind": kind,
                "values": tuple(re.findall(r"[A-Z][A-Z_]+", values.split(":")[-1])),
                "required": "required" in flags and "optional" not in flags,
                "target": target.removeprefix("each ").strip(),
            }
        relation = re.match(r"\| relations \| (.*?) \|", line)
        if relation:
            rows["relations"] = {
                "values": tuple(re.findall(r"`(\w+)` \((\w+) → (\w+)\)", relation.group(1)))
            }
    return rows


def test_design_table_is_parsed():
    table = design_table()
    assert set(table) == {
        "attribution", "entity", "attribution_type", "source_type", "certainty", "relations"
    }
    assert len(table["entity"]["values"]) == 18


def test_labels_match_design():
    scheme, table = load_scheme(), design_table()
    for control, labels in scheme.labels.items():
        assert table[control]["kind"] == "Labels"
        assert labels == table[control]["values"], control
    assert set(scheme.labels) == {k for k, v in table.items() if v.get("kind") == "Labels"}


def test_choices_match_design():
    scheme, table = load_scheme(), design_table()
    assert set(scheme.choices) == {k for k, v in table.items() if v.get("kind") == "Choices"}
    for name, control in scheme.choices.items():
        row = table[name]
        assert control.values == row["values"], name
        assert control.required == row["required"], name
        assert control.per_region, name
        assert control.applies_to == row["target"], name


def test_relations_match_design():
    scheme, table = load_scheme(), design_table()
    expected = {name: (src, dst) for name, src, dst in table["relations"]["values"]}
    assert set(scheme.relations) == set(expected)
    assert {name: RELATION_ENDPOINTS[name] for name in scheme.relations} == expected


def test_sdk_parses_config_and_knows_every_label():
    scheme = load_scheme()
    interface = LabelInterface(scheme.config_xml)
    sdk_controls = {c.name: c for c in interface.controls}
    assert set(sdk_controls) == set(scheme.labels) | set(scheme.choices)
    for name, labels in scheme.labels.items():
        assert set(sdk_controls[name].labels) == set(labels)
    for name, control in scheme.choices.items():
        assert set(sdk_controls[name].labels) == set(control.values)
    assert [obj.name for obj in interface.objects] == [scheme.text_name]


def test_sdk_accepts_a_result_in_the_scheme_and_rejects_an_unknown_label():
    interface = LabelInterface(load_scheme().config_xml)
    region = {
        "id": "r1", "from_name": "attribution", "to_name": "text", "type": "labels",
        "value": {"start": 0, "end": 4, "text": "Some", "labels": ["CLAIM"]},
    }
    assert interface.validate_region(region)
    bad = {**region, "value": {**region["value"], "labels": ["RUMOUR"]}}
    assert not interface.validate_region(bad)


def test_annotator_ergonomics():
    """What the config owes people who click it all day (docs/guidelines.md §8)."""
    xml = load_scheme().config_xml
    assert re.search(r'<Text name="text" value="\$text" granularity="word"', xml)
    assert '<Header value="$title"' in xml
    hotkeys = re.findall(r'hotkey="([^"]+)"', xml)
    assert len(hotkeys) == len(set(hotkeys)), "hotkeys must not collide"
    # Every label and choice has its own key: Label Studio gives the others keys of its
    # own choosing, which move when the config changes. None is a key the editor itself
    # uses without a modifier (1.23.2: "u" unselects the region).
    for tag, value in re.findall(r'<(Label|Choice) value="(\w+)"', xml):
        assert re.search(rf'<{tag} value="{value}"[^>]*hotkey=', xml), value
    assert not set(hotkeys) & {"u"}
    colours = re.findall(r'<Label value="\w+" background="(#[0-9a-f]{6})"', xml)
    assert len(colours) == len(set(colours)) == 21
    for name in ("attribution_type", "certainty", "source_type"):
        tag = re.search(rf'<Choices name="{name}"[^>]*>', xml).group(0)
        assert 'visibleWhen="region-selected"' in tag and "whenLabelValue=" in tag


RELATIONS = "<View><Text name='t' value='$t'/><Relations><Relation value='{}'/></Relations></View>"


@pytest.mark.parametrize(
    "xml, message",
    [
        ("<View><Labels", "not valid XML"),
        ("<View><Labels name='a' toName='t'/></View>", "exactly one named <Text>"),
        (RELATIONS.format("quotes"), "no endpoint rule"),
        (RELATIONS.format("cue"), "needs labels"),
    ],
)
def test_broken_configs_are_refused_with_a_reason(xml, message):
    with pytest.raises(NewsclaimsError, match=message):
        parse_scheme(xml)


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(NewsclaimsError, match="cannot read label config"):
        load_scheme(tmp_path / "nope.xml")
