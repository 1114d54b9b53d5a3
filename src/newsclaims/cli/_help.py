"""Help text in the usual Unix shape for every command:
`Usage: newsclaims validate [OPTIONS] EXPORT`, arguments by their upper-case names,
an option's value by a metavar (`PATH`, `TEXT`, `INTEGER`), flags bare.

Typer 0.29 writes `{export}` for a required argument and `<path>`/`<bool>` type tags;
this command class keeps Typer's parsing and changes what help shows; it also
converts plain values without Pydantic (`_params`: ~0.12 CPU s of every command).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from newsclaims.cli._params import PlainParameters

# Typer's type label of an option value -> the metavar shown.
_METAVARS = {"<str>": "TEXT", "<int>": "INTEGER", "<int range>": "INTEGER",
             "<float>": "NUMBER", "<path>": "PATH"}


class Command(PlainParameters, TyperCommand):
    """A command whose help names arguments and option values readably, and whose
    plain parameters are converted without Pydantic (`_params`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ctx = typer.Context(self)
        for param in self.params:
            if param.metavar is not None or not param.name:
                continue
            if param.param_type_name == "argument":
                param.metavar = param.name.upper()
            elif not getattr(param, "is_flag", False) and not getattr(param, "count", False):
                label = param.display_type(ctx)  # type: ignore[attr-defined]
                param.metavar = _METAVARS.get(label, label.strip("<>").upper())

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = _argument_name(param)
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                arguments.append((_argument_name(param), getattr(param, "help", None) or ""))
            else:
                record = param.get_help_record(ctx)
                if record is not None:
                    options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class Group(PlainParameters, TyperGroup):
    """A group of commands (the root, `import`, `studio`, `team`) whose own options
    (`--help`, `--version`) are converted without Pydantic too."""


def _argument_name(param: Any) -> str:
    return param.metavar + ("..." if param.nargs != 1 else "")
