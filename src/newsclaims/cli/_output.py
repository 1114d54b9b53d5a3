"""Shared CLI output: problems as lines or a JSON document, errors as one line,
exit codes per DESIGN.md (0 fine, 1 data problems, 2 could not run)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any, NoReturn, TypeVar

import typer

from newsclaims.core.errors import ExitCode, NewsclaimsError, Problem, has_errors, summarize

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: ExitCode = ExitCode.CANNOT_RUN) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(int(code))


def handle_errors(func: F) -> F:
    """Turn `NewsclaimsError` (and interrupted output) into one line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NewsclaimsError as exc:
            fail(str(exc))
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(int(ExitCode.CANNOT_RUN)) from None

    return wrapper  # type: ignore[return-value]


def print_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        typer.echo(str(problem), err=True)


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
