"""The command line stays thin: `--help` imports no heavy library, lists the verbs in
pipeline order without importing them, and every help page reads like a Unix one."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from newsclaims.cli import COMMANDS, app, load_command

HEAVY = ("pandas", "pyarrow", "label_studio_sdk", "numpy", "jsonschema", "trafilatura", "rich")
PIPELINE = ["ingest", "import", "train", "preannotate", "push", "studio", "backend", "team",
            "progress", "pull", "validate", "agreement", "adjudicate", "evaluate", "release",
            "verify"]


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import json, sys\n"
        "from newsclaims.cli import main\n"
        "sys.argv = ['newsclaims', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    *help_lines, loaded = done.stdout.strip().splitlines()
    assert json.loads(loaded) == []
    assert any(line.strip().startswith("ingest ") for line in help_lines)


def test_verbs_are_listed_in_pipeline_order_with_a_pipeline_summary() -> None:
    assert list(COMMANDS) == PIPELINE
    output = CliRunner().invoke(app, ["--help"]).output
    summary = " ".join(output.split("Pipeline:")[1].split("Exit codes:")[0].split())
    # The verbs between the arrows (the aside in parentheses names more), none twice.
    steps = re.split(r" -> | / ", re.sub(r" -> \(.*?\)", "", summary).removesuffix("."))
    assert steps[:3] == ["ingest", "preannotate", "push"]
    assert set(steps) <= set(PIPELINE) and len(steps) == len(set(steps)), summary
    assert steps == sorted(steps, key=PIPELINE.index), summary
    listed = [line.split()[0] for line in output.split("Commands:")[1].splitlines()
              if line.startswith("  ") and not line.startswith("    ")]
    assert listed == PIPELINE


@pytest.mark.parametrize("name", PIPELINE)
def test_each_listed_summary_is_the_first_line_of_its_own_help(name: str) -> None:
    command = load_command(name)
    first_paragraph = (command.help or "").strip().split("\n\n")[0]
    assert COMMANDS[name] == " ".join(first_paragraph.split())


def _help_pages() -> list[list[str]]:
    pages = [[name] for name in PIPELINE]
    pages += [["studio", sub] for sub in ("start", "stop", "status", "connect-backend")]
    pages += [["team", sub] for sub in ("add", "list", "remove")]
    return pages


@pytest.mark.parametrize("words", _help_pages(), ids=" ".join)
def test_help_pages_name_arguments_and_values_readably(words: list[str]) -> None:
    result = CliRunner().invoke(app, [*words, "--help"])
    assert result.exit_code == 0, result.output
    usage = result.output.splitlines()[0]
    assert usage.startswith(f"Usage: newsclaims {' '.join(words)} [OPTIONS]")
    assert "{" not in usage and "<" not in usage
    assert re.search(r"<(bool|path|str|int|float|list)", result.output) is None, result.output


def test_a_mistyped_verb_gets_a_suggestion() -> None:
    result = CliRunner().invoke(app, ["valdate", "x.json"])
    assert result.exit_code == 2
    assert "No such command 'valdate'. Did you mean 'validate'" in result.output
