"""`newsclaims import brat DIR -o OUT/ [--json]`: a thin layer over
newsclaims.ingest.brat (a BRAT standoff corpus -> articles.jsonl + gold.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsclaims.cli._help import Command, Group
from newsclaims.cli._output import finish, handle_errors
from newsclaims.core.errors import summarize
from newsclaims.ingest.brat import import_brat, write_brat_import

import_app = typer.Typer(
    cls=Group,
    help="Turn an annotated corpus (BRAT standoff: PolNeAR, PARC) into articles and a "
         "gold export.",
    no_args_is_help=True,
)


@import_app.command("brat", cls=Command)
@handle_errors
def brat_command(
    directory: Annotated[Path, typer.Argument(
        help="Corpus folder: text/*.txt + attributions/*.ann (PolNeAR), or both side by side.")],
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Folder to write articles.jsonl and gold.json into.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report on stdout.")] = False,
) -> None:
    """Turn BRAT source/cue/content annotations into articles and a gold export."""
    result = import_brat(directory)
    paths = write_brat_import(result, output)
    counts = dict(sorted(result.counts.items()))
    errors = summarize(result.problems)
    summary = (
        f"wrote {len(result.articles)} articles to {paths['articles']} and "
        f"{counts.get('annotations', 0)} annotations of {len(result.tasks)} tasks to "
        f"{paths['gold']}; {counts.get('attributions', 0)} attributions, "
        f"{counts.get('discontinuous_spans', 0)} discontinuous spans, "
        f"{counts.get('spans_remapped', 0)} spans remapped; "
        f"{errors['error']} errors, {errors['warning']} warnings")
    finish(result.problems, json_out=as_json, after=[summary],
           document={"articles": str(paths["articles"]), "gold": str(paths["gold"]),
                     "counts": counts})


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
