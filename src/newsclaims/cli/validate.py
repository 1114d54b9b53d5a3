"""`newsclaims validate EXPORT.json [--json] [--fix-offsets OUT.json]`.

Exit 0 without errors (warnings and infos allowed), 1 with errors, 2 when the file
cannot be read as an export. With --fix-offsets the corrected export is written and
validated: the problems listed, and the exit code, are those of OUT.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from newsclaims.cli._help import Command
from newsclaims.cli._output import fail, finish, handle_errors
from newsclaims.core.errors import summarize
from newsclaims.export.validate import ValidationReport, fix_offsets, validate


@handle_errors
def validate_command(
    export: Annotated[Path, typer.Argument(help="Native Label Studio JSON export.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON document.")] = False,
    fix_out: Annotated[
        Path | None,
        typer.Option("--fix-offsets", metavar="OUT.json",
                     help="Write a copy with UTF-16 offsets turned into code points, "
                          "list every repair, and validate the copy."),
    ] = None,
) -> None:
    """Check an export against the schema and the annotation rules (docs/validation.md)."""
    repairs: list[dict[str, Any]] | None = None
    checked = export
    if fix_out is not None:
        if fix_out.resolve() == export.resolve():
            fail("--fix-offsets must write a new file, not overwrite the export")
        repairs = fix_offsets(export, fix_out).repairs
        checked = fix_out
    report = validate(checked)
    document: dict[str, Any] = {"export": str(checked), "counts": report.counts}
    if repairs is not None:
        document.update(source=str(export), repairs=repairs)
    finish(report.problems, json_out=json_out, document=document,
           before=[_repair_line(repair) for repair in repairs or ()],
           after=[_summary_line(checked, report, repairs)])


def _repair_line(repair: dict[str, Any]) -> str:
    owner = ("annotation", repair["annotation_id"]) if "annotation_id" in repair else (
        "prediction", repair["prediction_id"])
    (us, ue), (cs, ce) = repair["utf16"], repair["code_points"]
    return (f"repaired task={repair['task_id']} article={repair['article_id']} "
            f"{owner[0]}={owner[1]} region={repair['region_id']} "
            f"({repair['type']} {repair['from_name']}): "
            f"UTF-16 {us}..{ue} -> code points {cs}..{ce}")


def _summary_line(path: Path, report: ValidationReport, repairs: list[Any] | None) -> str:
    c = report.counts
    totals = summarize(report.problems)
    fixed = f"{len(repairs)} offsets repaired; " if repairs is not None else ""
    return (f"{path}: {c['tasks']} tasks, {c['annotations']} annotations "
            f"({c['cancelled']} cancelled skipped), {c['regions']} regions, "
            f"{c['relations']} relations, {c['predictions']} predictions; {fixed}"
            f"{totals['error']} errors, {totals['warning']} warnings, {totals['info']} infos")


def register(app: typer.Typer) -> None:
    app.command("validate", cls=Command)(validate_command)
