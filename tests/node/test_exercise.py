"""The two-node treaty cycle of the demo, shortened to 2011-2013: each party's counts, as
the other party verified them from its mirror, equal the official New START aggregates."""

from __future__ import annotations

import socket
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

from treatyledger.exercise import run_exercise


def test_two_nodes_verify_each_other_and_reproduce_the_official_aggregates(
    tmp_path: Path,
) -> None:
    lines: list[str] = []
    result = run_exercise(tmp_path / "demo-out", until=date(2013, 3, 1), say=lines.append)
    assert {(r.party, r.data_date) for r in result.rows} >= {
        ("US", date(2011, 2, 5)),
        ("RU", date(2011, 2, 5)),
        ("US", date(2013, 3, 1)),
        ("RU", date(2013, 3, 1)),
    }
    assert all(row.matches for row in result.rows), [r for r in result.rows if not r.matches]
    us_2011 = next(r for r in result.rows if (r.party, r.data_date) == ("US", date(2011, 2, 5)))
    assert us_2011.counted == {  # the State Department's first New START data
        "deployed_delivery_vehicles": 882,
        "deployed_warheads": 1800,
        "deployed_and_nondeployed_launchers": 1124,
    }
    cosigned = {c.party: c.cosigners for c in result.checkpoints}
    assert cosigned == {"US": ("treatyledger.example/RU",), "RU": ("treatyledger.example/US",)}
    assert {p: s.size for p, s in result.syncs.items()} == {
        "RU": result.notifications["US"],
        "US": result.notifications["RU"],
    }
    public = {c["category"]: c for c in result.public["US"]}
    assert public["deployed_warheads"]["total"] == 1654  # official 2013-03-01 figure
    assert public["deployed_warheads"]["within_limit"] is None  # binds from 2018-02-05
    page = result.summary_path.read_text()
    assert "data:image/png;base64," in page and "1,550" in page


def test_exercise_stops_its_servers(tmp_path: Path) -> None:
    lines: list[str] = []
    run_exercise(tmp_path / "demo-out", until=date(2011, 9, 1), say=lines.append)
    urls = [line.split(" on ")[1].split()[0] for line in lines if "serving on" in line]
    assert len(urls) == 2
    for url in urls:
        parsed = urlparse(url)
        with socket.socket() as sock:
            sock.settimeout(1)
            assert sock.connect_ex((parsed.hostname, parsed.port)) != 0  # nothing listens
