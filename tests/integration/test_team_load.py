"""Eight annotators at once, on a real server: accounts made by `newsclaims team add`,
each annotator a process of its own with its own token, taking tasks from the labeling
stream (`/api/projects/{id}/next`, as the editor does) and submitting (or skipping)
until the project is done; then `newsclaims pull`.

Three set-ups, each a server of the test's own: SQLite (the embedded default),
PostgreSQL (a database of the session's private cluster, tests/postgres_servers.py),
and two app processes on one PostgreSQL database with the annotators split between
them (half on each port), pulled through the first.

What must hold: every annotation the server acknowledged is in the export exactly once
(none lost, none doubled) and under the account that made it; no annotator holds two
annotations of one task, nor was served a task again after finishing it; every task got
its annotators, and each task the server put in the overlap got two different ones.
What is measured (test-artifacts/team-load-<server>.json): throughput, errors, and the
overlap actually produced against the 20% asked for.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from stream import articles, read_log
from team_helpers import STREAM, add_annotators, cli_env, newsclaims

from conftest import start_on_postgres
from newsclaims.studio import server, team
from newsclaims.studio.client import project_tasks

pytestmark = pytest.mark.integration

ANNOTATORS = 8
ARTICLES = 60
OVERLAP = 0.2
SKIP_SHARE = 0.1
UPPER_BOUND_SECONDS = 300  # the run ends when the stream is empty; this only bounds it
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(params=["sqlite", "postgres", "postgres-2-processes"])
def load_server(request, tmp_path):
    """A server of the test's own per set-up (the load leaves thousands of rows)."""
    if request.param == "sqlite":
        yield request.param, request.getfixturevalue("own_studio")
        return
    processes = 2 if request.param == "postgres-2-processes" else 1
    cluster = request.getfixturevalue("postgres_cluster")
    running = start_on_postgres(cluster, tmp_path / "studio", processes=processes)
    try:
        assert len(running.urls) == processes
        yield request.param, running
    finally:
        running.stop()


def _run_annotators(urls: list[str], env: dict[str, str], logins: list, project_id: int,
                    logs: Path) -> tuple[float, list[int]]:
    """One `stream.py` process per annotator, annotator n on app process n mod len(urls);
    the wall time and their exit codes."""
    started = time.monotonic()
    workers = [subprocess.Popen(
        [sys.executable, str(STREAM), "--url", urls[n % len(urls)],
         "--login-file", str(login_path), "--project-id", str(project_id),
         "--seconds", str(UPPER_BOUND_SECONDS), "--skip-share", str(SKIP_SHARE),
         "--idle-stop", "8", "--out", str(logs / f"{n}.jsonl")],
        env=env, stdin=subprocess.DEVNULL) for n, login_path in enumerate(logins)]
    codes = [w.wait(timeout=UPPER_BOUND_SECONDS + 120) for w in workers]
    return time.monotonic() - started, codes


