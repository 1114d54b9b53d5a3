"""`import brat`: BRAT standoff (PolNeAR's layout) -> articles.jsonl + a gold export that
`validate` accepts and `evaluate` scores. Fixtures: tests/fixtures/brat (invented text)."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from newsclaims.cli import import_brat as import_brat_cli
from newsclaims.core import schemas
from newsclaims.core.errors import NewsclaimsError, Severity
from newsclaims.core.ids import article_id
from newsclaims.export.validate import validate
from newsclaims.ingest.brat import annotator_id, import_brat, write_brat_import
from newsclaims.review.evaluate import evaluate

CORPUS = Path(__file__).parent / "fixtures" / "brat" / "corpus"


@pytest.fixture(scope="module")
def imported():
    return import_brat(CORPUS)


def task_of(result, name: str) -> dict[str, Any]:
    [task] = [t for t in result.tasks if t["meta"]["text_file"] == f"{name}.txt"]
    return task


def regions(annotation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in annotation["result"] if i["type"] == "labels"}


def relations(annotation: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(i["from_id"], i["to_id"], i["labels"][0])
            for i in annotation["result"] if i["type"] == "relation"}


def choice(annotation: dict[str, Any], region_id: str, control: str) -> dict[str, Any]:
    [item] = [i for i in annotation["result"]
              if i["type"] == "choices" and i["id"] == region_id and i["from_name"] == control]
    return item


def first_annotation(result, name: str) -> dict[str, Any]:
    return task_of(result, name)["annotations"][0]


# -- the fixture corpus ----------------------------------------------------------------


def test_fixture_corpus_validates_without_a_problem(imported) -> None:
    assert [p for p in imported.problems if p.severity is not Severity.INFO] == []
    report = validate(imported.tasks)
    assert report.problems == []
    assert report.counts["tasks"] == 2 and report.counts["annotations"] == 3


def test_articles_are_schema_valid_with_content_hash_ids(imported) -> None:
    assert len(imported.articles) == 2
    for article, task in zip(imported.articles, imported.tasks, strict=True):
        assert list(schemas.errors("article", article)) == []
        assert article["article_id"] == article_id(article["text"]) == task["data"]["article_id"]
        assert article["text"] == task["data"]["text"]


def test_every_region_text_is_its_slice(imported) -> None:
    for task in imported.tasks:
        for annotation in task["annotations"]:
            for item in annotation["result"]:
                if item["type"] != "relation":
                    value = item["value"]
                    assert task["data"]["text"][value["start"]:value["end"]] == value["text"]


def test_titles_stay_in_the_text(imported) -> None:
    bridge, meals = task_of(imported, "harbour-bridge"), task_of(imported, "school-meals")
    assert bridge["data"]["title"] == "Harbour Bridge to Reopen in May, City Says."
    assert meals["data"]["title"] == "School Meals Plan Faces Questions"
    assert bridge["data"]["text"].startswith(bridge["data"]["title"] + "\n\n")


def test_content_source_cue_become_claim_source_cue_with_relations(imported) -> None:
    annotation = first_annotation(imported, "harbour-bridge")
    found = regions(annotation)
    assert found["T1"]["value"]["labels"] == ["CLAIM"]
    assert found["T1"]["value"]["text"] == "The Harbour Bridge will reopen to traffic in May"
    assert found["T2"]["value"]["labels"] == ["SOURCE"]
    assert found["T3"]["value"]["labels"] == ["CUE"]
    assert {("T1", "T2", "source"), ("T1", "T3", "cue")} <= relations(annotation)


def test_discontinuous_content_is_one_region_per_fragment_all_linked(imported) -> None:
    annotation = first_annotation(imported, "harbour-bridge")
    found = regions(annotation)
    assert "T5" not in found
    assert found["T5-1"]["value"]["text"] == '"We expect the first buses to cross on May 3,"'
    assert found["T5-2"]["value"]["text"] == '"Cars will follow a week later."'
    for fragment in ("T5-1", "T5-2"):
        assert found[fragment]["value"]["labels"] == ["CLAIM"]
        assert {(fragment, "T6", "source"), (fragment, "T7", "cue")} <= relations(annotation)
        assert choice(annotation, fragment, "attribution_type")["value"]["choices"] == [
            "DIRECT_QUOTE"]


def test_attribution_without_source_has_only_a_cue(imported) -> None:
    annotation = first_annotation(imported, "harbour-bridge")
    links = {r for r in relations(annotation) if r[0].startswith("T13-")}
    assert links == {("T13-1", "T14", "cue"), ("T13-2", "T14", "cue")}
    assert regions(annotation)["T14"]["value"]["text"] == "reportedly"


def test_one_source_shared_by_two_attributions_is_one_region(imported) -> None:
    annotation = first_annotation(imported, "harbour-bridge")
    sources = [i for i in regions(annotation).values() if i["value"]["labels"] == ["SOURCE"]
               and i["value"]["text"] == "Opposition councillor Tom Hale"]
    assert [s["id"] for s in sources] == ["T16"]
    assert {("T18", "T16", "source"), ("T21", "T16", "source")} <= relations(annotation)


def test_discard_discuss_and_triggers_are_not_regions_but_counted(imported) -> None:
    annotation = first_annotation(imported, "harbour-bridge")
    texts = {i["value"]["text"] for i in regions(annotation).values()}
    assert "Read more: City transport news." not in texts
    assert not any(i["id"] in {"T4", "T23", "T24"} for i in regions(annotation).values())
    assert imported.counts["not_imported_label:Discard"] == 1
    assert imported.counts["not_imported_label:Discuss"] == 1
    assert imported.counts["not_imported_trigger:Attribution"] == 12  # 5 + 2 + 5
    info = [p.message for p in imported.problems if p.code == "brat-not-imported"]
    assert any(m.startswith("1 Discard entities not imported") for m in info)
    assert any("1 notes not imported" in m for m in info)


def test_second_content_argument_is_linked_too(imported) -> None:
    annotation = first_annotation(imported, "school-meals")
    assert {("T13", "T14", "source"), ("T16", "T14", "source"), ("T16", "T15", "cue")} <= (
        relations(annotation))


def test_inferred_choices_are_marked_and_follow_the_rules(imported) -> None:
    bridge, meals = (first_annotation(imported, n) for n in ("harbour-bridge", "school-meals"))
    expected = {
        (id(bridge), "T1", "attribution_type"): "INDIRECT",
        (id(bridge), "T9", "attribution_type"): "INDIRECT",  # leading "that" not counted
        (id(bridge), "T2", "source_type"): "NAMED_ORGANIZATION",  # "... transport office"
        (id(bridge), "T6", "source_type"): "NAMED_PERSON",
        (id(bridge), "T16", "source_type"): "NAMED_PERSON",
        (id(meals), "T1", "source_type"): "DOCUMENT",  # "A report by ..."
        (id(meals), "T5", "source_type"): "NAMED_PERSON",  # "who" after "Lena Park,"
        (id(meals), "T14", "source_type"): "NAMED_PERSON",  # "she"
        (id(meals), "T18", "source_type"): "NAMED_ORGANIZATION",  # "The union"
        (id(meals), "T13", "attribution_type"): "DIRECT_QUOTE",
    }
    by_id = {id(bridge): bridge, id(meals): meals}
    for (which, region, control), value in expected.items():
        item = choice(by_id[which], region, control)
        assert item["value"]["choices"] == [value], (region, control)
    for task in imported.tasks:
        for annotation in task["annotations"]:
            for item in annotation["result"]:
                if item["type"] == "choices":
                    assert item["origin"] == "prediction"
                    assert item["meta"]["inferred"]
                    assert item["from_name"] != "certainty"


def test_each_annotator_file_is_one_annotation_with_a_stable_pseudonymous_id(imported) -> None:
    bridge = task_of(imported, "harbour-bridge")
    users = [a["completed_by"] for a in bridge["annotations"]]
    assert users == [annotator_id("a1b2"), annotator_id("c3d4")]
    assert len(set(users)) == 2 and all(isinstance(u, int) for u in users)
    assert annotator_id("a1b2") == annotator_id("a1b2") != annotator_id("A1B2")
    second = regions(bridge["annotations"][1])
    assert second["T1"]["value"]["text"] == "The Harbour Bridge will reopen to traffic"
    dumped = json.dumps(imported.tasks)
    assert "a1b2" not in dumped and "c3d4" not in dumped


def test_import_is_deterministic() -> None:
    assert json.dumps(import_brat(CORPUS).tasks) == json.dumps(import_brat(CORPUS).tasks)


def test_evaluate_scores_the_gold_against_itself_perfectly(imported) -> None:
    single = [t for t in imported.tasks if len(t["annotations"]) == 1]
    predictions = [{"article_id": t["data"]["article_id"], "result": t["annotations"][0]["result"]}
                   for t in single]
    report = evaluate(single, predictions)
    for label in ("CLAIM", "SOURCE", "CUE"):
        assert report["labels"][label]["exact"]["f1"] == 1.0
    assert report["triples"]["accuracy"] == 1.0


# -- messy input, written per test --------------------------------------------------------


def write_corpus(root: Path, texts: dict[str, str], anns: dict[str, list[str]],
                 newline: str = "\n") -> Path:
    (root / "text").mkdir(parents=True)
    (root / "attributions").mkdir()
    for name, text in texts.items():
        (root / "text" / f"{name}.txt").write_bytes(text.encode("utf-8"))
    for name, lines in anns.items():
        (root / "attributions" / f"{name}.ann").write_text(newline.join(lines) + "\n",
                                                           encoding="utf-8")
    return root


def entity(tid: str, label: str, text: str, fragment: str, after: int = 0) -> str:
    start = text.index(fragment, after)
    return f"{tid}\t{label} {start} {start + len(fragment)}\t{fragment}"


def test_non_nfc_text_and_crlf_line_ends_are_normalised_and_offsets_moved(tmp_path: Path) -> None:
    accent = "e\u0301"  # é decomposed: two code points, one after NFC
    raw = (f"Caf{accent} owners protest.\r\n\r\nThe caf{accent}s\u2028will close, Jos{accent} "
           f"Ruiz said.\r\n")
    lines = [entity("T1", "Content", raw, f"The caf{accent}s\u2028will close"),
             entity("T2", "Source", raw, f"Jos{accent} Ruiz"),
             entity("T3", "Cue", raw, "said"),
             "E1\tAttribution:T3 Content:T1 Cue:T3 Source:T2"]
    result = import_brat(write_corpus(tmp_path, {"cafe": raw}, {"cafe_x1": lines}))
    [task] = result.tasks
    text = task["data"]["text"]
    assert text == unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\u2028", "\n"))
    assert "\r" not in text and unicodedata.is_normalized("NFC", text)
    found = {i["value"]["labels"][0]: i["value"] for i in task["annotations"][0]["result"]
             if i["type"] == "labels"}
    assert found["CLAIM"]["text"] == "The cafés\nwill close"
    assert found["SOURCE"]["text"] == "José Ruiz"
    assert text[found["CUE"]["start"]:found["CUE"]["end"]] == "said"
    assert result.counts["spans_remapped"] == 3
    assert validate(result.tasks).problems == []


def test_a_span_that_cannot_be_mapped_is_an_error_not_a_silent_drop(tmp_path: Path) -> None:
    raw = "Ze\u0301ro tolerance, the chief said.\n"
    cut = raw.index("\u0301")  # between e and its accent: gone after NFC
    lines = [f"T1\tContent 0 {cut}\tZe", entity("T2", "Source", raw, "the chief"),
             entity("T3", "Cue", raw, "said"), f"T4\tContent 0 {len(raw) + 5}\tZero",
             "E1\tAttribution:T3 Content:T1 Cue:T3 Source:T2",
             "E2\tAttribution:T3 Content:T4 Cue:T3 Source:T2"]
    result = import_brat(write_corpus(tmp_path, {"zero": raw}, {"zero_x1": lines}))
    errors = [p for p in result.problems if p.code == "brat-span-unmappable"]
    assert [(p.severity, p.line) for p in errors] == [(Severity.ERROR, 1), (Severity.ERROR, 4)]
    assert "NFC" in errors[0].message and "outside the text" in errors[1].message
    assert errors[0].file.endswith("zero_x1.ann")
    assert not any(i["type"] == "labels" and i["value"]["labels"] == ["CLAIM"]
                   for i in result.tasks[0]["annotations"][0]["result"])
    assert validate(result.tasks).problems == []  # what was written is still valid


def test_incomplete_events_bad_arguments_and_unused_entities_are_reported(
        tmp_path: Path) -> None:
    raw = "Officials said the plan works. Critics disagree. Read on.\n"
    lines = [entity("T1", "Source", raw, "Officials"), entity("T2", "Cue", raw, "said"),
             entity("T3", "Content", raw, "the plan works"),
             entity("T4", "Source", raw, "Critics"), entity("T5", "Cue", raw, "disagree"),
             entity("T6", "Content", raw, "Read on"),
             entity("T7", "Attribution", raw, "disagree"),
             "E1\tAttribution:T2 Source:T1 Cue:T2 Content:T3 Cue2:T9",
             "E2\tAttribution:T7 Source:T4 Cue:T5",  # no content
             "E3\tAttribution:T7 Content:T1 Cue:T5",  # T1 is a Source, not a Content
             "this line is no BRAT"]
    result = import_brat(write_corpus(tmp_path, {"plan": raw}, {"plan_x1": lines}))
    codes = Counter(p.code for p in result.problems if p.severity is not Severity.INFO)
    assert codes == {"brat-bad-argument": 2, "brat-event-incomplete": 2,
                     "brat-entity-unused": 1, "brat-bad-line": 1}
    [unused] = [p for p in result.problems if p.code == "brat-entity-unused"]
    assert "T6" in unused.message
    assert relations(result.tasks[0]["annotations"][0]) == {("T3", "T1", "source"),
                                                           ("T3", "T2", "cue")}


def test_trigger_stands_in_for_a_missing_cue_and_duplicates_merge(tmp_path: Path) -> None:
    raw = "The board, its chair said, will meet. It will vote, the chair said.\n"
    lines = [entity("T1", "Content", raw, "The board"), entity("T2", "Source", raw, "its chair"),
             entity("T3", "Attribution", raw, "said"), entity("T4", "Content", raw, "will meet"),
             entity("T5", "Source", raw, "its chair"),  # same span as T2
             entity("T6", "Cue", raw, "said"),
             "E1\tAttribution:T3 Content:T1 Source:T2",
             "E2\tAttribution:T3 Content:T4 Source:T5 Cue:T6"]
    result = import_brat(write_corpus(tmp_path, {"board": raw}, {"board_x1": lines}))
    annotation = result.tasks[0]["annotations"][0]
    assert set(regions(annotation)) == {"T1", "T2", "T3", "T4"}  # T5 merged into T2, T6 into T3
    assert relations(annotation) == {("T1", "T2", "source"), ("T1", "T3", "cue"),
                                     ("T4", "T2", "source"), ("T4", "T3", "cue")}
    assert result.counts["triggers_as_cue"] == 1 and result.counts["regions_merged"] == 2
    assert validate(result.tasks).problems == []


def test_spans_are_trimmed_and_spilled_text_lines_read(tmp_path: Path) -> None:
    raw = "He said:\n\n the vote is on Monday \n\nand it is final.\n"
    start, end = raw.index(" the vote"), raw.index("final") + len("final")
    covered = raw[start:end]
    lines = [f"T1\tContent {start} {end}\t{covered}", entity("T2", "Source", raw, "He"),
             entity("T3", "Cue", raw, "said"), "E1\tAttribution:T3 Content:T1 Cue:T3 Source:T2"]
    result = import_brat(write_corpus(tmp_path, {"vote": raw}, {"vote_x1": lines}))
    assert [p for p in result.problems if p.severity is not Severity.INFO] == []
    claim = regions(result.tasks[0]["annotations"][0])["T1"]["value"]
    assert claim["text"] == "the vote is on Monday \n\nand it is final"
    assert result.counts["spans_trimmed"] == 1


def test_flat_layout_orphans_and_texts_without_gold(tmp_path: Path) -> None:
    raw = "The mayor said the bridge is safe.\n"
    (tmp_path / "bridge.txt").write_text(raw, encoding="utf-8")
    (tmp_path / "quiet.txt").write_text("Nothing was said here at all.\n", encoding="utf-8")
    (tmp_path / "bridge.ann").write_text("\n".join([
        entity("T1", "Source", raw, "The mayor"), entity("T2", "Cue", raw, "said"),
        entity("T3", "Content", raw, "the bridge is safe"),
        "E1\tAttribution:T2 Source:T1 Cue:T2 Content:T3"]) + "\n", encoding="utf-8")
    (tmp_path / "lost_x1.ann").write_text("", encoding="utf-8")
    result = import_brat(tmp_path)
    codes = {(p.code, Path(p.file).name) for p in result.problems if p.file}
    assert ("brat-no-text", "lost_x1.ann") in codes
    assert ("brat-no-annotations", "quiet.txt") in codes
    bridge, quiet = result.tasks
    assert bridge["annotations"][0]["completed_by"] is None
    assert quiet["annotations"] == []
    assert validate(result.tasks).problems == []


def test_a_missing_or_empty_folder_cannot_run(tmp_path: Path) -> None:
    with pytest.raises(NewsclaimsError, match="not a directory"):
        import_brat(tmp_path / "nope")
    with pytest.raises(NewsclaimsError, match=r"no \.txt files"):
        import_brat(tmp_path)


# -- writing and the command line -------------------------------------------------------


def test_write_brat_import_writes_both_files(imported, tmp_path: Path) -> None:
    paths = write_brat_import(imported, tmp_path / "out")
    lines = paths["articles"].read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == imported.articles
    assert json.loads(paths["gold"].read_text(encoding="utf-8")) == imported.tasks
    assert validate(paths["gold"]).problems == []
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.raises(NewsclaimsError, match="cannot write"):
        write_brat_import(imported, blocked)


def cli(*args: str):
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test root."""

    import_brat_cli.register(app)
    return CliRunner().invoke(app, ["import", "brat", *args])


