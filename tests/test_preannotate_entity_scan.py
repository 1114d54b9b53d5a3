"""The entity scan tries, at a token, only the alternatives of its master pattern that
can start with that token's word (`PatternEntities.by_word`). These tests hold that
equal to trying the whole master pattern: the same match (span and alternative) at
every token the scan visits, on the repository's articles and on generated text made
of the rule lists' own phrases, whose first words are where the alternatives meet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclaims.preannotate.entities import PatternEntities
from newsclaims.preannotate.rules import RULES_DIR, load_rules
from newsclaims.preannotate.text import Doc

VERSIONS = sorted(p.name for p in RULES_DIR.iterdir() if p.is_dir())
ROOT = Path(__file__).resolve().parents[1]
_SCANS = {version: PatternEntities(load_rules(version)) for version in VERSIONS}


def _span(m: re.Match[str] | None) -> tuple[int, int] | None:
    return None if m is None else (m.start(), m.end())


def _differences(scan: PatternEntities, text: str) -> list[str]:
    """Tokens the scan visits where the dispatched pattern and master disagree."""
    doc = Doc(text)
    wrong = []
    for start, word, lower in zip(doc.starts, doc.texts, doc.lowers, strict=True):
        if not scan.may_start[word] or lower[0].isdigit():
            continue
        matched = scan.match_at(text, start, lower)
        master = scan.master.match(text, start)
        label = None if master is None else scan.group_label[master.lastgroup]
        if (matched and (_span(matched[0]), matched[1])) != (master and (_span(master), label)):
            wrong.append(f"{text[start:start + 40]!r}: {matched} != {master}")
    return wrong


def _phrases() -> list[str]:
    ent = load_rules().ent
    lists = [ent[key] for key in ent if isinstance(ent[key], list)]
    lists += list(ent["gazetteers"].values())
    return sorted({str(p) for phrases in lists for p in phrases})


_PIECES = [
    *_phrases(), "the", "The", "a", "an", "A", "between", "and", "season", "2020", "2020–21",
    "1990s",
    "12", "3.5", "1,200", "$", "US$", "€", "%", "percent", "per cent", "-", "–", "’s", "'s",
    "-old", ",", ".", "\n", "x", "about", "at least", "half", "a.m.", "14:30",
]
_TEXTS = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=30).flatmap(
    lambda parts: st.lists(st.sampled_from([" ", "", "-", "  ", "\n"]),
                           min_size=len(parts), max_size=len(parts)).map(
        lambda gaps: "".join(p + g for p, g in zip(parts, gaps, strict=True)))
)


@pytest.mark.parametrize("version", VERSIONS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXTS)
def test_the_dispatched_alternatives_match_as_master_on_list_phrases(
    version: str, text: str
) -> None:
    assert _differences(_SCANS[version], text) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_the_dispatched_alternatives_match_as_master_on_every_article(version: str) -> None:
    paths = sorted((ROOT / "tests" / "fixtures").rglob("*.txt")) + sorted(
        (ROOT / "seeds").glob("*.txt")
    )
    texts = [p.read_bytes().decode("utf-8", "replace") for p in paths]
    assert len(texts) > 10
    assert [d for text in texts for d in _differences(_SCANS[version], text)] == []


def test_a_short_word_is_not_taken_for_the_start_of_a_longer_one() -> None:
    # "a" begins "about" and "an estimated", but a token "a" is never the start of
    # those words (the token would have been "about"): only the fraction ("a half").
    scan = _SCANS[VERSIONS[-1]]
    assert scan.match_at("a half of it", 0, "a") is not None
    assert len(scan.by_word["a"]) == 1 < len(scan.by_word["an"])
    assert scan.match_at("a 12 percent rise", 0, "a") is None
    assert scan.master.match("a 12 percent rise") is None
