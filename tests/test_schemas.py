"""The article and task JSON Schemas accept what the contract allows and refuse the rest."""

from __future__ import annotations

import copy

import pytest

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.ids import article_id
from newsclaims.core.schemas import describe, errors, load_schema

TEXT = "Officials said the bridge would reopen in May."
TASK = {
    "text": TEXT,
    "article_id": article_id(TEXT),
    "title": "Bridge to reopen",
    "source": "Example Gazette",
    "url": "https://example.org/bridge",
    "published": "2026-05-01",
    "tags": ["Transport"],
    "language": "en",
}
ARTICLE = {**TASK, "origin": {"path": "seeds/a.txt", "format": "txt"}}


def messages(name, instance):
    return [describe(e) for e in errors(name, instance)]


def test_every_schema_is_2020_12_with_an_id():
    for name in ("article", "task"):
        schema = load_schema(name)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"].endswith(f"/{name}.schema.json")


def test_valid_task_and_article():
    assert messages("task", TASK) == []
    assert messages("task", {"text": TEXT, "article_id": TASK["article_id"]}) == []
    assert messages("article", ARTICLE) == []


@pytest.mark.parametrize(
    "field, value, where",
    [
        ("article_id", "3555F0DB28FC0288", "article_id"),
        ("article_id", "abc", "article_id"),
        ("text", "", "text"),
        ("text", "line one\r\nline two", "text"),
        ("published", "yesterday", "published"),
        ("url", "not a url", "url"),
        ("tags", ["a", "a"], "tags"),
        ("tags", "Politics", "tags"),
        ("language", "english!", "language"),
    ],
)
def test_invalid_task_fields_are_located(field, value, where):
    bad = {**TASK, field: value}
    found = messages("task", bad)
    assert found and all(m.startswith(where) for m in found), found


def test_required_and_unknown_fields():
    missing = {k: v for k, v in TASK.items() if k != "article_id"}
    assert any("'article_id' is a required property" in m for m in messages("task", missing))
    extra = {**TASK, "body": TEXT}
    assert any("body" in m for m in messages("task", extra))


def test_article_needs_origin_title_and_tags():
    for field in ("origin", "title", "tags"):
        bad = {k: v for k, v in ARTICLE.items() if k != field}
        assert any(f"'{field}' is a required property" in m for m in messages("article", bad))
    bad = copy.deepcopy(ARTICLE)
    bad["origin"]["format"] = "pdf"
    assert any(m.startswith("origin/format") for m in messages("article", bad))


def test_task_data_does_not_accept_ingest_provenance():
    """`origin` is ingest bookkeeping: it must not travel to Label Studio."""
    assert any("origin" in m for m in messages("task", ARTICLE))


def test_unknown_schema_name_lists_what_exists():
    with pytest.raises(NewsclaimsError, match=r"have: .*article"):
        load_schema("artcle")
