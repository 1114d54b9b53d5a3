"""`newsclaims release EXPORT.json --version X.Y.Z`: a versioned Parquet release."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsclaims.cli._help import Command
from newsclaims.cli._output import Note, finish, handle_errors


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
    # Imported here: pyarrow and pandas cost ~1 CPU s, which `release --help` need not pay.
    from newsclaims.release.release import prefer_jemalloc
    from newsclaims.release.release import release as build_release

    prefer_jemalloc()
    result = build_release(export, version=version, dataset_dir=dataset_dir, notes=notes,
                           created=created)
    manifest = result.manifest or {}
    finish(result.problems, json_out=json_out, hide_infos=True, document={
        "version": result.version, "path": str(result.path) if result.path else None,
        "cleaned": result.cleaned,
    }, before=[
        Note(f"release: removed {dataset_dir / name}, left by an interrupted release")
        for name in result.cleaned
    ], after=[
        f"release: wrote {result.path} ({sum(manifest['articles'].values())} articles, "
        f"{len(manifest['files'])} files)" if result.ok
        else Note(f"release: refused {result.version}")
    ])


def register(app: typer.Typer) -> None:
    app.command("release", cls=Command)(release)
