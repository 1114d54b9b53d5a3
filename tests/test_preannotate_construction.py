"""The pre-annotator skips `check_result` on a result it knows to be valid by the way
it was built (`_ResultBuilder.known_valid`). These tests hold that knowledge equal to
`check_result` itself: on any sequence of regions, choices and relations the builder
can be asked to make, valid offsets or not, choices on the wrong label, relations
between the wrong labels, claims without links, `known_valid()` is True exactly when
`check_result` finds no error. So skipping the check never lets an invalid region
through, and an invalid one still goes through the check and is dropped with its
warning (test_preannotate_robust.py)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclaims.core import result_rules
from newsclaims.core.errors import Severity
from newsclaims.core.result_rules import check_result
from newsclaims.preannotate.attribution import Attribution, Region
from newsclaims.preannotate.predictions import _ResultBuilder, preannotate
from newsclaims.preannotate.rules import RULES_DIR, Rules, load_rules

VERSIONS = sorted(p.name for p in RULES_DIR.iterdir() if p.is_dir())
ROOT = Path(__file__).resolve().parents[1]
_RULES = load_rules()


def _with_bad_choices(rules: Rules) -> Rules:
    """The same rules, with a choice value and a choice control the scheme lacks (the
    rule files cannot hold them: loading checks the names)."""
    bad = Rules(rules.model_version, rules.raw, rules.scheme)
    choice = {control: dict(values) for control, values in rules.choice.items()}
    choice["attribution_type"]["bogus"] = "NOT_A_CHOICE"
    choice["no_such_control"] = {"x": "X"}
    bad.__dict__["choice"] = choice  # a cached_property: the instance dict wins
    return bad


_BAD_RULES = _with_bad_choices(_RULES)
_TEXT = st.text(alphabet="ab \n\t“”'🚀", max_size=24)
_ENTITY_LABELS = sorted(set(_RULES.scheme.all_labels) - set(_RULES.label.values()))
# The choices a rule gives each role; any other set of choices is usually an error.
_PROPER = {
    "claim": st.fixed_dictionaries(
        {"attribution_type": st.sampled_from(sorted(_RULES.choice["attribution_type"]))},
        optional={"certainty": st.sampled_from(sorted(_RULES.choice["certainty"]))},
    ),
    "source": st.fixed_dictionaries(
        {"source_type": st.sampled_from(sorted(_RULES.choice["source_type"]))}
    ),
    "cue": st.just({}),
}


def _offsets(n: int) -> st.SearchStrategy[tuple[int, int]]:
    """Mostly a span inside the text (perhaps only whitespace), sometimes anything."""
    inside = st.integers(0, max(n - 1, 0)).flatmap(
        lambda start: st.tuples(st.just(start), st.integers(start + 1, max(n, start + 1)))
    )
    anything = st.tuples(st.integers(-2, n + 2), st.integers(-2, n + 2))
    return st.sampled_from([inside] * 4 + [anything]).flatmap(lambda s: s)


def _region(n: int, rules: Rules, role: str) -> st.SearchStrategy[Region]:
    """A region of `role` with its proper choices; sometimes another role, or any
    choices (the rules' own or the bad ones `_BAD_RULES` adds)."""
    pairs = [(control, key) for control, values in rules.choice.items() for key in values]
    any_choices = st.lists(st.sampled_from(pairs), max_size=3).map(dict)
    roles = st.sampled_from(sorted(_RULES.label))
    picked = st.sampled_from([st.just(role)] * 5 + [roles]).flatmap(lambda s: s)
    return st.tuples(_offsets(n), picked).flatmap(lambda spec: st.builds(
        Region, st.just(spec[0][0]), st.just(spec[0][1]), st.just(spec[1]),
        st.sampled_from([_PROPER[spec[1]]] * 5 + [any_choices]).flatmap(lambda s: s),
    ))


@st.composite
def _built(draw: st.DrawFn) -> tuple[_ResultBuilder, str]:
    rules = draw(st.sampled_from([_RULES, _RULES, _BAD_RULES]))
    text = draw(_TEXT)
    n = len(text)
    builder = _ResultBuilder(text, rules)
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["entity", "region", "unattributed", "attribution"]))
        if kind in ("entity", "region"):
            start, end = draw(_offsets(n))
            labels = _ENTITY_LABELS if kind == "entity" else sorted(_RULES.scheme.all_labels)
            builder.region(draw(st.sampled_from(labels)), start, end, 0.5, "entities")
        elif kind == "unattributed":
            builder.attribution_region(draw(_region(n, rules, "claim")), "unattributed")
        else:
            builder.attribution(Attribution(
                draw(_region(n, rules, "claim")), draw(st.none() | _region(n, rules, "source")),
                draw(_region(n, rules, "cue")),
                tuple(draw(st.lists(_region(n, rules, "cue"), max_size=2))), rule="verb",
            ))
    return builder, text


