"""What the verification report shows, gathered from one workspace (its own log, the peers'
logs it verified and mirrored, the inspections recorded at its node, its keys and witnesses)
and, for the demo, the exercise's document (``demo-out/exercise.json``: the cheating outcome,
the inspections of every party, the evidence bundles and how each figure was generated).

Per party and data date: the count this workspace computed from the notifications it holds,
the official New START figure where the bundled reference set has one, the limits in force
(none once the regime says the treaty is not in force), or "not provided" where the party
had suspended its participation, with the date its last data is stale since."""

from __future__ import annotations

import hashlib
import platform
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import metadata
from importlib.resources import files
from pathlib import Path
from typing import Any

from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger.regime import ledger_regime
from treatyledger.node.context import NodeContext
from treatyledger.node.keys import cosigner_vkey, log_vkey
from treatyledger.node.logview import current_checkpoint_note
from treatyledger.node.views import party_records, series, treaty
from treatyledger.report.dashboard.status import peer_statuses
from treatyledger.store.inspection_store import list_inspections, list_issues
from treatyledger.store.witness_store import list_witnesses
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.checkpoint import origin_for_party
from treatyledger.tlog.verifier import parse_checkpoint, parse_note

#: The New START central categories, in the order the fact sheets print them.
CATEGORIES = (
    ("deployed_delivery_vehicles", "Deployed ICBMs, SLBMs and heavy bombers"),
    ("deployed_warheads", "Warheads on deployed ICBMs and SLBMs, and counted for bombers"),
    ("deployed_and_nondeployed_launchers", "Deployed and non-deployed launchers"),
)
SOFTWARE = (
    "treatyledger",
    "cryptography",
    "sqlalchemy",
    "fastapi",
    "pydantic",
    "numpy",
    "scipy",
    "jinja2",
    "matplotlib",
)


@dataclass(frozen=True)
class Row:
    data_date: date
    party: str
    counted: dict[str, int] | None
    official: dict[str, int] | None
    limits: dict[str, int | None]
    #: official | interpolated | held | no official figure | not provided
    provenance: str
    note: str = ""

    @property
    def matches(self) -> bool | None:
        if self.counted is None or self.official is None:
            return None
        return all(self.counted[c] == v for c, v in self.official.items())

    def over(self, category: str) -> bool:
        limit = self.limits.get(category)
        return self.counted is not None and limit is not None and self.counted[category] > limit


@dataclass(frozen=True)
class CheckpointView:
    party: str
    origin: str
    size: int
    root: str
    cosigners: tuple[str, ...]
    note: str
    file: str  # relative to the report
    command: str
    verified_by: str  # "this node's own log" or "mirrored and verified by peer sync"


@dataclass
class ReportData:
    title: str
    generated: str
    party: str
    rule_set: dict[str, str]
    software: list[tuple[str, str]]
    keys: list[dict[str, str]]
    witnesses: list[dict[str, str]]
    rows: list[Row]
    categories: tuple[tuple[str, str], ...]
    central_limits: dict[str, int]
    checkpoints: list[CheckpointView]
    inspections: list[dict[str, Any]]
    issues: list[dict[str, Any]]
    exercise: dict[str, Any] | None = None
    bundles: list[dict[str, Any]] = field(default_factory=list)
    cheating: dict[str, Any] | None = None
    regime: dict[str, Any] = field(default_factory=dict)

    @property
    def official_matches(self) -> int:
        return sum(1 for r in self.rows if r.matches)

    @property
    def differences(self) -> int:
        return sum(1 for r in self.rows if r.matches is False)


def _rule_file(ws: Workspace) -> tuple[str, str]:
    """(where, SHA-256) of the workspace's rule-set file."""
    given = Path(ws.rules)
    if given.suffix == ".toml" and given.exists():
        data = given.read_bytes()
        return str(given), hashlib.sha256(data).hexdigest()
    resource = files("treatyledger").joinpath("data", "rules", f"{ws.rules}.toml")
    data = resource.read_bytes()
    return f"treatyledger/data/rules/{ws.rules}.toml (built in)", hashlib.sha256(data).hexdigest()


