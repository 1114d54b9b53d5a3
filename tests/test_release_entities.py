"""The `entities` table built a batch of articles at a time (`entities.tag_batch`,
`EntityColumns`) against the per-article definitions in `tokens` (`sentences`)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from newsclaims.core.errors import Problem, Severity
from newsclaims.release.entities import EntityColumns, TagCodes, tag_batch
from newsclaims.release.tables import TableBuilder, conll2003_map, table_specs
from newsclaims.release.tokens import NO_BREAK_AFTER, Sentence, sentences, to_conll

ROOT = Path(__file__).resolve().parents[1]
# Pieces of text where the batch path could part from the definitions: titles and
# initials before full stops, marks and closers attached or not, capitals (also
# astral and titlecase ones), digits, openers, joiners, Unicode and astral spaces
# and letters, line breaks.
_PIECES = ["Mr", "mr", "St", "U.S", "u.k", "No", "e.g", "etc", "A", "I", "x", "he", "Smith",
           "Corp", "1999", "3.5", ".", "!", "?", "…", "\"", "”", "’", "'", ")", "]", "»", "(",
           "“", "‘", "[", ",", "-", " ", "  ", "\n", "\n\n", "\t", "\u00a0", "\u3000", "🦆",
           "𝔘", "𝟗", "Éric", "ǅ", "K", "İ", "ß", "漢字", "١٢", "é\u0301"]
_LABELS = ["PERSON", "GPE", "ORG", "DATE", "NORP"]

_texts = (st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)
          | st.text(alphabet=[piece for piece in _PIECES if len(piece) == 1], max_size=40)
          | st.text(max_size=40)
          | st.sampled_from(["", " ", "   ", "\n", " \n\t "]))


@st.composite
def _article(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    """A text and entity spans on it: any offsets in it (at its edges too, and a few
    past them, which validation refuses but the definitions still tag), some
    overlapping, some repeated with another region id, a few covering no token."""
    text = draw(_texts)
    spans = []
    for number in range(draw(st.integers(0, 8))):
        start = draw(st.integers(-2, len(text) + 1))
        end = draw(st.integers(start, len(text) + 2))
        spans.append({"start": start, "end": end, "label": draw(st.sampled_from(_LABELS)),
                      "region_id": f"r{number}"})
    if spans and draw(st.booleans()):
        spans.append({**draw(st.sampled_from(spans)), "region_id": "repeat"})
    return text, spans


def _batch_sentences(texts: list[str], spans: list[list[dict[str, Any]]]
                     ) -> tuple[list[list[Sentence]], list[list[dict[str, Any]]]]:
    """`tag_batch`'s arrays read back as `Sentence`s, per article."""
    codes = TagCodes()
    batch = tag_batch(texts, spans, codes)
    cuts = [0, *batch.word_bytes.cumsum().tolist()]
    words = [batch.words[a:b].decode("utf-8") for a, b in itertools.pairwise(cuts)]
    starts, ends = batch.starts.tolist(), batch.ends.tolist()
    ner = [codes.tags[code] for code in batch.tags.tolist()]
    conll = to_conll(ner, conll2003_map())
    found: list[list[Sentence]] = [[] for _ in texts]
    begin = 0
    for end, article in zip(batch.sentence_ends.tolist(), batch.sentence_articles.tolist(),
                            strict=True):
        found[article].append(Sentence(
            start=starts[begin], end=ends[end - 1], tokens=words[begin:end],
            token_starts=starts[begin:end], token_ends=ends[begin:end],
            ner_tags=ner[begin:end], conll_tags=conll[begin:end]))
        begin = end
    assert begin == len(starts) == len(words)
    return found, batch.left_out


@settings(max_examples=500, deadline=None)
@given(st.lists(_article(), max_size=6))
def test_a_batch_is_tagged_as_each_article_alone(articles: list[tuple[str, list[dict]]]) -> None:
    texts = [text for text, _ in articles]
    found, left_out = _batch_sentences(texts, [spans for _, spans in articles])
    for (text, spans), batch_sentences, batch_left_out in zip(articles, found, left_out,
                                                               strict=True):
        expected, expected_left_out = sentences(text, spans)
        assert batch_sentences == expected
        # The very spans (region ids tell repeats apart), in the same order.
        assert [id(span) for span in batch_left_out] == [id(span) for span in expected_left_out]


