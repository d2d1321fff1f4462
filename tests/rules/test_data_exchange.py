"""The data-exchange dates of a rule set: New START's baseline (2011-02-05, the date of the
first official aggregates) and every 1 March and 1 September after it (treaties.md)."""

from __future__ import annotations

from datetime import date

import pytest

from treatyledger.files import load_rule_set
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.rules.errors import RuleSetError
from treatyledger.rules.schema import DataExchange


def test_the_official_aggregates_are_published_for_exchange_dates() -> None:
    rule_set = load_rule_set("new-start")
    published = sorted({row.date for row in read_new_start_aggregates()})
    exchanges = rule_set.data_dates(published[0], published[-1])
    # 2018-02-05, the day the central limits bound, was published on its own
    assert set(published) - set(exchanges) == {date(2018, 2, 5)}
    assert exchanges[:3] == [date(2011, 2, 5), date(2011, 3, 1), date(2011, 9, 1)]


def test_no_exchange_date_before_the_baseline() -> None:
    rule_set = load_rule_set("new-start")
    assert rule_set.data_dates(date(2010, 1, 1), date(2011, 3, 1)) == [
        date(2011, 2, 5),
        date(2011, 3, 1),
    ]
    exchange = rule_set.data_exchange
    assert exchange is not None
    assert exchange.next_on_or_after(date(2010, 9, 1)) == date(2011, 2, 5)


def test_series_dates_add_both_ends() -> None:
    rule_set = load_rule_set("new-start")
    assert rule_set.series_dates(date(2012, 2, 1), date(2012, 10, 1)) == [
        date(2012, 2, 1),
        date(2012, 3, 1),
        date(2012, 9, 1),
        date(2012, 10, 1),
    ]


def test_a_rule_set_without_data_exchange_has_no_data_dates() -> None:
    rule_set = load_rule_set("sort-us-2002")
    assert rule_set.data_exchange is None
    assert rule_set.data_dates(date(2003, 1, 1), date(2012, 1, 1)) == []


@pytest.mark.parametrize("text", ["02-29", "13-01", "3-1-1", "March"])
def test_an_exchange_day_must_be_a_day_of_every_year(text: str) -> None:
    with pytest.raises(ValueError, match="MM-DD"):
        DataExchange(as_of=(text,))
    data = load_rule_set("new-start").model_dump(mode="json", by_alias=True)
    data["data_exchange"]["as_of"] = [text]
    with pytest.raises(RuleSetError, match=r"data_exchange\.as_of"):
        type(load_rule_set("new-start")).from_mapping(data)
