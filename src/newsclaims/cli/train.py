"""`newsclaims train GOLD -o MODEL [--json]`: a thin layer over newsclaims.review.train
(a gold export -> a local attribution tagger that `preannotate --model` uses).

Exit 0 when the model is written (warnings about gold regions not used are listed),
2 when the export cannot be read, holds nothing to learn from, or MODEL cannot be
written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsclaims.cli._help import Command
from newsclaims.cli._output import fail, finish, handle_errors
from newsclaims.review.train import MAX_ITERATIONS, gold_path, train_tagger


@handle_errors
def train_command(
    gold: Annotated[Path, typer.Argument(
        help="Gold export (native JSON, e.g. a release's source export), or the folder "
             "`import brat` wrote (its gold.json is read).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Model file to write.")],
    max_iterations: Annotated[int, typer.Option(
        "--max-iterations", min=1, help="L-BFGS iterations.")] = MAX_ITERATIONS,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON document.")] = False,
) -> None:
    """Train a local attribution tagger on a gold export (`preannotate --model` uses it)."""
    if output.exists() and output.resolve() == gold_path(gold).resolve():
        fail("-o must name the model file, not the gold export")
    report = train_tagger(gold, output, max_iterations=max_iterations)
    counts = report.counts
    finish(report.problems, json_out=json_out,
           document={"gold": report.gold, "model": report.model,
                     "model_version": report.model_version, "sha256": report.sha256,
                     "counts": dict(sorted(counts.items())), "params": report.params,
                     "seconds": report.seconds},
           after=[f"trained {report.model_version} on {counts['articles']} articles "
                  f"({counts['tokens']} tokens) in {report.seconds['cpu']} CPU s "
                  f"({report.seconds['wall']} s) -> {report.model}"])


def register(app: typer.Typer) -> None:
    app.command("train", cls=Command)(train_command)
