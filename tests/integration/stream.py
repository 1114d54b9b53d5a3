"""An annotator working through Label Studio's labeling stream the way its UI does:
`GET /api/projects/{id}/next` serves (and locks) a task, then the annotation — or a
skip — is posted for it, and again, until the stream is empty.

Used in-process by the team tests, and as a separate process per annotator by the load
test and the annotation benchmark:

    python tests/integration/stream.py --url URL --login-file .labelstudio/team/a@x.json \
        --project-id 3 --seconds 60 --out a.jsonl

The token is read from the annotator's 0600 login file, never taken on the command
line. Every event is one JSON line in --out: `served`, `submitted`/`skipped` (with the
annotation id the server acknowledged), `error` (HTTP status; what the server answered),
`empty` (the stream had nothing for this annotator at that moment).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: factories

from factories import region, relation
from newsclaims.core.ids import article_id

TEXT = ("Officials said the bridge number {n} would reopen in May, the mayor told reporters "
        "on Friday.")
CLAIM = "the bridge number {n} would reopen in May"


def articles(count: int, tag: str = "") -> list[dict[str, Any]]:
    """`count` distinct small articles (each one sentence with a claim, source and cue)."""
    texts = [TEXT.format(n=f"{tag}{i}") for i in range(count)]
    return [{"text": t, "article_id": article_id(t), "title": f"bridge {i}"}
            for i, t in enumerate(texts)]


def result_for(text: str, annotator: str) -> list[dict[str, Any]]:
    """A valid result that depends on who annotates: all agree on the claim and source;
    about half take the cue as "told reporters" rather than "told", and about half call
    the claim DIRECT_QUOTE — so an overlap task shows real, countable disagreement."""
    claim_start = text.index("the bridge number")
    claim = text[claim_start:text.index(" would reopen") + len(" would reopen in May")]
    coin = hashlib.sha256(f"{annotator}|{text}".encode()).digest()
    cue = "told reporters" if coin[0] % 2 else "told"
    kind = "DIRECT_QUOTE" if coin[1] % 2 else "INDIRECT"
    return [
        *region("c", "CLAIM", text, claim, attribution_type=kind),
        *region("s", "SOURCE", text, "the mayor", source_type="NAMED_PERSON"),
        *region("u", "CUE", text, cue),
        *region("d", "DATE", text, "May", control="entity"),
        relation("c", "s", "source"),
        relation("c", "u", "cue"),
    ]


class StreamAnnotator:
    """One annotator's HTTP session (their own token) on one project's stream."""

    def __init__(self, url: str, token: str, project_id: int, *, timeout: float = 120.0):
        self.project_id = project_id
        self.http = httpx.Client(base_url=url, timeout=timeout,
                                 headers={"Authorization": f"Token {token}"})

    def next_task(self) -> dict[str, Any] | None:
        """The task the stream serves this annotator now; None when it has none."""
        response = self.http.get(f"/api/projects/{self.project_id}/next")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()

    def submit(self, task: dict[str, Any], result: list[dict[str, Any]], lead_time: float,
               *, cancelled: bool = False) -> int:
        """Post the annotation as the editor does; the id the server gave it."""
        body: dict[str, Any] = {"result": result, "lead_time": lead_time,
                                "project": self.project_id}
        if cancelled:
            body["was_cancelled"] = True
        response = self.http.post(f"/api/tasks/{task['id']}/annotations",
                                  params={"project": self.project_id}, json=body)
        response.raise_for_status()
        return int(response.json()["id"])

    def close(self) -> None:
        self.http.close()


def work(annotator: StreamAnnotator, name: str, *, seconds: float, skip_share: float,
         idle_stop: float, log: Any, seed: int = 0) -> None:
    """Take, annotate (or skip) and submit until `seconds` pass or the stream has been
    empty for `idle_stop` seconds in a row. Every event goes to `log` as a JSON line."""
    rng = random.Random(f"{seed}|{name}")
    deadline = time.monotonic() + seconds
    idle_since: float | None = None
    while time.monotonic() < deadline:
        try:
            task = annotator.next_task()
        except httpx.HTTPError as exc:
            _log(log, "error", during="next", detail=_detail(exc))
            continue
        if task is None:
            idle_since = idle_since or time.monotonic()
            _log(log, "empty")
            if time.monotonic() - idle_since > idle_stop:
                return
            time.sleep(0.5)
            continue
        idle_since = None
        _log(log, "served", task=task["id"], annotations_shown=len(task.get("annotations") or []))
        skip = rng.random() < skip_share
        text = task["data"]["text"]
        lead_time = round(rng.uniform(20, 240), 1)  # as the editor would measure it
        try:
            annotation = annotator.submit(task, [] if skip else result_for(text, name),
                                          lead_time, cancelled=skip)
        except httpx.HTTPError as exc:
            _log(log, "error", during="submit", task=task["id"], detail=_detail(exc))
            continue
        _log(log, "skipped" if skip else "submitted", task=task["id"], annotation=annotation)


def _detail(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}: {exc.response.text[:200]}"
    return type(exc).__name__


def _log(log: Any, event: str, **fields: Any) -> None:
    log.write(json.dumps({"event": event, "t": time.time(), **fields}) + "\n")
    log.flush()


def read_log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--login-file", type=Path, required=True)
    parser.add_argument("--project-id", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--skip-share", type=float, default=0.1)
    parser.add_argument("--idle-stop", type=float, default=5.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    login = json.loads(args.login_file.read_text("utf-8"))
    annotator = StreamAnnotator(args.url, login["token"], args.project_id)
    with open(args.out, "w", encoding="utf-8") as log:
        try:
            work(annotator, login["email"], seconds=args.seconds, skip_share=args.skip_share,
                 idle_stop=args.idle_stop, log=log)
        finally:
            annotator.close()


if __name__ == "__main__":
    main()
