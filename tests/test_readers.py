"""Per-format readers and the scraped .txt layout (tag line, title), without ingest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsclaims.ingest.readers import (
    read_csv,
    read_html,
    read_json,
    read_jsonl,
    read_txt,
    split_header,
)
from newsclaims.ingest.tags import parse_tag_words, split_tag_line

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"

# --- tag line -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "tags"),
    [
        ("Donald TrumpMilitaryPoliticsVenezuela", ["Donald Trump", "Military", "Politics",
                                                   "Venezuela"]),
        ("PoliticsJoe BidenDonald Trump", ["Politics", "Joe Biden", "Donald Trump"]),
        ("NBAFinalsBoston", ["NBA", "Finals", "Boston"]),  # acronym glued to a word
        ("SportsNBA", ["Sports", "NBA"]),
        ("McDonald'sEconomy", ["McDonald's", "Economy"]),  # name prefix Mc*
        ("Ron DeSantisFlorida", ["Ron DeSantis", "Florida"]),  # name prefix De*
        ("TechnologyiPhoneApple", ["Technology", "iPhone", "Apple"]),  # listed word
        ("YouTubeGoogle", ["YouTube", "Google"]),
        ("SpaceXElon Musk", ["SpaceX", "Elon Musk"]),
        ("NicolásMaduroCaracas", ["Nicolás", "Maduro", "Caracas"]),  # non-ASCII letters
        ("USAChina", ["USA", "China"]),
        ("Politics", ["Politics"]),
        ("US Prepared to Strike Venezuelan Military Bases", [
            "US Prepared to Strike Venezuelan Military Bases"]),
        ("iPhone Sales Soar", ["iPhone Sales Soar"]),
    ],
)
def test_split_tag_line(line: str, tags: list[str]) -> None:
    assert split_tag_line(line) == tags


def test_tag_words_come_from_the_data_file_syntax() -> None:
    words = parse_tag_words("# comment\nDoorDash  # a company\nVan*\n\n")
    assert words.words == ("DoorDash",)
    assert words.prefixes == ("Van",)
    assert split_tag_line("FoodDoorDash", words) == ["Food", "DoorDash"]
    assert split_tag_line("FoodDoorDash", parse_tag_words("")) == ["Food", "Door", "Dash"]


@given(st.text(alphabet=st.sampled_from("aBcDeFxyZ éÉ'-"), max_size=40))
def test_split_tag_line_loses_nothing(line: str) -> None:
    tags = split_tag_line(line)
    assert "".join(tags) == " ".join(line.split())
    assert all(tag == tag.strip() and tag for tag in tags)


# --- header of a scraped .txt -----------------------------------------------------------


def test_split_header_seed_layout() -> None:
    lines = ["FoodDrink", "", "Cafés Stay Open Late", "", "The mayor said so.", "", "More."]
    assert split_header(lines) == (["Food", "Drink"], "Cafés Stay Open Late",
                                   ["The mayor said so.", "", "More."])


def test_split_header_without_tag_line() -> None:
    lines = ["Harbour Reopens", "", "The harbour reopened on Friday.", "", "Ships queued."]
    assert split_header(lines) == ([], "Harbour Reopens", lines[2:])


@pytest.mark.parametrize("tag", ["Politics", "Donald Trump", "G7"])
def test_a_single_tag_line(tag: str) -> None:
    lines = [tag, "", "Leaders Meet in Rome to Discuss Trade", "", "The leaders met."]
    assert split_header(lines) == ([tag], "Leaders Meet in Rome to Discuss Trade", lines[4:])


def test_title_case_title_and_byline_without_tags() -> None:
    # Six words with a lowercase "to": too long and not capitalised enough to be one tag.
    lines = ["Harbour Workers Vote to End Strike", "", "Dock workers voted, the union said."]
    assert split_header(lines) == ([], "Harbour Workers Vote to End Strike", lines[2:])


def test_camel_case_title_is_not_a_tag_line() -> None:
    # "DoorDash" splits, but the next line is a sentence, so line one is the title.
    lines = ["DoorDash Strikes Deal With Drivers", "", "DoorDash agreed to raise pay, it said."]
    assert split_header(lines) == ([], "DoorDash Strikes Deal With Drivers", [lines[2]])


def test_a_sentence_first_line_is_body_not_title() -> None:
    lines = ["The council met on Monday.", "", "It approved the budget."]
    assert split_header(lines) == ([], None, lines)


def test_a_lone_line_is_body_not_title() -> None:
    assert split_header(["Ships queued outside the port"]) == ([], None,
                                                               ["Ships queued outside the port"])


def test_title_ending_in_a_quoted_sentence_is_body() -> None:
    lines = ['He said: "We will win."', "", "The crowd cheered."]
    assert split_header(lines)[1] is None


# --- formats ----------------------------------------------------------------------


def test_read_txt_keeps_the_header_for_ingest() -> None:
    result = read_txt(b"TagOneTagTwo\n\nTitle\n\nBody.", "a.txt")
    assert [a.fields for a in result.articles] == [{"text": "TagOneTagTwo\n\nTitle\n\nBody."}]
    assert result.articles[0].has_header


def test_read_txt_invalid_utf8_names_line_and_column() -> None:
    result = read_txt(b"ok\nbad \xff here\n", "x.txt")
    [problem] = result.problems
    assert (problem.code, problem.file, problem.line) == ("not-utf8", "x.txt", 2)
    assert "column 5" in problem.message and "0xff" in problem.message
    assert result.articles == []


def test_read_jsonl_maps_aliases_and_reports_bad_lines() -> None:
    data = b"\n".join([
        json.dumps({"body": "B", "headline": "H", "date": "2025-01-02", "link": "u",
                    "keywords": ["k"], "outlet": "O", "lang": "en", "extra": 1}).encode(),
        b"",
        b"{nope",
        b"42",
    ])
    result = read_jsonl(data, "r.jsonl")
    [article] = result.articles
    assert article.fields == {"text": "B", "title": "H", "published": "2025-01-02", "url": "u",
                              "tags": ["k"], "source": "O", "language": "en"}
    assert article.unused == ["extra"]
    assert article.line == 1
    assert [(p.code, p.line) for p in result.problems] == [
        ("invalid-json", 3), ("not-an-object", 4)]


def test_read_jsonl_first_alias_wins() -> None:
    data = json.dumps({"content": "second choice", "text": "first choice"}).encode()
    [article] = read_jsonl(data, "r.jsonl").articles
    assert article.fields["text"] == "first choice"
    assert article.unused == ["content"]


def test_read_json_array_records_carry_their_line() -> None:
    data = b'[\n  {"text": "a"},\n\n  {"data": {"text": "b", "title": "T"}}\n]\n'
    result = read_json(data, "r.json")
    assert [(a.fields, a.line) for a in result.articles] == [
        ({"text": "a"}, 2), ({"text": "b", "title": "T"}, 4)]


def test_read_json_single_object_and_garbage() -> None:
    assert read_json(b'{"text": "x"}', "o.json").articles[0].fields == {"text": "x"}
    [problem] = read_json(b'[{"text": "x"},\n {"text": ]', "g.json").problems
    assert (problem.code, problem.line) == ("invalid-json", 2)
    [problem] = read_json(b'{"text": "x"} trailing', "t.json").problems
    assert problem.code == "invalid-json"


def test_read_csv_sniffs_semicolons_and_counts_lines() -> None:
    data = b'Title;Content;Section\nA;"first\n\nbody";x\nB;second;y\n'
    result = read_csv(data, "s.csv")
    assert [(a.fields, a.line, a.unused) for a in result.articles] == [
        ({"title": "A", "text": "first\n\nbody"}, 2, ["Section"]),
        ({"title": "B", "text": "second"}, 5, ["Section"]),
    ]


def test_read_csv_without_text_column() -> None:
    [problem] = read_csv(b"title,date\nA,2025-01-01\n", "n.csv").problems
    assert (problem.code, problem.file, problem.line) == ("csv-no-text-column", "n.csv", 1)
    assert "title, date" in problem.message


def test_read_csv_row_longer_than_header() -> None:
    result = read_csv(b"text\nfine\n\"a\",\"b\"\n", "l.csv")
    assert [a.fields for a in result.articles] == [{"text": "fine"}]
    assert [(p.code, p.line) for p in result.problems] == [("csv-row-too-long", 3)]


def test_read_html_main_text_and_metadata() -> None:
    path = FIXTURES / "good" / "html" / "harbour.html"
    [article] = read_html(path.read_bytes(), str(path)).articles
    fields = article.fields
    assert fields["title"] == "Port of Valdera Reopens After Storm"
    assert fields["published"] == "2025-03-14"
    assert fields["tags"] == ["Shipping", "Weather"]
    assert fields["source"] == "Coastal Herald"
    assert fields["language"] == "en"
    assert fields["url"] == "https://coastal-herald.example/news/valdera-port-reopens"
    assert "The port of Valdera reopened on Friday morning" in fields["text"]
    assert "Sport" not in fields["text"]  # navigation
    assert "All rights reserved" not in fields["text"]  # footer


def test_read_html_without_text() -> None:
    page = b"<html><head><title>T</title></head><body></body></html>"
    [problem] = read_html(page, "e.html").problems
    assert (problem.code, problem.file) == ("article-empty", "e.html")
