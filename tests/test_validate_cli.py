"""`newsclaims validate`: exit codes, one line per problem, JSON document, --fix-offsets."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newsclaims.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "exports"


def run(*args: str):
    return CliRunner().invoke(app, ["validate", *args])


def test_clean_export_exits_0_with_a_summary() -> None:
    result = run(str(FIXTURES / "clean.json"))
    assert result.exit_code == 0, result.output
    assert "2 tasks, 3 annotations (1 cancelled skipped)" in result.stdout
    assert "0 errors" in result.stdout


def test_warnings_alone_exit_0() -> None:
    result = run(str(FIXTURES / "span-whitespace.json"))
    assert result.exit_code == 0
    assert "warning span-whitespace" in result.stderr
    assert "region=s3" in result.stderr


def test_errors_exit_1_one_line_each_with_place() -> None:
    result = run(str(FIXTURES / "relation-endpoints.json"))
    assert result.exit_code == 1
    [line] = [x for x in result.stderr.splitlines() if x.startswith("error ")]
    assert "relation-endpoints" in line
    assert "task=1" in line and "annotation=11" in line and "region=s1" in line
    assert "1 errors" in result.stdout


def test_truncated_file_exits_2_with_one_line_and_no_traceback() -> None:
    result = run(str(FIXTURES / "truncated.json"))
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert "truncated.json" in result.stderr


def test_missing_file_and_non_list_exit_2(tmp_path: Path) -> None:
    assert run(str(tmp_path / "missing.json")).exit_code == 2
    assert run(str(FIXTURES / "not-a-list.json")).exit_code == 2


def test_json_document() -> None:
    result = run(str(FIXTURES / "choice-orphan.json"), "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["summary"] == {"error": 1, "warning": 0, "info": 1}
    assert document["counts"]["tasks"] == 2
    [error] = [p for p in document["problems"] if p["severity"] == "error"]
    assert error["code"] == "choice-orphan"
    assert (error["task_id"], error["annotation_id"], error["region_id"]) == (1, 11, "gone")


def test_fix_offsets_writes_a_clean_export_and_lists_repairs(tmp_path: Path) -> None:
    out = tmp_path / "fixed.json"
    assert run(str(FIXTURES / "offset-utf16.json")).exit_code == 1
    result = run(str(FIXTURES / "offset-utf16.json"), "--fix-offsets", str(out))
    assert result.exit_code == 0, result.output
    repaired = [x for x in result.stdout.splitlines() if x.startswith("repaired ")]
    assert len(repaired) == 6
    assert any("region=a2 (labels attribution): UTF-16 28..40 -> code points 24..35" in x
               for x in repaired)
    assert run(str(out)).exit_code == 0


def test_fix_offsets_json_lists_repairs(tmp_path: Path) -> None:
    out = tmp_path / "fixed.json"
    result = run(str(FIXTURES / "offset-utf16.json"), "--fix-offsets", str(out), "--json")
    document = json.loads(result.stdout)
    assert len(document["repairs"]) == 6
    assert document["summary"]["error"] == 0


def test_fix_offsets_refuses_to_overwrite_the_export(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_bytes((FIXTURES / "offset-utf16.json").read_bytes())
    result = run(str(export), "--fix-offsets", str(export))
    assert result.exit_code == 2
    assert export.read_bytes() == (FIXTURES / "offset-utf16.json").read_bytes()
