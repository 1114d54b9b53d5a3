"""`newsclaims evaluate GOLD_EXPORT.json --predictions PREDICTIONS.jsonl [--json]`.

Prints per-label precision/recall/F1 (exact and overlap) and attribution-triple
accuracy. Exit 0 after a clean run, 1 when gold or predictions had data problems
(listed; the scores are still printed), 2 when a file cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsclaims.cli._help import Command
from newsclaims.cli._output import emit_json, handle_errors
from newsclaims.core.errors import ExitCode
from newsclaims.export.reader import read_export
from newsclaims.review.evaluate import evaluate, format_table, read_predictions


@handle_errors
def evaluate_command(
    gold: Annotated[Path, typer.Argument(help="Native Label Studio export with gold.")],
    predictions: Annotated[
        Path, typer.Option("--predictions", help="Predictions JSONL from `preannotate`.")
    ],
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON document.")] = False,
) -> None:
    """Score predictions against gold annotations."""
    report = evaluate(read_export(gold), read_predictions(predictions))
    if json_out:
        emit_json({"gold": str(gold), "predictions": str(predictions), **report})
    else:
        typer.echo(format_table(report))
        for problem in report["problems"]:
            where = " ".join(f"{k}={problem[k]}" for k in ("task_id", "article_id", "region_id")
                             if k in problem)
            typer.echo(f"{problem['severity']} {problem['code']} {where}: {problem['message']}",
                       err=True)
    errors = any(p["severity"] == "error" for p in report["problems"])
    raise typer.Exit(int(ExitCode.DATA_PROBLEMS if errors else ExitCode.OK))


def register(app: typer.Typer) -> None:
    app.command("evaluate", cls=Command)(evaluate_command)
