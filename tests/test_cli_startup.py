"""What a command pays before its work begins: plain parameters are converted without
Pydantic (`cli/_params.py`), to the very values (and refusals) Typer's own coercion
gives, for every parameter of every command; NumPy's OpenBLAS runs one thread."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer._coercion import build_runtime_param
from typer.testing import CliRunner

from newsclaims.cli import COMMANDS, app, load_command
from newsclaims.cli._params import PlainValue, plain_value


def _commands() -> list[Any]:
    """Every command and group: the root, each verb, each group's subcommands."""
    root = typer.main.get_command(app)
    found = [root]

    def walk(command: Any) -> None:
        found.append(command)
        for sub in (getattr(command, "commands", None) or {}).values():
            walk(sub)

    for name in COMMANDS:
        walk(load_command(name))
    return found


def _parameters() -> list[tuple[str, Any]]:
    """Every parameter Typer converts, `--help` included (made when asked for)."""
    params = []
    for command in _commands():
        helper = command.get_help_option(typer.Context(command))
        for param in [*command.params, helper]:
            if getattr(param, "type_descriptor", None) is not None:
                params.append((f"{command.name} {param.name}", param))
    return params


def _samples(param: Any, existing: Path) -> list[Any]:
    annotation = param.type_descriptor.annotation
    texts = ["abc", "", " é 𝔘 ", str(existing), "no/such/file.json", "3", "0", "9", "2.5",
             "-1", "1e400", "007", "+5", "1_000", " 5", ".5", "5.", "1e3", "-0", "nan",
             "x" * 300]
    values: list[Any] = [param.default] if param.default is not None else []
    if param.nargs == -1 or "list" in repr(annotation):
        return [tuple(texts[:3]), (), (str(existing), "b")]
    return values + texts


def _outcome(runtime: Any, value: Any, param: Any) -> tuple[str, Any]:
    ctx = typer.Context(typer.main.get_command(app))
    try:
        result = runtime._coerce_value(value, param=param, ctx=ctx)
    except Exception as exc:  # the refusal itself is what is compared
        return "refused", (type(exc).__name__, str(exc))
    return "value", (type(result).__name__, repr(result))  # repr: nan equals nan


@pytest.mark.parametrize(("name", "param"), _parameters(), ids=lambda x: x
                         if isinstance(x, str) else "")
def test_plain_conversion_gives_what_typer_gives(name: str, param: Any, tmp_path: Path) -> None:
    existing = tmp_path / "export.json"
    existing.write_text("[]", encoding="utf-8")
    plain = plain_value(param.type_descriptor)
    assert plain is not None, f"{name}: a new kind of parameter, which would bring Pydantic"
    typers = build_runtime_param(param.type_descriptor)
    for value in _samples(param, existing):
        assert _outcome(plain, value, param) == _outcome(typers, value, param), (name, value)


def test_a_path_typer_would_refuse_is_left_to_typer(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """An existing path that cannot be read: Typer's own message, not a Path."""
    command = load_command("validate")
    param = next(p for p in command.params if p.name == "export")
    existing = tmp_path / "export.json"
    existing.write_text("[]", encoding="utf-8")
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    plain = plain_value(param.type_descriptor)
    assert isinstance(plain, PlainValue)
    for value in (str(existing), existing):  # typed, or a default
        outcome = _outcome(plain, value, param)
        assert outcome == _outcome(build_runtime_param(param.type_descriptor), value, param)
        assert outcome[0] == "refused" and "is not readable" in outcome[1][1]


def test_a_number_typed_on_the_command_line_gets_typers_message() -> None:
    result = CliRunner().invoke(app, ["push", "x.jsonl", "--batch-size", "0"])
    assert result.exit_code == 2
    assert "Invalid value for '--batch-size'" in result.output
    assert "greater than or equal to 1" in result.output


def _run_cli(argv: list[str], report: str) -> dict[str, Any]:
    """Run `newsclaims ARGV` in a fresh interpreter; the dict `report` (a Python
    expression evaluated after the command, `sys` in scope) plus its exit code."""
    code = (
        "import json, sys\n"
        "from newsclaims.cli import main\n"
        f"sys.argv = ['newsclaims', *{argv!r}]\n"
        "code = None\ntry:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        f"print(json.dumps({{**{report}, 'exit': code}}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.parametrize("verb", ["validate", "import brat"])
def test_a_command_run_imports_no_pydantic(verb: str, tmp_path: Path) -> None:
    fixtures = Path(__file__).parent / "fixtures"
    args = ([str(fixtures / "exports" / "clean.json")] if verb == "validate"
            else [str(fixtures / "brat" / "corpus"), "-o", str(tmp_path / "out")])
    found = _run_cli([*verb.split(), *args], "{'pydantic': 'pydantic' in sys.modules}")
    assert found == {"pydantic": False, "exit": 0}


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("4", "4")])
def test_one_openblas_thread_unless_the_user_sets_it(given: str | None, expected: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    code = ("import os, sys\nfrom newsclaims.cli import main\n"
            "sys.argv = ['newsclaims', '--version']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(os.environ.get('OPENBLAS_NUM_THREADS'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True, env=env)
    assert done.stdout.strip().splitlines()[-1] == expected


def test_a_refused_release_never_loads_the_code_that_writes_one(tmp_path: Path) -> None:
    """The writing and comparing steps (pyarrow.parquet, pyarrow.compute, matplotlib)
    load only after a pass that validated: a refusal, and the start-up before the
    pass, do without them."""
    export = Path(__file__).parent / "fixtures" / "exports" / "label-unknown.json"
    args = [str(export), "--version", "0.1.0", "--dataset-dir", str(tmp_path / "dataset")]
    writing = ("pyarrow.parquet", "pyarrow.compute", "matplotlib", "newsclaims.release.changelog")
    found = _run_cli(["release", *args],
                     f"{{'loaded': sorted(m for m in {writing!r} if m in sys.modules)}}")
    assert found == {"loaded": [], "exit": 1}
