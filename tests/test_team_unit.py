"""Team workflow without a server: push's overlap options, progress over task dicts,
the progress chart, and what pull records about the overlap a team produced."""

from __future__ import annotations

import pytest

from factories import annotation, region, relation, task
from newsclaims.core.errors import NewsclaimsError
from newsclaims.review.progress import summarise, write_chart
from newsclaims.studio.client import Assignment
from newsclaims.studio.pull import export_counts
from newsclaims.studio.team import _checked_email

TEXT = "The mayor said the bridge would reopen in May."


@pytest.mark.parametrize(("overlap", "per_task", "expected"), [
    (0.2, 2, Assignment(2, 20)),
    (0.2, None, Assignment(2, 20)),  # --overlap alone: two annotators
    (None, 3, Assignment(3, 100)),  # --per-task alone: every task
    (0.0, None, Assignment(1, 100)),  # back to one annotator (Label Studio's defaults)
    (0.07, 2, Assignment(2, 7)),  # 0.07 * 100 is 7.000000000000001 in floating point
    (1.0, 2, Assignment(2, 100)),
])
def test_overlap_options_become_the_project_setting(overlap, per_task, expected):
    assert Assignment.of(overlap, per_task) == expected


@pytest.mark.parametrize(("overlap", "per_task", "message"), [
    (0.125, 2, "whole percent"),
    (1.5, 2, "share of the tasks"),
    (-0.1, 2, "share of the tasks"),
    (0.2, 1, "at least 2"),
    (0.0, 2, "drop --per-task"),
])
def test_overlap_options_that_cannot_be_kept_are_refused(overlap, per_task, message):
    with pytest.raises(NewsclaimsError, match=message):
        Assignment.of(overlap, per_task)


def test_assignment_describes_itself():
    assert Assignment(2, 20).describe() == "20% of tasks by 2 annotators, the rest by 1"
    assert Assignment(3, 100).describe() == "every task by 3 annotators"
    assert Assignment(1, 100).describe() == "every task by 1 annotator"


@pytest.mark.parametrize("email", ["a b@x.org", "a@x", "../x@y.org", "x/y@z.org", ""])
def test_member_addresses_are_plain(email):
    with pytest.raises(NewsclaimsError):
        _checked_email(email)


def _result(cue: str, kind: str) -> list:
    return [*region("c", "CLAIM", TEXT, "the bridge would reopen in May", attribution_type=kind),
            *region("s", "SOURCE", TEXT, "The mayor", source_type="NAMED_PERSON"),
            *region("u", "CUE", TEXT, cue), relation("c", "s", "source"),
            relation("c", "u", "cue")]


def _done(aid: int, user: int, day: str, seconds: float, cue: str = "said",
          kind: str = "INDIRECT") -> dict:
    return annotation(aid, _result(cue, kind), completed_by=user, lead_time=seconds,
                      created_at=f"{day}T10:00:00Z")


def _tasks() -> list[dict]:
    skipped = annotation(9, [], completed_by=3, was_cancelled=True, lead_time=5.0,
                         created_at="2026-11-02T09:00:00Z")
    return [
        # an overlap task, complete, the two disagreeing on the claim's type
        {**task(1, TEXT, _done(1, 2, "2026-11-01", 30.0),
                _done(2, 3, "2026-11-02", 90.0, kind="DIRECT_QUOTE")), "overlap": 2},
        # an overlap task with one of its two, and a skip by someone else
        {**task(2, TEXT, _done(3, 2, "2026-11-02", 60.0), skipped), "overlap": 2},
        # a single task, done; one more done by two people (more than it needs)
        {**task(3, TEXT, _done(4, 3, "2026-11-02", 45.0)), "overlap": 1},
        {**task(4, TEXT, _done(5, 2, "2026-11-02", 20.0), _done(6, 3, "2026-11-02", 40.0)),
         "overlap": 1},
        # untouched
        {**task(5, TEXT), "overlap": 1},
    ]


def test_progress_counts_people_tasks_time_and_agreement():
    report = summarise(_tasks(), {2: "ann@x.org", 3: "bob@x.org"})
    assert (report.tasks, report.complete, report.short, report.missing) == (5, 3, 2, 2)
    assert report.short_task_ids == [2, 5]
    assert (report.overlap_planned, report.overlap_complete) == (2, 1)
    assert (report.multi_annotated, report.beyond_target) == (2, 1)
    assert report.median_seconds == 42.5  # of 20, 30, 40, 45, 60, 90 (skips do not count)
    ann, bob = report.annotators
    assert (ann.email, ann.done, ann.skipped, ann.median_seconds) == ("ann@x.org", 3, 0, 30.0)
    assert (bob.email, bob.done, bob.skipped, bob.median_seconds) == ("bob@x.org", 3, 1, 45.0)
    assert ann.per_day == {"2026-11-01": 1, "2026-11-02": 2}
    # Agreement over the complete overlap task only: one article, one pair; they agree
    # on every span (F1 1.0) and differ on the claim's type.
    assert report.agreement["articles"] == 1 and report.agreement["annotator_pairs"] == 1
    assert report.agreement["span_f1"]["CLAIM"]["exact"] == 1.0
    assert report.agreement["attribute_alpha"]["attribution_type"] is not None
    assert report.agreement["warnings"]  # one article is a small sample, and it says so


def test_progress_without_a_complete_overlap_task_has_no_agreement():
    report = summarise([{**task(1, TEXT, _done(1, 2, "2026-11-01", 30.0)), "overlap": 2}])
    assert report.agreement is None and report.short == 1 and report.missing == 1


def test_the_chart_is_a_png(tmp_path):
    report = summarise(_tasks(), {2: "ann@x.org"})
    report.title = "demo"
    path = write_chart(report, tmp_path / "chart.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    empty = write_chart(summarise([]), tmp_path / "empty.png")
    assert empty.stat().st_size > 1000


def test_pull_records_how_many_annotators_each_task_got():
    tasks = _tasks()
    counts = export_counts(iter(tasks))  # a stream: pull counts the tasks as it reads them
    assert counts == {"task_count": len(tasks),
                      "annotation_count": sum(len(t["annotations"]) for t in tasks),
                      "prediction_count": 0, "annotators": 2,
                      "tasks_by_annotators": {"0": 1, "1": 2, "2": 2}}
