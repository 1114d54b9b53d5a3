"""Disagreements reach a reviewer: adjudicate sends the majority merge as a prediction."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from factories import region, relation
from newsclaims.cli import app
from newsclaims.core.ids import article_id
from newsclaims.export.reader import read_export
from newsclaims.export.result_rows import parse_result
from newsclaims.review.adjudicate import MODEL_VERSION_PREFIX, adjudicate
from newsclaims.studio.client import existing_article_ids
from newsclaims.studio.pull import pull
from newsclaims.studio.push import push

pytestmark = pytest.mark.integration

TEXT = "The mayor said the bridge would reopen in May, officials confirmed on Friday."
CLAIM = "the bridge would reopen in May"
# Both annotators: the claim, "The mayor" as its source, "May" a DATE.
# They differ on the cue ("said" vs "said the") and on the claim's attribution_type.
FIRST = [
    *region("a1", "CLAIM", TEXT, CLAIM, attribution_type="INDIRECT"),
    *region("a2", "SOURCE", TEXT, "The mayor", source_type="NAMED_PERSON"),
    *region("a3", "CUE", TEXT, "said"),
    *region("a4", "DATE", TEXT, "May", control="entity"),
    relation("a1", "a2", "source"),
    relation("a1", "a3", "cue"),
]
SECOND = [
    *region("b1", "CLAIM", TEXT, CLAIM, attribution_type="DIRECT_QUOTE"),
    *region("b2", "SOURCE", TEXT, "The mayor", source_type="NAMED_PERSON"),
    *region("b3", "CUE", TEXT, "said the"),
    *region("b4", "DATE", TEXT, "May", control="entity"),
    relation("b1", "b2", "source"),
    relation("b1", "b3", "cue"),
]


def test_adjudication_prediction_holds_the_majority_and_is_sent_once(
    studio, project_title, tmp_path
):
    conn = studio.connect()
    agreed = "Officials said nothing."
    pushed = push(
        [{"text": t, "article_id": article_id(t), "title": "t"} for t in (TEXT, agreed)],
        project_title=project_title, studio=conn, suggest=False,
    )
    ids = existing_article_ids(conn, pushed.project_id)
    task_id, calm_id = ids[article_id(TEXT)][0], ids[article_id(agreed)][0]
    client = studio.client()
    client.annotations.create(id=task_id, result=FIRST)
    client.annotations.create(id=task_id, result=SECOND)
    same = region("c1", "SOURCE", agreed, "Officials", source_type="ANONYMOUS")
    client.annotations.create(id=calm_id, result=same)
    client.annotations.create(id=calm_id, result=same)

    export = pull(tmp_path, project_title=project_title, studio=conn).path
    outcome = adjudicate(read_export(export), project=project_title, studio=conn)
    assert outcome.problems == []
    assert [s["task_id"] for s in outcome.sent] == [task_id]  # the agreed article needs none

    predictions = [p for p in client.predictions.list(task=task_id)
                   if (p.model_version or "").startswith(MODEL_VERSION_PREFIX)]
    assert len(predictions) == 1
    parsed = parse_result(predictions[0].result, TEXT)
    assert parsed.problems == []
    # Majority of two = both: claim, source and date stay, the disputed cue does not.
    assert {(s["label"], s["text"]) for s in parsed.spans} == {
        ("CLAIM", CLAIM), ("SOURCE", "The mayor"), ("DATE", "May")}
    (claim,) = [s for s in parsed.spans if s["label"] == "CLAIM"]
    assert claim["attribution_type"] is None  # a tie is left for the reviewer
    assert [(r["type"], r["from_label"], r["to_label"]) for r in parsed.relations] == [
        ("source", "CLAIM", "SOURCE")]
    assert client.predictions.list(task=calm_id) == []

    # A second run (same export) finds the prediction there and sends nothing.
    again = adjudicate(read_export(export), project=project_title, studio=conn)
    assert again.sent == [] and [s["task_id"] for s in again.already_sent] == [task_id]
    assert len(client.predictions.list(task=task_id)) == 1

    # The command does the same through the configured connection.
    run = CliRunner().invoke(app, ["adjudicate", str(export), "--project", project_title,
                                   "--json"], env=studio.env())
    assert run.exit_code == 0, run.output
    document = json.loads(run.stdout)
    assert document["sent"] == [] and len(document["already_sent"]) == 1
    assert studio.api_key not in run.output


def test_unknown_project_is_one_line_and_exit_2(studio, tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps([{"id": 1, "data": {"text": TEXT, "article_id": article_id(TEXT)},
                                 "annotations": [{"id": 1, "result": FIRST},
                                                 {"id": 2, "result": SECOND}]}]), "utf-8")
    run = CliRunner().invoke(app, ["adjudicate", str(path), "--project", "no-such-project-x"],
                             env=studio.env())
    assert run.exit_code == 2
    assert "no Label Studio project titled 'no-such-project-x'" in run.output
    assert "Traceback" not in run.output
