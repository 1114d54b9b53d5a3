"""Agreement figures on hand-built exports; every expected value is worked out here by hand.

Nominal Krippendorff α in the comments uses the coincidence form
    α = 1 - (n - 1) · D / Σ_{c≠k} n_c·n_k
where n is the number of paired values, n_c how often value c occurs among them and D
the number of ordered disagreeing value pairs within units (each unit of m values
weighs its pairs by 1/(m-1); all units here have m = 2, so the weight is 1).
"""

from __future__ import annotations

import json
import random
from typing import Any

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from factories import annotation, find, region, relation, task
from factories import labels as labels_item
from newsclaims.cli import app
from newsclaims.review.agreement import agreement, agreement_summary
from newsclaims.review.alpha import AlphaTally, alpha_from_counts

TEXT = ("Smith said taxes rose. Jones said prices fell. "
        "Lee told reporters jobs grew. Kim said rates held.")
# Tokens (words and punctuation), 21 in all:
#   Smith said taxes rose .  | Jones said prices fell .  | Lee told reporters jobs grew .
#   | Kim said rates held .


def at(fragment: str, nth: int = 0) -> tuple[int, int]:
    return find(TEXT, fragment, nth)


class Builder:
    """Native Label Studio result items for one annotation."""

    def __init__(self, prefix: str) -> None:
        self.prefix, self.items, self.count = prefix, [], 0

    def span(self, fragment: str, label: str, nth: int = 0, layer: str = "attribution",
             **choices: str) -> str:
        self.count += 1
        rid = f"{self.prefix}{self.count}"
        self.items += region(rid, label, TEXT, fragment, nth=nth, control=layer, **choices)
        return rid

    def relate(self, from_id: str, to_id: str, kind: str) -> None:
        self.items.append(relation(from_id, to_id, kind))

    def triple(self, claim: str, source: str, cue: str, nth_cue: int, attribution_type: str,
               source_type: str) -> None:
        c = self.span(claim, "CLAIM", attribution_type=attribution_type)
        s = self.span(source, "SOURCE", source_type=source_type)
        u = self.span(cue, "CUE", nth_cue)
        self.relate(c, s, "source")
        self.relate(c, u, "cue")


def reading(prefix: str, types: list[str], source_types: list[str], lee_cue: str,
            people: list[str], orgs: list[str]) -> list[dict[str, Any]]:
    b = Builder(prefix)
    b.triple("taxes rose", "Smith", "said", 0, types[0], source_types[0])
    b.triple("prices fell", "Jones", "said", 1, types[1], source_types[1])
    b.triple("jobs grew", "Lee", lee_cue, 0, types[2], source_types[2])
    b.triple("rates held", "Kim", "said", 2, types[3], source_types[3])
    for name in people:
        b.span(name, "PERSON", layer="entity")
    for name in orgs:
        b.span(name, "ORG", layer="entity")
    return b.items


NP, AN = "NAMED_PERSON", "ANONYMOUS"
# Annotator 1: attribution types I I D M, every source a named person, cue "told
# reporters", all four names PERSON.
A = reading("a", ["INDIRECT", "INDIRECT", "DIRECT_QUOTE", "MIXED"], [NP, NP, NP, NP],
            "told reporters", ["Smith", "Jones", "Lee", "Kim"], [])
# Annotator 2: second claim DIRECT_QUOTE, Kim ANONYMOUS, cue only "told", Kim an ORG
# (a label annotator 1 never uses).
B = reading("b", ["INDIRECT", "DIRECT_QUOTE", "DIRECT_QUOTE", "MIXED"], [NP, NP, NP, AN],
            "told", ["Smith", "Jones", "Lee"], ["Kim"])


