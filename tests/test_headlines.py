"""The title rule for a headline that ends with a full stop (issue #12, item 5): taken
when it stands alone as a paragraph and reads like a headline, never a first paragraph."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsclaims.ingest import ingest
from newsclaims.ingest.headlines import is_headline_with_full_stop
from newsclaims.ingest.readers import split_header

BODY = ("The city council voted on Tuesday to close the Harbour Road depot, ending a decade "
        "of disputes over its cost.\n\nBuses will move to the new garage in June.")


@pytest.mark.parametrize("line", [
    "Harbour Bridge to Reopen in May, City Says.",          # Title Case
    "Council to vote on bus lanes, depot closure.",         # sentence case, headline grammar
    "Ruiz: ‘We Will Finish the Bridge This Spring.’",       # speaker kicker, quote inside
    "The Latest: Storm closes coastal road overnight.",     # kicker with an article
    "Port strike enters second week;",                      # ";" as some outlets end titles
    "U.S. regulator fines Dorve Mills over wages.",          # abbreviation, not a boundary
])
def test_headlines_with_a_full_stop(line: str) -> None:
    assert is_headline_with_full_stop(line)


@pytest.mark.parametrize("line", [
    "Police arrested two men after a shooting in Dayton.",          # past tense
    "It was the wettest March on record in the valley.",            # pronoun subject
    "The council has approved the budget for the new depot.",       # auxiliary
    "Bridge Closed. Traffic Diverted.",                              # two sentences
    "A storm closed the coast road for the second time in a week.",  # two articles, past
    "The mayor said the bridge would reopen in May.",               # reporting verb
    BODY.split("\n")[0],                                             # too long for a title
    "Harbour Bridge to Reopen in May, City Says",                    # no full stop: other rule
])
def test_prose_is_not_a_headline(line: str) -> None:
    assert not is_headline_with_full_stop(line)


def test_split_header_takes_a_full_stop_headline_standing_alone() -> None:
    lines = f"Harbour Bridge to Reopen in May, City Says.\n\n{BODY}".split("\n")
    tags, title, body = split_header(lines)
    assert (tags, title) == ([], "Harbour Bridge to Reopen in May, City Says.")
    assert "\n".join(body) == BODY


def test_split_header_needs_the_blank_line_after_a_full_stop_headline() -> None:
    lines = f"Harbour Bridge to Reopen in May, City Says.\n{BODY}".split("\n")
    assert split_header(lines) == ([], None, lines)


def test_split_header_keeps_a_first_paragraph_in_the_body() -> None:
    for first in ("Police arrested two men after a shooting in Dayton.", BODY.split("\n")[0]):
        lines = f"{first}\n\nThe second paragraph follows here.\n\nAnd a third.".split("\n")
        assert split_header(lines) == ([], None, lines)


def test_ingest_recovers_the_title_and_keeps_every_body_line(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        f"Council to vote on bus lanes, depot closure.\n\n{BODY}\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(f"{BODY}\n\nA last short line.\n", encoding="utf-8")
    result = ingest([tmp_path])
    by_file = {Path(a["origin"]["path"]).name: a for a in result.articles}
    assert by_file["a.txt"]["title"] == "Council to vote on bus lanes, depot closure."
    assert by_file["a.txt"]["text"] == BODY
    assert by_file["b.txt"]["title"] is None
    assert by_file["b.txt"]["text"] == f"{BODY}\n\nA last short line."
