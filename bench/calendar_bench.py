"""The data-exchange calendar over a decade of New START (the honest streams of
``ledger.decade``, both parties, 2011-2026, about 23,000 notifications): judged without the
ledger policy (databases and change notifications: the baseline, same run) and with it (the
changes each update shows that no notification reported too: ``ledger.unnotified``, one replay
per party in effective-time order). Prints both times and their ratio; the honest streams must
show no unnotified change. Target: the full calendar within 4x the baseline. Reports; never
fails on the target.

    .venv/bin/python bench/calendar_bench.py
"""

from __future__ import annotations

import random
import time
from datetime import date

TARGET_RATIO = 4.0


def main() -> None:
    from treatyledger.files import load_catalog, load_rule_set
    from treatyledger.files.aggregates import read_new_start_aggregates
    from treatyledger.ledger import policy_from_rule_set
    from treatyledger.ledger.calendar import calendar, update_dates
    from treatyledger.ledger.decade import decade_stream, treaty_calendars
    from treatyledger.ledger.regime import ledger_regime
    from treatyledger.rules.regime import regime_status

    rules = load_rule_set("new-start")
    catalog = load_catalog()
    policy = policy_from_rule_set(rules, catalog)
    expires = date(2026, 2, 5)
    databases = [date(2011, 2, 5), *update_dates(rules, regime_status(rules), expires)]
    dates = rules.data_dates(date(2011, 2, 5), expires)
    calendars = treaty_calendars(read_new_start_aggregates(), dates, expires)
    records = [
        r
        for party, party_calendar in calendars.items()
        for r in decade_stream(
            party_calendar, catalog, random.Random(f"bench:{party}"), database_dates=databases
        ).records
    ]
    regime = ledger_regime(records, rules)
    began = time.perf_counter()
    calendar(rules, regime, records, expires, ["US", "RU"])
    baseline = time.perf_counter() - began
    began = time.perf_counter()
    full = calendar(rules, regime, records, expires, ["US", "RU"], policy=policy)
    with_policy = time.perf_counter() - began
    unnotified = sum("never notified" in e.obligation for e in full.entries)
    ratio = with_policy / baseline
    print(f"calendar over {len(records):,} notifications, 2011-2026, US and RU")
    print(f"  without the policy (baseline): {baseline:6.2f} s")
    print(f"  with unnotified changes:       {with_policy:6.2f} s  ({ratio:.1f}x)")
    print(f"  unnotified changes found in the honest streams: {unnotified} (expected 0)")
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(f"target <= {TARGET_RATIO:.0f}x the baseline: {verdict}")


if __name__ == "__main__":
    main()
