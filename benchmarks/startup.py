"""Start-up of the command line: `--help`, and every command up to the moment its work
begins (`startup_probe.py`), as whole processes in CPU seconds. The goal (#11, #15):
at most 0.5 CPU s.

    .venv/bin/python benchmarks/startup.py        # prints the medians of 5 runs

Each command gets a small real input (the seed article, the clean fixture export, the
fixture BRAT corpus, dataset/v0.2.0); the commands that work on a Label Studio are
pointed at a closed port on 127.0.0.1, so their work begins with their first
connection and nothing is sent anywhere.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NEWSCLAIMS = Path(sys.executable).with_name("newsclaims")
PROBE = HERE / "startup_probe.py"
SOCKET = ":socket"
CLOSED_PORT = "http://127.0.0.1:9"  # discard: nothing listens there
GOAL = 0.5


def _help_cpu(args: list[str]) -> float:
    proc = subprocess.Popen([str(NEWSCLAIMS), *args], stdout=subprocess.DEVNULL, cwd=ROOT)
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_utime + usage.ru_stime


def _probe(marker: str, args: list[str], cwd: Path) -> dict[str, Any]:
    """CPU seconds of one `newsclaims ARGS` up to the first sign of its work."""
    env = {**os.environ, "LABEL_STUDIO_URL": CLOSED_PORT, "LABEL_STUDIO_API_KEY": "unused"}
    env.pop("NEWSCLAIMS_STUDIO_DIR", None)
    done = subprocess.run([sys.executable, str(PROBE), marker, "--", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _commands(work: Path) -> dict[str, tuple[str, list[str]]]:
    """Verb -> (what its work opens first, its arguments)."""
    export = str(ROOT / "tests" / "fixtures" / "exports" / "clean.json")
    seed = str(next((ROOT / "seeds").glob("*.txt")))
    articles = str(work / "articles.jsonl")
    corpus = str(ROOT / "tests" / "fixtures" / "brat" / "corpus")
    release = ROOT / "dataset" / "v0.2.0"
    return {
        "ingest": (seed, ["ingest", seed, "-o", str(work / "out.jsonl")]),
        "import": (corpus, ["import", "brat", corpus, "-o", str(work / "brat")]),
        "train": (export, ["train", export, "-o", str(work / "model")]),
        "preannotate": (articles, ["preannotate", articles, "-o", str(work / "p.jsonl")]),
        "push": (articles, ["push", articles]),
        "studio": (SOCKET, ["studio", "status"]),
        "backend": (SOCKET, ["backend", "--port", "0"]),
        "team": (SOCKET, ["team", "list"]),
        "progress": (SOCKET, ["progress", "--no-chart"]),
        "pull": (SOCKET, ["pull", "-o", str(work / "pulled.json")]),
        "validate": (export, ["validate", export]),
        "agreement": (export, ["agreement", export]),
        "adjudicate": (export, ["adjudicate", export, "--dry-run"]),
        "evaluate": (export, ["evaluate", export, "--predictions", articles]),
        "release": (export, ["release", export, "--version", "9.9.9", "--dataset-dir",
                             "{fresh}"]),
        "verify": (str(release / "manifest.json"), ["verify", str(release)]),
    }


def measure(count: int = 5) -> dict[str, Any]:
    """Medians (and every run) of `--help`, `verify --help` and each command's start-up."""
    helps: dict[str, list[float]] = {"--help": [], "verify --help": []}
    runs: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="newsclaims-startup-") as folder:
        work = Path(folder)
        seed_dir = str(ROOT / "seeds")
        subprocess.run([str(NEWSCLAIMS), "ingest", seed_dir, "-o", str(work / "articles.jsonl")],
                       check=True, capture_output=True, cwd=work)
        commands = _commands(work)
        for _ in range(count):
            for name in helps:
                helps[name].append(_help_cpu(name.split()))
            for verb, (marker, args) in commands.items():
                fresh = tempfile.mkdtemp(dir=work)  # a release writes into a new folder
                args = [fresh if a == "{fresh}" else a for a in args]
                runs.setdefault(verb, []).append(_probe(marker, args, work))
    return {
        "runs": [{"command": name, "cpu_seconds": s} for name, values in helps.items()
                 for s in values],
        "cpu_seconds": {name: statistics.median(values) for name, values in helps.items()},
        "commands": {verb: {"cpu_seconds": statistics.median(r["cpu_seconds"] for r in found),
                            "reached": all(r["reached"] for r in found),
                            "runs": [r["cpu_seconds"] for r in found],
                            "args": commands[verb][1]}
                     for verb, found in runs.items()},
    }


def rows(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The benchmark table's rows: the two `--help` and the slowest command's start-up."""
    out = [(f"start-up: `newsclaims {name}`, whole process", f"{seconds:.2f} CPU s", "-",
            f"{'met' if seconds <= GOAL else '**missed**'}; goal <= {GOAL}")
           for name, seconds in result["cpu_seconds"].items()]
    commands = result.get("commands")
    if commands:
        slowest = max(commands, key=lambda verb: commands[verb]["cpu_seconds"])
        worst = commands[slowest]["cpu_seconds"]
        over = [verb for verb, c in commands.items() if c["cpu_seconds"] > GOAL]
        out.append((f"start-up of every command ({len(commands)}) before its work begins "
                    "(whole process, up to its first read of its input or first connection; "
                    "each listed under Every run)",
                    f"slowest `{slowest}` {worst:.2f} CPU s; median of the commands "
                    f"{statistics.median(c['cpu_seconds'] for c in commands.values()):.2f}",
                    "-", (f"{'met' if not over else '**missed** by ' + ', '.join(over)}; "
                          f"goal <= {GOAL} each")))
    return out


def details(result: dict[str, Any]) -> list[str]:
    """Every run of every command, for the document's "Every run" section."""
    lines = []
    for found in result.get("commands", {}).values():
        shown = " ".join("NEW_FOLDER" if a == "{fresh}" else Path(a).name if a.startswith("/")
                         else a for a in found["args"])
        note = "" if found["reached"] else " (refused before its work: CPU at exit)"
        lines.append(f"- start-up of `newsclaims {shown}`: CPU seconds "
                     f"{', '.join(f'{s:.2f}' for s in found['runs'])}{note}")
    return lines


if __name__ == "__main__":
    measured = measure()
    for row in rows(measured):
        print(" | ".join(row))
    print("\n".join(details(measured)))
