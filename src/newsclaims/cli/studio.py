"""`newsclaims studio start|stop|status|move-to-postgres|connect-backend`: the local Label
Studio server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsclaims.cli._help import Command, Group
from newsclaims.cli._output import emit_json, fail, handle_errors
from newsclaims.core.errors import ExitCode
from newsclaims.studio import move, server
from newsclaims.studio.apps import is_loopback
from newsclaims.studio.database import PRIVATE_CHOICE, SQLITE_CHOICE, DatabaseChoice
from newsclaims.studio.redact import redact_url

studio_app = typer.Typer(
    cls=Group,
    help="Run a local Label Studio (127.0.0.1; SQLite, or PostgreSQL for a team).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

PostgresFlag = Annotated[
    bool, typer.Option("--postgres", help="A private PostgreSQL cluster under the state "
                       "folder (started and stopped with the server).")
]
DatabaseUrl = Annotated[
    str | None, typer.Option("--database", metavar="URL", help="A PostgreSQL of yours: "
                             "postgresql://USER@HOST:PORT/NAME (no password in it).")
]
PasswordFile = Annotated[
    Path | None, typer.Option("--password-file", help="pgpass-format file (mode 0600) "
                              "holding the --database password; else PGPASSWORD, "
                              "PGPASSFILE or ~/.pgpass.")
]


def _progress(line: str) -> None:
    typer.echo(line, err=True)


def _choice(sqlite: bool, postgres: bool, database: str | None,
            password_file: Path | None) -> DatabaseChoice | None:
    """The database asked for on the command line; None keeps the state's last one."""
    if sqlite + postgres + (database is not None) > 1:
        fail("choose one of --sqlite, --postgres and --database")
    if password_file is not None and database is None:
        fail("--password-file goes with --database")
    if database is not None:
        return DatabaseChoice.external(database, password_file)
    return PRIVATE_CHOICE if postgres else SQLITE_CHOICE if sqlite else None


@studio_app.command(cls=Command)
@handle_errors
def start(
    port: Annotated[
        int, typer.Option(help="First port to try; busy ones are skipped.")
    ] = server.DEFAULT_PORT,
    host: Annotated[
        str, typer.Option(help="Address to serve on; anything but loopback is announced "
                          "with a warning.")
    ] = server.HOST,
    sqlite: Annotated[bool, typer.Option("--sqlite", help="SQLite in the state folder "
                                         "(the default the first time).")] = False,
    postgres: PostgresFlag = False,
    database: DatabaseUrl = None,
    password_file: PasswordFile = None,
    processes: Annotated[
        int, typer.Option(min=1, max=8, help="App processes on consecutive free ports "
                          "(PostgreSQL only).")
    ] = 1,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for /health.")] = 600.0,
) -> None:
    """Start the server (installing it first if missing), or reuse the one that is up.

    Without --sqlite, --postgres or --database the state's last database is used."""
    choice = _choice(sqlite, postgres, database, password_file)
    if not is_loopback(host):
        typer.echo(
            f"warning: --host {host} serves Label Studio beyond this machine: anyone who "
            "can reach it gets the login page, over plain HTTP (put a TLS proxy in front); "
            "sign-up still needs the invite link", err=True)
    paths = server.studio_paths()
    info = server.start(paths, port=port, timeout=timeout, database=choice, host=host,
                        processes=processes, progress=_progress)
    creds = server.load_credentials(paths)
    verb = "already running" if info.reused else "started"
    typer.echo(f"Label Studio {info.version or '?'} {verb} at {info.url} (pid {info.pid})")
    for process in info.processes[1:]:
        typer.echo(f"  and at {process.url} (pid {process.pid})")
    typer.echo(f"database: {redact_url(info.database or '?')}")
    typer.echo(f"state: {paths.base}")
    if creds is not None:
        typer.echo(f"login: {creds.email}; password in {paths.credentials}")
    typer.echo("stop: newsclaims studio stop")


@studio_app.command(cls=Command)
@handle_errors
def stop() -> None:
    """Stop the local server's app processes (SIGTERM, then wait) and its private cluster."""
    report = server.stop()
    if report.processes:
        plural = "es" if report.processes > 1 else ""
        typer.echo(f"Label Studio stopped ({report.processes} process{plural})")
    else:
        typer.echo("Label Studio was not running")
    if report.cluster:
        typer.echo("PostgreSQL (private cluster) stopped")


@studio_app.command(cls=Command)
@handle_errors
def status(json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Print up/down, URLs, version, database and state folder; exit 0 when up, 1 when down."""
    info = server.status()
    if json_out:
        emit_json({
            "up": info.up, "url": info.url, "version": info.version, "pid": info.pid,
            "host": info.host,
            "processes": [{"url": p.url, "pid": p.pid, "up": p.up} for p in info.processes],
            "database": redact_url(info.database or ""), "database_up": info.database_up,
            "state": str(info.state_dir),
        })
    else:
        if info.up:
            typer.echo(f"up {info.url} Label Studio {info.version or '?'} (pid {info.pid})")
        else:
            typer.echo("down" + (f" (last at {info.url})" if info.url else ""))
        for process in info.processes[1:]:
            typer.echo(f"  also {process.url} (pid {process.pid}, "
                       f"{'up' if process.up else 'down'})")
        typer.echo(f"database: {redact_url(info.database or '?')}")
        state = info.state_dir
        typer.echo(f"state: {state}" + ("" if state and state.is_dir() else " (none yet)"))
    raise typer.Exit(int(ExitCode.OK if info.up else ExitCode.DATA_PROBLEMS))


@studio_app.command("move-to-postgres", cls=Command)
@handle_errors
def move_to_postgres_command(
    database: DatabaseUrl = None,
    password_file: PasswordFile = None,
) -> None:
    """Copy the stopped SQLite server's rows, ids and annotators kept, to PostgreSQL.

    The target is the private cluster, or an empty --database of yours; from then on
    `studio start` uses it. The SQLite file is left as it was."""
    if password_file is not None and database is None:
        fail("--password-file goes with --database")
    choice = DatabaseChoice.external(database, password_file) if database else PRIVATE_CHOICE
    report = move.move_to_postgres(server.studio_paths(), choice, progress=_progress)
    summary = ", ".join(f"{name}: {report.counts.get(label, (0, 0))[1]}"
                        for label, name in move.SUMMARY.items())
    typer.echo(f"moved to {redact_url(report.database)}: {summary} "
               f"({len(report.counts)} tables, every row count equal)")
    typer.echo("start it with: newsclaims studio start")


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