def ann(aid: int, user: Any, result: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return annotation(aid, result, completed_by=user,
                      updated_at=f"2026-01-0{aid % 9 + 1}T00:00:00Z", **fields)


def export(*annotations: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        task(1, TEXT, *annotations),
        # Neither of these counts: one annotation only, and none at all.
        task(2, TEXT, ann(9, 1, A)),
        task(3, TEXT, ann(10, 2, B, was_cancelled=True)),
    ]


def test_two_annotators_worked_by_hand() -> None:
    # Annotator 2 is a user object: only its id may be used.
    report = agreement(export(ann(1, 1, A), ann(2, {"id": 2, "email": "b@x.org"}, B)))
    assert report["articles"] == {"total": 3, "multi_annotated": 1, "single_annotated": 1,
                                  "unannotated": 1}
    assert (report["annotators"], report["annotator_pairs"]) == (2, 1)
    labels = report["labels"]

    # CLAIM and SOURCE: the same 4 spans each → 1.0 both ways.
    for label in ("CLAIM", "SOURCE"):
        assert labels[label]["exact"]["f1"] == 1.0
        assert labels[label]["exact"]["spans"] == 8 and labels[label]["exact"]["matched"] == 8
    # CUE: 3 of 4 identical ("told reporters" vs "told") → P = R = F1 = 3/4 exact; the
    # fourth overlaps, so overlap matching gives 1.0.
    assert labels["CUE"]["exact"]["f1"] == pytest.approx(0.75)
    assert labels["CUE"]["exact"]["precision"] == pytest.approx(0.75)
    assert labels["CUE"]["overlap"]["f1"] == 1.0
    # PERSON: annotator 1 has 4, annotator 2 has 3, all 3 of 2's among 1's →
    # P = 3/3 = 1, R = 3/4, F1 = 2·1·0.75 / 1.75 = 6/7.
    person = labels["PERSON"]["exact"]
    assert (person["precision"], person["recall"]) == (1.0, 0.75)
    assert person["f1"] == pytest.approx(6 / 7)
    # ORG: annotator 1 never uses it → 0, not undefined.
    assert labels["ORG"]["exact"]["f1"] == 0.0 and labels["ORG"]["exact"]["pairs"] == 1
    # A label nobody used has no figure.
    assert labels["LAW"]["exact"]["f1"] is None and labels["LAW"]["exact"]["pairs"] == 0
    assert labels["ORG"]["layer"] == "entity" and labels["CUE"]["layer"] == "attribution"

    attrs = report["attributes"]
    # attribution_type on the 4 matched claims: (I,I) (I,D) (D,D) (M,M).
    # n = 8; n_I = 3, n_D = 3, n_M = 2; D = 2 (the (I,D) unit's two ordered pairs).
    # Σ_{c≠k} n_c n_k = 8² - (9 + 9 + 4) = 42 → α = 1 - 7·2/42 = 2/3.
    assert attrs["attribution_type"]["alpha"] == pytest.approx(2 / 3)
    assert attrs["attribution_type"]["units"] == 4
    assert attrs["attribution_type"]["observed_agreement"] == pytest.approx(6 / 8)
    # source_type: (NP,NP)×3, (NP,AN): n = 8, n_NP = 7, n_AN = 1, D = 2,
    # Σ_{c≠k} = 2·7·1 = 14 → α = 1 - 7·2/14 = 0 although 6 of 8 pairs agree.
    assert attrs["source_type"]["alpha"] == pytest.approx(0.0, abs=1e-12)
    assert attrs["source_type"]["observed_agreement"] == pytest.approx(0.75)
    # certainty is never set: nothing to pair.
    assert attrs["certainty"]["units"] == 0 and attrs["certainty"]["alpha"] is None

    tokens = report["tokens"]
    # attribution tokens, 21 per annotator: annotator 1 has SOURCE 4, CUE 5, CLAIM 8, O 4;
    # annotator 2 the same but "reporters" is O (CUE 4, O 5). Pooled n = 42:
    # SOURCE 8, CUE 9, CLAIM 16, O 9; D = 2 → Σ_{c≠k} = 42² - (64+81+256+81) = 1282,
    # α = 1 - 41·2/1282 = 600/641.
    assert tokens["attribution"]["units"] == 21
    assert tokens["attribution"]["alpha"] == pytest.approx(600 / 641)
    # entity tokens: PERSON 4+3, ORG 0+1, O 17+17 → n = 42: PERSON 7, ORG 1, O 34; D = 2
    # ("Kim") → Σ_{c≠k} = 1764 - (49+1+1156) = 558, α = 1 - 41·2/558 = 238/279.
    assert tokens["entity"]["alpha"] == pytest.approx(238 / 279)

    # Triples: the Lee claim's cue differs, the other three match → 3 of 4 each side.
    assert report["triples"]["f1"] == pytest.approx(0.75)
    assert report["triples"]["triples"] == 8

    [pair] = report["pairs"]
    assert pair["annotators"] == ["user-1", "user-2"] and pair["articles"] == 1
    assert pair["labels"]["PERSON"]["exact"]["recall"] == 0.75
    # Whole attribution layer, exact: 12 spans each, 11 identical → 11/12.
    assert pair["layers"]["attribution"]["exact"]["f1"] == pytest.approx(11 / 12)
    assert any("1 article" in w for w in report["warnings"])
    assert "b@x.org" not in json.dumps(report)


def test_identical_annotators_agree_perfectly() -> None:
    report = agreement(export(ann(1, 1, A), ann(2, 2, A), ann(3, 3, A)))
    assert report["annotator_pairs"] == 3
    for label in ("CLAIM", "SOURCE", "CUE", "PERSON"):
        for mode in ("exact", "overlap"):
            assert report["labels"][label][mode]["f1"] == 1.0
            assert report["labels"][label][mode]["pairs"] == 3
    assert report["attributes"]["attribution_type"]["alpha"] == 1.0
    assert report["tokens"]["attribution"]["alpha"] == 1.0
    assert report["tokens"]["entity"]["alpha"] == 1.0
    assert report["triples"]["f1"] == 1.0
    # Every source NAMED_PERSON: no variation, so α is undefined, agreement is total.
    assert report["attributes"]["source_type"]["alpha"] is None
    assert report["attributes"]["source_type"]["observed_agreement"] == 1.0


def test_figures_are_means_over_annotator_pairs() -> None:
    # Annotator 3 copies annotator 1. Pairs (1,2) (1,3) (2,3).
    report = agreement(export(ann(1, 1, A), ann(2, 2, B), ann(3, 3, A)))
    labels = report["labels"]
    # CUE exact F1: 3/4, 1, 3/4 → mean 5/6.
    assert labels["CUE"]["exact"]["f1"] == pytest.approx(5 / 6)
    # PERSON: 6/7, 1, 6/7 → (12/7 + 1)/3 = 19/21.
    assert labels["PERSON"]["exact"]["f1"] == pytest.approx(19 / 21)
    # ORG: pair (1,3) never uses it (undefined, left out); the other two score 0.
    assert labels["ORG"]["exact"]["f1"] == 0.0 and labels["ORG"]["exact"]["pairs"] == 2
    # Triples: 3/4, 1, 3/4 → 5/6.
    assert report["triples"]["f1"] == pytest.approx(5 / 6)


def test_a_later_annotation_by_the_same_annotator_replaces_the_earlier() -> None:
    report = agreement(export(ann(1, 1, B), ann(2, 2, A), ann(3, 1, A)))
    assert report["annotator_pairs"] == 1
    assert report["labels"]["CUE"]["exact"]["f1"] == 1.0  # annotation 3 (later) counts
    assert any("left out" in w for w in report["warnings"])


def test_a_reviewers_decision_on_an_adjudication_prediction_is_not_an_annotator() -> None:
    tasks = export(ann(1, 1, A), ann(2, 2, B), ann(3, 3, A, parent_prediction=55))
    tasks[0]["predictions"] = [{"id": 55, "model_version": "adjudication-0123456789ab",
                                "result": A}]
    report = agreement(tasks)
    assert report["adjudications_left_out"] == 1
    assert (report["annotators"], report["annotator_pairs"]) == (2, 1)
    assert report["labels"]["CUE"]["exact"]["f1"] == pytest.approx(0.75)  # as with 1 and 2


def test_summary_for_the_dataset_card() -> None:
    summary = agreement_summary(export(ann(1, 1, A), ann(2, 2, B)))
    assert summary["articles"] == 1 and summary["annotators"] == 2
    assert summary["span_f1"]["CUE"] == {"exact": pytest.approx(0.75), "overlap": 1.0,
                                         "pairs": 1, "spans": 8}
    # Labels nobody used are not listed; ORG (used by one annotator) is, at 0.
    assert set(summary["span_f1"]) == {"CLAIM", "SOURCE", "CUE", "PERSON", "ORG"}
    assert summary["span_f1"]["ORG"]["exact"] == 0.0
    assert summary["attribute_alpha"]["attribution_type"] == pytest.approx(2 / 3)
    assert summary["token_alpha"]["entity"] == pytest.approx(238 / 279)
    assert summary["triple_f1"] == pytest.approx(0.75)
    assert "user-1" not in json.dumps(summary)


def nominal_alpha(units: list[list[Any]]) -> float:
    """Independent nominal α from the coincidence matrix (Krippendorff 2011, §C)."""
    pairable = [[v for v in u if v is not None] for u in units]
    pairable = [u for u in pairable if len(u) >= 2]
    values = sorted({v for u in pairable for v in u}, key=str)
    coincidence = {(c, k): 0.0 for c in values for k in values}
    for unit in pairable:
        for i, c in enumerate(unit):
            for j, k in enumerate(unit):
                if i != j:
                    coincidence[(c, k)] += 1 / (len(unit) - 1)
    n_c = {c: sum(coincidence[(c, k)] for k in values) for c in values}
    n = sum(n_c.values())
    observed = sum(coincidence[(c, k)] for c in values for k in values if c != k)
    expected = sum(n_c[c] * n_c[k] for c in values for k in values if c != k)
    return 1 - (n - 1) * observed / expected


def counts_of(units: list[list[Any]]) -> np.ndarray:
    domain = sorted({v for u in units for v in u if v is not None}, key=str)
    return np.array([[sum(v == d for v in u) for d in domain] for u in units], dtype=float)


def test_alpha_matches_the_formula_and_the_package_on_a_known_case() -> None:
    # Krippendorff's own 4-coder example (nominal α = 0.743): coders × units.
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    units = [list(u) for u in zip(*data, strict=True)]
    by_formula = nominal_alpha(units)
    assert by_formula == pytest.approx(0.743, abs=5e-4)
    assert alpha_from_counts(counts_of(units))["alpha"] == pytest.approx(by_formula)
    assert alpha_from_counts(counts_of(units))["units"] == 11  # the last unit has one value


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=3, max_size=3),
                min_size=2, max_size=25))