def test_eight_annotators_at_once_lose_and_double_nothing(load_server, tmp_path):
    kind, running = load_server
    env = cli_env(running)
    logins = add_annotators(env, ANNOTATORS)
    source = tmp_path / "articles.jsonl"
    source.write_text("".join(json.dumps(a) + "\n" for a in articles(ARTICLES, "load-")))
    pushed = newsclaims(env, "push", str(source), "--project", "load", "--no-predictions",
                        "--overlap", str(OVERLAP), "--per-task", "2", "--json")
    assert pushed.returncode == 0, pushed.stderr
    project_id = json.loads(pushed.stdout)["project_id"]

    logs = tmp_path / "logs"
    logs.mkdir()
    paths = server.studio_paths(env[server.ENV_DIR])
    login_files = [team.login_file(paths, x.email) for x in logins]
    urls = running.urls or [running.url]
    seconds, codes = _run_annotators(urls, env, login_files, project_id, logs)
    assert codes == [0] * ANNOTATORS
    events = {x.email: read_log(logs / f"{n}.jsonl") for n, x in enumerate(logins)}
    # Every app process took its share of the submits (annotator n used urls[n % k]).
    per_process = Counter(n % len(urls) for n, x in enumerate(logins)
                          for e in events[x.email] if e["event"] == "submitted")
    assert sorted(per_process) == list(range(len(urls))), per_process
    user_of = {x.email: x.user_id for x in logins}

    pulled = newsclaims(env, "pull", "--project", "load", "-o", str(tmp_path / "out"), "--json")
    assert pulled.returncode == 0, pulled.stderr
    exported = json.loads(Path(json.loads(pulled.stdout)["export"]).read_text("utf-8"))
    targets = {t["id"]: t["overlap"] for t in project_tasks(running.connect(), project_id)}

    # Acknowledged by the server (201 with an id) -> in the export, once, as its maker.
    acknowledged = {e["annotation"]: (email, e["task"]) for email, log in events.items()
                    for e in log if e["event"] in ("submitted", "skipped")}
    assert len(acknowledged) == sum(1 for log in events.values() for e in log
                                    if e["event"] in ("submitted", "skipped"))
    in_export = Counter(a["id"] for t in exported for a in t["annotations"])
    assert [i for i, n in in_export.items() if n > 1] == []
    assert sorted(set(acknowledged) - set(in_export)) == []  # none lost
    made_by = {a["id"]: (a["completed_by"], t["id"]) for t in exported for a in t["annotations"]}
    assert all(made_by[i] == (user_of[email], task) for i, (email, task) in acknowledged.items())
    failed_submits = {e["task"] for log in events.values() for e in log
                      if e["event"] == "error" and e.get("during") == "submit"}
    unacknowledged = {made_by[i][1] for i in set(in_export) - set(acknowledged)}
    assert unacknowledged <= failed_submits  # saved although the answer was an error

    # Nobody twice on one task; nobody served a task again after finishing it.
    pairs = Counter(made_by[i] for i in in_export)
    assert [p for p, n in pairs.items() if n > 1] == []
    for log in events.values():
        finished: set[int] = set()
        for e in log:
            if e["event"] == "served":
                assert e["task"] not in finished
                assert e["annotations_shown"] == 0  # the stream shows no one's work
            elif e["event"] in ("submitted", "skipped"):
                finished.add(e["task"])

    # Every task got what the server planned for it; the overlap ones two different people.
    annotators_of = {t["id"]: {a["completed_by"] for a in t["annotations"]
                               if not a["was_cancelled"]} for t in exported}
    assert sorted(Counter(targets.values()).items()) == [(1, 48), (2, 12)]
    assert [t for t, need in targets.items() if len(annotators_of[t]) < need] == []
    _record(kind, len(urls), events, seconds, annotators_of, targets)


def _record(kind: str, processes: int, events: dict, seconds: float, annotators_of: dict,
            targets: dict) -> None:
    """What the run measured, for docs/team.md and the lead."""
    counts = Counter(e["event"] for log in events.values() for e in log)
    multi = sum(1 for who in annotators_of.values() if len(who) >= 2)
    measured = {
        "server": kind, "app_processes": processes, "annotators": ANNOTATORS, "tasks": len(targets),
        "seconds": round(seconds, 1), "served": counts["served"],
        "submitted": counts["submitted"], "skipped": counts["skipped"],
        "errors": counts["error"],
        "submits_per_second": round((counts["submitted"] + counts["skipped"]) / seconds, 2),
        "overlap_asked_percent": round(100 * OVERLAP),
        "overlap_planned_by_server": sum(1 for n in targets.values() if n >= 2),
        "tasks_with_2_or_more": multi,
        "overlap_got_percent": round(100 * multi / len(targets), 1),
        "tasks_beyond_their_target": sum(1 for t, who in annotators_of.items()
                                         if len(who) > targets[t]),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"team-load-{kind}.json").write_text(json.dumps(measured, indent=2) + "\n")
    print(json.dumps(measured))