def _errors(builder: _ResultBuilder, text: str) -> list[str]:
    return [str(p) for p in check_result(builder.items, text, scheme=builder.scheme)
            if p.severity is Severity.ERROR]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(built=_built())
def test_known_valid_is_true_exactly_when_check_result_finds_no_error(built) -> None:
    builder, text = built
    assert builder.known_valid() == (_errors(builder, text) == []), _errors(builder, text)


def test_the_skipped_check_is_the_one_real_articles_take(monkeypatch) -> None:
    # Every seed and fixture article of both rule versions comes out valid by
    # construction (so the check is skipped on real news), and check_result agrees.
    answers: list[bool] = []
    known_valid = _ResultBuilder.known_valid

    def recorded(self: _ResultBuilder) -> bool:
        answers.append(known_valid(self))
        return answers[-1]

    monkeypatch.setattr(_ResultBuilder, "known_valid", recorded)
    texts = [p.read_bytes().decode("utf-8", "replace")
             for p in sorted((ROOT / "tests" / "fixtures").rglob("*.txt"))]
    texts += [p.read_text("utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    assert len(texts) > 10
    for version in VERSIONS:
        for text in texts:
            prediction = preannotate({"text": text}, version=version)
            assert [p for p in check_result(prediction["result"], text)
                    if p.severity is Severity.ERROR] == []
    assert answers == [True] * len(texts) * len(VERSIONS)


def test_an_invalid_span_is_not_known_valid() -> None:
    text = "Officials said the plan was ready."
    builder = _ResultBuilder(text, _RULES)
    builder.region("ORG", 3, 3, 0.5, "entities")
    assert not builder.known_valid()
    assert [p.code for p in check_result(builder.items, text)] == ["span-empty"]


@pytest.mark.parametrize("attribution", ["indirect", "unattributed"])
def test_a_claim_is_known_valid_only_with_the_links_its_type_needs(attribution: str) -> None:
    text = "Officials said the plan was ready."
    builder = _ResultBuilder(text, _RULES)
    claim = Region(15, 33, "claim", {"attribution_type": attribution})
    builder.attribution_region(claim, "test")
    assert builder.known_valid() is (attribution == "unattributed")
    builder.attribution(Attribution(claim, Region(0, 9, "source", {"source_type": "anonymous"}),
                                    Region(10, 14, "cue")))
    assert builder.known_valid() is (attribution != "unattributed")


# Every problem code check_result can report, and why a result the builder vouches for
# never carries it. A new code in result_rules.py fails the test below until the
# builder accounts for it (or the reason it cannot arise is written here).
_ACCOUNTED = {
    # built by construction: item shapes, names from the scheme, one label a region
    "result-item-invalid": "items are dicts the builder writes, str ids and labels",
    "control-unknown": "from_name from the scheme's control_of_label",
    "label-count": "one label per region",
    "label-unknown": "the label is one of its control's",
    "region-id-duplicate": "ids p<start>_<end>_<label>, one per label and span",
    "text-mismatch": "value.text is text[start:end]",
    "offset-utf16": "value.text is text[start:end]",
    "choice-count": "one value per choice item",
    "choice-orphan": "a choice is written right after its region",
    "relation-dangling": "relations join regions the builder made",
    "relation-untyped": "one relation name per relation",
    "relation-unknown": "tracked: the name must be in the scheme",
    # tracked while building (_ResultBuilder.sound, known_valid)
    "offset-negative": "tracked", "offset-out-of-range": "tracked", "span-empty": "tracked",
    "span-blank": "tracked", "choice-unknown": "tracked", "choice-wrong-label": "tracked",
    "choice-missing": "tracked", "relation-endpoints": "tracked",
    "attributed-without-link": "tracked", "unattributed-with-source": "tracked",
    # warnings: never a reason to drop a region
    "region-duplicate": "warning", "span-whitespace": "warning",
    "quote-without-marks": "warning",
}


def test_every_code_check_result_reports_is_accounted_for_by_the_builder() -> None:
    source = inspect.getsource(result_rules)
    assert set(re.findall(r'report\(\s*"([a-z0-9-]+)"', source)) == set(_ACCOUNTED)
