"""`newsclaims studio start|stop|status|connect-backend`: the local Label Studio server."""

from __future__ import annotations

from typing import Annotated

import typer

from newsclaims.cli._help import Command
from newsclaims.cli._output import emit_json, handle_errors
from newsclaims.core.errors import ExitCode
from newsclaims.studio import server

studio_app = typer.Typer(
    help="Run a local Label Studio (127.0.0.1, SQLite under .labelstudio/).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@studio_app.command(cls=Command)
@handle_errors
def start(
    port: Annotated[
        int, typer.Option(help="First port to try; busy ones are skipped.")
    ] = server.DEFAULT_PORT,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for /health.")] = 240.0,
) -> None:
    """Start the server (installing it first if missing), or reuse the one that is up."""
    paths = server.studio_paths()
    info = server.start(paths, port=port, timeout=timeout)
    creds = server.load_credentials(paths)
    verb = "already running" if info.reused else "started"
    typer.echo(f"Label Studio {info.version or '?'} {verb} at {info.url} (pid {info.pid})")
    if creds is not None:
        typer.echo(f"login: {creds.email}; password in {paths.credentials}")
    typer.echo("stop: newsclaims studio stop")


@studio_app.command(cls=Command)
@handle_errors
def stop() -> None:
    """Stop the local server (SIGTERM, then wait)."""
    if server.stop():
        typer.echo("Label Studio stopped")
    else:
        typer.echo("Label Studio was not running")


@studio_app.command(cls=Command)
@handle_errors
def status(json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Print up/down, URL and version; exit 0 when up, 1 when down."""
    info = server.status()
    if json_out:
        emit_json({"up": info.up, "url": info.url, "version": info.version, "pid": info.pid})
    elif info.up:
        typer.echo(f"up {info.url} Label Studio {info.version or '?'} (pid {info.pid})")
    else:
        typer.echo("down" + (f" (last at {info.url})" if info.url else ""))
    raise typer.Exit(int(ExitCode.OK if info.up else ExitCode.DATA_PROBLEMS))


@studio_app.command("connect-backend", cls=Command)
@handle_errors
def connect_backend(
    url: Annotated[
        str, typer.Argument(help="Where `newsclaims backend` listens (default: http://127.0.0.1:9090).")
    ] = "http://127.0.0.1:9090",
    project: Annotated[str, typer.Option("--project", help="Project title.")] = "newsclaims",
    interactive: Annotated[
        bool, typer.Option("--interactive", help="Also offer interactive pre-annotation.")
    ] = False,
) -> None:
    """Register `newsclaims backend` on the project, so opened tasks get suggestions."""
    from newsclaims.studio.client import connect  # the SDK only for this command
    from newsclaims.studio.ml_backend import connect_backend as link

    done = link(connect(), url=url, project_title=project, interactive=interactive)
    verb = "connected" if done.created else "updated"
    typer.echo(f"{verb} {url} to project {project!r} (id {done.project_id}): "
               f"{done.state or '?'}, model_version {done.model_version or '?'}")
    if done.others:
        typer.echo(f"note: the project has other ML backends too: {', '.join(done.others)}")


def register(app: typer.Typer) -> None:
    app.add_typer(studio_app, name="studio")
