"""`newsclaims preannotate ARTICLES.jsonl -o PREDICTIONS.jsonl [--model MODEL] [--json]`.

Exit 0 when every article got a prediction (warnings, e.g. a repeated article written
once or an invalid region left out, are listed), 1 when input lines are bad (they are
listed and nothing is written), 2 when a file cannot be read or written, or the
model file is missing, damaged or not a model.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Annotated

import typer

from newsclaims.cli._help import Command
from newsclaims.cli._output import Note, fail, finish, handle_errors
from newsclaims.core.errors import has_errors
from newsclaims.preannotate import (
    MODEL_VERSION,
    iter_predictions,
    read_articles,
    write_predictions,
)
from newsclaims.preannotate.tagger import load_model


@handle_errors
def preannotate_command(
    articles: Annotated[Path, typer.Argument(help="articles.jsonl as written by `ingest`.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Predictions JSONL to write.")],
    model_version: Annotated[
        str | None, typer.Option("--model-version", help=f"Rule version (rules/<version>/); "
                                 f"default {MODEL_VERSION}.")
    ] = None,
    model_file: Annotated[
        Path | None, typer.Option("--model", help="A tagger from `newsclaims train` "
                                  "(instead of the rules' attributions).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON document.")] = False,
) -> None:
    """Suggest CLAIM/SOURCE/CUE regions and entities as Label Studio predictions."""
    if output.resolve() == articles.resolve():
        fail("-o must name a new file, not the input")
    if model_file is not None and model_version is not None:
        fail("--model and --model-version: a model names its own version")
    # No collector passes for the rest of this short process: reading, rules and writing
    # make millions of small objects and no cycles (a pass walks all that are alive:
    # ~0.1 CPU s per 1,000 articles when the predictions were all held).
    gc.disable()
    model = load_model(model_file) if model_file is not None else None
    version = model.model_version if model else model_version or MODEL_VERSION
    records, problems = read_articles(articles)
    written = 0
    if not has_errors(problems):
        # Each prediction is written as it is made and then let go: holding all of them
        # grew the process by ~160 MB per 1,000 articles, whose page faults cost CPU.
        # atomic_open still writes nothing when an article fails part-way.
        predictions = iter_predictions(records, version=model_version or MODEL_VERSION,
                                       problems=problems, model=model)
        written = write_predictions(output, predictions)
    warned = f"; {len(problems)} warnings (listed above)" if problems else ""
    finish(problems, json_out=json_out,
           document={"input": str(articles), "output": str(output), "predictions": written},
           after=[Note(f"{articles}: {len(problems)} bad lines; nothing written")
                  if has_errors(problems)
                  else f"{written} predictions ({version}) -> {output}{warned}"])


def register(app: typer.Typer) -> None:
    app.command("preannotate", cls=Command)(preannotate_command)
