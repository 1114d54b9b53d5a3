"""What push and pull do when they cannot run or must refuse: one line, exit 2, no secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.ids import article_id
from newsclaims.core.scheme import load_scheme, parse_scheme
from newsclaims.studio.client import ensure_project, existing_article_ids
from newsclaims.studio.push import push
from newsclaims.studio.server import ENV_API_KEY, ENV_URL, free_port

pytestmark = pytest.mark.integration

NEWSCLAIMS = [str(Path(sys.executable).with_name("newsclaims"))]


def _articles_file(tmp_path: Path, n: int = 3) -> Path:
    texts = [f"Officials said bridge {i} would reopen." for i in range(n)]
    rows = [
        {"text": t, "article_id": article_id(t), "title": f"B{i}", "tags": []}
        for i, t in enumerate(texts)
    ]
    path = tmp_path / "articles.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    return path


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*NEWSCLAIMS, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_unreachable_server_exits_2_with_one_line(tmp_path):
    env = {**os.environ, ENV_URL: f"http://127.0.0.1:{free_port(19500)}", ENV_API_KEY: "k" * 40}
    for args in (["push", str(_articles_file(tmp_path))], ["pull", "-o", str(tmp_path / "out")]):
        done = _run(args, env)
        assert done.returncode == 2, done
        lines = (done.stdout + done.stderr).strip().splitlines()
        assert len(lines) == 1, lines
        assert "cannot reach Label Studio" in lines[0]
    assert not (tmp_path / "out").exists()


def test_wrong_token_exits_2_and_never_shows_the_token(studio, tmp_path):
    wrong = "wrongtoken-" + "7f3a9c" * 4
    env = {**os.environ, ENV_URL: studio.url, ENV_API_KEY: wrong}
    for args in (["push", str(_articles_file(tmp_path))], ["pull", "-o", str(tmp_path / "out")]):
        done = _run(args, env)
        assert done.returncode == 2, done
        output = done.stdout + done.stderr
        assert len(output.strip().splitlines()) == 1, output
        assert "rejected the API key" in output
        assert wrong not in output and studio.api_key not in output


def test_right_token_never_appears_in_push_output(studio, project_title, tmp_path):
    done = _run(["push", str(_articles_file(tmp_path)), "--project", project_title], studio.env())
    assert done.returncode == 0, done
    assert "imported 3, skipped 0" in done.stdout
    assert studio.api_key not in done.stdout + done.stderr


def test_bad_records_are_listed_exit_1_and_nothing_is_sent(studio, project_title, tmp_path):
    good = "A fine article."
    rows = [
        json.dumps({"text": good, "article_id": article_id(good), "title": "ok", "tags": []}),
        json.dumps({"text": "Wrong id.", "article_id": "0" * 16, "title": "x", "tags": []}),
        "{not json",
        json.dumps({"article_id": article_id("x"), "title": "no text", "tags": []}),
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(rows) + "\n", "utf-8")
    done = _run(["push", str(path), "--project", project_title], studio.env())
    assert done.returncode == 1, done
    errors = [line for line in done.stderr.splitlines() if line.startswith("error ")]
    assert [e.split()[2].rstrip(":") for e in errors] == [f"{path}:2", f"{path}:3", f"{path}:4"]
    assert "nothing sent" in done.stderr
    titles = [p.title for p in studio.client().projects.list()]
    assert project_title not in titles


def test_config_change_that_drops_a_used_label_is_refused(studio, fresh_project, project_title):
    conn = studio.connect()
    text = "Officials said the bridge would reopen."
    push(
        [{"text": text, "article_id": article_id(text), "title": "t", "tags": []}],
        project_title=project_title,
        studio=conn,
    )
    task_id = existing_article_ids(conn, fresh_project.id)[article_id(text)][0]
    studio.client().annotations.create(
        id=task_id,
        result=[
            {
                "id": "e1",
                "from_name": "entity",
                "to_name": "text",
                "type": "labels",
                "value": {"start": 0, "end": 9, "text": "Officials", "labels": ["ORG"]},
            }
        ],
    )
    xml = load_scheme().config_xml
    without_org = parse_scheme(
        xml.replace('<Label value="ORG" background="#90be6d" hotkey="o"/>', "")
    )
    assert "ORG" not in without_org.labels["entity"]
    with pytest.raises(NewsclaimsError, match="entity=ORG"):
        ensure_project(conn, project_title, without_org)
    assert studio.client().projects.get(id=fresh_project.id).label_config.strip() == xml.strip()

    without_law = parse_scheme(
        xml.replace('<Label value="LAW" background="#577590" hotkey="l"/>', "")
    )
    assert "LAW" not in without_law.labels["entity"]
    updated = ensure_project(conn, project_title, without_law)
    assert updated.config_updated
