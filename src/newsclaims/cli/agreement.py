"""`newsclaims agreement EXPORT.json [--json]`: inter-annotator agreement figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from newsclaims.cli._help import Command
from newsclaims.cli._output import emit_json, handle_errors
from newsclaims.export.reader import iter_tasks
from newsclaims.review.agreement import agreement


@handle_errors
def agreement_command(
    export: Annotated[Path, typer.Argument(help="Native Label Studio JSON export.")],
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Span F1, Krippendorff's α and triple agreement over multiply annotated articles."""
    report = agreement(iter_tasks(export))
    if json_out:
        emit_json({"export": str(export), **report})
        return
    for line in _lines(report):
        typer.echo(line)
    for warning in report["warnings"]:
        typer.echo(f"warning: {warning}", err=True)


def _num(value: float | None) -> str:
    return "   -" if value is None else f"{value:.2f}"


def _lines(report: dict[str, Any]) -> list[str]:
    arts = report["articles"]
    lines = [
        f"{arts['multi_annotated']} of {arts['total']} articles have two or more annotations "
        f"({report['annotators']} annotators, {report['annotator_pairs']} pairs)",
        "",
        "span agreement, mean over annotator pairs (exact | overlap)",
        f"{'label':<13}{'layer':<13}{'P':>6}{'R':>6}{'F1':>6} |{'P':>6}{'R':>6}{'F1':>6}"
        f"{'pairs':>7}{'spans':>7}",
    ]
    for label, fig in report["labels"].items():
        ex, ov = fig["exact"], fig["overlap"]
        if ex["spans"] == 0:
            continue
        lines.append(
            f"{label:<13}{fig['layer']:<13}{_num(ex['precision']):>6}{_num(ex['recall']):>6}"
            f"{_num(ex['f1']):>6} |{_num(ov['precision']):>6}{_num(ov['recall']):>6}"
            f"{_num(ov['f1']):>6}{ex['pairs']:>7}{ex['spans']:>7}"
        )
    lines += ["", "Krippendorff's α (nominal)"]
    for name, fig in report["attributes"].items():
        lines.append(f"  {name:<19} α {_num(fig['alpha'])}  on {fig['units']} matched "
                     f"{fig['label']} spans, observed agreement {_num(fig['observed_agreement'])}")
    for layer, fig in report["tokens"].items():
        lines.append(f"  {layer + ' tokens':<19} α {_num(fig['alpha'])}  on {fig['units']} tokens")
    tri = report["triples"]
    lines += ["", f"attribution triples (claim, source, cue all exact): F1 {_num(tri['f1'])} "
                  f"over {tri['pairs']} pairs, {tri['triples']} triples"]
    return lines


def register(app: typer.Typer) -> None:
    app.command("agreement", cls=Command)(agreement_command)
