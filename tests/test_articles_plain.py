"""The plain checks that spare jsonschema on good records never accept what the
schemas reject (hypothesis against the real schemas), and do accept real records."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from newsclaims.core.articles import (
    _data_patterns,
    _no_control_characters,
    article_record_ok,
    check_articles,
    read_jsonl,
    task_data_ok,
)
from newsclaims.core.ids import article_id
from newsclaims.core.schemas import errors
from newsclaims.ingest.ingest import ingest

SEEDS = Path(__file__).parents[1] / "seeds"

_value = st.one_of(st.none(), st.booleans(), st.integers(-2, 3), st.text(max_size=12),
                   st.just(""), st.just("a\rb"), st.just("2026-02-30"), st.just("2026-11-23"),
                   st.just("http://x.org/a"), st.just("not a uri"), st.just("pt-BR"),
                   st.just("e"), st.just("txt"), st.just("pdf"),
                   st.lists(st.sampled_from(["", "a", "b"]), max_size=3))
_FIELDS = ["text", "article_id", "title", "source", "url", "published", "tags", "language",
           "extra"]
_DROP = object()  # a mutation that removes the key


def _base() -> dict:
    text = "The minister said the plan would work."
    return {"text": text, "article_id": article_id(text), "title": "Plan", "tags": ["a"],
            "origin": {"path": "a.txt", "format": "txt", "line": 1}}


def _mutate(record: dict, changes: dict) -> dict:
    for key, value in sorted(changes.items()):  # "origin" before "origin.*"
        target, name = (record.get("origin"), key[7:]) if key.startswith("origin.") else (
            record, key)
        if not isinstance(target, dict):
            continue  # origin itself was replaced or removed
        if value is _DROP:
            target.pop(name, None)
        else:
            target[name] = value
    return record


# Valid records with up to three fields changed or removed: most stay valid, so the
# accept path is exercised, and each change is one the schemas may reject.
_changes = st.dictionaries(
    st.sampled_from([*_FIELDS, "origin", "origin.path", "origin.format", "origin.line",
                     "origin.other"]),
    st.one_of(_value, st.just(_DROP)), max_size=3)


@st.composite
def _record(draw: st.DrawFn) -> dict:
    return _mutate(_base(), draw(_changes))


@settings(max_examples=400, deadline=None)
@given(_record())
def test_task_check_never_accepts_what_the_task_schema_rejects(record: dict) -> None:
    data = {k: v for k, v in record.items() if k != "origin"}
    if task_data_ok(data):
        assert not list(errors("task", data))


@settings(max_examples=400, deadline=None)
@given(_record())
def test_article_check_never_accepts_what_the_article_schema_rejects(record: dict) -> None:
    if article_record_ok(record):
        assert not list(errors("article", record))


def test_ingested_seed_passes_the_plain_check_and_the_schema() -> None:
    records = ingest([SEEDS]).articles
    assert records
    for record in records:
        assert article_record_ok(record)
        assert not list(errors("article", record))
        assert task_data_ok({k: v for k, v in record.items() if k != "origin"})


def test_a_record_the_plain_check_refuses_gets_the_schema_message(tmp_path: Path) -> None:
    [record] = ingest([SEEDS]).articles[:1]
    record["origin"]["format"] = "pdf"
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    tasks, problems = check_articles(read_jsonl(path))
    assert tasks == []
    assert [p.code for p in problems] == ["article-schema"]
    assert "pdf" in problems[0].message and problems[0].line == 1


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(max_codepoint=0x9F), st.characters()),
               max_size=20))
def test_the_text_check_says_what_the_schema_pattern_says(text: str) -> None:
    """`task_data_ok` asks the UTF-8 bytes for control characters instead of running the
    schema's text pattern: the two agree on every string, lone surrogates included."""
    assert _no_control_characters(text) is (_data_patterns()["text"].search(text) is not None)
