"""`newsclaims progress`: who has done what on a project, and what is still short."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from newsclaims.cli._help import Command
from newsclaims.cli._output import emit_json, handle_errors
from newsclaims.review import progress as tracking
from newsclaims.studio import client
from newsclaims.studio.pull import slugify


@handle_errors
def progress(
    project: Annotated[
        str, typer.Option("--project", help="Project title.")
    ] = client.DEFAULT_PROJECT,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Where the PNG of done-per-day goes "
                     "(default: <project>-progress.png here)."),
    ] = None,
    no_chart: Annotated[bool, typer.Option("--no-chart", help="Draw no chart.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Who has done what: per annotator, tasks still short, time per task, running agreement."""
    report = tracking.progress(project)
    chart_path = None
    if not no_chart:
        chart_path = tracking.write_chart(report, chart or Path(f"{slugify(project)}-progress.png"))
    if json_out:
        emit_json({**report.to_dict(), "chart": str(chart_path) if chart_path else None})
        return
    for line in _lines(report):
        typer.echo(line)
    if chart_path:
        typer.echo(f"chart: {chart_path}")


def _lines(report: tracking.Progress) -> list[str]:
    plan = report.assignment.describe() if report.assignment else "?"
    lines = [
        f"project {report.title!r} (id {report.project_id}): {report.tasks} tasks; {plan}",
        f"complete {report.complete}, short {report.short} "
        f"({report.missing} annotations to go); median {_seconds(report.median_seconds)} "
        "per annotation",
        f"overlap: {report.overlap_planned} tasks need 2+ annotators "
        f"({_share(report.overlap_planned, report.tasks)}), {report.overlap_complete} complete; "
        f"{report.multi_annotated} have 2+ ({_share(report.multi_annotated, report.tasks)}), "
        f"{report.beyond_target} more than they need",
        f"{'annotator':<32} {'done':>6} {'skipped':>8} {'median':>8}",
    ]
    lines += [f"{(a.email or a.annotator):<32} {a.done:>6} {a.skipped:>8} "
              f"{_seconds(a.median_seconds):>8}" for a in report.annotators]
    lines.append(_agreement_line(report))
    return lines


def _agreement_line(report: tracking.Progress) -> str:
    figures = report.agreement
    if not figures:
        return "agreement: no complete overlap task yet"
    tokens = ", ".join(f"{layer} {_num(v)}" for layer, v in figures["token_alpha"].items())
    spans = ", ".join(f"{label} {_num(f['exact'])}" for label, f in figures["span_f1"].items())
    warned = f"; {len(figures['warnings'])} warning(s): small sample" if figures["warnings"] else ""
    return (f"agreement on {figures['articles']} complete overlap tasks: token α {tokens}; "
            f"span F1 (exact) {spans or '-'}; triple F1 {_num(figures['triple_f1'])}{warned}")


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} s"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _num(value: Any) -> str:
    return "-" if value is None else f"{value:.2f}"


def register(app: typer.Typer) -> None:
    app.command("progress", cls=Command)(progress)
