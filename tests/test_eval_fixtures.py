"""The evaluation articles: texts shaped like ingested tasks, gold that resolves and is complete."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter

import pytest

from eval_fixtures import (
    ARTICLES_DIR,
    META_KEYS,
    SPLITS,
    export_json,
    export_path,
    gold_export,
    load_articles,
)
from newsclaims.core.ids import article_id
from newsclaims.core.schemas import errors as schema_errors
from newsclaims.core.scheme import RELATION_ENDPOINTS, load_scheme
from newsclaims.export.claims import claims_from
from newsclaims.export.result_rows import parse_result
from newsclaims.export.validate import validate
from newsclaims.review.surface import to_result

SCHEME = load_scheme()
CLAIM, SOURCE = RELATION_ENDPOINTS["source"]
CUE = RELATION_ENDPOINTS["cue"][1]
ATTRIBUTION_TYPE = next(c for c in SCHEME.choices.values() if c.applies_to == CLAIM and c.required)
SOURCE_TYPE = next(c for c in SCHEME.choices.values() if c.applies_to == SOURCE and c.required)
CERTAINTY = next(c for c in SCHEME.choices.values() if c.applies_to == CLAIM and not c.required)
ENTITY_LABELS = set(SCHEME.labels["entity"])

# docs/guidelines.md §6: no span starts or ends on a quotation mark or sentence punctuation;
# a final period is kept only as part of an abbreviation ("a.m.", "U.S.").
BAD_EDGE = set("\"“”‘’'«».,;:!?—–-()[]")
ABBREVIATION_END = re.compile(r"(?:\b\w\.){2,}$")

# The patterns each split must exercise (tests/fixtures/articles/README.md): named here as
# data, checked against the scheme.
UNATTRIBUTED, MIXED = "UNATTRIBUTED", "MIXED"
DOCUMENT, ANONYMOUS = "DOCUMENT", "ANONYMOUS"
REQUIRED_PATTERNS = {
    ("attribution_type", MIXED),
    ("source_type", DOCUMENT),
    ("source_type", ANONYMOUS),
}

ARTICLES = [article for split in SPLITS for article in load_articles(split)]
IDS = [f"{a.split}/{a.name}" for a in ARTICLES]


def labelled(article) -> list[dict]:
    """Label regions of the gold as resolved on the text."""
    return [item for item in to_result(article.gold, article.text) if item["type"] == "labels"]


def test_pattern_names_are_scheme_values():
    assert UNATTRIBUTED in ATTRIBUTION_TYPE.values and MIXED in ATTRIBUTION_TYPE.values
    assert DOCUMENT in SOURCE_TYPE.values and ANONYMOUS in SOURCE_TYPE.values


def test_each_split_has_four_articles_and_the_splits_share_no_text():
    by_split = Counter(a.split for a in ARTICLES)
    assert by_split == {"dev": 4, "heldout": 4}
    assert len({a.article_id for a in ARTICLES}) == len(ARTICLES)
    assert len({a.name for a in ARTICLES}) == len(ARTICLES)


def test_every_text_has_its_gold_and_every_gold_its_text():
    for split in SPLITS:
        texts = {p.stem for p in (ARTICLES_DIR / split).glob("*.txt")}
        golds = {p.stem for p in (ARTICLES_DIR / split).glob("*.yaml")}
        assert texts == golds, split


@pytest.mark.parametrize("article", ARTICLES, ids=IDS)
def test_text_is_shaped_like_an_ingested_task(article):
    text = article.text
    assert text == unicodedata.normalize("NFC", text)
    assert "\r" not in text and "\t" not in text
    assert text == text.strip(), "no leading/trailing whitespace, no trailing newline"
    paragraphs = text.split("\n\n")
    assert len(paragraphs) >= 5
    for paragraph in paragraphs:
        assert paragraph and "\n" not in paragraph and paragraph == paragraph.strip()
        assert "  " not in paragraph
    assert 1500 <= len(text) <= 3500


@pytest.mark.parametrize("article", ARTICLES, ids=IDS)
def test_meta_is_complete_and_valid_task_data(article):
    assert set(META_KEYS) <= set(article.meta)
    assert article.gold["article_id"] == article_id(article.text)
    assert list(schema_errors("task", article.record())) == []


@pytest.mark.parametrize("article", ARTICLES, ids=IDS)
def test_gold_offsets_round_trip(article):
    regions = labelled(article)
    spans = {span["id"]: span for span in article.gold["spans"]}
    assert len(regions) == len(spans)
    for item in regions:
        value = item["value"]
        assert (
            article.text[value["start"] : value["end"]]
            == value["text"]
            == spans[item["id"]]["text"]
        )
        assert value["labels"] == [spans[item["id"]]["label"]]
    starts = {(item["value"]["start"], item["value"]["labels"][0]) for item in regions}
    assert len(starts) == len(regions), "two spans of one label at the same place"


@pytest.mark.parametrize("article", ARTICLES, ids=IDS)
def test_every_claim_and_source_has_its_type(article):
    for span in article.gold["spans"]:
        if span["label"] == CLAIM:
            assert span.get(ATTRIBUTION_TYPE.name) in ATTRIBUTION_TYPE.values, span["id"]
        if span["label"] == SOURCE:
            assert span.get(SOURCE_TYPE.name) in SOURCE_TYPE.values, span["id"]


@pytest.mark.parametrize("article", ARTICLES, ids=IDS)
def test_every_claim_has_a_certainty_as_the_guidelines_require_of_gold(article):
    for span in article.gold["spans"]:
        if span["label"] == CLAIM:
            assert span.get(CERTAINTY.name) in CERTAINTY.values, span["id"]


@pytest.mark.parametrize("article", ARTICLES, ids=IDS)
def test_span_edges_follow_the_guidelines(article):
    for span in article.gold["spans"]:
        text = span["text"]
        assert text[0] not in BAD_EDGE, f"{span['id']} starts on {text[0]!r}"
        if text.endswith("."):
            assert ABBREVIATION_END.search(text), f"{span['id']} ends on a sentence period"
        else:
            assert text[-1] not in BAD_EDGE, f"{span['id']} ends on {text[-1]!r}"
        if span["label"] in ENTITY_LABELS:
            assert not text.lower().startswith("the ") or span["label"] in ("DATE", "TIME")
            assert not text.endswith(("’s", "'s")), f"{span['id']}: possessive in an entity"


@pytest.mark.parametrize("article", ARTICLES, ids=IDS)
def test_attributed_claims_are_linked_and_unattributed_ones_have_no_relation(article):
    labels = {span["id"]: span["label"] for span in article.gold["spans"]}
    links: dict[str, set[str]] = {}
    for relation in article.gold["relations"]:
        links.setdefault(relation["from"], set()).add(relation["type"])
    for span in article.gold["spans"]:
        if span["label"] != CLAIM:
            continue
        kinds = links.get(span["id"], set())
        if span[ATTRIBUTION_TYPE.name] == UNATTRIBUTED:
            assert kinds == set(), f"{span['id']} is UNATTRIBUTED but linked"
        else:
            assert "cue" in kinds, f"{span['id']} is attributed but has no cue"
    targets = {relation["to"] for relation in article.gold["relations"]}
    orphans = [i for i, label in labels.items() if label in (SOURCE, CUE) and i not in targets]
    assert orphans == [], "every SOURCE and CUE is linked from a claim"


@pytest.mark.parametrize("split", SPLITS)
def test_each_split_exercises_document_anonymous_mixed_and_reportedly(split):
    seen = set()
    cues = set()
    for article in load_articles(split):
        for span in article.gold["spans"]:
            for name in (ATTRIBUTION_TYPE.name, SOURCE_TYPE.name):
                if name in span:
                    seen.add((name, span[name]))
            if span["label"] == CUE:
                cues.add(span["text"].lower())
    assert seen >= REQUIRED_PATTERNS
    assert ("attribution_type", UNATTRIBUTED) in seen
    assert "reportedly" in cues
    assert {"according to", "said"} <= cues


def test_the_set_mixes_quote_styles_emoji_and_non_latin_names():
    texts = [a.text for a in ARTICLES]
    assert any("“" in t for t in texts) and any('"' in t for t in texts)
    emoji = re.compile("[\U0001f300-\U0001faff]")
    scripts = {
        "CJK": "CJK UNIFIED",
        "Cyrillic": "CYRILLIC",
        "Arabic": "ARABIC",
        "Devanagari": "DEVANAGARI",
    }
    for text in texts:
        names = {unicodedata.name(ch, "") for ch in text}
        found = {s for s, prefix in scripts.items() if any(n.startswith(prefix) for n in names)}
        if emoji.search(text) and found == set(scripts):
            return
    pytest.fail("no article has emoji and CJK, Cyrillic, Arabic and Devanagari names")


@pytest.mark.parametrize("split", SPLITS)
def test_gold_export_is_a_valid_export_of_the_split(split):
    tasks = gold_export(split)
    articles = load_articles(split)
    assert [t["id"] for t in tasks] == list(range(1, len(articles) + 1))
    for task, article in zip(tasks, articles, strict=True):
        assert task["data"]["text"] == article.text
        assert task["data"]["article_id"] == article_id(article.text)
        assert task["data"]["title"] == article.meta["title"]
        assert list(schema_errors("task", task["data"])) == []
        (annotation,) = task["annotations"]
        regions = [r for r in annotation["result"] if r["type"] == "labels"]
        relations = [r for r in annotation["result"] if r["type"] == "relation"]
        assert len(regions) == len(article.gold["spans"])
        assert len(relations) == len(article.gold["relations"])


@pytest.mark.parametrize("split", SPLITS)
def test_committed_export_file_equals_the_gold(split):
    path = export_path(split)
    committed = path.read_text(encoding="utf-8")
    assert committed == export_json(split), (
        f"{path} is stale: rewrite it with eval_fixtures.write_gold_export({split!r})"
    )
    assert [task["data"]["article_id"] for task in json.loads(committed)] == [
        article.article_id for article in load_articles(split)
    ]


@pytest.mark.parametrize("split", SPLITS)
def test_committed_export_validates_cleanly_and_converts_to_one_row_per_claim(split):
    report = validate(export_path(split))
    assert report.problems == []
    assert report.counts["tasks"] == len(load_articles(split))
    for task, article in zip(gold_export(split), load_articles(split), strict=True):
        parsed = parse_result(task["annotations"][0]["result"], task["data"]["text"])
        assert parsed.problems == []
        claims = claims_from(parsed.spans, parsed.relations)
        gold_claims = [s for s in article.gold["spans"] if s["label"] == CLAIM]
        assert sorted(row["claim_text"] for row in claims) == sorted(
            s["text"] for s in gold_claims
        )
