"""The screen in front of the validation rules (core/result_screen.py) may only say
yes to a result list the full rules (`rule_problems`) find nothing in; it must say
yes to the clean lists it exists for, or it saves nothing.

Lists to try: every annotation and prediction of the validation fixtures (each holds
one kind of problem) and of the seed gold export, then the same lists broken at
random by hypothesis: a value anywhere replaced by a value of another type, another
label or choice, a neighbouring offset, text with spaces; a key deleted; an item
repeated or dropped."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclaims.core.result_rules import _count_result, check_result, rule_problems
from newsclaims.core.result_screen import screen_for
from newsclaims.core.scheme import load_scheme

ROOT = Path(__file__).resolve().parents[1]
SCHEME = load_scheme()
SCREEN = screen_for(SCHEME)


def _results() -> list[tuple[str, Any, str]]:
    """(where, result, text) of every annotation and prediction in the fixtures."""
    files = sorted((ROOT / "tests/fixtures/exports").glob("*.json"))
    files += sorted((ROOT / "dataset/annotations").glob("*Z.json"))
    found = []
    for path in files:
        try:
            tasks = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            continue  # the truncated-file fixture
        for task in tasks if isinstance(tasks, list) else ():
            data = task.get("data") if isinstance(task, dict) else None
            text = data.get("text") if isinstance(data, dict) else None
            if not isinstance(text, str):
                continue
            for key in ("annotations", "predictions"):
                for item in task.get(key) or ():
                    if isinstance(item, dict) and "result" in item:
                        found.append((f"{path.name} task {task.get('id')} {key[:-1]} "
                                      f"{item.get('id')}", item["result"], text))
    return found


RESULTS = _results()
CLEAN = [(where, result, text) for where, result, text in RESULTS
         if not rule_problems(result, text, scheme=SCHEME)]


def test_the_fixtures_hold_clean_and_broken_lists() -> None:
    assert len(CLEAN) >= 10
    assert len(RESULTS) - len(CLEAN) >= 25  # one or more per problem fixture


@pytest.mark.parametrize(("where", "result", "text"), RESULTS, ids=[r[0] for r in RESULTS])
def test_the_screen_accepts_exactly_what_the_rules_find_nothing_in(where: str, result: Any,
                                                                     text: str) -> None:
    """On these lists (region ids unique, one label each) it is exact both ways."""
    clean = not rule_problems(result, text, scheme=SCHEME)
    assert SCREEN.accepts(result, text) is clean, where
    assert check_result(result, text, scheme=SCHEME) == rule_problems(result, text,
                                                                       scheme=SCHEME)
    _assert_counted_alike(result, text)


def _assert_counted_alike(result: Any, text: str) -> None:
    """check_result counts what it accepts as the full count does (distinct region
    ids, relation items) and adds nothing else."""
    counted = dict.fromkeys(("regions", "relations", "tasks"), 0)
    _count_result(result, counted)
    screened = dict.fromkeys(("regions", "relations", "tasks"), 0)
    check_result(result, text, scheme=SCHEME, counts=screened)
    assert screened == counted


def test_only_labels_items_count_as_regions() -> None:
    """An item whose type is not a string (a number, a list) is no region: the count
    compares types with ==, not with str.__eq__ (whose NotImplemented is truthy)."""
    result = [{"type": "labels", "id": "a"}, {"type": 7, "id": "b"},
              {"type": ["labels"], "id": "c"}, {"type": "relation", "id": "d"}]
    counted = dict.fromkeys(("regions", "relations", "tasks"), 0)
    _count_result(result, counted)
    assert counted == {"regions": 1, "relations": 1, "tasks": 0}


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value (list index or dict key)."""
    places = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            places += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            places += _paths(inner, (*prefix, index))
    return places


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


_LABELS = [label for labels in SCHEME.labels.values() for label in labels]
_CHOICES = [v for c in SCHEME.choices.values() for v in c.values]
_NAMES = [*SCHEME.labels, *SCHEME.choices, *SCHEME.relations, SCHEME.text_name]
REPLACEMENTS = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 1, 2, 10**6, 1.0, "", " ", "x", "left",
                     "right", "labels", "choices", "relation", [], {}, [None], ["x", "y"]]),
    st.sampled_from(_LABELS + _CHOICES + _NAMES),
    st.sampled_from(_LABELS).map(lambda label: [label]),
    st.sampled_from(_CHOICES).map(lambda value: [value]),
    st.integers(-3, 3000),
    st.text(alphabet=" \n\u00a0ab“”'\"", max_size=6),
)


@st.composite
def broken_lists(draw: st.DrawFn) -> tuple[Any, str]:
    _, result, text = draw(st.sampled_from(RESULTS))
    result = copy.deepcopy(result)
    for _ in range(draw(st.integers(1, 3))):
        places = [p for p in _paths(result) if p]
        if not places:
            break
        path = draw(st.sampled_from(places))
        parent, last = _at(result, path[:-1]), path[-1]
        how = draw(st.sampled_from(["replace", "shift", "delete", "repeat"]))
        if how == "shift" and type(parent[last]) is int:
            parent[last] += draw(st.sampled_from([-2, -1, 1, 2]))
        elif how == "delete":
            del parent[last]
        elif how == "repeat" and isinstance(parent, list):
            parent.insert(last, copy.deepcopy(parent[last]))
        else:
            # A copy: the strategy's own lists and dicts must not be changed by a
            # later mutation inside them (hypothesis replays its draws).
            parent[last] = copy.deepcopy(draw(REPLACEMENTS))
    return result, text


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_lists())
def test_the_screen_never_accepts_a_list_the_rules_report_on(case: tuple[Any, str]) -> None:
    result, text = case
    if SCREEN.accepts(result, text):
        assert rule_problems(result, text, scheme=SCHEME) == []
    assert check_result(result, text, scheme=SCHEME) == rule_problems(result, text,
                                                                       scheme=SCHEME)
    _assert_counted_alike(result, text)


