"""`newsclaims` command line: one module per verb, each a thin layer over a library
function (parse arguments, call, print). Only verbs that work are registered."""

from __future__ import annotations

import importlib

import typer

from newsclaims import __version__

# Each module in this package named here exposes `register(app)`.
COMMANDS: tuple[str, ...] = (
    "ingest", "studio", "push", "pull", "agreement", "adjudicate", "validate", "release", "verify",
    "preannotate", "evaluate", "import_brat",
)

app = typer.Typer(
    name="newsclaims",
    help="Claims and their attribution in news: ingest, Label Studio, validation, releases.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"newsclaims {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Claims and their attribution in news."""


for _name in COMMANDS:
    importlib.import_module(f"{__name__}.{_name}").register(app)


def main() -> None:
    app()
