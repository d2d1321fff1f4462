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


def main(argv: Sequence[str] | None = None) -> int:
    """``python verifier.py bundle FILE [--policy FILE]`` (also ``evidence FILE [--vkey V]``):
    print what verified as JSON; exit 0 valid, 1 invalid, 2 unreadable input."""
    parser = argparse.ArgumentParser(description="TreatyLedger standalone verifier")
    sub = parser.add_subparsers(dest="command", required=True)
    bundle = sub.add_parser("bundle", help="verify an offline evidence bundle")
    bundle.add_argument("file")
    bundle.add_argument("--policy", help="your tlog-policy file (else the bundle's, untrusted)")
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
            print(json.dumps(verify_bundle(raw, policy).to_json_dict(), indent=2))
        else:
            key = parse_vkey(args.vkey) if args.vkey else None
            summary = verify_evidence(raw, key)
            print(json.dumps({"valid": True, "reason": summary.reason}))
    except OSError as exc:
        print(json.dumps({"valid": False, "error": str(exc)}), file=sys.stderr)
        return 2
    except VerificationError as exc:
        print(json.dumps({"valid": False, "error": str(exc)}))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
