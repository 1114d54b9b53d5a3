"""push -> annotate through the API -> pull, against the real server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factories import region, relation
from newsclaims.core.ids import article_id
from newsclaims.core.scheme import load_scheme
from newsclaims.studio.client import existing_article_ids
from newsclaims.studio.pull import pull
from newsclaims.studio.push import push

pytestmark = pytest.mark.integration

TEXT = (
    "Attorney General Pam Bondi told reporters on Monday that the Justice Department "
    "had opened 40 new cases.\nThe agency reportedly plans more, according to sources "
    "familiar with the matter."
)


def _article(text: str, title: str = "Bondi on new cases") -> dict:
    return {"text": text, "article_id": article_id(text), "title": title, "tags": ["politics"]}


def _annotation_result(text: str) -> list[dict]:
    """CLAIM/SOURCE/CUE spans, both relations, per-region choices, entities (names: scheme)."""
    scheme = load_scheme()
    (attribution,) = [c for c, labels in scheme.labels.items() if "CLAIM" in labels]
    (entity,) = [c for c, labels in scheme.labels.items() if "PERSON" in labels]
    (claim_type,) = [c.name for c in scheme.choices_for_label("CLAIM") if c.required]
    (source_type,) = [c.name for c in scheme.choices_for_label("SOURCE")]
    return [
        *region("c1", "CLAIM", text, "the Justice Department had opened 40 new cases",
                control=attribution, **{claim_type: "INDIRECT"}),
        *region("s1", "SOURCE", text, "Attorney General Pam Bondi", control=attribution,
                **{source_type: "NAMED_PERSON"}),
        *region("u1", "CUE", text, "told reporters", control=attribution),
        *region("e1", "PERSON", text, "Pam Bondi", control=entity),
        *region("e2", "ORG", text, "Justice Department", control=entity),
        *region("e3", "DATE", text, "Monday", control=entity),
        relation("c1", "s1", "source"),
        relation("c1", "u1", "cue"),
    ]


def _key(item: dict) -> str:
    return json.dumps(item, sort_keys=True)


def test_label_config_is_accepted_by_the_server(studio, fresh_project):
    client = studio.client()
    scheme = load_scheme()
    client.projects.validate_label_config(id=fresh_project.id, label_config=scheme.config_xml)
    stored = client.projects.get(id=fresh_project.id).label_config
    assert stored.strip() == scheme.config_xml.strip()


def test_push_annotate_pull_keeps_every_region_relation_and_choice(studio, project_title, tmp_path):
    conn = studio.connect()
    other = "The mayor said the bridge would reopen in May, officials confirmed."
    pushed = push(
        [_article(TEXT), _article(other, "Bridge")], project_title=project_title, studio=conn
    )
    assert (pushed.imported, pushed.skipped, pushed.failed) == (2, 0, 0)

    task_id = existing_article_ids(conn, pushed.project_id)[article_id(TEXT)][0]
    sent = _annotation_result(TEXT)
    studio.client().annotations.create(id=task_id, result=sent)

    pulled = pull(tmp_path, project_title=project_title, studio=conn)
    tasks = json.loads(pulled.path.read_text("utf-8"))
    (task,) = [t for t in tasks if t["data"]["article_id"] == article_id(TEXT)]
    assert task["data"] == _article(TEXT)
    (annotation,) = task["annotations"]
    exported = [
        {k: item[k] for k in sent_item}
        for item, sent_item in zip(
            sorted(annotation["result"], key=_key), sorted(sent, key=_key), strict=True
        )
    ]
    assert sorted(map(_key, exported)) == sorted(map(_key, sent))
    assert pulled.meta["task_count"] == 2
    assert pulled.meta["annotation_count"] == 1
    assert pulled.meta["project_id"] == pushed.project_id
    assert pulled.meta["label_config_matches_local"] is True
    assert pulled.meta["label_config_sha256"] == load_scheme().sha256


def test_pull_writes_export_and_sidecar_with_true_sha256_and_never_overwrites(
    studio, project_title, tmp_path
):
    import hashlib

    conn = studio.connect()
    push([_article(TEXT)], project_title=project_title, studio=conn)
    first = pull(tmp_path, project_title=project_title, studio=conn, now=_fixed_now)
    second = pull(tmp_path, project_title=project_title, studio=conn, now=_fixed_now)
    assert first.path != second.path
    assert first.path.name.startswith(f"{project_title}-20260102T030405Z")
    for result in (first, second):
        meta = json.loads(result.meta_path.read_text("utf-8"))
        assert meta["export_sha256"] == hashlib.sha256(result.path.read_bytes()).hexdigest()
        assert meta["server_version"] == "1.23.2"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [first.path.name, first.meta_path.name, second.path.name, second.meta_path.name]
    )


def test_pull_takes_the_time_once_for_file_name_and_sidecar(studio, project_title, tmp_path):
    from datetime import UTC, datetime, timedelta

    conn = studio.connect()
    push([_article(TEXT)], project_title=project_title, studio=conn)
    start = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    clock = (start + timedelta(seconds=n) for n in range(100))  # a second later each call
    pulled = pull(tmp_path, project_title=project_title, studio=conn, now=lambda: next(clock))
    assert pulled.path.name == f"{project_title}-20260102T030405Z.json"
    assert pulled.meta["exported_at"] == "2026-01-02T03:04:05Z"
    assert json.loads(pulled.meta_path.read_text("utf-8"))["exported_at"] == "2026-01-02T03:04:05Z"


def _fixed_now():
    from datetime import UTC, datetime

    return datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_second_push_imports_nothing_and_predictions_arrive_in_full(
    studio, project_title, tmp_path
):
    conn = studio.connect()
    articles = [
        _article(f"Article {n}: officials said the plan would cost {n} million.") for n in range(25)
    ]
    predictions_file = tmp_path / "predictions.jsonl"
    first_id = articles[0]["article_id"]
    prediction = {
        "article_id": first_id,
        "model_version": "rules-test-1",
        "score": 0.5,
        "result": region("p1", "CUE", articles[0]["text"], "said"),
    }
    predictions_file.write_text(json.dumps(prediction) + "\n", "utf-8")

    first = push(
        articles,
        project_title=project_title,
        predictions=predictions_file,
        batch_size=7,
        studio=conn,
    )
    assert (first.imported, first.skipped, first.failed, first.predictions) == (25, 0, 0, 1)
    again = push(articles, project_title=project_title, predictions=predictions_file, studio=conn)
    assert (again.imported, again.skipped, again.failed) == (0, 25, 0)

    ids = existing_article_ids(conn, first.project_id)
    assert sorted(ids) == sorted(a["article_id"] for a in articles)
    assert all(len(task_ids) == 1 for task_ids in ids.values())

    pulled = pull(tmp_path / "out", project_title=project_title, studio=conn)
    tasks = json.loads(Path(pulled.path).read_text("utf-8"))
    (task,) = [t for t in tasks if t["data"]["article_id"] == first_id]
    (exported,) = task["predictions"]
    assert exported["model_version"] == "rules-test-1"
    assert exported["score"] == 0.5
    assert exported["result"] == prediction["result"]


def test_push_attaches_suggestions_by_default_and_none_with_no_predictions(
    studio, project_title, tmp_path
):
    import subprocess
    import sys

    from newsclaims.export.validate import validate
    from newsclaims.preannotate import MODEL_VERSION, preannotate

    conn = studio.connect()
    pushed = push([_article(TEXT)], project_title=project_title, studio=conn)
    assert (pushed.imported, pushed.predictions) == (1, 1)
    task_id = existing_article_ids(conn, pushed.project_id)[article_id(TEXT)][0]
    studio.client().annotations.create(id=task_id, result=_annotation_result(TEXT))

    pulled = pull(tmp_path / "out", project_title=project_title, studio=conn)
    (task,) = json.loads(pulled.path.read_text("utf-8"))
    (prediction,) = task["predictions"]
    expected = preannotate(_article(TEXT))
    assert prediction["model_version"] == expected["model_version"]
    assert MODEL_VERSION in prediction["model_version"]
    assert prediction["result"] == expected["result"]
    # An export written by the real server passes our own validation.
    report = validate(pulled.path)
    assert [p for p in report.problems if str(p.severity) == "error"] == []

    articles = tmp_path / "articles.jsonl"
    other = "Officials said the tunnel would close in June."
    articles.write_text(json.dumps(_article(other, "Tunnel")) + "\n", "utf-8")
    done = subprocess.run(
        [str(Path(sys.executable).with_name("newsclaims")), "push", str(articles),
         "--project", project_title, "--no-predictions"],
        env=studio.env(), capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    bare = existing_article_ids(conn, pushed.project_id)[article_id(other)][0]
    assert studio.client().predictions.list(task=bare) == []


def test_a_new_project_shows_the_instructions_and_push_writes_them_only_when_they_differ(
        studio, project_title, monkeypatch):
    import newsclaims.studio.push as push_module
    from newsclaims.studio.instructions import instructions_html

    writes: list[int] = []
    real = push_module.set_instructions
    monkeypatch.setattr(push_module, "set_instructions",
                        lambda conn, pid: (writes.append(pid), real(conn, pid)))
    conn = studio.connect()
    first = push([_article(TEXT)], project_title=project_title, studio=conn)
    shown = studio.client().projects.get(id=first.project_id)
    assert shown.show_instruction and shown.expert_instruction == instructions_html()
    assert writes == []  # the project was created with them (bleach left them as they are)
    push([_article(TEXT)], project_title=project_title, studio=conn)
    assert writes == []
    studio.client().projects.update(id=first.project_id, expert_instruction="<p>old</p>")
    push([_article(TEXT)], project_title=project_title, studio=conn)
    assert writes == [first.project_id]
    assert studio.client().projects.get(id=first.project_id).expert_instruction == (
        instructions_html())
