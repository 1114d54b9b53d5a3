"""Shared CLI output: problems as lines or a JSON document, errors as one line,
exit codes per DESIGN.md (0 fine, 1 data problems, 2 could not run)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any, NoReturn, TypeVar

import typer

from newsclaims.core.errors import (
    ExitCode,
    NewsclaimsError,
    Problem,
    Severity,
    has_errors,
    summarize,
)
from newsclaims.studio.redact import redact_url

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: ExitCode = ExitCode.CANNOT_RUN) -> NoReturn:
    """One error line (a password in any URL in it shown as ***), then exit."""
    typer.echo(f"error: {redact_url(message)}", err=True)
    raise typer.Exit(int(code))


def handle_errors(func: F) -> F:
    """Turn `NewsclaimsError` (and interrupted output) into one line and exit code 2;
    so too any OSError the library let through (a file system that refuses), which
    is the machine's answer, not a bug to show as a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NewsclaimsError as exc:
            fail(str(exc))
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(int(ExitCode.CANNOT_RUN)) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename is not None else ""
            fail(f"{where}{exc.strerror or exc}")

    return wrapper  # type: ignore[return-value]


def print_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        typer.echo(str(problem), err=True)


class Note(str):
    """A text line for stderr (a notice or a refusal), not part of the result."""

    __slots__ = ()


def finish(problems: list[Problem], *, json_out: bool, document: dict[str, Any],
           before: Iterable[str] = (), after: Iterable[str] = (),
           hide_infos: bool = False) -> NoReturn:
    """The ending every data command shares. With --json one document on stdout (the
    fields of `document`, a summary and the problems); otherwise the `before` lines, the
    problems on stderr (infos left out with `hide_infos`), then the `after` lines (a
    `Note` goes to stderr, anything else to stdout). Then exit 1 if any problem is an
    error, else 0."""
    if json_out:
        emit_json(problems_document(problems, **document))
    else:
        _echo_lines(before)
        print_problems(p for p in problems if not (hide_infos and p.severity is Severity.INFO))
        _echo_lines(after)
    raise typer.Exit(int(exit_code_for(problems)))


def _echo_lines(lines: Iterable[str]) -> None:
    for line in lines:
        typer.echo(line, err=isinstance(line, Note))


def exit_code_for(problems: list[Problem]) -> ExitCode:
    return ExitCode.DATA_PROBLEMS if has_errors(problems) else ExitCode.OK


def emit_json(document: dict[str, Any]) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


def problems_document(problems: list[Problem], **extra: Any) -> dict[str, Any]:
    return {
        **extra,
        "summary": summarize(problems),
        "problems": [p.to_dict() for p in problems],
    }
