"""Witnessing and the independent check at the end of the exercise.

A third node witnesses both logs over C2SP tlog-witness: each party's node pushes its
checkpoint (``node.witness_push``, what ``log witness push`` runs), the witness checks it is
consistent with the last one it cosigned and cosigns. At the end one offline evidence bundle
per party is written by ``treatyledger evidence bundle`` (a separate process, as a user runs
it): the baseline declaration, the regime notes, the zero-knowledge limit proofs and the
party's inspection records, each notification with its proof under the cosigned checkpoint.
Each bundle is then checked by the standalone verifier (``tlog/verifier`` copied into the
output directory, ``python -m verifier bundle FILE --policy POLICY``, in another process that
cannot import TreatyLedger) against a policy the checker brings: the party's log key, and
both the witness's and the other party's cosignatures required."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import treatyledger.tlog.verifier as verifier_package
from treatyledger.exercise.errors import EvidenceError
from treatyledger.exercise.nodes import WITNESS, Nodes
from treatyledger.node.context import NodeContext
from treatyledger.node.keys import cosigner_for, cosigner_vkey, log_signer
from treatyledger.node.witness_push import push_to_witnesses

SUBPROCESS_TIMEOUT = 600


@dataclass
class BundleCheck:
    party: str
    bundle: Path
    policy: Path
    valid: bool
    #: the verifier's JSON answer (or its error)
    answer: dict[str, Any] = field(default_factory=dict)
    #: the command that wrote the bundle and the one that checks it, as a reader runs them
    commands: tuple[str, ...] = ()


def push_checkpoints(nodes: Nodes, say: Callable[[str], None]) -> dict[str, int]:
    """Every party node pushes its current checkpoint to the witness; party -> size."""
    sizes = {}
    for party, node in nodes.nodes.items():
        results = push_to_witnesses(NodeContext.from_workspace(node.workspace))
        for result in results:
            if result.error:
                raise EvidenceError(f"{party}: {result.error}")
            sizes[party] = result.size
            say(f"{party}'s checkpoint of size {result.size:,} cosigned by the witness node")
    return sizes


def policy_text(nodes: Nodes, party: str) -> str:
    """The tlog-policy a checker brings for ``party``'s log: its log key, the witness and the
    other party as witnesses, both required."""
    node = nodes[party]
    other = nodes[nodes.other(party)].workspace
    assert nodes.witness is not None
    log_key = log_signer(party, node.workspace.signing_key).verifier_key()
    witness = cosigner_for(WITNESS, nodes.witness.workspace.signing_key).verifier_key()
    peer = cosigner_vkey(other.party, other.public_key)
    return (
        f"log {log_key}\nwitness witness {witness}\nwitness peer {peer}\n"
        "group both all witness peer\nquorum both\n"
    )


def write_bundles(
    nodes: Nodes,
    folder: Path,
    sequences: Mapping[str, Sequence[int]],
    inspections: Mapping[str, Sequence[str]],
) -> list[BundleCheck]:
    """One bundle per party by the CLI, each checked by the standalone verifier."""
    folder.mkdir(parents=True, exist_ok=True)
    offline = folder / "verifier"
    shutil.rmtree(offline, ignore_errors=True)
    shutil.copytree(
        Path(verifier_package.__file__).parent,
        offline,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    jobs = {}
    for party, node in nodes.nodes.items():  # both parties' bundles at once: one per core
        policy = folder / f"{party.lower()}-policy.txt"
        policy.write_text(policy_text(nodes, party), encoding="utf-8")
        bundle = folder / f"{party.lower()}-bundle.json"
        args = ["evidence", "bundle", "-w", str(node.workspace.path), "--out", str(bundle)]
        args += [f"--sequence={s}" for s in sequences[party]]
        args += [f"--inspection={i}" for i in inspections.get(party, ())]
        args += ["--policy", str(policy)]
        process = _start([sys.executable, "-m", "treatyledger.cli", *args])
        jobs[party] = (process, bundle, policy, args)
    for party, (process, _bundle, _policy, _args) in jobs.items():
        _out, err = process.communicate(timeout=SUBPROCESS_TIMEOUT)
        if process.returncode != 0:
            raise EvidenceError(f"{party}: evidence bundle failed: {err.strip()[-500:]}")
    checks = _verify_all({p: (b, pol) for p, (_, b, pol, _) in jobs.items()}, offline)
    for check in checks:
        args = jobs[check.party][3]
        records = len(inspections.get(check.party, ()))
        shown = " ".join(a for a in args if not a.startswith("--inspection="))
        check.commands = (
            f"treatyledger {shown}" + (f" --inspection=ID (x{records})" if records else ""),
            f"cd {folder} && python -m verifier bundle {check.bundle.name} "
            f"--policy {check.policy.name}",
        )
    return checks


def _start(command: list[str], cwd: Path | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _verify_all(bundles: Mapping[str, tuple[Path, Path]], offline: Path) -> list[BundleCheck]:
    """``python -m verifier bundle`` from the copied package, TreatyLedger unimportable,
    one process per bundle."""
    jobs = {}
    for party, (bundle, policy) in bundles.items():
        args = ["bundle", str(bundle.resolve()), "--policy", str(policy.resolve())]
        script = (
            "import sys, runpy; sys.path.insert(0, '.'); sys.modules['treatyledger'] = None; "
            f"sys.argv = ['verifier', *{args!r}]; "
            "runpy.run_module('verifier', run_name='__main__')"
        )
        jobs[party] = _start([sys.executable, "-I", "-c", script], cwd=offline.parent)
    checks = []
    for party, process in jobs.items():
        out, err = process.communicate(timeout=SUBPROCESS_TIMEOUT)
        try:
            answer = json.loads(out or err)
        except json.JSONDecodeError:
            answer = {"valid": False, "error": (err or out).strip()[-500:]}
        valid = process.returncode == 0 and answer.get("valid", True) is not False
        bundle, policy = bundles[party]
        checks.append(BundleCheck(party, bundle, policy, valid, answer))
    return checks