def test_cli_writes_and_summarises(tmp_path: Path) -> None:
    result = cli(str(CORPUS), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "wrote 2 articles" in result.stdout and "3 annotations of 2 tasks" in result.stdout
    assert "0 errors" in result.stdout
    assert (tmp_path / "articles.jsonl").exists() and (tmp_path / "gold.json").exists()
    document = json.loads(cli(str(CORPUS), "-o", str(tmp_path), "--json").stdout)
    assert document["counts"]["discontinuous_spans"] == 3
    assert document["summary"]["error"] == 0


def test_cli_exit_codes_for_data_problems_and_for_no_input(tmp_path: Path) -> None:
    raw = "Ze\u0301ro, he said.\n"
    write_corpus(tmp_path / "in", {"z": raw}, {"z_x1": [
        "T1\tContent 0 2\tZe", entity("T2", "Source", raw, "he"),
        entity("T3", "Cue", raw, "said"), "E1\tAttribution:T3 Content:T1 Cue:T3 Source:T2"]})
    bad = cli(str(tmp_path / "in"), "-o", str(tmp_path / "out"))
    assert bad.exit_code == 1
    assert "error brat-span-unmappable" in bad.stderr
    missing = cli(str(tmp_path / "nope"), "-o", str(tmp_path / "out2"))
    assert missing.exit_code == 2
    assert missing.stderr.startswith("error: not a directory")
