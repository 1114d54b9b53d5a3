"""`evaluate`: counts worked out by hand on a two-sentence article, the CLI's exit
codes and outputs, and the pre-annotation CLI end to end."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from factories import region, relation
from newsclaims.cli import app
from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.ids import article_id
from newsclaims.review.evaluate import evaluate
from newsclaims.review.surface import to_export_task

TEXT = "Officials said the bridge was unsafe. Prices rose, according to a report."
AID = article_id(TEXT)

GOLD = [
    *region("s1", "SOURCE", TEXT, "Officials", source_type="ANONYMOUS"),
    *region("q1", "CUE", TEXT, "said"),
    *region("c1", "CLAIM", TEXT, "the bridge was unsafe", attribution_type="INDIRECT"),
    relation("c1", "s1", "source"), relation("c1", "q1", "cue"),
    *region("c2", "CLAIM", TEXT, "Prices rose", attribution_type="INDIRECT"),
    *region("q2", "CUE", TEXT, "according to"),
    *region("s2", "SOURCE", TEXT, "a report", source_type="DOCUMENT"),
    relation("c2", "s2", "source"), relation("c2", "q2", "cue"),
]


def _task(result: list[dict]) -> dict:
    return to_export_task({"text": TEXT}, result, task_id=1, annotation_id=1)


def _prediction(result: list[dict]) -> dict:
    return {"article_id": AID, "model_version": "test", "score": 0.5, "result": result}


def test_identical_prediction_scores_one_everywhere() -> None:
    report = evaluate([_task(GOLD)], [_prediction(GOLD)])
    for label in ("CLAIM", "SOURCE", "CUE"):
        for match in ("exact", "overlap", "one_to_one"):
            assert report["labels"][label][match]["f1"] == 1.0
    assert report["triples"] == {"gold": 2, "correct": 2, "accuracy": 1.0}
    assert report["choices"]["attribution_type"]["accuracy"] == 1.0
    assert report["problems"] == []


def test_shifted_span_counts_for_overlap_not_exact() -> None:
    # the predicted claim adds "was unsafe" only: overlaps the gold claim, not equal to it
    predicted = [item for item in GOLD if item.get("id") != "c1" and item.get("from_id") != "c1"]
    predicted += region("p1", "CLAIM", TEXT, "was unsafe", attribution_type="DIRECT_QUOTE")
    predicted += [relation("p1", "s1", "source"), relation("p1", "q1", "cue")]
    report = evaluate([_task(GOLD)], [_prediction(predicted)])
    claim = report["labels"]["CLAIM"]
    assert claim["exact"]["gold_matched"] == 1 and claim["exact"]["recall"] == 0.5
    assert claim["overlap"]["gold_matched"] == 2 and claim["overlap"]["recall"] == 1.0
    assert claim["one_to_one"]["gold_matched"] == 2
    assert report["triples"]["correct"] == 2
    assert report["choices"]["attribution_type"] == {"matched": 2, "agree": 1, "accuracy": 0.5}


def test_triple_needs_the_linked_source_and_cue_to_overlap() -> None:
    # claim 1 linked to the wrong source ("a report"), claim 2 without its cue link
    predicted = [item for item in GOLD if item.get("type") != "relation"]
    predicted += [relation("c1", "s2", "source"), relation("c1", "q1", "cue"),
                  relation("c2", "s2", "source")]
    report = evaluate([_task(GOLD)], [_prediction(predicted)])
    assert report["triples"] == {"gold": 2, "correct": 0, "accuracy": 0.0}
    assert report["labels"]["SOURCE"]["exact"]["f1"] == 1.0  # spans alone are all right


def test_extra_and_missing_spans_move_precision_and_recall() -> None:
    predicted = [*GOLD, *region("e1", "CLAIM", TEXT, "Officials said", attribution_type="INDIRECT")]
    predicted = [i for i in predicted if i.get("id") != "s2" and i.get("to_id") != "s2"]
    report = evaluate([_task(GOLD)], [_prediction(predicted)])
    assert report["labels"]["CLAIM"]["exact"]["precision"] == pytest.approx(2 / 3)
    assert report["labels"]["SOURCE"]["exact"]["recall"] == 0.5
    assert report["labels"]["SOURCE"]["exact"]["precision"] == 1.0
    assert report["layers"]["attribution"]["gold"] == 6


def test_missing_prediction_scores_empty_and_is_reported() -> None:
    report = evaluate([_task(GOLD)], [])
    assert report["labels"]["CUE"]["exact"]["recall"] == 0.0
    assert report["labels"]["CUE"]["exact"]["precision"] is None
    assert [p.code for p in report["problems"]] == ["prediction-missing"]


def test_prediction_without_article_id_is_refused() -> None:
    with pytest.raises(NewsclaimsError, match="prediction 1"):
        evaluate([_task(GOLD)], [{"result": []}])


# --- CLI ------------------------------------------------------------------------------


def test_evaluate_cli_prints_a_table_and_a_json_document(tmp_path) -> None:
    export = tmp_path / "gold.json"
    export.write_text(json.dumps([_task(GOLD)]), "utf-8")
    predictions = tmp_path / "p.jsonl"
    predictions.write_text(json.dumps(_prediction(GOLD)) + "\n", "utf-8")
    runner = CliRunner()
    table = runner.invoke(app, ["evaluate", str(export), "--predictions", str(predictions)])
    assert table.exit_code == 0, table.output
    assert "attribution triples: 2/2 correct" in table.output
    document = runner.invoke(app, ["evaluate", str(export), "--predictions", str(predictions),
                                   "--json"])
    assert document.exit_code == 0
    parsed = json.loads(document.output)
    assert parsed["labels"]["CUE"]["overlap"]["recall"] == 1.0


def test_evaluate_cli_unreadable_export_exits_2(tmp_path) -> None:
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("", "utf-8")
    result = CliRunner().invoke(app, ["evaluate", str(tmp_path / "missing.json"),
                                      "--predictions", str(predictions)])
    assert result.exit_code == 2
    assert "cannot read export" in result.output


def test_preannotate_cli_writes_one_prediction_per_article(tmp_path) -> None:
    texts = ["Officials said the plan was ready for a vote.",
             "The firm reportedly lost $5 million."]
    articles = tmp_path / "articles.jsonl"
    articles.write_text("".join(json.dumps({"text": t, "article_id": article_id(t)}) + "\n"
                                for t in texts), "utf-8")
    out = tmp_path / "predictions.jsonl"
    result = CliRunner().invoke(app, ["preannotate", str(articles), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [p["article_id"] for p in lines] == [article_id(t) for t in texts]
    assert all(p["result"] for p in lines)


def test_preannotate_cli_lists_bad_lines_and_writes_nothing(tmp_path) -> None:
    good = "Officials said the plan was ready."
    articles = tmp_path / "articles.jsonl"
    articles.write_text(
        json.dumps({"text": good, "article_id": article_id(good)}) + "\n"
        + "{not json\n"
        + json.dumps({"text": good, "article_id": "0000000000000000"}) + "\n"
        + json.dumps({"text": good}) + "\n",
        "utf-8",
    )
    out = tmp_path / "predictions.jsonl"
    result = CliRunner().invoke(app, ["preannotate", str(articles), "-o", str(out)])
    assert result.exit_code == 1
    assert f"{articles}:2" in result.output and "not valid JSON" in result.output
    assert f"{articles}:3" in result.output and "not the content hash of text" in result.output
    assert f"{articles}:4" in result.output and "'article_id' is a required property" in (
        result.output)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [articles]  # no temporary file left behind


def test_preannotate_cli_missing_input_exits_2(tmp_path) -> None:
    result = CliRunner().invoke(app, ["preannotate", str(tmp_path / "none.jsonl"),
                                      "-o", str(tmp_path / "p.jsonl")])
    assert result.exit_code == 2
    assert "cannot read" in result.output
