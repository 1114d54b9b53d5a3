"""Push against one raw `import_tasks` call, on a throwaway local Label Studio.

Each run creates empty projects (outside the clock) and times, in alternating order:
- `newsclaims.studio.push.push` of N articles (input checks, project check, the
  idempotency listing, batched imports) with `suggest=False` into one of them;
- ONE `client.projects.import_tasks` call with the same task data into another.
Then, on the project push filled, the idempotency check alone (listing the article_ids
the project holds) and a second push, which must skip every article.
Push attaches the pre-annotator's predictions by default; computing them is measured
by the pre-annotation benchmark, so here the predictions are computed once, before any
clock, and the same comparison is made with them attached (push given the predictions
vs one import_tasks with them inline), on at most PREDICTIONS_MAX tasks.

The server starts on a free 127.0.0.1 port from a copy of the migrated template data
dir (tests/conftest.py's `start_from_template`, so the data dir is never migrated
here) and is stopped at the end, also when a run fails or the process gets SIGTERM.

    .venv/bin/python benchmarks/push_bench.py 10000 --runs 3     # prints JSON
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TASK_FIELDS = ("text", "article_id", "title", "tags", "language")
TIMINGS = ("push_seconds", "raw_seconds", "check_seconds", "repush_seconds",
           "input_check_seconds", "push_predictions_seconds", "raw_predictions_seconds")
PREDICTIONS_MAX = 2000


def articles(n: int) -> list[dict[str, Any]]:
    """N distinct articles (task data only), the same texts the synthetic exports hold."""
    sys.path.insert(0, str(HERE))
    import synth

    return [{k: task["data"][k] for k in TASK_FIELDS} for task in synth.tasks(n)]


@contextlib.contextmanager
def throwaway_studio() -> Iterator[Any]:
    """A Label Studio of our own, from a copy of the migrated template; always stopped."""
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import start_from_template  # the one place that knows the template

    base = Path(tempfile.mkdtemp(prefix="push-bench-", dir=HERE / ".data"))
    running = None
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        running = start_from_template(base / "studio")
        yield running
    finally:
        if running is not None:
            running.stop()
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(base, ignore_errors=True)


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds through `finally`, which stops the server


def _seconds(func: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = func()
    return time.perf_counter() - started, value


def predictions_for(data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pre-annotator's predictions (push's input format), computed before any clock."""
    from newsclaims.preannotate import preannotate_articles

    return preannotate_articles(data)


def one_run(running: Any, data: list[dict[str, Any]], predicted: list[dict[str, Any]], *,
            push_first: bool) -> dict[str, float]:
    """One run on fresh, empty projects; deletes them afterwards."""
    from label_studio_sdk import LabelStudio

    from newsclaims.core.articles import load_push_input
    from newsclaims.studio.client import ensure_project, existing_article_ids
    from newsclaims.studio.push import push

    studio = running.connect()
    # One import of 10,000 tasks (~30 MB) may take longer than the usual 120 s timeout.
    studio.client = LabelStudio(base_url=running.url, api_key=running.api_key, timeout=900)
    tag = uuid.uuid4().hex[:8]
    projects = {name: ensure_project(studio, f"bench-{name}-{tag}")
                for name in ("push", "raw", "push-predictions", "raw-predictions")}
    pushed = projects["push"]
    with_predictions = data[:len(predicted)]
    fields = ("model_version", "score", "result")
    payloads = {
        "raw": [{"data": dict(article)} for article in data],
        "raw-predictions": [{"data": dict(article), "predictions": [{k: p[k] for k in fields}]}
                            for article, p in zip(with_predictions, predicted, strict=True)],
    }

    def timed_push(name: str, articles: list[dict[str, Any]], **options: Any) -> float:
        seconds, result = _seconds(lambda: push(articles, project_title=projects[name].title,
                                                studio=studio, progress=False, **options))
        if result.imported != len(articles) or result.failed:
            raise SystemExit(f"push imported {result.imported} of {len(articles)}: "
                             f"{result.summary()}")
        return seconds

    def timed_raw(name: str) -> float:
        seconds, response = _seconds(lambda: studio.client.projects.import_tasks(
            id=projects[name].id, request=payloads[name]))
        if response.task_count != len(payloads[name]):
            raise SystemExit(f"import_tasks imported {response.task_count} of "
                             f"{len(payloads[name])}")
        return seconds

    def pair(push_name: str, articles: list[dict[str, Any]], raw_name: str,
             **options: Any) -> tuple[float, float]:
        if push_first:
            return timed_push(push_name, articles, **options), timed_raw(raw_name)
        raw_seconds = timed_raw(raw_name)
        return timed_push(push_name, articles, **options), raw_seconds

    try:
        push_seconds, raw_seconds = pair("push", data, "raw", suggest=False)
        push_predictions_seconds, raw_predictions_seconds = pair(
            "push-predictions", with_predictions, "raw-predictions", predictions=predicted)
        check_seconds, found = _seconds(lambda: existing_article_ids(studio, pushed.id))
        if len(found) != len(data):
            raise SystemExit(f"idempotency check found {len(found)} of {len(data)} articles")
        repush_seconds, again = _seconds(lambda: push(data, project_title=pushed.title,
                                                      studio=studio, progress=False))
        # (suggest stays on: nothing is new, so nothing is pre-annotated)
        if again.imported or again.skipped != len(data):
            raise SystemExit(f"second push was not a no-op: {again.summary()}")
        input_check_seconds, _ = _seconds(lambda: load_push_input(data))
    finally:
        for project in projects.values():
            with contextlib.suppress(Exception):
                studio.client.projects.delete(id=project.id)
    return {"push_seconds": push_seconds, "raw_seconds": raw_seconds,
            "check_seconds": check_seconds, "repush_seconds": repush_seconds,
            "input_check_seconds": input_check_seconds,
            "push_predictions_seconds": push_predictions_seconds,
            "raw_predictions_seconds": raw_predictions_seconds}


def measure(n: int, runs: int = 3) -> dict[str, Any]:
    """Medians over `runs` (>= 3) runs of N tasks each, plus every run's figures."""
    data = articles(n)
    predicted = predictions_for(data[:PREDICTIONS_MAX])
    measured = []
    with throwaway_studio() as running:
        for run in range(max(3, runs)):
            measured.append(one_run(running, data, predicted, push_first=run % 2 == 0))
    medians = {key: statistics.median(m[key] for m in measured) for key in TIMINGS}
    return {"tasks": n, "predicted_tasks": len(predicted),
            "mean_chars": round(sum(len(a["text"]) for a in data) / n),
            **medians, "runs": measured}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure(args.n, args.runs), indent=2))


if __name__ == "__main__":
    main()