def _software() -> list[tuple[str, str]]:
    found = [("python", platform.python_version())]
    for name in SOFTWARE:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            found.append((name, "not installed"))
    return found


def _keys(ws: Workspace) -> list[dict[str, str]]:
    keys = []
    for party in ws.parties():
        for key_id, key in sorted(ws.party_keys(party.id).items()):
            keys.append(
                {
                    "party": party.id,
                    "key_id": key_id,
                    "ed25519": key,
                    "log_vkey": str(log_vkey(party.id, key)),
                    "cosigner_vkey": str(cosigner_vkey(party.id, key)),
                    "own": "yes" if party.id == ws.party else "",
                }
            )
    return keys


def _official(rule_set_id: str) -> dict[tuple[str, date], dict[str, int]]:
    if rule_set_id != "new-start":  # the bundled reference figures are New START's
        return {}
    return {
        (p.party, p.date): {
            "deployed_delivery_vehicles": p.deployed_delivery_vehicles,
            "deployed_warheads": p.deployed_warheads,
            "deployed_and_nondeployed_launchers": p.deployed_and_nondeployed_launchers,
        }
        for p in read_new_start_aggregates()
    }


def _rows(ws: Workspace, exercise: dict[str, Any] | None) -> tuple[list[Row], Any]:
    the_treaty = treaty(ws.engine, ws.rules)
    rule_set = the_treaty.rule_set
    records = {p.id: party_records(ws.engine, p.id) for p in ws.parties()}
    records = {p: r for p, r in records.items() if r}
    regime = ledger_regime([r for rs in records.values() for r in rs], rule_set)
    official = _official(rule_set.id)
    provenance = {
        (r["party"], r["data_date"]): r["provenance"] for r in (exercise or {}).get("rows", ())
    }
    span = _span(records, rule_set)
    rows: list[Row] = []
    if span is None:
        return rows, regime
    for party, party_records_ in sorted(records.items()):
        rows += _party_rows(party, party_records_, the_treaty, regime, span, official, provenance)
    rows.sort(key=lambda r: (r.data_date, r.party))
    return rows, regime


def _party_rows(
    party: str,
    records: list[dict[str, Any]],
    the_treaty: Any,
    regime: Any,
    span: tuple[date, date],
    official: dict[tuple[str, date], dict[str, int]],
    provenance: dict[tuple[str, str], str],
) -> list[Row]:
    rule_set = the_treaty.rule_set
    first, last = span
    extra = {d for p, d in official if p == party and first <= d <= last}
    dates = sorted({*rule_set.data_dates(first, last), *extra})
    counted = dict(series(records, the_treaty, party, dates))
    provided = [d for d in dates if regime.suspension(party, d) is None]
    rows = []
    for when in dates:
        limits = {
            c: rule_set.limit_for(c, when) if regime.limits_apply(when) else None
            for c, _ in CATEGORIES
        }
        suspension = regime.suspension(party, when)
        if suspension is not None:
            rows.append(_gap(when, party, limits, suspension.start, provided))
            continue
        figure = official.get((party, when))
        label = provenance.get((party, when.isoformat()))
        label = label or ("official" if figure else "no official figure")
        totals = {c: counted[when].get(c, 0) for c, _ in CATEGORIES}
        rows.append(Row(when, party, totals, figure, limits, label))
    return rows


def _span(records: dict[str, list[dict[str, Any]]], rule_set: Any) -> tuple[date, date] | None:
    """The span of everything the workspace holds (to the treaty's expiry at most): a party
    that stopped early shows its gap."""
    effective = [
        datetime.fromisoformat(r["effective_time"]).date() for rs in records.values() for r in rs
    ]
    if not effective:
        return None
    last = max(effective)
    if rule_set.treaty.expires is not None:
        last = min(last, rule_set.treaty.expires)
    return min(effective), last


