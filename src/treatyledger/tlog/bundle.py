"""Offline evidence bundles (``treatyledger/evidence-bundle/v1``): one JSON file a third
party verifies on an air-gapped machine with the standalone verifier alone
(``verifier.verify_bundle``, or ``python verifier.py bundle FILE --policy POLICY``).

It carries the checkpoint with its cosignatures, the verifier policy (C2SP tlog-policy: who
the log is, which witnesses count, the quorum), the party's registered public keys (which
the verifier checks each notification's signature with, unless it brings its own), and per
notification asked for its signed bytes and a C2SP tlog-proof under that checkpoint;
optionally commitment openings (each naming the sequence of its logged
``escrow_commitment``) and inspection records. Built only after it verifies. Pure."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from treatyledger.tlog.verifier import (
    BUNDLE_FORMAT,
    BundleSummary,
    TlogProof,
    parse_policy,
    verify_bundle,
)

__all__ = ["BUNDLE_FORMAT", "build_bundle", "bundle_json"]


def build_bundle(
    checkpoint_note: str,
    policy_text: str,
    entries: Sequence[tuple[int, bytes, Sequence[bytes]]],
    *,
    openings: Sequence[Mapping[str, Any]] = (),
    inspections: Sequence[Mapping[str, Any]] = (),
    created: str | None = None,
    party_keys: Mapping[str, Sequence[str]] | None = None,
) -> tuple[dict[str, Any], BundleSummary]:
    """The bundle of ``entries`` ((leaf index, entry bytes, inclusion proof) each, proofs
    to the checkpoint's size) and its verified summary; raises if it does not verify under
    ``policy_text``. ``party_keys``: party -> base64 raw Ed25519 keys its notifications are
    signed with."""
    document: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "checkpoint": checkpoint_note,
        "policy": policy_text,
        "party_keys": {party: sorted(keys) for party, keys in (party_keys or {}).items()},
        "entries": [
            {
                "entry": base64.b64encode(entry).decode(),
                "proof": TlogProof(index, tuple(proof), checkpoint_note).text(),
            }
            for index, entry, proof in entries
        ],
    }
    if created is not None:
        document["created"] = created
    if openings:
        document["openings"] = [dict(o) for o in openings]
    if inspections:
        document["inspections"] = [dict(i) for i in inspections]
    summary = verify_bundle(document, parse_policy(policy_text))
    return document, summary


def bundle_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=1, sort_keys=True) + "\n"
