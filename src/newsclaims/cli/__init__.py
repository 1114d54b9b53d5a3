"""`newsclaims` command line: one module per verb, each a thin layer over a library
function (parse arguments, call, print).

A verb's module is imported only when that verb runs (the lazily loading group that
Click documents, on Typer's group), so `newsclaims --help` or `newsclaims ingest`
loads neither pandas, pyarrow nor the Label Studio SDK. `--help` lists the verbs from
`COMMANDS` without importing them; a test holds each summary equal to the first line
of its verb's own help.
"""

from __future__ import annotations

import difflib
import importlib
import os
from typing import Any

import typer

import newsclaims
from newsclaims.cli._help import Group

# Verb -> one-line summary, in pipeline order. Each module named here exposes
# `register(app)`.
COMMANDS: dict[str, str] = {
    "ingest": "Read raw articles, normalise them and write one schema-valid record per "
              "article.",
    "import": "Turn an annotated corpus (BRAT standoff: PolNeAR, PARC) into articles and a "
              "gold export.",
    "train": "Train a local attribution tagger on a gold export (`preannotate --model` uses "
             "it).",
    "preannotate": "Suggest CLAIM/SOURCE/CUE regions and entities as Label Studio predictions.",
    "push": "Validate, ensure the project from label_config.xml, import what is not there yet.",
    "studio": "Run a local Label Studio (127.0.0.1; SQLite, or PostgreSQL for a team).",
    "backend": "Serve the rule-based suggestions to Label Studio as an ML backend.",
    "team": "Annotator accounts on the local Label Studio (logins in 0600 files).",
    "progress": "Who has done what: per annotator, tasks still short, time per task, running "
                "agreement.",
    "pull": "Export every task (annotations, full predictions) as native JSON + .meta.json.",
    "validate": "Check an export against the schema and the annotation rules "
                "(docs/validation.md).",
    "agreement": "Span F1, Krippendorff's α and triple agreement over multiply annotated "
                 "articles.",
    "adjudicate": "Send majority merges with disagreements as `adjudication-*` predictions "
                  "(once each).",
    "evaluate": "Score predictions against gold annotations.",
    "release": "Validate EXPORT, then write DATASET_DIR/vX.Y.Z (never overwriting a release).",
    "verify": "Exit 1 naming every file that differs from manifest.json.",
}

# Verbs whose module is named otherwise (`import` is a Python keyword).
_MODULES = {"import": "import_brat"}

HELP = """Claims and their attribution in news, from raw articles to versioned datasets.

Pipeline: ingest -> preannotate -> push -> (annotate in `studio`, with suggestions
from `backend`; accounts: `team`, watch: `progress`) -> pull -> validate
-> agreement / adjudicate -> evaluate -> release -> verify.

Exit codes: 0 fine, 1 the data has problems (listed), 2 the command could not run."""


class LazyGroup(Group):
    """Typer's group, with each verb's module imported on first use."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        if cmd_name not in self.commands:
            self.commands[cmd_name] = load_command(cmd_name)
        return self.commands[cmd_name]

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name not in COMMANDS and not name.startswith("-"):
            matches = difflib.get_close_matches(name, COMMANDS)
            hint = f" Did you mean {', '.join(map(repr, matches))}?" if matches else ""
            ctx.fail(f"No such command {name!r}.{hint}")
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        with formatter.section("Commands"):
            formatter.write_dl(list(COMMANDS.items()))


def load_command(name: str) -> Any:
    """The click command (or group) that `newsclaims.cli.<name>` registers."""
    module = importlib.import_module(f"{__name__}.{_MODULES.get(name, name)}")
    holder = typer.Typer(rich_markup_mode=None, add_completion=False)
    holder.callback()(_no_options)
    module.register(holder)
    return typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]


def _no_options() -> None:
    """A callback, so that Typer builds a group and keeps the command's name."""


app = typer.Typer(
    name="newsclaims",
    cls=LazyGroup,
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"newsclaims {newsclaims.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Claims and their attribution in news."""


def main() -> None:
    # NumPy's OpenBLAS starts a thread per core on import, and they spin before they
    # sleep: ~0.11 CPU s of every command that imports NumPy (measured on 2 cores),
    # for matrix products newsclaims never makes large. A user's own setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    app()
