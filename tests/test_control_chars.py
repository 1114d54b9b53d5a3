"""Control characters (U+0000-U+001F but tab and line breaks, and U+007F) in article text:
ingest and import brat remove them and warn (`control-chars-removed`); the task schema
refuses them, so push, preannotate and validate never carry one into a project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factories import task
from newsclaims.core.articles import load_push_input
from newsclaims.core.errors import Severity
from newsclaims.core.ids import article_id
from newsclaims.core.schemas import errors
from newsclaims.export.validate import validate
from newsclaims.ingest.brat import import_brat
from newsclaims.ingest.ingest import ingest, normalise_text
from newsclaims.ingest.textmap import MappedText

BODY = "The council said the harbour would reopen in May.\n\nTraders welcomed the news."


def _warnings(problems: list) -> list:
    return [p for p in problems if p.code == "control-chars-removed"]


@pytest.mark.parametrize(("name", "content"), [
    ("nul.txt", (b"The council said\x00 the harbour would reopen in May.\x00\n\n"
                 b"Traders welcomed\x1b the news.")),
    ("bell.jsonl", (json.dumps({"title": "Harbour\x00", "text": BODY.replace(
        "council", "coun\x07cil").replace("news", "news\x7f")}) + "\n").encode()),
    ("backspace.csv", ('title,text\nHarbour,"' + BODY.replace("May", "M\x08ay") + '"\n').encode()),
])
def test_ingest_removes_controls_and_warns(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = ingest([path])
    [article] = result.articles
    assert article["text"] == BODY
    assert article["article_id"] == article_id(BODY)
    assert not list(errors("article", article))
    [warning] = _warnings(result.problems)
    assert warning.severity is Severity.WARNING and warning.file == str(path)
    assert "removed" in warning.message


def test_the_warning_counts_each_character_and_names_the_fields(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"title": "Har\x00bour", "text": "A\x00\x00 b\x1b c."}) + "\n")
    result = ingest([path])
    [warning] = _warnings(result.problems)
    assert warning.message == ("removed 4 control characters (U+0000 ×3, U+001B) "
                               "from text, title")
    assert result.articles[0]["title"] == "Harbour"
    assert result.articles[0]["text"] == "A b c."


def test_tabs_and_line_breaks_are_no_control_characters_to_warn_about(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("The council\tsaid the harbour would reopen.\fTraders welcomed it.")
    result = ingest([path])
    assert _warnings(result.problems) == []
    assert result.articles[0]["text"] == ("The council said the harbour would reopen.\n"
                                          "Traders welcomed it.")


def test_normalising_twice_changes_nothing() -> None:
    once = normalise_text("a\x00b\x1f c\x7f\r\nd")
    assert once == "ab c\nd" and normalise_text(once) == once


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0e", "\x1b", "\x1f", "\x7f"])
def test_push_and_preannotate_input_refuses_a_text_with_a_control(char: str) -> None:
    text = f"The council said{char} it would reopen."
    pushed = load_push_input([{"text": text, "article_id": article_id(text)}])
    assert pushed.tasks == []
    [problem] = pushed.problems
    assert problem.code == "task-schema" and problem.message.startswith("text:")


def test_validate_reports_a_control_in_task_text_in_one_short_line() -> None:
    text = "The council said it would reopen\x00." + " More words." * 100
    report = validate([task(1, text, article_id=article_id(text))])
    [problem] = [p for p in report.problems if p.severity is Severity.ERROR]
    assert problem.code == "task-data"
    assert len(problem.message) < 200 and f"({len(text)} characters)" in problem.message


def test_brat_offsets_move_past_removed_controls(tmp_path: Path) -> None:
    raw = "Intro\x00\x00 line.\r\n\x1bThe mayor said the port would close."
    (tmp_path / "port.txt").write_text(raw, "utf-8", newline="")
    source, cue, content = (raw.index(w) for w in ("The mayor", "said", "the port"))
    (tmp_path / "port.ann").write_text(
        f"T1\tSource {source} {source + 9}\tThe mayor\n"
        f"T2\tCue {cue} {cue + 4}\tsaid\n"
        f"T3\tContent {content} {content + 20}\tthe port would close\n"
        f"T4\tAttribution {cue} {cue + 4}\tsaid\n"
        "E1\tAttribution:T4 Source:T1 Cue:T2 Content:T3\n", "utf-8")
    result = import_brat(tmp_path)
    [article] = result.articles
    assert article["text"] == "Intro line.\nThe mayor said the port would close."
    spans = {i["value"]["labels"][0]: i["value"]["text"]
             for i in result.tasks[0]["annotations"][0]["result"] if i["type"] == "labels"}
    assert spans == {"SOURCE": "The mayor", "CUE": "said", "CLAIM": "the port would close"}
    [warning] = _warnings(result.problems)
    assert "U+0000 ×2, U+001B" in warning.message
    assert MappedText(raw).offset(raw.index("The")) == article["text"].index("The")
