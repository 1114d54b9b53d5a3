"""The config guard and the data fields tasks use, on the real server: Label Studio
accepts a config whose object tag reads another task field (every task would show
nothing), so push refuses it itself, in one line with exit 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.ids import article_id
from newsclaims.core.scheme import load_scheme, parse_scheme
from newsclaims.studio.client import call, data_fields, ensure_project
from newsclaims.studio.push import push

pytestmark = pytest.mark.integration

NEWSCLAIMS = str(Path(sys.executable).with_name("newsclaims"))
TEXT_TAG = '<Text name="text" value="$text" granularity="word"/>'


def _scheme_showing(tag: str):
    xml = load_scheme().config_xml
    assert TEXT_TAG in xml
    return parse_scheme(xml.replace(TEXT_TAG, tag))


def _articles(n: int = 2) -> list[dict]:
    texts = [f"Officials said pier {i} would reopen in June." for i in range(n)]
    return [{"text": t, "article_id": article_id(t), "title": f"Pier {i}", "tags": []}
            for i, t in enumerate(texts)]


def _config(studio, project_id: int) -> str:
    return studio.client().projects.get(id=project_id).label_config


def test_the_local_config_shows_text() -> None:
    assert data_fields(load_scheme().config_xml) == {"text": "text"}


@pytest.mark.parametrize("tag", [
    '<Text name="text" value="$body" granularity="word"/>',  # a field no task has
    '<Text name="text" value="$title" granularity="word"/>',  # a field the tasks have
])
def test_a_changed_data_field_is_refused_once_there_are_tasks(studio, fresh_project,
                                                              project_title, tag) -> None:
    conn = studio.connect()
    push(_articles(), project_title=project_title, studio=conn)
    before = _config(studio, fresh_project.id)
    assert 'value="$text"' in before
    with pytest.raises(NewsclaimsError, match=r'value="\$(body|title)" \(now "\$text"\)') as err:
        ensure_project(conn, project_title, _scheme_showing(tag))
    assert "the 2 tasks" in str(err.value) and "\n" not in str(err.value)
    assert _config(studio, fresh_project.id) == before


def test_a_new_object_tag_needs_its_field_in_every_task(studio, fresh_project,
                                                        project_title) -> None:
    conn = studio.connect()
    push(_articles(), project_title=project_title, studio=conn)
    extra = '<HyperText name="lede" value="$lede"/>'
    with pytest.raises(NewsclaimsError, match=r"\$lede that 2 of the 2 tasks"):
        ensure_project(conn, project_title, _scheme_showing(TEXT_TAG + extra))
    # a field the tasks have may be shown beside the text
    shown = _scheme_showing(TEXT_TAG + '<HyperText name="headline" value="$title"/>')
    assert ensure_project(conn, project_title, shown).config_updated


def test_an_empty_project_may_show_any_field(studio, fresh_project, project_title) -> None:
    body = _scheme_showing('<Text name="text" value="$body" granularity="word"/>')
    assert ensure_project(studio.connect(), project_title, body).config_updated
    assert 'value="$body"' in _config(studio, fresh_project.id)


def test_push_cli_refuses_to_show_tasks_a_field_they_lack(studio, project_title,
                                                          tmp_path: Path) -> None:
    """A project whose config reads $body (its tasks hold `body`): pushing the local
    config, which reads $text, would blank every task."""
    client = studio.client()
    body_xml = _scheme_showing('<Text name="text" value="$body" granularity="word"/>').config_xml
    project = client.projects.create(title=project_title, label_config=body_xml)
    try:
        client.projects.import_tasks(id=project.id, request=[
            {"body": "The port said it would close.", "article_id": "0" * 16}])
        articles = tmp_path / "articles.jsonl"
        articles.write_text("".join(json.dumps(a) + "\n" for a in _articles()), "utf-8")
        done = subprocess.run([NEWSCLAIMS, "push", str(articles), "--project", project_title],
                              env=studio.env(), capture_output=True, text=True, timeout=300,
                              check=False)
        assert done.returncode == 2, done
        [line] = (done.stdout + done.stderr).strip().splitlines()
        assert 'value="$text" (now "$body")' in line and "the 1 tasks" in line
        assert _config(studio, project.id).strip() == body_xml.strip()
        assert studio.api_key not in done.stdout + done.stderr
    finally:
        client.projects.delete(id=project.id)


def test_a_batch_the_server_refuses_is_listed_as_the_sdk_would_word_it(
        studio, fresh_project, project_title) -> None:
    """Push sends its own encoding of the tasks through the SDK's HTTP client
    (`client.import_tasks`): a refusal reads as the SDK's own `import_tasks` would."""
    conn = studio.connect()
    body = _scheme_showing('<Text name="text" value="$body" granularity="word"/>')
    assert ensure_project(conn, project_title, body).config_updated  # empty: allowed
    articles = _articles()
    done = push(articles, project_title=project_title, studio=conn, scheme=body,
                suggest=False)
    assert (done.imported, done.failed) == (0, 2)
    failed = [p for p in done.problems if p.code == "import-failed"]
    assert [p.article_id for p in failed] == [a["article_id"] for a in articles]
    with pytest.raises(NewsclaimsError) as by_sdk:
        call("importing tasks 1-2", conn.url, lambda: conn.client.projects.import_tasks(
            id=fresh_project.id, request=[{"data": a} for a in articles]))
    def unnumbered(message: str) -> str:  # each of the server's error answers has its own id
        return re.sub(r'"id":"[0-9a-f-]+"', '"id":"…"', message)

    assert {unnumbered(p.message) for p in failed} == {unnumbered(str(by_sdk.value))}
    assert "answered HTTP 400 while importing tasks 1-2: " in str(by_sdk.value)
    assert studio.client().projects.get(id=fresh_project.id).task_number == 0
