"""Gold policy on hand-built native Label Studio tasks: ground truth, single, majority merge."""

from __future__ import annotations

from typing import Any

import pytest

from factories import annotation, find, region, relation
from factories import task as make_task
from newsclaims.review.gold import choose_gold

TEXT = "Officials said the bridge will cost $5 billion, Reuters reported."
#       0         1         2         3         4         5         6
#       0123456789012345678901234567890123456789012345678901234567890123456


def at(fragment: str) -> tuple[int, int]:
    return find(TEXT, fragment)


def task(*annotations: dict[str, Any]) -> dict[str, Any]:
    return make_task(7, TEXT, *annotations)


CLAIM = "the bridge will cost $5 billion"


def full(aid: int, rid: str, attribution_type: str = "INDIRECT", **fields: Any) -> dict[str, Any]:
    """A complete reading: claim, source, cue, the two relations, one entity."""
    return annotation(
        aid,
        region(f"{rid}c", "CLAIM", TEXT, CLAIM, attribution_type=attribution_type,
               certainty="ASSERTED"),
        region(f"{rid}s", "SOURCE", TEXT, "Officials", source_type="ANONYMOUS"),
        region(f"{rid}u", "CUE", TEXT, "said"),
        region(f"{rid}m", "MONEY", TEXT, "$5 billion", control="entity"),
        relation(f"{rid}c", f"{rid}s", "source"),
        relation(f"{rid}c", f"{rid}u", "cue"),
        **fields,
    )


def spans_of(result: list[dict[str, Any]]) -> set[tuple[str, int, int]]:
    return {(i["value"]["labels"][0], i["value"]["start"], i["value"]["end"])
            for i in result if i["type"] == "labels"}


def choices_of(result: list[dict[str, Any]]) -> dict[tuple[str, int, int], dict[str, str]]:
    label_of = {i["id"]: (i["value"]["labels"][0], i["value"]["start"], i["value"]["end"])
                for i in result if i["type"] == "labels"}
    out: dict[tuple[str, int, int], dict[str, str]] = {}
    for item in result:
        if item["type"] == "choices":
            key = label_of[item["id"]]
            out.setdefault(key, {})[item["from_name"]] = item["value"]["choices"][0]
    return out


