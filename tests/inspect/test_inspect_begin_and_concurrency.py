"""When inspections may be notified (New START Protocol Part Five, Section I): inspection
activities begin upon expiration of 60 days after entry into force (I.2), and the inspecting
Party conducts no more than one inspection on the inspected Party's territory at any one time
(I.4).

The 60 days are counted with the entry-into-force day (2011-02-05) as the first, times in GMT
(Part Four, Section I.2): they expire at 00:00 GMT of 2011-04-06 (February 2011 has 28 days:
24 days of February, 31 of March and 5 of April make 60), the first instant a team may arrive.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from treatyledger.files.builtin import load_rule_set
from treatyledger.inspect.errors import ProcedureError
from treatyledger.inspect.findings import InspectionRecord
from treatyledger.inspect.procedure import (
    ArrivalNotice,
    Inspection,
    Phase,
    completed,
    in_country,
    open_inspection,
)
from treatyledger.rules.schema import Inspections

RULES = load_rule_set("new-start")
ENTRY = date(2011, 2, 5)
FIRST_ARRIVAL = datetime(2011, 4, 6, tzinfo=UTC)  # by hand from the Protocol's text
IN_COUNTRY = timedelta(hours=96)  # the rule set's [inspections.timing.in_country]


def inspections() -> Inspections:
    assert RULES.inspections is not None
    return RULES.inspections


def notice(arrival: datetime, number: int = 1, **fields: Any) -> ArrivalNotice:
    values: dict[str, Any] = {
        "id": f"RU-T1-{number:03d}",
        "inspection_type": "type-one",
        "inspecting_party": "RU",
        "inspected_party": "US",
        "arrival": arrival,
        "notified_at": arrival - timedelta(hours=40),
    }
    return ArrivalNotice.model_validate(values | fields)


def opened(arrival: datetime, number: int = 1, **fields: Any) -> Inspection:
    return open_inspection(notice(arrival, number, **fields), inspections(), ENTRY, [])


def done(inspection: Inspection, at: datetime) -> Inspection:
    record = InspectionRecord(
        id=inspection.id,
        inspection_type="type-one",
        inspected_party="US",
        site="US-ICBM-BASE",
        time=at,
    )
    return completed(inspection, record)


def test_the_rule_set_records_both_rules_with_their_sections() -> None:
    begin, concurrency = inspections().begin, inspections().concurrency
    assert begin is not None and begin.days_after_entry_into_force == 60
    assert "Part Five, Section I, paragraph 2" in begin.source
    assert concurrency is not None and concurrency.at_most == 1
    assert "Part Five, Section I, paragraph 4" in concurrency.source
    assert begin.first_arrival(ENTRY) == FIRST_ARRIVAL


def test_an_arrival_one_second_before_the_60_days_expire_is_refused() -> None:
    with pytest.raises(ProcedureError, match=r"before inspections may begin.*Section I, para"):
        opened(datetime(2011, 4, 5, 23, 59, 59, tzinfo=UTC))


def test_an_arrival_as_the_60_days_expire_is_accepted() -> None:
    assert opened(FIRST_ARRIVAL).phase is Phase.NOTIFIED


def test_an_arrival_given_with_an_offset_is_judged_in_gmt() -> None:
    with pytest.raises(ProcedureError, match="before inspections may begin"):
        opened(datetime.fromisoformat("2011-04-06T02:59:59+03:00"))  # 23:59:59 GMT the day before
    assert opened(datetime.fromisoformat("2011-04-06T03:00:00+03:00")).phase is Phase.NOTIFIED


def test_the_notice_itself_may_come_before_inspections_begin() -> None:
    """I.2 bounds the inspection activities (the arrival), not the notification."""
    early = notice(FIRST_ARRIVAL, notified_at=FIRST_ARRIVAL - timedelta(days=3))
    assert open_inspection(early, inspections(), ENTRY, []).phase is Phase.NOTIFIED


def test_a_second_inspection_while_the_first_is_open_is_refused() -> None:
    first = opened(FIRST_ARRIVAL)
    second = notice(FIRST_ARRIVAL + timedelta(hours=30), 2)
    with pytest.raises(ProcedureError, match=r"RU-T1-001 .*Section I, paragraph 4"):
        open_inspection(second, inspections(), ENTRY, [], [first])


def test_a_second_inspection_arriving_before_an_open_one_is_refused() -> None:
    later = opened(FIRST_ARRIVAL + timedelta(days=3))
    earlier = notice(FIRST_ARRIVAL, 2)  # its in-country period runs into the later one's
    with pytest.raises(ProcedureError, match="at one time"):
        open_inspection(earlier, inspections(), ENTRY, [], [later])


def test_an_inspection_after_the_previous_one_closed_is_accepted() -> None:
    closed_at = FIRST_ARRIVAL + timedelta(hours=11)
    first = done(opened(FIRST_ARRIVAL), closed_at)
    assert in_country(first, inspections().timing) == (FIRST_ARRIVAL, closed_at)  # type: ignore[arg-type]
    second = notice(closed_at, 2)
    assert open_inspection(second, inspections(), ENTRY, [], [first]).phase is Phase.NOTIFIED
    during = notice(closed_at - timedelta(seconds=1), 3)
    with pytest.raises(ProcedureError, match="at one time"):
        open_inspection(during, inspections(), ENTRY, [], [first])


def test_an_unfinished_inspection_stops_counting_when_its_in_country_period_ends() -> None:
    first = opened(FIRST_ARRIVAL)
    after = notice(FIRST_ARRIVAL + IN_COUNTRY, 2)
    assert open_inspection(after, inspections(), ENTRY, [], [first]).phase is Phase.NOTIFIED


def test_the_other_partys_inspections_do_not_count() -> None:
    theirs = opened(FIRST_ARRIVAL, inspecting_party="US", inspected_party="RU")
    mine = notice(FIRST_ARRIVAL, 2)
    assert open_inspection(mine, inspections(), ENTRY, [], [theirs]).phase is Phase.NOTIFIED


def test_a_rule_set_without_the_rules_accepts_both() -> None:
    plain = inspections().model_copy(update={"begin": None, "concurrency": None})
    early = notice(datetime(2011, 3, 1, tzinfo=UTC))
    first = open_inspection(early, plain, ENTRY, [])
    second = notice(datetime(2011, 3, 1, 1, tzinfo=UTC), 2)
    assert open_inspection(second, plain, ENTRY, [], [first]).phase is Phase.NOTIFIED