def test_every_article_of_the_repository_in_one_batch() -> None:
    texts = [path.read_text("utf-8") for folder in ("seeds", "tests/fixtures/articles")
             for path in sorted((ROOT / folder).rglob("*.txt"))]
    assert len(texts) >= 5
    found, _ = _batch_sentences(texts, [[] for _ in texts])
    for text, batch_sentences in zip(texts, found, strict=True):
        assert batch_sentences == sentences(text, [])[0]
        assert len(batch_sentences) > 1


def test_no_sentence_ends_after_a_title_or_initial_in_a_batch() -> None:
    texts = [f"It was {word}. Smith said so. {word.upper()}. Then" for word in NO_BREAK_AFTER]
    texts.append("Ask J. Smith. He knows.")
    found, _ = _batch_sentences(texts, [[] for _ in texts])
    for text, batch_sentences in zip(texts, found, strict=True):
        assert batch_sentences == sentences(text, [])[0]
    assert [len(article) for article in found] == [2] * len(NO_BREAK_AFTER) + [2]


def test_overlapping_spans_in_many_articles_keep_the_first_in_each() -> None:
    text = "New York City Mayor Eric Adams spoke."
    city = {"start": 0, "end": 13, "label": "GPE", "region_id": "city"}
    york = {"start": 4, "end": 8, "label": "GPE", "region_id": "york"}  # nested: left out
    mayor = {"start": 14, "end": 30, "label": "PERSON", "region_id": "mayor"}
    adams = {"start": 20, "end": 30, "label": "PERSON", "region_id": "adams"}  # crosses
    gap = {"start": 13, "end": 14, "label": "ORG", "region_id": "gap"}  # covers no token
    found, left_out = _batch_sentences([text, text, text],
                                       [[york, city], [], [adams, gap, mayor, city]])
    assert [[span["region_id"] for span in spans] for spans in left_out] == [
        ["york"], [], ["gap", "adams"]]
    assert found[0][0].ner_tags == ["B-GPE", "I-GPE", "I-GPE", "O", "O", "O", "O", "O"]
    assert found[1][0].ner_tags == ["O"] * 8
    assert found[2][0].ner_tags == ["B-GPE", "I-GPE", "I-GPE", "B-PERSON", "I-PERSON",
                                    "I-PERSON", "O", "O"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_article(), st.integers(0, 2)), max_size=8),
       st.sampled_from([1, 20, 1 << 20]))
def test_entity_columns_rows_and_warnings_as_if_each_article_were_tagged_as_it_came(
        articles: list[tuple[tuple[str, list[dict]], int]], batch_chars: int) -> None:
    """Whatever the batches, the rows are each article's sentences, and each warning
    sits in the problems list where it was when an article was tagged as it came:
    after the problems before that article, before those after it."""
    builder = TableBuilder(table_specs()["entities"])
    columns = EntityColumns(builder, "entities", batch_chars=batch_chars)
    problems: list[Problem] = []
    expected_problems: list[Problem] = []
    expected_rows = []
    for number, ((text, spans), others) in enumerate(articles):
        aid, split = f"{number:016x}", ("train", "test")[number % 2]
        other = [Problem(Severity.ERROR, "other", str(i), article_id=aid) for i in range(others)]
        problems += other
        expected_problems += other
        columns.add(text, spans, aid, split, number, problems)
        found, left_out = sentences(text, spans)
        expected_problems += [Problem(
            Severity.WARNING, "entity-not-in-bio",
            f"{span['label']} {span['start']}..{span['end']} overlaps another entity; "
            "left out of the token-level entities table (still in spans)",
            task_id=number, article_id=aid, region_id=span["region_id"]) for span in left_out]
        expected_rows += [{
            "article_id": aid, "sentence": i, "start": s.start, "end": s.end,
            "tokens": s.tokens, "token_starts": s.token_starts, "token_ends": s.token_ends,
            "ner_tags": s.ner_tags, "conll_tags": s.conll_tags, "split": split,
        } for i, s in enumerate(found)]
    columns.flush()
    assert builder.table().to_pylist() == expected_rows
    assert problems == expected_problems
