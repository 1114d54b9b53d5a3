"""docs/problems.md lists every problem code the code can report, and nothing else.

Codes are found in src/ by reading the code, not by running it: the `code` argument of
every call to `Problem` or to a helper whose parameter is named `code` (a string, a
conditional between strings, or a name assigned such values in the same function);
`JSONInputError`s carry their codes the same way. A code made some other way fails
here until this scan (or the code) is taught to say what it is.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "newsclaims"
TABLE = ROOT / "docs" / "problems.md"
OLD_CODES = [f"I{n:03}" for n in range(1, 12)] + [f"E{n:03}" for n in range(1, 5)]


def _code_parameters(tree: ast.Module) -> dict[str, int | None]:
    """Callable name -> position of its `code` argument (None: it takes none) for the
    functions and classes `tree` defines (methods counted without self)."""
    positions: dict[str, int | None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            init = next((f for f in node.body if isinstance(f, ast.FunctionDef)
                         and f.name == "__init__"), None)
            if init is not None:
                positions[node.name] = _position(init)
        elif isinstance(node, ast.FunctionDef) and not node.name.startswith("__"):
            positions[node.name] = _position(node)
    return positions


def _position(function: ast.FunctionDef) -> int | None:
    names = [a.arg for a in function.args.args if a.arg not in ("self", "cls")]
    return names.index("code") if "code" in names else None


def _strings(node: ast.expr, function: ast.AST | None) -> list[str] | None:
    """The strings `node` can be, or None if this scan cannot tell."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _strings(node.body, function), _strings(node.orelse, function)
        return None if body is None or orelse is None else body + orelse
    if isinstance(node, ast.Name) and function is not None:
        found: list[str] = []
        for assign in ast.walk(function):
            if (isinstance(assign, ast.Assign) and len(assign.targets) == 1
                    and isinstance(assign.targets[0], ast.Name)
                    and assign.targets[0].id == node.id):
                values = _strings(assign.value, None)
                if values is None:
                    return None
                found += values
            elif isinstance(assign, ast.arg) and assign.arg == node.id:
                return []  # a parameter: its callers are scanned instead
        return found or None
    return None


def codes_in_source() -> dict[str, set[str]]:
    """code -> the modules that report it."""
    trees = {path: ast.parse(path.read_text("utf-8")) for path in SRC.rglob("*.py")}
    everywhere: dict[str, int | None] = {"Problem": 1}
    for tree in trees.values():
        everywhere.update({k: v for k, v in _code_parameters(tree).items() if v is not None})
    codes: dict[str, set[str]] = {}
    unknown: list[str] = []
    for path, tree in trees.items():
        positions = {**everywhere, **_code_parameters(tree)}  # a module's own names first
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for function in functions:
            for call in ast.walk(function):
                if not isinstance(call, ast.Call):
                    continue
                func = call.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if positions.get(name) is None:
                    continue
                argument = next((k.value for k in call.keywords if k.arg == "code"), None)
                position = positions[name]
                if argument is None and position is not None and len(call.args) > position:
                    argument = call.args[position]
                if argument is None or (isinstance(argument, ast.Attribute)
                                        and argument.attr == "code"):
                    continue  # no code given here, or an existing problem's code passed on
                values = _strings(argument, function)
                if values is None:
                    unknown.append(f"{path.relative_to(ROOT)}:{call.lineno}")
                    continue
                for value in values:
                    codes.setdefault(value, set()).add(str(path.relative_to(SRC)))
    assert not unknown, f"problem codes this scan cannot read: {unknown}"
    return codes


def table_rows() -> dict[str, list[str]]:
    """code -> its row's cells, from the table in docs/problems.md."""
    rows: dict[str, list[str]] = {}
    for line in TABLE.read_text("utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| `") and cells:
            code = cells[0].strip("`")
            assert code not in rows, f"{code} listed twice"
            rows[code] = cells
    return rows


def test_every_code_in_the_source_is_in_the_table_and_no_other() -> None:
    found = codes_in_source()
    listed = table_rows()
    assert sorted(set(found) - set(listed)) == [], "add these to docs/problems.md"
    assert sorted(set(listed) - set(found)) == [], "docs/problems.md lists codes no code reports"


def test_codes_are_named_and_each_row_says_severity_stage_and_meaning() -> None:
    for code, cells in table_rows().items():
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", code), code
        severity, stage, meaning = cells[1], cells[2], cells[3]
        assert set(severity.split(" / ")) <= {"error", "warning", "info"}, (code, severity)
        assert stage and meaning, code


def test_every_old_numeric_code_is_listed_beside_its_new_name() -> None:
    listed = table_rows()
    old_column = {code: cells[4] for code, cells in listed.items()}
    for old in OLD_CODES:
        assert any(old in cell for cell in old_column.values()), f"{old} has no new name"
    source = "".join(path.read_text("utf-8") for path in SRC.rglob("*.py"))
    assert re.search(r"\b[IE]0\d\d\b", source) is None, "a numeric code is still reported"