def test_alpha_from_counts_equals_the_package_on_reliability_data(units: list[list[Any]]) -> None:
    pairable = [u for u in units if sum(v is not None for v in u) >= 2]
    distinct = {v for u in pairable for v in u if v is not None}
    figure = alpha_from_counts(counts_of(units)) if distinct else alpha_from_counts(
        np.zeros((len(units), 1)))
    if len(distinct) < 2:
        assert figure["alpha"] is None
        return
    reliability = np.array([[np.nan if v is None else v for v in u] for u in units]).T
    expected = krippendorff.alpha(reliability_data=reliability, level_of_measurement="nominal")
    assert figure["alpha"] == pytest.approx(expected)
    assert figure["alpha"] == pytest.approx(nominal_alpha(units))


def test_token_alpha_on_random_annotations_matches_the_formula() -> None:
    rng = random.Random(7)
    words = [m for m in TEXT.split(" ")]
    bounds, start = [], 0
    for word in words:
        bounds.append((start, start + len(word.rstrip("."))))
        start += len(word) + 1
    results, choices_per_coder = [], []
    for coder in range(3):
        labels = [rng.choice([None, "PERSON", "ORG", "DATE"]) for _ in bounds]
        choices_per_coder.append(labels)
        results.append([
            labels_item(f"r{coder}-{i}", label, TEXT, s, e, control="entity")
            for i, ((s, e), label) in enumerate(zip(bounds, labels, strict=True)) if label
        ])
    tasks = [task(1, TEXT, *(ann(i + 1, i + 1, r) for i, r in enumerate(results)))]
    # Word tokens get the coder's label; the four sentence-final "." tokens are O.
    units = [[labels[i] or "O" for labels in choices_per_coder] for i in range(len(bounds))]
    units += [["O", "O", "O"]] * TEXT.count(".")
    report = agreement(tasks)
    assert report["tokens"]["entity"]["units"] == len(bounds) + TEXT.count(".")
    assert report["tokens"]["entity"]["alpha"] == pytest.approx(nominal_alpha(units))


