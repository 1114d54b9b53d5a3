"""The whole team chain through the real command and server: push with 20% double
annotation, three annotators work from the labeling stream, progress fills in, pull
gathers everyone's work, agreement and adjudicate work on it unchanged, and the
release names annotators only by pseudonym."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from stream import StreamAnnotator, articles, result_for
from team_helpers import add_annotators, cli_env, newsclaims

pytestmark = pytest.mark.integration

ARTICLES = 10


def _work_until_empty(annotators: dict[str, StreamAnnotator]) -> dict[int, list[str]]:
    """Each annotator in turn takes the stream's next task and submits it, until the
    stream has nothing for anyone. Who did which task."""
    done: dict[int, list[str]] = {}
    while True:
        served = False
        for email, annotator in annotators.items():
            task = annotator.next_task()
            if task is None:
                continue
            served = True
            annotator.submit(task, result_for(task["data"]["text"], email), 60.0)
            done.setdefault(task["id"], []).append(email)
        if not served:
            return done


def _json(run) -> dict:
    assert run.returncode in (0, 1), run.stderr[-3000:]
    return json.loads(run.stdout)


def test_push_annotate_progress_pull_agreement_adjudicate_release(studio, project_title,
                                                                  tmp_path):
    team_env = cli_env(studio)
    source = tmp_path / "articles.jsonl"
    source.write_text("".join(json.dumps(a) + "\n" for a in articles(ARTICLES, project_title)))
    pushed = _json(newsclaims(team_env, "push", str(source), "--project", project_title,
                              "--no-predictions", "--overlap", "0.2", "--json"))
    logins = add_annotators(team_env, 3)
    annotators = {login.email: StreamAnnotator(team_env["LABEL_STUDIO_URL"], login.token,
                                               pushed["project_id"]) for login in logins}

    before = _json(newsclaims(team_env, "progress", "--project", project_title, "--json",
                              "--chart", str(tmp_path / "before.png")))
    assert (before["short"], before["missing"], before["overlap_planned"]) == (10, 12, 2)
    done = _work_until_empty(annotators)
    for annotator in annotators.values():
        annotator.close()
    doubled = sorted(task for task, who in done.items() if len(who) == 2)
    assert len(done) == ARTICLES and len(doubled) == 2
    assert all(len(set(who)) == len(who) for who in done.values())

    # progress: everything complete, per annotator what each did, by e-mail (lead's view)
    chart = tmp_path / "progress.png"
    after = _json(newsclaims(team_env, "progress", "--project", project_title, "--json",
                             "--chart", str(chart)))
    assert (after["complete"], after["short"], after["overlap_complete"]) == (10, 0, 2)
    did = {email: sum(email in who for who in done.values()) for email in annotators}
    assert {a["email"]: a["done"] for a in after["annotators"]} == did
    assert after["median_seconds"] == 60.0 and after["agreement"]["articles"] == 2
    assert chart.read_bytes()[:4] == b"\x89PNG" and after["chart"] == str(chart)

    # pull: one export with everyone's work; the overlap it records is the one done
    pulled = _json(newsclaims(team_env, "pull", "--project", project_title, "-o",
                              str(tmp_path / "exports"), "--json"))
    export = Path(pulled["export"])
    assert pulled["annotation_count"] == ARTICLES + 2
    assert pulled["tasks_by_annotators"] == {"1": ARTICLES - 2, "2": 2}
    assert pulled["annotators"] == 3
    tasks = json.loads(export.read_text("utf-8"))
    assert sorted(t["id"] for t in tasks if len(t["annotations"]) == 2) == doubled

    assert newsclaims(team_env, "validate", str(export)).returncode == 0
    figures = _json(newsclaims(team_env, "agreement", str(export), "--json"))
    assert figures["articles"]["multi_annotated"] == 2 and figures["annotators"] >= 2

    # adjudicate: exactly the overlap tasks whose two annotations differ get a merge
    text_of = {t["id"]: t["data"]["text"] for t in tasks}
    differing = sorted(task for task in doubled
                       if result_for(text_of[task], done[task][0])
                       != result_for(text_of[task], done[task][1]))
    adjudicated = _json(newsclaims(team_env, "adjudicate", str(export), "--project",
                                   project_title, "--json"))
    assert sorted(s["task_id"] for s in adjudicated["sent"]) == differing

    # release: annotators by pseudonym; no e-mail (nor its name part) in any file
    dataset = tmp_path / "dataset"
    released = newsclaims(team_env, "release", str(export), "--version", "1.0.0",
                          "--dataset-dir", str(dataset))
    assert released.returncode == 0, released.stderr[-3000:]
    assert newsclaims(team_env, "verify", str(dataset / "v1.0.0")).returncode == 0
    for path in (dataset / "v1.0.0").rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(email.split("@")[0].encode() in content for email in annotators), path
    names = set(pq.read_table(dataset / "v1.0.0" / "annotations").column("annotator")
                .to_pylist())
    assert len(names) == 3 and all(n.startswith("annotator-") for n in names)
