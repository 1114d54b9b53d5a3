"""`newsclaims evaluate GOLD_EXPORT.json --predictions PREDICTIONS.jsonl
[--attributed-only] [--json]`.

Prints per-label precision/recall/F1 (exact, overlap, one-to-one), attribution recall,
triple accuracy and the gold cues missed most often. Exit 0 after a clean run, 1 when
gold or predictions had data problems (listed; the scores are still printed), 2 when a
file cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsclaims.cli._help import Command
from newsclaims.cli._output import finish, handle_errors
from newsclaims.export.reader import read_export
from newsclaims.review.evaluate import evaluate, format_table, read_predictions


@handle_errors
def evaluate_command(
    gold: Annotated[Path, typer.Argument(help="Native Label Studio export with gold.")],
    predictions: Annotated[
        Path, typer.Option("--predictions", help="Predictions JSONL from `preannotate`.")
    ],
    attributed_only: Annotated[bool, typer.Option(
        "--attributed-only/--all-claims",
        help="Score only CLAIMs linked to a SOURCE or CUE: for gold that does not mark "
             "unattributed claims (PolNeAR, PARC).")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON document.")] = False,
) -> None:
    """Score predictions against gold annotations."""
    records, unread = read_predictions(predictions)
    report = evaluate(read_export(gold), records, attributed_only=attributed_only)
    problems = [*unread, *report.pop("problems")]
    finish(problems, json_out=json_out,
           document={"gold": str(gold), "predictions": str(predictions), **report},
           before=[format_table(report)])


def register(app: typer.Typer) -> None:
    app.command("evaluate", cls=Command)(evaluate_command)
