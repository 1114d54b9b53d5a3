"""`newsclaims pull -o DIR`: a snapshot export of the project, kept verbatim with its sha256."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsclaims.cli._help import Command
from newsclaims.cli._output import emit_json, handle_errors
from newsclaims.studio import client
from newsclaims.studio.pull import pull as pull_export


@handle_errors
def pull(
    out_dir: Annotated[
        Path, typer.Option("-o", "--out", help="Directory for the export and sidecar.")
    ],
    project: Annotated[
        str, typer.Option("--project", help="Project title.")
    ] = client.DEFAULT_PROJECT,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Export every task (annotations, full predictions) as native JSON + .meta.json."""
    result = pull_export(out_dir, project_title=project)
    if json_out:
        emit_json({"export": str(result.path), "meta": str(result.meta_path), **result.meta,
                   "cleaned": [str(path) for path in result.cleaned]})
    else:
        for path in result.cleaned:
            typer.echo(f"pull: removed {path}, left by an interrupted pull", err=True)
        meta = result.meta
        multi = sum(n for k, n in meta["tasks_by_annotators"].items() if int(k) >= 2)
        typer.echo(
            f"pull: {result.path} ({meta['task_count']} tasks, "
            f"{meta['annotation_count']} annotations by {meta['annotators']} annotators, "
            f"{multi} tasks by 2+; sha256 {meta['export_sha256'][:12]})"
        )


def register(app: typer.Typer) -> None:
    app.command("pull", cls=Command)(pull)
