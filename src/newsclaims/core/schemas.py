"""JSON Schemas from schemas/, loaded by name (never copied into code).

All schemas are registered under their `$id`, so one schema can `$ref` another.
jsonschema is imported on first validation, not with this module: its import costs
~0.15 CPU s, and the plain checks of core/articles.py accept good records without it
(`newsclaims preannotate` on clean articles never needs it).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.resources import schemas_dir

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

_SHOWN = 60  # characters of a long string a schema problem quotes


@functools.cache
def _schemas() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(schemas_dir().glob("*.schema.json")):
        found[path.name.removesuffix(".schema.json")] = json.loads(path.read_text("utf-8"))
    return found


@functools.cache
def _registry() -> Registry:
    from referencing import Registry, Resource

    return Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in _schemas().values()
    )


def load_schema(name: str) -> dict[str, Any]:
    """The schema in schemas/<name>.schema.json."""
    try:
        return _schemas()[name]
    except KeyError:
        raise NewsclaimsError(
            f"no schema {name!r} in {schemas_dir()}; have: {', '.join(sorted(_schemas()))}"
        ) from None


@functools.cache
def validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    schema = load_schema(name)
    return Draft202012Validator(schema, registry=_registry(), format_checker=format_checker())


def format_checker() -> FormatChecker:
    """The format checker every validator here uses (plain-code checks call it directly)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator.FORMAT_CHECKER


def errors(name: str, instance: Any) -> Iterator[ValidationError]:
    """Schema errors for `instance`, most specific first in document order."""
    yield from sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))


def describe(error: ValidationError) -> str:
    """One line: where in the instance, and what is wrong."""
    where = "/".join(str(p) for p in error.absolute_path) or "(record)"
    return f"{where}: {message(error)}"


def message(error: ValidationError) -> str:
    """The error's message, quoting at most the start of a long string (a pattern
    error would otherwise repeat a whole article text in one problem line)."""
    if error.validator == "pattern" and isinstance(error.instance, str) and len(
            error.instance) > _SHOWN:
        shown = repr(error.instance[:_SHOWN])[:-1] + "...'"
        return (f"{shown} ({len(error.instance)} characters) does not match "
                f"{error.validator_value!r}")
    return error.message
