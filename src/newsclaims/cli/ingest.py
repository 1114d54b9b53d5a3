"""`newsclaims ingest PATH... -o articles.jsonl`: a thin layer over newsclaims.ingest.ingest."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from newsclaims.cli._help import Command
from newsclaims.cli._output import Note, finish, handle_errors
from newsclaims.core.atomic import remove_dead_temps
from newsclaims.core.errors import summarize
from newsclaims.core.reading import read_text
from newsclaims.ingest.ingest import ingest, parse_debris_rules, write_articles


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@handle_errors
def ingest_command(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Files or directories (.txt .jsonl .json .csv .html; "
                       "directories recursively)."),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The articles.jsonl to write.")
    ],
    debris: Annotated[
        Path | None,
        typer.Option("--debris", help="Debris rules file to use instead of the built-in one."),
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option("--progress/--no-progress",
                     help="Progress bar on stderr (default: when stderr is a terminal)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report on stdout.")] = False,
) -> None:
    """Read raw articles, normalise them and write one schema-valid record per article."""
    rules = None
    if debris is not None:
        rules = parse_debris_rules(read_text(debris, "debris rules"), str(debris))
    show_progress = sys.stderr.isatty() if progress is None else progress
    result = ingest(paths, debris_rules=rules, exclude=[output], progress=show_progress)
    cleaned = remove_dead_temps(output.absolute().parent)  # an interrupted run's leftovers
    written = write_articles(output, result.articles)
    counts = summarize(result.problems)
    notes = [Note(f"ingest: removed {path}, left by an interrupted run") for path in cleaned]
    finish(result.problems, json_out=as_json, document={
        "output": str(output), "articles": written, "duplicates": result.duplicates,
        "files": result.files, "debris_lines": result.debris_lines,
        "cleaned": [str(path) for path in cleaned],
    }, before=notes, after=[
        f"wrote {_plural(written, 'article')} to {output} from {_plural(result.files, 'file')}"
        f"; {_plural(result.duplicates, 'duplicate')}; "
        f"{_plural(counts['error'], 'error')}, {_plural(counts['warning'], 'warning')}; "
        f"{_plural(result.debris_lines, 'debris line')} removed"
    ])


def register(app: typer.Typer) -> None:
    app.command("ingest", cls=Command)(ingest_command)
