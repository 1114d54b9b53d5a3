"""`newsclaims verify dataset/vX.Y.Z`: recompute checksums and row counts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsclaims.cli._help import Command
from newsclaims.cli._output import finish, handle_errors


@handle_errors
def verify(
    release_dir: Annotated[Path, typer.Argument(help="A release folder, e.g. dataset/v0.1.0.")],
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Exit 1 naming every file that differs from manifest.json."""
    from newsclaims.release.verify import verify as verify_release  # pyarrow: not for --help

    problems = verify_release(release_dir)
    finish(problems, json_out=json_out, document={"release": str(release_dir)},
           after=[] if problems else [f"verify: {release_dir} matches its manifest"])


def register(app: typer.Typer) -> None:
    app.command("verify", cls=Command)(verify)
