"""`newsclaims backend`: serve the rules' suggestions to Label Studio (ML backend)."""

from __future__ import annotations

from typing import Annotated

import typer

from newsclaims.cli._help import Command
from newsclaims.cli._output import handle_errors


@handle_errors
def backend(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 9090,
    host: Annotated[
        str, typer.Option(help="Address to listen on (the default is this machine only).")
    ] = "127.0.0.1",
) -> None:
    """Serve the rule-based suggestions to Label Studio as an ML backend.

    Label Studio asks it for suggestions when a task without them is opened. Connect
    it to a project with `newsclaims studio connect-backend`; stop it with Ctrl-C.
    """
    from newsclaims.studio.backend import serve  # starlette and uvicorn only here

    serve(host=host, port=port)


def register(app: typer.Typer) -> None:
    app.command("backend", cls=Command)(backend)
