"""`newsclaims push ARTICLES.jsonl`: import articles as Label Studio tasks, idempotently."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsclaims.cli._help import Command
from newsclaims.cli._output import Note, finish, handle_errors
from newsclaims.studio import client
from newsclaims.studio import push as pushing


@handle_errors
def push(
    articles: Annotated[
        Path, typer.Argument(help="articles.jsonl written by `newsclaims ingest`.")
    ],
    project: Annotated[
        str, typer.Option("--project", help="Project title.")
    ] = client.DEFAULT_PROJECT,
    predictions: Annotated[
        Path | None,
        typer.Option(
            "--predictions",
            help="JSONL of {article_id, model_version, score, result} "
            "(default: the rule-based pre-annotator's suggestions).",
        ),
    ] = None,
    no_predictions: Annotated[
        bool, typer.Option("--no-predictions", help="Import the tasks without suggestions.")
    ] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1)
    ] = pushing.DEFAULT_BATCH_SIZE,
    overlap: Annotated[
        float | None,
        typer.Option("--overlap", help="Share of tasks labelled by several annotators, "
                     "e.g. 0.2 (a project setting; the server picks the tasks)."),
    ] = None,
    per_task: Annotated[
        int | None,
        typer.Option("--per-task", help="Annotators for each overlap task (default 2)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Validate, ensure the project from label_config.xml, import what is not there yet."""
    assignment = None if overlap is None and per_task is None else \
        client.Assignment.of(overlap, per_task)
    result = pushing.push(
        articles,
        project_title=project,
        predictions=predictions,
        suggest=not no_predictions,
        batch_size=batch_size,
        assignment=assignment,
    )
    shared = result.assignment
    finish(result.problems, json_out=json_out, document={
        "project_id": result.project_id, "imported": result.imported,
        "skipped": result.skipped, "failed": result.failed, "predictions": result.predictions,
        "assignment": None if shared is None else {
            "per_task": shared.per_task, "overlap_percent": shared.overlap_percent},
    }, after=[
        Note("push: input has errors; nothing sent") if result.project_id is None
        else f"push: project {project!r} (id {result.project_id}): {result.summary()}",
        *([] if shared is None else [f"push: annotators: {shared.describe()} (project setting)"]),
    ])


def register(app: typer.Typer) -> None:
    app.command("push", cls=Command)(push)