def test_cli_json_keys_labels_by_name(tmp_path: Any) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export(ann(1, 1, A), ann(2, 2, B))), encoding="utf-8")
    out = CliRunner().invoke(app, ["agreement", str(path), "--json"])
    assert out.exit_code == 0, out.output
    document = json.loads(out.stdout)
    assert document["labels"]["PERSON"]["exact"]["f1"] == pytest.approx(6 / 7)
    text = CliRunner().invoke(app, ["agreement", str(path)])
    assert text.exit_code == 0
    assert "CUE" in text.stdout and "0.75" in text.stdout
    broken = tmp_path / "broken.json"
    broken.write_text('[{"id": 1', encoding="utf-8")
    bad = CliRunner().invoke(app, ["agreement", str(broken)])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_the_hand_built_readings_differ_only_where_planned() -> None:
    # Sanity of the hand data: the two readings differ in exactly the planned places.
    a_spans = {(i["value"]["labels"][0], i["value"]["start"]) for i in A if i["type"] == "labels"}
    b_spans = {(i["value"]["labels"][0], i["value"]["start"]) for i in B if i["type"] == "labels"}
    assert a_spans ^ b_spans == {("PERSON", at("Kim")[0]), ("ORG", at("Kim")[0])}


@pytest.mark.parametrize("shape", [(0, 0), (3, 0), (0, 4)])
def test_alpha_of_no_pairable_units_is_undefined_not_an_error(shape: tuple[int, int]) -> None:
    figure = alpha_from_counts(np.zeros(shape))
    assert figure == {"alpha": None, "units": 0, "values": 0, "observed_agreement": None}