def _clean_fixture() -> tuple[list[dict[str, Any]], str]:
    task = json.loads((ROOT / "tests/fixtures/exports/clean.json").read_text(encoding="utf-8"))[0]
    return task["annotations"][0]["result"], task["data"]["text"]


def _item(result: list[dict[str, Any]], kind: str, region_id: str,
          control: str | None = None) -> dict[str, Any]:
    return next(i for i in result if i["type"] == kind and i.get("id", i.get("from_id"))
                == region_id and (control is None or i.get("from_name") == control))


def _id_twice(r: list[dict[str, Any]]) -> None:
    _item(r, "labels", "s2")["id"] = "s1"


def _span_twice(r: list[dict[str, Any]]) -> None:
    r.append({**copy.deepcopy(_item(r, "labels", "e1")), "id": "e9"})


def _one_id_two_controls(r: list[dict[str, Any]]) -> None:
    """Label Studio's way of giving one region labels of two controls."""
    r.append({**copy.deepcopy(_item(r, "labels", "e1")), "from_name": "attribution",
              "value": {**_item(r, "labels", "e1")["value"], "labels": ["CUE"]}})


def _type_missing_here_twice_there(r: list[dict[str, Any]]) -> None:
    r.remove(_item(r, "choices", "s3", "source_type"))
    r.append(copy.deepcopy(_item(r, "choices", "s1", "source_type")))


def _attribution_replaced(r: list[dict[str, Any]]) -> None:
    later = copy.deepcopy(_item(r, "choices", "c1", "attribution_type"))
    later["value"]["choices"] = ["INDIRECT"]
    r.append(later)


def _quote_replaced_by_one_without_marks(r: list[dict[str, Any]]) -> None:
    _attribution_replaced(r)
    _item(r, "choices", "c2", "attribution_type")["value"]["choices"] = ["DIRECT_QUOTE"]


def _without_text(r: list[dict[str, Any]]) -> None:
    del _item(r, "labels", "e2")["value"]["text"]


def _null_text(r: list[dict[str, Any]]) -> None:
    _item(r, "labels", "e2")["value"]["text"] = None


def _trailing_space(r: list[dict[str, Any]]) -> None:
    value = _item(r, "labels", "e2")["value"]
    value["end"] += 1
    value["text"] += " "


def _bool_start(r: list[dict[str, Any]]) -> None:
    _item(r, "labels", "s1")["value"]["start"] = False


def _float_end(r: list[dict[str, Any]]) -> None:
    _item(r, "labels", "s1")["value"]["end"] = 9.0


def _two_types(r: list[dict[str, Any]]) -> None:
    _item(r, "relation", "c1")["labels"] = ["source", "source"]


def _arrow_flipped(r: list[dict[str, Any]]) -> None:
    relation = _item(r, "relation", "c1")
    relation.update(from_id=relation["to_id"], to_id="c1", direction="left")


def _unattributed_with_source(r: list[dict[str, Any]]) -> None:
    _item(r, "choices", "c2", "attribution_type")["value"]["choices"] = ["UNATTRIBUTED"]


def _attributed_without_link(r: list[dict[str, Any]]) -> None:
    r[:] = [i for i in r if not (i["type"] == "relation" and i["from_id"] == "c3")]


# Each edit of the clean list meets one shortcut of the screen (counting ids and spans
# once, choices per control with the last one kept, one type per relation, value.text
# optional, whitespace by strip): (edit, does the screen accept it).
EDITS = [(_id_twice, False), (_span_twice, False), (_one_id_two_controls, False),
         (_type_missing_here_twice_there, False), (_attribution_replaced, True),
         (_quote_replaced_by_one_without_marks, False), (_without_text, True),
         (_null_text, False), (_trailing_space, False), (_bool_start, False),
         (_float_end, False), (_two_types, False), (_arrow_flipped, True),
         (_unattributed_with_source, False), (_attributed_without_link, False)]


@pytest.mark.parametrize(("edit", "accepted"), EDITS, ids=[e.__name__ for e, _ in EDITS])
def test_each_shortcut_of_the_screen_on_the_list_it_is_about(edit: Any, accepted: bool) -> None:
    result, text = _clean_fixture()
    assert SCREEN.accepts(result, text)
    edit(result)
    assert SCREEN.accepts(result, text) is accepted
    problems = rule_problems(result, text, scheme=SCHEME)
    assert (problems == []) is (accepted or edit in (_one_id_two_controls, _two_types))
    assert check_result(result, text, scheme=SCHEME) == problems
    _assert_counted_alike(result, text)
