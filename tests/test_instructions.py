"""The project's instructions come from docs/guidelines.md, and the keys the guidelines
teach are the keys label_config.xml defines."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.resources import guidelines_path
from newsclaims.core.scheme import load_scheme
from newsclaims.studio.instructions import FULL_TEXT_SUMMARY, instructions_html, split_summary

ROOT = Path(__file__).resolve().parents[1]
GUIDELINES = (ROOT / "docs" / "guidelines.md").read_text("utf-8")


def test_instructions_are_the_summary_then_the_whole_guidelines_folded():
    html = instructions_html()
    summary_html, folded = html.split("<details>", 1)
    assert "Pass 1, attribution" in summary_html and "Pass 2, entities" in summary_html
    assert "Checklist before Submit" not in summary_html
    assert folded.startswith(f"<summary>{FULL_TEXT_SUMMARY}</summary>")
    assert folded.endswith("</details>")
    for heading in re.findall(r"^## (\d+\. .+)$", GUIDELINES, flags=re.M):
        assert f"<h2>{heading}</h2>" in folded, heading
    assert "In short" not in folded and "<table>" in folded


def test_split_summary_takes_exactly_the_section():
    text = "# T\n\nintro\n\n## In short\n\n- a\n- b\n\n## 1. Next\n\nbody\n"
    assert split_summary(text) == ("- a\n- b", "# T\n\nintro\n\n## 1. Next\n\nbody")


def test_guidelines_without_a_summary_are_refused():
    with pytest.raises(NewsclaimsError, match="In short"):
        instructions_html("# T\n\n## 1. Only rules\n")


def test_the_guidelines_are_packaged_where_the_code_looks():
    assert guidelines_path() == ROOT / "docs" / "guidelines.md"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    packaged = project["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert packaged["docs/guidelines.md"] == "newsclaims/_resources/guidelines.md"


def _config_hotkeys() -> dict[str, str]:
    xml = load_scheme().config_xml
    return dict(re.findall(r'<(?:Label|Choice) value="(\w+)"[^>]*hotkey="([^"]+)"', xml))


def test_hotkey_table_in_the_guidelines_is_the_config():
    table = GUIDELINES.split("### 8.2 Hotkeys", 1)[1].split("\n\n", 2)[1]
    taught: dict[str, str] = {}
    for row in table.splitlines()[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        for keys, names in zip(cells[0::2], cells[1::2], strict=True):
            if not keys:
                continue
            for key, name in zip(re.findall(r"`(.)`", keys), names.split(", "), strict=True):
                taught[name] = key
    assert taught == _config_hotkeys()


def test_the_summary_teaches_the_config_keys():
    summary, _ = split_summary(GUIDELINES)
    keys = _config_hotkeys()
    for label in ("CLAIM", "SOURCE", "CUE"):
        assert f"**{label}** (`{keys[label]}`)" in summary, label
    assert "`1` direct quote" in summary and keys["DIRECT_QUOTE"] == "1"
    assert "`0` document" in summary and keys["DOCUMENT"] == "0"
