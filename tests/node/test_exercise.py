"""The demo's decade exercise between two party nodes, shortened to 2011-2013: each party's
counts, as the other party verified them from its mirror, equal the official New START
aggregates on every date the reference set has a row for, the other dates are labelled, and
every server stops at the end."""

from __future__ import annotations

import json
import socket
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

from treatyledger.exercise import run_exercise


def test_two_nodes_verify_each_other_and_reproduce_the_official_aggregates(
    tmp_path: Path,
) -> None:
    lines: list[str] = []
    out = tmp_path / "demo-out"
    result = run_exercise(out, until=date(2013, 3, 1), volume=0.5, cheater=False, say=lines.append)
    assert result.ok
    by_key = {(r.party, r.data_date): r for r in result.rows}
    official = [r for r in result.rows if r.provenance == "official"]
    # 2011-02-05, 2011-09-01, 2012-03-01 and 2013-03-01 for each party (reference set rows)
    assert len(official) == 8 and all(r.matches for r in official), official
    assert by_key[("US", date(2011, 2, 5))].counted == {  # the State Department's first data
        "deployed_delivery_vehicles": 882,
        "deployed_warheads": 1800,
        "deployed_and_nondeployed_launchers": 1124,
    }
    gap = by_key[("US", date(2012, 9, 1))]  # no row in the reference set
    assert gap.provenance == "interpolated" and gap.official is None and gap.matches is None
    assert "no official figure" in gap.note
    assert all(r.verified_by != r.party for r in result.rows)
    cosigned = {c.party: set(c.cosigners) for c in result.checkpoints}
    witness = "treatyledger.example/WITNESS"  # the third node, over tlog-witness
    assert cosigned["US"] == {"treatyledger.example/RU", witness}
    assert cosigned["RU"] == {"treatyledger.example/US", witness}
    # two pushes each: after the notifications and after the peer's sync (consistency checked)
    assert result.witnessed == {p: [result.notifications[p]] * 2 for p in ("US", "RU")}
    # inspections: every finding submitted over HTTP as inspector, all clean without a cheater
    outcomes = result.exercise.campaign.outcomes
    assert result.inspections.submitted == len(outcomes) == 72  # two treaty years, 2 x 18
    assert result.inspections.issues == {"US": 0, "RU": 0}
    assert result.inspections.disagreements == []
    assert result.cheating is not None and result.cheating.description is None
    # one evidence bundle per party, checked by the standalone verifier in another process
    assert {b.party for b in result.bundles} == {"US", "RU"}
    for check in result.bundles:
        assert check.valid, check.answer
        assert set(check.answer["cosigners"]) >= {witness}
        assert check.answer["attachments"]["inspections"] == 3
        assert check.bundle.exists() and "python -m verifier bundle" in check.commands[-1]
    assert {p: s.size for p, s in result.syncs.items()} == {
        "RU": result.notifications["US"],
        "US": result.notifications["RU"],
    }
    assert result.notifications["US"] > 1_000  # item level: reductions and routine traffic
    public = {c["category"]: c for c in result.public["US"]}
    assert public["deployed_warheads"]["total"] == 1654  # official 2013-03-01 figure
    assert public["deployed_warheads"]["within_limit"] is None  # binds from 2018-02-05
    assert result.summary_path == out / "report" / "index.html"
    page = result.summary_path.read_text()
    assert "Counts per data date" in page and "1,800 / 1,800" in page  # US 2011-02-05
    assert "reproduction of the input" in page and "independent check" in page
    for name in ("deployed_warheads.png", "deployed_delivery_vehicles.png"):
        assert (out / "report" / "plots" / name).read_bytes().startswith(b"\x89PNG")
    assert (out / "report" / "pages" / "index.html").exists()  # the dashboard, static
    assert "treatyledger log verify checkpoint" in page and "python -m verifier bundle" in page
    document = json.loads((out / "exercise.json").read_text())
    assert len(document["rows"]) == len(result.rows)
    urls = [line.split(" on ")[1].split()[0] for line in lines if "serving on" in line]
    assert len(urls) == 2
    for url in urls:
        parsed = urlparse(url)
        with socket.socket() as sock:
            sock.settimeout(1)
            assert sock.connect_ex((parsed.hostname, parsed.port)) != 0  # nothing listens
