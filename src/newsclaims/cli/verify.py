"""`newsclaims verify dataset/vX.Y.Z`: recompute checksums and row counts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsclaims.cli._output import (
    emit_json,
    exit_code_for,
    handle_errors,
    print_problems,
    problems_document,
)
from newsclaims.release.verify import verify as verify_release


@handle_errors
def verify(
    release_dir: Annotated[Path, typer.Argument(help="A release folder, e.g. dataset/v0.1.0.")],
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Exit 1 naming every file that differs from manifest.json."""
    problems = verify_release(release_dir)
    if json_out:
        emit_json(problems_document(problems, release=str(release_dir)))
    else:
        print_problems(problems)
        if not problems:
            typer.echo(f"verify: {release_dir} matches its manifest")
    raise typer.Exit(int(exit_code_for(problems)))


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)