def _gap(
    when: date, party: str, limits: dict[str, int | None], since: date, provided: list[date]
) -> Row:
    stale = max((d for d in provided if d < since), default=None)
    note = f"suspended since {since}"
    if stale:
        note += f"; its last data, as of {stale}, are stale"
    return Row(when, party, None, None, limits, "not provided", note)


def _checkpoints(ws: Workspace, folder: Path) -> list[CheckpointView]:
    node = NodeContext.from_workspace(ws)
    keys = {k["party"]: k for k in _keys(ws)}
    witness_keys = [key for w in list_witnesses(ws.engine) for key in w.vkeys]
    views = []
    notes = [(ws.party, current_checkpoint_note(node), "this node's own log")]
    for status in peer_statuses(node, [p.id for p in ws.parties()]):
        if status.checkpoint:
            notes.append((status.party, status.checkpoint, "mirrored and verified by peer sync"))
    folder.mkdir(parents=True, exist_ok=True)
    for party, note, how in notes:
        checkpoint = parse_checkpoint(parse_note(note).text)
        file = folder / f"{party.lower()}-checkpoint.txt"
        file.write_text(note, encoding="utf-8")
        cosigners = tuple(s.name for s in parse_note(note).signatures[1:])
        # this node's own log: every cosigner it knows; a peer's: as verified (log key only)
        others = []
        if party == ws.party:
            others = [k["cosigner_vkey"] for p, k in keys.items() if p != party]
            others += [str(key) for key in witness_keys]
        witnesses = " ".join(f'--witness "{w}"' for w in others)
        log_key = keys[party]["log_vkey"] if party in keys else "LOG-VKEY"
        views.append(
            CheckpointView(
                party=party,
                origin=checkpoint.origin,
                size=checkpoint.size,
                root=__import__("base64").b64encode(checkpoint.root).decode(),
                cosigners=cosigners,
                note=note,
                file=f"{folder.name}/{file.name}",
                command=f"treatyledger log verify checkpoint {folder.name}/{file.name} "
                f'--vkey "{log_key}" {witnesses}'.strip(),
                verified_by=how,
            )
        )
    return views


def gather(ws: Workspace, out_dir: Path, exercise: dict[str, Any] | None = None) -> ReportData:
    """Everything the report shows; checkpoint notes are written under ``out_dir``."""
    rows, regime = _rows(ws, exercise)
    the_treaty = treaty(ws.engine, ws.rules)
    rule_set = the_treaty.rule_set
    where, digest = _rule_file(ws)
    central = {c: rule_set.limit_for(c, None) for c, _ in CATEGORIES}
    inspections = [
        {
            "id": s.record.id,
            "type": s.record.inspection_type,
            "party": s.record.inspected_party,
            "site": s.record.site,
            "time": s.record.time.isoformat(),
            "by": s.submitted_by,
            "issues": s.issues,
        }
        for s in list_inspections(ws.engine)
    ]
    issues = [i.to_json_dict() | {"record": i.record_id} for i in list_issues(ws.engine)]
    return ReportData(
        title=f"TreatyLedger verification report: {rule_set.treaty.name}",
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        party=ws.party,
        rule_set={
            "id": rule_set.id,
            "name": rule_set.treaty.name,
            "file": where,
            "sha256": digest,
            "source": rule_set.treaty.source,
        },
        software=_software(),
        keys=_keys(ws),
        witnesses=[
            {
                "name": w.name,
                "url": w.url,
                "vkeys": " ".join(str(k) for k in w.vkeys),
                "size": str(w.size),
            }
            for w in list_witnesses(ws.engine)
        ],
        rows=rows,
        categories=CATEGORIES,
        central_limits={c: v for c, v in central.items() if v is not None},
        checkpoints=_checkpoints(ws, out_dir / "checkpoints"),
        inspections=inspections,
        issues=issues,
        exercise=exercise,
        bundles=list((exercise or {}).get("bundles", ())),
        cheating=(exercise or {}).get("cheating"),
        regime=regime.to_json_dict(),
    )


def origin(party: str) -> str:
    return origin_for_party(party)
