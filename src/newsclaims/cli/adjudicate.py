"""`newsclaims adjudicate EXPORT.json --project TITLE`: disagreements to a reviewer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsclaims.cli._help import Command
from newsclaims.cli._output import emit_json, finish, handle_errors
from newsclaims.export.reader import read_export
from newsclaims.review.adjudicate import adjudicate, needing_adjudication
from newsclaims.studio import client


@handle_errors
def adjudicate_command(
    export: Annotated[Path, typer.Argument(help="Native Label Studio JSON export.")],
    project: Annotated[
        str, typer.Option("--project", help="Project title.")
    ] = client.DEFAULT_PROJECT,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what needs adjudication; send nothing.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Send majority merges with disagreements as `adjudication-*` predictions (once each)."""
    tasks = read_export(export)
    if dry_run:
        pending = needing_adjudication(tasks)
        if json_out:
            emit_json({"pending": [
                {"task_id": p.export_task_id, "article_id": p.article_id,
                 "model_version": p.model_version, "disagreements": p.choice.disagreements}
                for p in pending]})
            return
        for p in pending:
            typer.echo(f"task {p.export_task_id} ({len(p.choice.disagreements)} disagreements):")
            for line in p.choice.disagreements:
                typer.echo(f"  {line}")
        typer.echo(f"adjudicate: {len(pending)} of {len(tasks)} articles need a reviewer")
        return
    result = adjudicate(tasks, project=project)
    finish(result.problems, json_out=json_out, document={
        "project_id": result.project_id, "pending": len(result.pending), "sent": result.sent,
        "already_sent": result.already_sent,
    }, after=[
        f"adjudicate: {len(result.pending)} of {len(tasks)} articles need a reviewer; "
        f"sent {len(result.sent)} predictions, {len(result.already_sent)} already there "
        f"(project {project!r}, id {result.project_id})"
    ])


def register(app: typer.Typer) -> None:
    app.command("adjudicate", cls=Command)(adjudicate_command)
