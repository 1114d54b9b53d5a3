"""`newsclaims release EXPORT.json --version X.Y.Z`: a versioned Parquet release."""

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
from newsclaims.core.errors import Severity
from newsclaims.release.release import prefer_jemalloc
from newsclaims.release.release import release as build_release


@handle_errors
def release(
    export: Annotated[Path, typer.Argument(help="Native Label Studio JSON export.")],
    version: Annotated[str, typer.Option("--version", help="Semantic version X.Y.Z.")],
    dataset_dir: Annotated[
        Path, typer.Option("--dataset-dir", help="Folder holding every release.")
    ] = Path("dataset"),
    notes: Annotated[
        str | None, typer.Option("--notes", help="A sentence for the changelog and card.")
    ] = None,
    created: Annotated[
        str | None,
        typer.Option("--created", help="ISO 8601 creation time (default: the export's "
                     "newest annotation time)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Validate EXPORT, then write DATASET_DIR/vX.Y.Z (never overwriting a release)."""
    prefer_jemalloc()
    result = build_release(export, version=version, dataset_dir=dataset_dir, notes=notes,
                           created=created)
    code = exit_code_for(result.problems)
    if json_out:
        emit_json(problems_document(result.problems, version=result.version,
                                    path=str(result.path) if result.path else None,
                                    cleaned=result.cleaned))
    else:
        for name in result.cleaned:
            typer.echo(f"release: removed {dataset_dir / name}, left by an interrupted release",
                       err=True)
        print_problems(p for p in result.problems if p.severity is not Severity.INFO)
        if result.ok:
            manifest = result.manifest or {}
            typer.echo(f"release: wrote {result.path} ({sum(manifest['articles'].values())} "
                       f"articles, {len(manifest['files'])} files)")
        else:
            typer.echo(f"release: refused {result.version}", err=True)
    raise typer.Exit(int(code))


def register(app: typer.Typer) -> None:
    app.command("release")(release)
