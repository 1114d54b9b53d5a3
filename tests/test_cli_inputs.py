"""Odd and hostile inputs, as a user meets them: every command that reads a user file,
run as the real CLI in a subprocess under an address-space limit. No hang, no
traceback, a bounded memory, and the exit code DESIGN.md gives (2: one `error:` line
for a file that cannot be read; 1: problems listed, the rest still read)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from cli_run import run_cli
from newsclaims.core.ids import article_id

FIXTURES = Path(__file__).parent / "fixtures"
GOLD = FIXTURES / "exports" / "clean.json"
TEXT = "Officials said the bridge was unsafe, according to a report."


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Good inputs beside the bad one, so that only the bad one can fail."""
    articles = tmp_path / "articles.jsonl"
    articles.write_text(json.dumps({"text": TEXT, "article_id": article_id(TEXT)}) + "\n")
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text(json.dumps({"article_id": article_id(TEXT), "model_version": "t",
                                       "result": []}) + "\n")
    return {"articles": articles, "predictions": predictions, "out": tmp_path / "out",
            "fifo": _fifo(tmp_path / "pipe.json"), "zero": _zero(tmp_path / "zero.json")}


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _zero(path: Path) -> Path:
    path.symlink_to("/dev/zero")
    return path


# Every command that reads a user file, with the bad file in each reading place.
COMMANDS: dict[str, Callable[[dict[str, Path], Path], list]] = {
    "validate": lambda f, bad: ["validate", bad],
    "validate --fix-offsets": lambda f, bad: ["validate", bad, "--fix-offsets", f["out"]],
    "evaluate gold": lambda f, bad: ["evaluate", bad, "--predictions", f["predictions"]],
    "evaluate predictions": lambda f, bad: ["evaluate", GOLD, "--predictions", bad],
    "preannotate": lambda f, bad: ["preannotate", bad, "-o", f["out"]],
    "push articles": lambda f, bad: ["push", bad, "--no-predictions"],
    "push predictions": lambda f, bad: ["push", f["articles"], "--predictions", bad],
    "release": lambda f, bad: ["release", bad, "--version", "1.0.0", "--dataset-dir", f["out"]],
    "agreement": lambda f, bad: ["agreement", bad],
    "adjudicate": lambda f, bad: ["adjudicate", bad, "--dry-run"],
    "ingest --debris": lambda f, bad: ["ingest", f["articles"], "-o", f["out"], "--debris", bad],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_fifo_never_blocks_a_command(files: dict[str, Path], command: str) -> None:
    run = run_cli(*COMMANDS[command](files, files["fifo"]), timeout=60)
    assert run.returncode == 2, run.stderr
    assert str(files["fifo"]) in run.one_error_line()


@pytest.mark.parametrize("command", ["validate", "evaluate predictions", "preannotate",
                                     "agreement", "ingest --debris"])
def test_a_link_to_dev_zero_is_named_not_read(files: dict[str, Path], command: str) -> None:
    run = run_cli(*COMMANDS[command](files, files["zero"]), memory=512 << 20, timeout=60)
    assert run.returncode == 2, run.stderr
    assert "character device, not a regular file" in run.one_error_line()


@pytest.mark.parametrize(("command", "content"), [
    ("validate", "missing"), ("evaluate gold", "directory"), ("agreement", "latin-1"),
    ("validate", "binary"), ("evaluate gold", "empty"), ("preannotate", "directory"),
    ("preannotate", "latin-1"), ("preannotate", "binary"),
])
def test_unreadable_inputs_are_one_line_and_exit_2(files: dict[str, Path], tmp_path: Path,
                                                   command: str, content: str) -> None:
    bad = tmp_path / "input.json"
    if content == "directory":
        bad.mkdir()
    elif content == "latin-1":
        bad.write_bytes('[{"data": {"text": "Café"}}]'.encode("latin-1"))
    elif content == "binary":
        bad.write_bytes(bytes(range(256)) * 4)
    elif content == "empty":
        bad.write_bytes(b"")
    run = run_cli(*COMMANDS[command](files, bad))
    if command == "preannotate" and content in ("latin-1", "binary"):
        assert run.returncode == 1  # JSON Lines: the bad lines are listed, nothing written
        assert "Traceback" not in run.stderr and "not-utf8" in run.stderr
    else:
        assert run.returncode == 2, run.stderr
        assert str(bad) in run.one_error_line()


def test_deeply_nested_export_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    export = tmp_path / "deep.json"
    export.write_text("[" * 100_000 + "]" * 100_000)  # 200 KB
    run = run_cli("validate", export, memory=512 << 20)
    assert run.returncode == 2
    assert "nested more than 1024 levels deep" in run.one_error_line()
    assert run.max_rss_mb < 200


def test_an_integer_beyond_64_bits_names_its_task(tmp_path: Path) -> None:
    tasks = json.loads(GOLD.read_text("utf-8"))
    tasks[1]["meta"] = {"count": 2**70}
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks, indent=2))
    run = run_cli("validate", export)
    assert run.returncode == 2
    line = run.one_error_line()
    assert f"task {tasks[1]['id']} (item 1 of the export, line " in line
    assert "1180591620717411303424 (22 digits) is beyond 64 bits" in line


def _hostile_jsonl(path: Path) -> Path:
    good = json.dumps({"text": TEXT, "article_id": article_id(TEXT)})
    path.write_text("\n".join([good, "[" * 5000 + "]" * 5000, '{"text": ' + "7" * 5000 + "}",
                               '{"text": "x", "n": 18446744073709551616}', ""]))
    return path


def test_ingest_loses_only_the_hostile_lines(tmp_path: Path) -> None:
    source = _hostile_jsonl(tmp_path / "in.jsonl")
    out = tmp_path / "articles.jsonl"
    run = run_cli("ingest", source, "-o", out, "--json")
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert report["articles"] == 1
    errors = [(p["code"], p["line"]) for p in report["problems"] if p["severity"] == "error"]
    assert errors == [
        ("json-too-deep", 2), ("number-out-of-range", 3), ("number-out-of-range", 4)]
    assert len(out.read_text().splitlines()) == 1


@pytest.mark.parametrize("command", ["preannotate", "evaluate predictions"])
def test_other_jsonl_readers_report_the_same_lines(files: dict[str, Path], tmp_path: Path,
                                                   command: str) -> None:
    source = _hostile_jsonl(tmp_path / "in.jsonl")
    run = run_cli(*COMMANDS[command](files, source))
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert f"error json-too-deep {source}:2:" in run.stderr
    assert f"error number-out-of-range {source}:3:" in run.stderr
    assert f"error number-out-of-range {source}:4:" in run.stderr


def test_ingest_names_and_skips_special_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(f"{TEXT}\n")
    _fifo(folder / "b.jsonl")
    _zero(folder / "c.txt")
    named = _fifo(tmp_path / "named.csv")
    out = tmp_path / "articles.jsonl"
    run = run_cli("ingest", folder, named, "-o", out, "--json", memory=512 << 20, timeout=60)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert report["articles"] == 1
    skipped = {(Path(p["file"]).name, p["code"]) for p in report["problems"]}
    assert skipped == {("b.jsonl", "file-not-regular"), ("c.txt", "file-not-regular"),
                       ("named.csv", "file-not-regular")}


def test_an_os_error_left_to_the_cli_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    run = run_cli("validate", GOLD, "--fix-offsets", blocker / "fixed.json")
    assert run.returncode == 2
    assert str(blocker) in run.one_error_line()
