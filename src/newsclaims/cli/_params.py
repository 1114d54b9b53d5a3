"""Argument values converted without Pydantic, where that gives the same value.

Typer 0.29 passes every value through a Pydantic `TypeAdapter`; importing Pydantic and
building the adapters cost ~0.12 CPU s of every command run (measured on `validate`:
0.34 -> 0.22 CPU s before it opens its export), a third of a small command's start-up.
newsclaims' parameters are plain: `str`, `Path` and lists of them (paths without
Typer's path flags), `int`, `float` and `bool`. Those are converted here the way
Typer's adapters convert them; anything else (a number not written plainly or out of
its range, a path Typer would refuse, a parameter of another kind) goes to Typer's own
coercion, so its values and error messages are Typer's. tests/test_cli_startup.py
holds both to the same result for every parameter of every command.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

from typer._click.core import Command, Context
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer.core import TyperOption
from typer.models import ParameterInfo

_PLAIN_LEAVES = (str, Path)
_EXACT = (int, float, bool)  # kept as they are when already of the type (defaults)
# Typer's defaults for a path parameter: no existence, kind or permission rules beyond
# "readable if it exists", no resolving, no "-" for stdin.
_PATH_DEFAULTS = {"exists": False, "file_okay": True, "dir_okay": True, "writable": False,
                  "readable": True, "resolve_path": False, "allow_dash": False,
                  "path_type": None}


@dataclass(frozen=True)
class PlainValue(RuntimeParam):
    """A parameter converted directly; Typer's coercion for whatever this does not
    convert the same way."""

    leaf: type
    many: bool
    descriptor: TypeDescriptor

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if self.many and isinstance(value, list | tuple):
            converted = [self._leaf_value(item) for item in value]
            if all(item is not _TYPER for item in converted):
                return converted
        elif not self.many:
            converted_one = self._leaf_value(value)
            if converted_one is not _TYPER:
                return converted_one
        return build_runtime_param(self.descriptor)._coerce_value(value, param=param, ctx=ctx)

    def _leaf_value(self, value: Any) -> Any:
        if self.leaf is str:
            return value if type(value) is str else _TYPER
        if self.leaf is Path:
            return _path_value(value)
        if type(value) is str and self.leaf in _NUMBER_TEXT:
            value = _number(value, self.leaf)
        if type(value) is self.leaf and _within(value, self.parameter_info):
            return value  # a default, or a plain number as Pydantic reads it
        return _TYPER  # anything else: Pydantic's parsing and messages


_TYPER = object()  # "let Typer convert this"
# Numbers written plainly, which Pydantic reads as int() and float() do; anything else
# (blanks, "1_000", "inf") is Pydantic's to read or refuse.
_NUMBER_TEXT = {int: re.compile(r"[+-]?[0-9]+"),
                float: re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")}


def _number(text: str, kind: type) -> Any:
    if not _NUMBER_TEXT[kind].fullmatch(text):
        return _TYPER
    number = kind(text)
    return number if math.isfinite(number) else _TYPER


class PlainParameters(Command):
    """Mixed into a Typer command or group (before it): its options, `--help`
    included (Typer makes it when asked for), are converted plainly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _convert_plainly(self.params)

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None:
            _convert_plainly([option])
        return option


def _convert_plainly(params: list[Any]) -> None:
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None and getattr(param, "_runtime_param", None) is None:
            param._runtime_param = plain_value(descriptor)


def plain_value(descriptor: TypeDescriptor) -> PlainValue | None:
    """The direct conversion of a parameter, or None if Typer's is needed."""
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None or info.clamp:
        return None
    annotation: Any = descriptor.annotation
    many = False
    if get_origin(annotation) is list and len(get_args(annotation)) == 1:
        annotation, many = get_args(annotation)[0], True
    if annotation not in _PLAIN_LEAVES + _EXACT:
        return None
    if annotation is Path and any(getattr(info, k) != v for k, v in _PATH_DEFAULTS.items()):
        return None
    return PlainValue(info, descriptor.annotation, annotation, many, descriptor)


def _path_value(value: Any) -> Any:
    """`Path(value)`, as Typer gives it for a string or a default, unless Typer would
    refuse the path (it exists but cannot be read): then Typer says so."""
    if type(value) is not str and not isinstance(value, Path):
        return _TYPER
    try:
        os.stat(value)
    except OSError:
        return Path(value)
    except ValueError:  # a NUL in the path: whatever Typer does with it
        return _TYPER
    return Path(value) if os.access(value, os.R_OK) else _TYPER


def _within(value: Any, info: ParameterInfo) -> bool:
    return ((info.min is None or value >= info.min)
            and (info.max is None or value <= info.max))
