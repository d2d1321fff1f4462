"""The standalone verifier's command line: ``python -m verifier bundle FILE --policy POLICY``
(an evidence bundle), ``python -m verifier evidence FILE --vkey VKEY`` (equivocation
evidence); JSON on stdout; exit 0 valid, 1 invalid, 2 unreadable input. Inside TreatyLedger:
``python -m treatyledger.tlog.verifier ...``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from ._errors import VerificationError
from .bundles import MAX_BUNDLE_BYTES, verify_bundle
from .evidence import verify_evidence
from .notes import parse_vkey
from .policy import MAX_POLICY_BYTES, parse_policy
from .signatures import parse_party_key


def main(argv: Sequence[str] | None = None) -> int:
    """``python verifier.py bundle FILE [--policy FILE]`` (also ``evidence FILE [--vkey V]``):
    print what verified as JSON; exit 0 valid, 1 invalid, 2 unreadable input."""
    parser = argparse.ArgumentParser(description="TreatyLedger standalone verifier")
    sub = parser.add_subparsers(dest="command", required=True)
    bundle = sub.add_parser("bundle", help="verify an offline evidence bundle")
    bundle.add_argument("file")
    bundle.add_argument("--policy", help="your tlog-policy file (else the bundle's, untrusted)")
    bundle.add_argument(
        "--party-key",
        action="append",
        default=[],
        metavar="PARTY=KEY",
        help="a party's Ed25519 key you trust (base64 raw; repeatable; else the bundle's)",
    )
    evidence = sub.add_parser("evidence", help="verify equivocation evidence")
    evidence.add_argument("file")
    evidence.add_argument("--vkey", help="the log's verifier key you trust")
    args = parser.parse_args(argv)
    try:
        with open(args.file, "rb") as handle:
            raw = handle.read(MAX_BUNDLE_BYTES + 1)
        if args.command == "bundle":
            policy = None
            if args.policy:
                with open(args.policy, "rb") as handle:
                    policy = parse_policy(handle.read(MAX_POLICY_BYTES + 1))
            keys = _trusted_keys(args.party_key) if args.party_key else None
            print(json.dumps(verify_bundle(raw, policy, keys).to_json_dict(), indent=2))
        else:
            key = parse_vkey(args.vkey) if args.vkey else None
            summary = verify_evidence(raw, key)
            print(json.dumps({"valid": True, "reason": summary.reason}))
    except (OSError, UnreadableArgument) as exc:
        print(json.dumps({"valid": False, "error": str(exc)}), file=sys.stderr)
        return 2
    except VerificationError as exc:
        print(json.dumps({"valid": False, "error": str(exc)}))
        return 1
    return 0


def _trusted_keys(pairs: Sequence[str]) -> dict[str, list[bytes]]:
    keys: dict[str, list[bytes]] = {}
    for pair in pairs:
        party, sep, text = pair.partition("=")
        if not sep or not party:
            raise UnreadableArgument(f"--party-key {pair!r}: expected PARTY=KEY")
        try:
            keys.setdefault(party, []).append(parse_party_key(text, f"--party-key {party}"))
        except VerificationError as exc:
            raise UnreadableArgument(str(exc)) from None
    return keys


class UnreadableArgument(Exception):
    """A command-line value that cannot be read (exit 2, like an unreadable file)."""


if __name__ == "__main__":
    sys.exit(main())
