"""Staged disclosure: openings judged against a plan of which items open by when."""

from __future__ import annotations

import datetime as dt

import pytest

from escrow.helpers import small_secret
from treatyledger.escrow.commitment import OpenableTree
from treatyledger.escrow.errors import EscrowError
from treatyledger.escrow.schedule import (
    Disclosure,
    DisclosurePlan,
    Stage,
    plan_for,
    verify_schedule,
)

SECRET = small_secret()
COMMITMENT = SECRET.commitment
TREE = OpenableTree.from_secret(SECRET)
JAN, APR = dt.date(2026, 1, 31), dt.date(2026, 4, 30)
PLAN = plan_for(
    COMMITMENT,
    [
        Stage(name="q1", due=JAN, keys=("MM3-0001", "W87-0001")),
        Stage(name="q2", due=APR, keys=("D5-0001",)),
    ],
)


def _shown(key: str, day: dt.date) -> Disclosure:
    return Disclosure(day, TREE.open(key))


def test_openings_before_their_due_date_are_on_time() -> None:
    disclosures = [_shown("MM3-0001", JAN), _shown("W87-0001", dt.date(2026, 1, 2))]
    report = verify_schedule(COMMITMENT, PLAN, disclosures, dt.date(2026, 2, 1))
    assert report.on_time == ("MM3-0001", "W87-0001") and report.pending == ("D5-0001",)
    assert report.ok


def test_an_opening_after_its_due_date_is_late() -> None:
    disclosures = [_shown("MM3-0001", JAN), _shown("W87-0001", dt.date(2026, 2, 1))]
    report = verify_schedule(COMMITMENT, PLAN, disclosures, dt.date(2026, 2, 1))
    assert report.late == (("W87-0001", JAN, dt.date(2026, 2, 1)),) and not report.ok


def test_an_overdue_opening_never_published_is_missing() -> None:
    report = verify_schedule(COMMITMENT, PLAN, [_shown("MM3-0001", JAN)], dt.date(2026, 2, 1))
    assert report.missing == (("W87-0001", JAN),) and not report.ok


def test_nothing_is_missing_on_the_due_date_itself() -> None:
    report = verify_schedule(COMMITMENT, PLAN, [], JAN)
    assert report.missing == () and len(report.pending) == 3


def test_an_opening_outside_the_plan_is_reported_as_unplanned() -> None:
    report = verify_schedule(COMMITMENT, PLAN, [_shown("#11", JAN)], JAN)
    assert report.unplanned == ("#11",) and report.ok


def test_an_invalid_opening_is_reported_and_does_not_count() -> None:
    bad = TREE.open("MM3-0001").model_copy(update={"salt": "11" * 32})
    report = verify_schedule(COMMITMENT, PLAN, [Disclosure(JAN, bad)], dt.date(2026, 2, 1))
    assert [k for k, _ in report.invalid] == ["MM3-0001"]
    assert ("MM3-0001", JAN) in report.missing


def test_a_plan_for_another_commitment_is_refused() -> None:
    other = plan_for(small_secret("other").commitment, PLAN.stages)
    with pytest.raises(EscrowError, match="root"):
        verify_schedule(COMMITMENT, other, [], JAN)


def test_a_plan_naming_a_key_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="MM3-0001"):
        DisclosurePlan(
            party="US",
            exchange=COMMITMENT.exchange,
            root=COMMITMENT.root,
            stages=(
                Stage(name="a", due=JAN, keys=("MM3-0001",)),
                Stage(name="b", due=APR, keys=("MM3-0001",)),
            ),
        )