# Characters where the class-based tokens could part from the regular expression:
# underscores, digits, joiners of the release's tokens, marks that are not \w,
# Unicode spaces and digits, astral characters.
_TRICKY = "aZ9_'’.-,;!?…\"“”()é\u0301ß漢字١٢\u00a0\u2003\u3000\n\t🦆𝔘Ⅻ½²\u200b\ufeff "


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=60) | st.text(max_size=60))
def test_token_offsets_are_the_regular_expressions_tokens(text: str) -> None:
    from newsclaims.review.agreement_tokens import TOKEN, token_offsets

    starts, ends = token_offsets(text)
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == [
        m.span() for m in TOKEN.finditer(text)]


def _counts(columns: list[np.ndarray], values: int) -> np.ndarray:
    """Units × values counts of value indices side by side (one column per annotator)."""
    block = np.zeros((len(columns[0]), values))
    for column in columns:
        block[np.arange(len(columns[0])), column] += 1
    return block


_VALUES = 4
_columns = st.integers(0, 12).flatmap(lambda n: st.lists(
    st.lists(st.integers(0, _VALUES - 1), min_size=n, max_size=n).map(
        lambda v: np.array(v, dtype=np.uint8)), min_size=2, max_size=4))


@settings(max_examples=300, deadline=None)
@given(st.lists(_columns, max_size=10))
def test_value_pairs_add_the_same_floats_as_their_counts(articles: list[list[np.ndarray]]) -> None:
    # Two-annotator units go in as value pairs (held, then added at once); units of three
    # or four annotators in between (coincidences in halves and thirds) must not change
    # a single bit.
    by_counts, by_pairs = AlphaTally(_VALUES), AlphaTally(_VALUES)
    for columns in articles:
        by_counts.add(_counts(columns, _VALUES))
        if len(columns) == 2:
            by_pairs.add_pairs(*columns)
        else:
            by_pairs.add(_counts(columns, _VALUES))
    assert by_pairs.figure() == by_counts.figure()
    assert by_pairs.coincidences.tobytes() == by_counts.coincidences.tobytes()
