"""A writer killed mid-write leaves its temporary file (`core/atomic.py`); the next atomic
write into that folder removes it, and only it: never a live writer's file, another
host's, or a name that is not ours. Killed for real (SIGKILL), not simulated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from newsclaims.core.atomic import atomic_write_text, remove_dead_temps

NEWSCLAIMS = str(Path(sys.executable).with_name("newsclaims"))
WRITER = """
import sys, time
from newsclaims.core.atomic import atomic_open
with atomic_open(sys.argv[1]) as fh:
    fh.write("half of a file")
    fh.flush()
    print("writing", flush=True)
    time.sleep(600)
"""


def _temps(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith(".tmp"))


def _killed_writer(target: Path) -> Path:
    """Start a process writing `target` atomically, SIGKILL it mid-write; its temp file."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
    [temp] = _temps(target.parent)
    assert remove_dead_temps(target.parent) == []  # alive: left alone
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    assert _temps(target.parent) == [temp] and not target.exists()
    return temp


def _big_input(path: Path, articles: int = 100, words: int = 15_000) -> None:
    sentence = ("the council said harbour would reopen in May while traders and unions "
                "welcomed news from the port")
    vocabulary = sentence.split(" ")
    with path.open("w", encoding="utf-8") as fh:
        for i in range(articles):
            text = " ".join(vocabulary[(i + k * 7) % len(vocabulary)] for k in range(words))
            fh.write(json.dumps({"title": f"Harbour {i}", "text": f"{text} {i}."}) + "\n")


def test_a_killed_ingest_leaves_a_temp_file_the_next_ingest_removes(tmp_path: Path) -> None:
    source, out = tmp_path / "big.jsonl", tmp_path / "out"
    _big_input(source)
    target = out / "articles.jsonl"
    run = subprocess.Popen([NEWSCLAIMS, "ingest", str(source), "-o", str(target)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not (out.is_dir() and any(p.stat().st_size for p in _temps(out))):  # mid-write
        assert run.poll() is None and time.monotonic() < deadline, "ingest ended unkilled"
        time.sleep(0.002)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)
    [left] = _temps(out)
    assert not target.exists()

    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps({"text": "The mayor said the port would close."}) + "\n")
    again = subprocess.run([NEWSCLAIMS, "ingest", str(small), "-o", str(target)],
                           capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0, again.stderr
    assert f"ingest: removed {left}, left by an interrupted run" in again.stderr
    assert _temps(out) == [] and len(target.read_text("utf-8").splitlines()) == 1


def test_any_atomic_write_removes_a_killed_writers_temp_file(tmp_path: Path) -> None:
    temp = _killed_writer(tmp_path / "predictions.jsonl")
    atomic_write_text(tmp_path / "other.json", "{}\n")  # the next write into the folder
    assert not temp.exists() and _temps(tmp_path) == []


def test_only_our_temp_files_of_dead_writers_on_this_host_are_removed(tmp_path: Path) -> None:
    own = _killed_writer(tmp_path / "articles.jsonl")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)  # a process that has ended
    not_ours = [
        f".articles.jsonl.{pid}abc.tmp",  # the old name: no writer in it
        f".articles.jsonl.newsclaims-0badc0de-{pid}-abc.tmp",  # another host's writer
        "articles.jsonl.tmp",
        f"notes.newsclaims-0badc0de-{pid}-abc.tmp",  # not hidden
    ]
    for name in not_ours:
        (tmp_path / name).write_text("x")
    folder = tmp_path / f".x.newsclaims-0badc0de-{pid}-abc.tmp"
    folder.mkdir()
    assert remove_dead_temps(tmp_path) == [own]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*not_ours, folder.name])


def test_a_live_writers_temp_file_survives_another_write(tmp_path: Path) -> None:
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / "a.json")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
        [temp] = _temps(tmp_path)
        atomic_write_text(tmp_path / "b.json", "{}\n")
        assert temp.exists() and os.getpid() != writer.pid
    finally:
        writer.kill()
        writer.wait(timeout=30)
