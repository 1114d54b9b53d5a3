"""Team annotation under load, on a throwaway local Label Studio (issue #11).

- `submits`: sustained annotation submits per second with N annotators at once, each a
  process of its own (tests/integration/stream.py) with its own account and token,
  taking tasks from the labeling stream and submitting as the editor does, for a fixed
  time on a project with more tasks than they can finish. The rate counts the submits
  the server acknowledged after a warm-up; latencies are per request as the client saw
  them. Results are small (4 regions, 2 relations): this measures the server's
  stream and write path, not payload size. `--database postgres` runs the same on a
  private PostgreSQL cluster started for the run (tests/postgres_servers.py), one
  database copied from the migrated template; `--processes 2` (PostgreSQL only) splits
  the annotators between two app processes on that database.
- `pull`: `newsclaims pull` of a project with N annotated tasks (synthetic ~3,000-char
  articles, ~30 regions each, 20% by two of 8 annotators; imported with their
  annotations, outside the clock): median of 3 pulls, each a fresh snapshot.

Servers start from a copy of the migrated template data dir (tests/conftest.py) and are
always stopped. Prints JSON; docs/benchmarks.md ("Team annotation") quotes it.

    .venv/bin/python benchmarks/annotate_bench.py submits --annotators 8 --seconds 60
    .venv/bin/python benchmarks/annotate_bench.py submits --database postgres --seconds 60
    .venv/bin/python benchmarks/annotate_bench.py pull --tasks 10000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "tests"), str(ROOT / "tests" / "integration")]

import stream  # noqa: E402

import push_bench  # noqa: E402  (throwaway_studio: the one way to start a bench server)
import synth  # noqa: E402
from newsclaims.studio import team  # noqa: E402
from newsclaims.studio.client import Assignment, ensure_project  # noqa: E402
from newsclaims.studio.pull import pull  # noqa: E402
from newsclaims.studio.push import push  # noqa: E402

WARM_UP = 10.0  # seconds left out of the sustained rate


def _members(running: Any, count: int) -> list[team.MemberLogin]:
    tag = uuid.uuid4().hex[:6]
    emails = [f"bench{i}-{tag}@newsclaims.test" for i in range(count)]
    team.add_members(emails, paths=running.paths)
    return [team.load_login(running.paths, e) for e in emails]


@contextlib.contextmanager
def bench_server(database: str, processes: int) -> Iterator[Any]:
    """A throwaway server on SQLite, or on a private PostgreSQL cluster of the run's own
    (cluster, database and app processes always stopped)."""
    if database == "sqlite":
        if processes != 1:
            raise SystemExit("SQLite runs one app process")
        with push_bench.throwaway_studio() as running:
            yield running
        return
    from conftest import os_free_port, start_on_postgres
    from postgres_servers import start_test_cluster

    pg = start_test_cluster(os_free_port())
    base = Path(tempfile.mkdtemp(prefix="submits-pg-", dir=HERE / ".data"))
    running = None
    try:
        running = start_on_postgres(pg, base / "studio", processes=processes)
        yield running
    finally:
        if running is not None:
            running.stop()
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)


def submits(annotators: int, seconds: float, tasks: int, database: str = "sqlite",
            processes: int = 1) -> dict[str, Any]:
    with bench_server(database, processes) as running:
        urls = running.urls or [running.url]
        logins = _members(running, annotators)
        pushed = push(stream.articles(tasks, "bench-"), project_title="bench-submits",
                      studio=running.connect(), suggest=False, progress=False,
                      assignment=Assignment.of(0.2, 2))
        logs = Path(tempfile.mkdtemp(prefix="submits-", dir=HERE / ".data"))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"),
                                                            os.environ.get("PYTHONPATH", "")])}
        started = time.time()
        workers = [subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "integration" / "stream.py"),
             "--url", urls[n % len(urls)], "--project-id", str(pushed.project_id),
             "--login-file", str(team.login_file(running.paths, login.email)),
             "--seconds", str(seconds), "--skip-share", "0", "--out", str(logs / f"{n}.jsonl")],
            env=env, stdin=subprocess.DEVNULL) for n, login in enumerate(logins)]
        codes = [w.wait() for w in workers]
        events = [stream.read_log(logs / f"{n}.jsonl") for n in range(annotators)]
    return {"database": database, "app_processes": processes, "annotators": annotators,
            "tasks": tasks, "seconds": seconds, "exit_codes": codes,
            **_rates(events, started, seconds), "load": os.getloadavg()}


def _rates(per_worker: list[list[dict[str, Any]]], started: float,
           seconds: float) -> dict[str, Any]:
    """Sustained submits/s after the warm-up; median next/submit latency per request."""
    next_latency, submit_latency, acknowledged, errors = [], [], 0, 0
    for events in per_worker:
        previous = started
        for event in events:
            if event["event"] == "served":
                next_latency.append(event["t"] - previous)
            elif event["event"] == "submitted":
                submit_latency.append(event["t"] - previous)
                acknowledged += event["t"] >= started + WARM_UP
            errors += event["event"] == "error"
            previous = event["t"]
    window = seconds - WARM_UP
    return {"submits_per_second": round(acknowledged / window, 2),
            "submits_in_window": acknowledged, "errors": errors,
            "next_median_s": round(statistics.median(next_latency), 3),
            "submit_median_s": round(statistics.median(submit_latency), 3)}


def pull_time(tasks: int, runs: int = 3) -> dict[str, Any]:
    with push_bench.throwaway_studio() as running:
        logins = _members(running, 8)
        studio = running.connect()
        from label_studio_sdk import LabelStudio

        studio.client = LabelStudio(base_url=running.url, api_key=running.api_key, timeout=1800)
        project = ensure_project(studio, "bench-pull")
        user_ids = [login.user_id for login in logins]
        imported = _import_annotated(studio, project.id, tasks, user_ids)
        measured = []
        for _ in range(max(3, runs)):
            out = Path(tempfile.mkdtemp(prefix="pull-", dir=HERE / ".data"))
            begun = time.perf_counter()
            result = pull(out, project_title="bench-pull", studio=studio)
            measured.append({"seconds": round(time.perf_counter() - begun, 2),
                             "bytes": result.meta["export_bytes"],
                             "annotations": result.meta["annotation_count"],
                             "tasks_by_annotators": result.meta["tasks_by_annotators"]})
            for path in (result.path, result.meta_path):
                path.unlink()
            out.rmdir()
    return {"tasks": tasks, "imported": imported,
            "pull_median_seconds": statistics.median(m["seconds"] for m in measured),
            "runs": measured, "load": os.getloadavg()}


def _import_annotated(studio: Any, project_id: int, count: int, user_ids: list[int],
                      batch: int = 500) -> int:
    """Synthetic annotated tasks, imported with their annotations (8 annotators, 20% by
    two), in batches; how many the server took."""
    taken, chunk = 0, []
    for task in synth.tasks(count, annotators=len(user_ids), double_annotated=0.2):
        chunk.append({"data": task["data"], "annotations": [
            {"result": a["result"], "completed_by": user_ids[a["completed_by"] - 1],
             "lead_time": a["lead_time"]} for a in task["annotations"]]})
        if len(chunk) == batch:
            taken += studio.client.projects.import_tasks(id=project_id, request=chunk).task_count
            chunk = []
    if chunk:
        taken += studio.client.projects.import_tasks(id=project_id, request=chunk).task_count
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="case", required=True)
    one = sub.add_parser("submits")
    one.add_argument("--annotators", type=int, default=8)
    one.add_argument("--seconds", type=float, default=60.0)
    one.add_argument("--tasks", type=int, default=2000)
    one.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    one.add_argument("--processes", type=int, default=1)
    two = sub.add_parser("pull")
    two.add_argument("--tasks", type=int, default=10_000)
    two.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    (HERE / ".data").mkdir(exist_ok=True)
    if args.case == "submits":
        result = submits(args.annotators, args.seconds, args.tasks, args.database,
                         args.processes)
    else:
        result = pull_time(args.tasks, args.runs)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
