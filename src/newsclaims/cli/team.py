"""`newsclaims team add|list|remove`: annotator accounts on the local Label Studio."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from newsclaims.cli._help import Command, Group
from newsclaims.cli._output import emit_json, handle_errors
from newsclaims.studio import team

team_app = typer.Typer(
    cls=Group,
    help="Annotator accounts on the local Label Studio (logins in 0600 files).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@team_app.command(cls=Command)
@handle_errors
def add(
    emails: Annotated[list[str], typer.Argument(help="E-mail of each new annotator.")],
    name: Annotated[
        str | None, typer.Option("--name", help="Display name (with one e-mail).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Create accounts in the organisation; each login goes to a 0600 file, never printed."""
    members = team.add_members(emails, name=name)
    if json_out:
        emit_json({"members": [_document(m) for m in members]})
        return
    for member in members:
        where = f"; login in {member.login_file} (0600): hand it over privately" \
            if member.login_file and member.change != "already a member" else ""
        typer.echo(f"{member.change}: {member.email} (user {member.id}){where}")


@team_app.command("list", cls=Command)
@handle_errors
def list_(
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Everyone in the organisation: the lead, active and removed members."""
    members = team.list_members()
    if json_out:
        emit_json({"members": [_document(m) for m in members]})
        return
    for m in members:
        status = "lead" if m.lead else "active" if m.active else "removed"
        name = f" ({m.name})" if m.name else ""
        typer.echo(f"{m.id:>5}  {status:<8} {m.email}{name}  annotations {m.annotations}")


@team_app.command(cls=Command)
@handle_errors
def remove(
    emails: Annotated[list[str], typer.Argument(help="E-mail of each member to remove.")],
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Deactivate accounts: no login, no token; their annotations stay in the project."""
    members = team.remove_members(emails)
    if json_out:
        emit_json({"members": [_document(m) for m in members]})
        return
    for member in members:
        typer.echo(f"{member.change}: {member.email}"
                   + (f" ({member.annotations} annotations kept)" if member.id else ""))


def _document(member: team.Member) -> dict[str, object]:
    fields = dataclasses.asdict(member)
    fields["login_file"] = str(member.login_file) if member.login_file else None
    return fields


def register(app: typer.Typer) -> None:
    app.add_typer(team_app, name="team")
