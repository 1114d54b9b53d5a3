"""`newsclaims ingest`: normalisation, the seed, every input format, bad input, the CLI.

Expected values are written from reading the input files, never from program output.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from newsclaims.cli import app
from newsclaims.core import schemas
from newsclaims.core.errors import NewsclaimsError, Severity
from newsclaims.ingest.ingest import (
    PROGRESS_MIN_FILES,
    build_record,
    clean_text,
    ingest,
    normalise_text,
    parse_debris_rules,
    remove_debris,
    write_articles,
)
from newsclaims.ingest.readers import RawArticle

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_3555f0db28fc0288.txt"
FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
GOOD, BAD = FIXTURES / "good", FIXTURES / "bad"

SEED_TITLE = "US Prepared to Strike Venezuelan Military Bases as Trump Cracks Down on Maduro Regime"
SEED_TAGS = ["Donald Trump", "Military", "Politics", "Venezuela"]


def sha16(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def by_title(articles: list[dict]) -> dict[str, dict]:
    return {a["title"]: a for a in articles}


# --- normalisation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a \t  b", "a b"),
        ("x\r\ny\rz", "x\ny\nz"),
        ("l1\u2028l2", "l1\nl2"),
        ("p1\n\n\n\n  \np2", "p1\n\np2"),
        ("\n\n  first  \nsecond\t\n\n", "first\nsecond"),
        ("Nicola\u0301s", "Nicolás"),  # NFD -> NFC
        ("no\u00a0break", "no break"),
        ("\ufeffbom", "bom"),
        ("", ""),
    ],
)
def test_normalise_text(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


# Pieces joined at random: characters, combining marks, every kind of line break and
# space, and whole debris lines, so the debris rules and NFC interact.
TEXTS = st.lists(
    st.sampled_from(["a", "Z", "é", "e\u0301", "\u0301", " ", "\t", "\n", "\r", "\r\n",
                     "\u00a0", "\u2029", "\ufeff", "Refresh", "Ad Blocker Detected!", "."]),
    max_size=40,
).map("".join)


@given(st.text(max_size=80) | TEXTS)
def test_normalisation_is_idempotent(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert "\r" not in once and "\n\n\n" not in once
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned


@given(st.text(max_size=80) | TEXTS)
def test_article_id_is_the_sha256_prefix_of_the_written_text(text: str) -> None:
    record, _, _ = build_record(RawArticle({"text": text}), "h.jsonl", "jsonl",
                                parse_debris_rules("refresh"))
    if record is not None:
        assert record["article_id"] == sha16(record["text"])
        assert normalise_text(record["text"]) == record["text"]
        assert list(schemas.errors("article", record)) == []


def test_debris_rules_remove_whole_lines_only() -> None:
    rules = parse_debris_rules("# comment\n\nshare( this article)?\nrefresh\n")
    text = "Share prices fell.\n\nShare this article\n\nREFRESH\n\nWe will refresh the list."
    assert remove_debris(text, rules) == ("Share prices fell.\n\nWe will refresh the list.", 2)


def test_text_as_a_list_of_paragraphs() -> None:
    raw = RawArticle({"text": ["First  paragraph.", "Second\tparagraph."], "title": "T"})
    record, problems, _ = build_record(raw, "p.json", "json", parse_debris_rules(""))
    assert problems == []
    assert record is not None and record["text"] == "First paragraph.\n\nSecond paragraph."


def test_repeated_tag_in_a_tag_line_is_kept_once() -> None:
    raw = RawArticle({"text": "PoliticsEconomyPolitics\n\nBudget Passes\n\nIt passed."},
                     has_header=True)
    record, problems, _ = build_record(raw, "t.txt", "txt", parse_debris_rules(""))
    assert problems == []
    assert record is not None
    assert (record["tags"], record["title"], record["text"]) == (
        ["Politics", "Economy"], "Budget Passes", "It passed.")


def test_bad_debris_rule_names_its_line() -> None:
    with pytest.raises(NewsclaimsError, match=r"my-rules:2: bad regular expression"):
        parse_debris_rules("fine\n(unclosed\n", "my-rules")


# --- the seed ---------------------------------------------------------------------


def test_seed() -> None:
    result = ingest([ROOT / "seeds"])
    assert result.problems == [] and result.duplicates == 0
    [article] = result.articles
    raw = SEED.read_text("utf-8")
    start = raw.index("The United States is poised")
    end = raw.index("criminal empire.") + len("criminal empire.")
    assert article["title"] == SEED_TITLE
    assert article["tags"] == SEED_TAGS
    assert article["text"] == raw[start:end]  # the seed body is already normalised
    assert article["text"].startswith("The United States is poised")
    assert article["text"].endswith("criminal empire.")
    for gone in ("Ad Blocker", "Refresh", "TrumpMilitary", SEED_TITLE):
        assert gone not in article["text"]
    assert article["text"].count("\n\n") == 9  # ten paragraphs, one blank line apart
    assert article["article_id"] == sha16(article["text"])
    assert article["origin"] == {"path": str(ROOT / "seeds" / SEED.name), "format": "txt"}
    assert list(schemas.errors("article", article)) == []
    assert result.debris_lines == 2


# --- the good fixtures --------------------------------------------------------------


@pytest.fixture(scope="module")
def good() -> dict[str, dict]:
    result = ingest([GOOD])
    assert not any(p.severity is Severity.ERROR for p in result.problems)
    return by_title(result.articles)


def test_txt_without_tags(good: dict[str, dict]) -> None:
    # no_tags.txt: CRLF, tabs, doubled blank lines, indented lines, two debris lines.
    article = good["Harbour Workers Vote to End Strike"]
    assert article["tags"] == []
    assert article["text"] == (
        "Dock workers in Valdera voted on Tuesday to end a week-long strike, their union said."
        "\n\nThe deal raises night-shift pay by 6 percent, according to a statement from the "
        "port operator."
    )


def test_txt_with_tags_in_a_nested_directory(good: dict[str, dict]) -> None:
    article = good["McDonald's to Close 200 Restaurants in Rural Areas"]
    assert article["tags"] == ["Economy", "McDonald's", "Fast Food"]
    assert article["text"] == (
        "McDonald's will close about 200 restaurants in rural areas next year, the company said "
        "on Monday.\n\nChief executive Chris Kempczinski said the closures would not lead to "
        "job losses."
    )
    assert article["origin"]["path"].endswith("txt/nested/tagged.txt")


def test_jsonl_aliases_and_label_studio_tasks(good: dict[str, dict]) -> None:
    tram = good["Council Approves New Tram Line"]
    assert tram["text"] == ("The city council approved a new tram line on Wednesday.\n\n"
                            "Construction is expected to start in spring, officials said.")
    assert tram["published"] == "2025-02-03"  # from a date-time
    assert tram["url"] == "https://metro.example/tram"
    assert tram["tags"] == ["Transport", "City Council"]  # from "Transport; City Council"
    assert (tram["source"], tram["language"]) == ("Metro Daily", "en")
    assert tram["origin"] == {"path": str(GOOD / "records.jsonl"), "format": "jsonl", "line": 1}
    rain = good["Wettest March in a Decade"]  # {"data": {...}} as Label Studio imports it
    assert (rain["tags"], rain["published"], rain["origin"]["line"]) == (["Weather"],
                                                                         "2025-04-01", 3)


def test_json_array(good: dict[str, dict]) -> None:
    library = good["Library Extends Opening Hours"]
    assert library["text"].startswith("The central library will open until 10 p.m.")
    assert (library["tags"], library["origin"]["line"]) == (["Culture", "City"], 2)
    assert good["Bridge Repairs Finished Early"]["source"] == "River Post"
    assert good["Bridge Repairs Finished Early"]["origin"]["line"] == 8


def test_csv_columns_mapped(good: dict[str, dict]) -> None:
    ferry = good["Ferry Fares to Rise in July"]
    assert ferry["text"] == ("Ferry fares will rise by 4 percent in July, the operator said."
                             "\n\nSeason tickets are not affected.")
    assert (ferry["published"], ferry["tags"]) == ("2025-06-01", ["Transport", "Islands"])
    assert good["Museum Reopens After Renovation"]["origin"]["line"] == 5


def test_html_title_moved_out_and_debris_removed(good: dict[str, dict]) -> None:
    port = good["Port of Valdera Reopens After Storm"]
    paragraphs = port["text"].split("\n\n")
    assert paragraphs[0].startswith("The port of Valdera reopened on Friday morning")
    assert paragraphs[-1].startswith("The grounded vessel, the Marisol")
    assert len(paragraphs) == 4  # five <p> in the article, one is "Advertisement"
    assert "Advertisement" not in port["text"]
    assert (port["published"], port["source"], port["language"]) == ("2025-03-14",
                                                                      "Coastal Herald", "en")


def test_every_good_record_is_valid_and_ids_match(good: dict[str, dict]) -> None:
    assert len(good) == 9
    for article in good.values():
        assert list(schemas.errors("article", article)) == []
        assert article["article_id"] == sha16(article["text"])


def test_unused_fields_are_reported_not_dropped_silently() -> None:
    result = ingest([GOOD])
    info = {(p.file, p.message) for p in result.problems if p.code == "fields-unused"}
    assert info == {(str(GOOD / "articles.csv"), "fields not used: Section (2×)"),
                    (str(GOOD / "records.jsonl"), "fields not used: author")}


def test_walk_order_is_sorted_and_deterministic() -> None:
    paths = [a["origin"]["path"] for a in ingest([GOOD]).articles]
    assert paths == sorted(paths, key=lambda p: Path(p).parts)
    assert [a["article_id"] for a in ingest([GOOD]).articles] == [
        a["article_id"] for a in ingest([GOOD]).articles]


# --- duplicates, bad input ------------------------------------------------------------


def test_exact_duplicates_written_once(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / "a.txt")
    (tmp_path / "b.txt").write_bytes(SEED.read_bytes().replace(b"\n", b"\r\n"))  # same text
    result = ingest([tmp_path])
    assert len(result.articles) == 1 and result.duplicates == 1
    [dup] = result.problems
    assert (dup.code, dup.severity, dup.file) == (
        "article-duplicate", Severity.WARNING, str(tmp_path / "b.txt"))
    assert str(tmp_path / "a.txt") in dup.message


def test_bad_inputs_are_one_problem_each_and_good_articles_survive(tmp_path: Path) -> None:
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing-target.txt")  # unreadable
    result = ingest([BAD, tmp_path])
    errors = sorted((p.code, Path(p.file).name, p.line) for p in result.problems
                    if p.severity is Severity.ERROR)
    assert errors == [
        ("article-empty", "empty.txt", None),
        ("article-empty", "only_debris.txt", None),
        ("article-schema", "broken.jsonl", 5),  # language "english!"
        ("article-schema", "broken.jsonl", 6),  # tags [1, 2]: one line per schema error
        ("article-schema", "broken.jsonl", 6),
        ("csv-no-text-column", "no_text_column.csv", 1),
        ("file-unreadable", "gone.txt", None),
        ("invalid-json", "broken.jsonl", 2),
        ("not-an-object", "broken.jsonl", 4),
        ("not-utf8", "latin1.jsonl", 2),
        ("not-utf8", "latin1.txt", 5),
    ]
    assert sorted(a["title"] for a in result.articles) == ["Fine Record", "Third Record", "Valid"]
    warning = next(p for p in result.problems if p.code == "published-invalid")
    assert (warning.line, "last Tuesday" in warning.message) == (3, True)
    assert by_title(result.articles)["Third Record"]["published"] is None
    skipped = next(p for p in result.problems if p.code == "file-skipped")
    assert (Path(skipped.file).name, skipped.severity) == ("notes.md", Severity.INFO)


def test_missing_path_cannot_run(tmp_path: Path) -> None:
    with pytest.raises(NewsclaimsError, match="no-such-dir"):
        ingest([GOOD, tmp_path / "no-such-dir"])


def test_named_file_of_unknown_format_is_an_error() -> None:
    [problem] = ingest([BAD / "notes.md"]).problems
    assert (problem.code, problem.severity) == ("file-skipped", Severity.ERROR)


def test_progress_bar_for_many_files(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    n = PROGRESS_MIN_FILES + 1
    for i in range(n):
        (tmp_path / f"{i:03}.jsonl").write_text(json.dumps({"text": f"Article {i}."}) + "\n")
    assert len(ingest([tmp_path], progress=True).articles) == n
    assert f"{n}/{n}" in capsys.readouterr().err
    ingest([tmp_path], progress=False)
    assert capsys.readouterr().err == ""


def test_write_articles_is_atomic_and_reports_unwritable(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    articles = ingest([GOOD]).articles
    assert write_articles(out, articles) == len(articles)
    assert [json.loads(line) for line in out.read_text("utf-8").splitlines()] == articles
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]  # no temp file left
    (tmp_path / "file").write_text("x")
    with pytest.raises(NewsclaimsError, match="cannot write"):
        write_articles(tmp_path / "file" / "out.jsonl", articles)


# --- CLI --------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["ingest", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_seed(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    code, stdout, _ = run(str(ROOT / "seeds"), "-o", str(out))
    assert code == 0
    [record] = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert (record["title"], record["tags"]) == (SEED_TITLE, SEED_TAGS)
    assert stdout.startswith("wrote 1 article to ")
    assert "0 duplicates; 0 errors" in stdout


def test_cli_bad_input_exit_1_without_traceback(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    code, stdout, stderr = run(str(BAD), str(GOOD), "-o", str(out))
    assert code == 1
    assert "Traceback" not in stdout + stderr
    assert f"error csv-no-text-column {BAD / 'no_text_column.csv'}:1: no text column" in stderr
    assert f"error invalid-json {BAD / 'broken.jsonl'}:2: not valid JSON" in stderr
    assert len(out.read_text("utf-8").splitlines()) == 3 + 9  # bad-dir survivors + good
    assert "10 errors" in stdout  # as in the library test, less the dangling symlink


def test_cli_json_report(tmp_path: Path) -> None:
    code, stdout, _ = run(str(BAD / "broken.jsonl"), "-o", str(tmp_path / "o.jsonl"), "--json")
    report = json.loads(stdout)
    assert code == 1
    assert (report["articles"], report["duplicates"]) == (2, 0)
    assert report["summary"]["error"] == 5  # invalid-json, not-an-object, article-schema 1+2
    assert {p["code"] for p in report["problems"]} == {
        "invalid-json", "article-schema", "not-an-object", "published-invalid"}


@pytest.mark.parametrize("where", ["missing", "unwritable"])
def test_cli_cannot_run_exit_2(tmp_path: Path, where: str) -> None:
    (tmp_path / "file").write_text("x")
    paths = [str(tmp_path / "missing")] if where == "missing" else [str(ROOT / "seeds")]
    code, stdout, stderr = run(*paths, "-o", str(tmp_path / "file" / "out.jsonl"))
    assert code == 2
    assert "Traceback" not in stdout + stderr
    assert stderr.startswith("error: ") and len(stderr.strip().splitlines()) == 1


def test_cli_does_not_read_its_own_output(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / "seed.txt")
    out = tmp_path / "articles.jsonl"
    assert run(str(tmp_path), "-o", str(out))[0] == 0
    code, stdout, _ = run(str(tmp_path), "-o", str(out))  # second run: out is in the input dir
    assert code == 0 and "0 duplicates" in stdout
    assert len(out.read_text("utf-8").splitlines()) == 1


def test_cli_custom_debris_rules(tmp_path: Path) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text("# keep Refresh, drop the ad-blocker line only\nad blocker detected!\n")
    out = tmp_path / "o.jsonl"
    assert run(str(SEED), "-o", str(out), "--debris", str(rules))[0] == 0
    assert json.loads(out.read_text("utf-8"))["text"].endswith("criminal empire.\n\nRefresh")


def test_ingesting_the_output_again_changes_nothing(tmp_path: Path) -> None:
    first = ingest([GOOD, ROOT / "seeds"]).articles
    write_articles(tmp_path / "articles.jsonl", first)
    again = ingest([tmp_path / "articles.jsonl"])
    keep = ("article_id", "title", "tags", "source", "url", "language", "published", "text")
    assert [{k: a[k] for k in keep} for a in again.articles] == [
        {k: a[k] for k in keep} for a in first]
    # article_id, origin: not input fields
    assert {p.code for p in again.problems} == {"fields-unused"}


def test_a_directory_the_walk_cannot_list_is_reported(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ok.txt").write_text("A fine article about things.\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    scandir = os.scandir

    def refuse(path: Any = ".") -> Any:  # what a directory without read permission does
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    result = ingest([tmp_path])
    assert len(result.articles) == 1
    [problem] = [p for p in result.problems if p.severity is Severity.ERROR]
    assert (problem.code, problem.file) == ("file-unreadable", str(locked))
    assert "Permission denied" in problem.message