def relations_of(result: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    label_of = {i["id"]: i["value"]["labels"][0] for i in result if i["type"] == "labels"}
    return {(r["labels"][0], label_of[r["from_id"]], label_of[r["to_id"]])
            for r in result if r["type"] == "relation"}


def test_no_completed_annotation_gives_policy_none() -> None:
    cancelled = full(1, "a", was_cancelled=True)
    choice = choose_gold(task(cancelled))
    assert (choice.policy, choice.result, choice.annotation_ids) == ("none", [], [])
    assert not choice.needs_adjudication


def test_ground_truth_wins_over_majority() -> None:
    reviewer = annotation(3, region("r", "SOURCE", TEXT, "Reuters",
                                    source_type="NAMED_ORGANIZATION"),
                          ground_truth=True)
    choice = choose_gold(task(full(1, "a"), full(2, "b"), reviewer))
    assert choice.policy == "ground_truth"
    assert choice.annotation_ids == [3]
    assert spans_of(choice.result) == {("SOURCE", *at("Reuters"))}
    assert not choice.needs_adjudication


def test_single_annotation_is_taken_as_is_and_cancelled_ones_are_ignored() -> None:
    choice = choose_gold(task(full(1, "a"), full(2, "b", was_cancelled=True)))
    assert choice.policy == "single"
    assert choice.annotation_ids == [1]
    assert choice.result == full(1, "a")["result"]


def test_identical_annotators_merge_without_disagreement() -> None:
    choice = choose_gold(task(full(1, "a"), full(2, "b"), full(3, "c")))
    assert choice.policy == "majority"
    assert choice.annotation_ids == [1, 2, 3]
    assert not choice.needs_adjudication and choice.disagreements == []
    assert spans_of(choice.result) == {
        ("CLAIM", *at(CLAIM)), ("SOURCE", *at("Officials")), ("CUE", *at("said")),
        ("MONEY", *at("$5 billion")),
    }
    assert relations_of(choice.result) == {("source", "CLAIM", "SOURCE"), ("cue", "CLAIM", "CUE")}
    assert choices_of(choice.result)[("CLAIM", *at(CLAIM))] == {
        "attribution_type": "INDIRECT", "certainty": "ASSERTED"}


def test_two_of_three_keep_a_span_and_the_minority_one_is_listed() -> None:
    # Annotator 3 also marks "Reuters" as a SOURCE: 1 of 3 → left out, but listed.
    extra = full(3, "c")
    extra["result"] += region("cr", "SOURCE", TEXT, "Reuters", source_type="NAMED_ORGANIZATION")
    choice = choose_gold(task(full(1, "a"), full(2, "b"), extra))
    assert ("SOURCE", *at("Reuters")) not in spans_of(choice.result)
    assert choice.needs_adjudication
    [line] = choice.disagreements
    start, end = at("Reuters")
    assert f"SOURCE [{start}:{end}] \"Reuters\"" in line and "1 of 3" in line and "#3" in line


def test_attributes_by_majority_and_ties_left_unset() -> None:
    # Three annotators agree on the claim; attribution_type 2×INDIRECT vs 1×DIRECT_QUOTE.
    choice = choose_gold(task(full(1, "a"), full(2, "b"), full(3, "c", "DIRECT_QUOTE")))
    claim = ("CLAIM", *at(CLAIM))
    assert choices_of(choice.result)[claim]["attribution_type"] == "INDIRECT"
    assert any("attribution_type" in d and "INDIRECT by majority" in d
               for d in choice.disagreements)
    # Two annotators, one each: a tie, so the value is left for the reviewer.
    tied = choose_gold(task(full(1, "a"), full(2, "b", "DIRECT_QUOTE")))
    assert "attribution_type" not in choices_of(tied.result)[claim]
    assert choices_of(tied.result)[claim]["certainty"] == "ASSERTED"
    assert tied.needs_adjudication
    assert any("tie" in d and "attribution_type" in d for d in tied.disagreements)


def test_two_annotators_disagreeing_on_a_span_is_a_tie() -> None:
    # Annotator 2 marks the claim one word shorter: neither boundary has a majority.
    short = "the bridge will cost"
    other = annotation(2, region("bc", "CLAIM", TEXT, short, attribution_type="INDIRECT"),
                       region("bs", "SOURCE", TEXT, "Officials", source_type="ANONYMOUS"),
                       relation("bc", "bs", "source"))
    choice = choose_gold(task(full(1, "a"), other))
    assert spans_of(choice.result) == {("SOURCE", *at("Officials"))}
    assert relations_of(choice.result) == set()
    assert choice.needs_adjudication
    text = "\n".join(choice.disagreements)
    assert f'"{CLAIM}"' in text and f'"{short}"' in text and "tie" in text
    # The source relations differ (different claim span): both listed as ties.
    assert sum("source relation" in d for d in choice.disagreements) == 2


def test_relations_match_by_endpoint_spans_not_region_ids() -> None:
    # Region ids differ in every annotation; the relation still counts as the same one.
    choice = choose_gold(task(full(1, "x1"), full(2, "y2")))
    assert relations_of(choice.result) == {("source", "CLAIM", "SOURCE"), ("cue", "CLAIM", "CUE")}
    assert choice.disagreements == []


def test_a_relation_without_majority_is_dropped_even_when_its_spans_are_kept() -> None:
    no_cue_link = full(2, "b")
    no_cue_link["result"] = [i for i in no_cue_link["result"]
                             if not (i["type"] == "relation" and i["labels"] == ["cue"])]
    choice = choose_gold(task(full(1, "a"), no_cue_link))
    assert relations_of(choice.result) == {("source", "CLAIM", "SOURCE")}
    [line] = choice.disagreements
    assert line.startswith("cue relation") and "1 of 2" in line


def test_merged_ids_are_deterministic_and_consistent() -> None:
    first = choose_gold(task(full(1, "a"), full(2, "b")))
    again = choose_gold(task(full(2, "q"), full(1, "z")))
    assert first.result == again.result
    ids = {i["id"] for i in first.result if i["type"] == "labels"}
    assert len(ids) == 4
    for item in first.result:
        if item["type"] == "choices":
            assert item["id"] in ids
        if item["type"] == "relation":
            assert {item["from_id"], item["to_id"]} <= ids


def test_merged_result_parses_cleanly_as_a_prediction_would() -> None:
    from newsclaims.export.result_rows import parse_result

    choice = choose_gold(task(full(1, "a"), full(2, "b", "DIRECT_QUOTE"), full(3, "c")))
    parsed = parse_result(choice.result, TEXT)
    assert parsed.problems == []
    (claim,) = [s for s in parsed.spans if s["label"] == "CLAIM"]
    assert (claim["text"], claim["attribution_type"], claim["certainty"]) == (
        CLAIM, "INDIRECT", "ASSERTED")
    assert {(r["type"], r["from_label"], r["to_label"]) for r in parsed.relations} == {
        ("source", "CLAIM", "SOURCE"), ("cue", "CLAIM", "CUE")}


def test_the_rows_built_with_a_merge_are_what_parsing_it_gives(monkeypatch: Any) -> None:
    from dataclasses import replace

    from newsclaims.core.scheme import load_scheme
    from newsclaims.export.result_rows import parse_result
    from newsclaims.review import gold

    def rows(parsed: Any) -> Any:
        return ([list(s.items()) for s in parsed.spans],
                [list(r.items()) for r in parsed.relations], parsed.problems)

    trimmed = full(3, "c")
    trimmed["result"] += region("cr", "SOURCE", TEXT, " Reuters ", source_type="ANONYMOUS")
    merges = [task(full(1, "a"), full(2, "b", "DIRECT_QUOTE"), full(3, "c")),
              task(full(1, "a"), full(2, "b")), task(full(1, "a"), trimmed, trimmed)]
    scheme = load_scheme()
    loose = replace(scheme, choices={**scheme.choices, "certainty": replace(
        scheme.choices["certainty"], per_region=False)})
    for merged in merges:
        for each in (scheme, loose):
            choice = choose_gold(merged, each)
            assert choice.parsed is not None
            assert rows(choice.parsed) == rows(parse_result(choice.result, TEXT, scheme=each))
    # Colliding region ids join regions when parsed: no rows are built then.
    monkeypatch.setattr(gold, "_region_id", lambda key: "g0")
    assert choose_gold(merges[1]).parsed is None


def test_only_articles_with_disagreements_are_sent_for_adjudication() -> None:
    from newsclaims.review.adjudicate import MODEL_VERSION_PREFIX, needing_adjudication

    agreed = task(full(1, "a"), full(2, "b"))
    disputed = {**task(full(1, "a"), full(2, "b", "DIRECT_QUOTE")), "id": 8}
    single = {**task(full(1, "a")), "id": 9}
    pending = needing_adjudication([agreed, disputed, single])
    assert [p.export_task_id for p in pending] == [8]
    (item,) = pending
    assert item.model_version.startswith(MODEL_VERSION_PREFIX)
    # Same merge → same version (what makes a rerun send nothing); another merge differs.
    again = needing_adjudication([{**task(full(2, "y"), full(1, "x", "DIRECT_QUOTE")), "id": 8}])
    assert again[0].model_version == item.model_version
    other = needing_adjudication([{**task(full(1, "a"), full(2, "b", "MIXED")), "id": 8}])
    assert other[0].model_version == item.model_version  # the tie leaves the value unset either way
    shorter = annotation(2, region("q", "SOURCE", TEXT, "Officials", source_type="ANONYMOUS"))
    changed = needing_adjudication([{**task(full(1, "a"), shorter), "id": 8}])
    assert changed[0].model_version != item.model_version


@pytest.mark.parametrize("values", [
    ["INDIRECT"], ["INDIRECT", "INDIRECT", "INDIRECT"], [None, None], ["INDIRECT", None],
    [None, "INDIRECT", "INDIRECT"], ["INDIRECT", "DIRECT_QUOTE"],
    ["MIXED", "DIRECT_QUOTE", "DIRECT_QUOTE", "MIXED"], ["MIXED", "MIXED", "DIRECT_QUOTE"],
])
def test_a_choice_is_chosen_as_the_vote_decides(values: list[Any]) -> None:
    # `_chosen` skips counting a unanimous vote; it must still decide as `_vote` does.
    from collections import Counter

    from newsclaims.review.gold import _chosen, _vote

    key = ("attribution", "CLAIM", 0, 4)
    notes: list[str] = []
    chosen = _chosen(key, "attribution_type", values, "Some text", notes)
    expected, note = _vote(Counter(values))
    assert chosen == expected
    assert len(notes) == bool(note) and all(note in n for n in notes)
