"""Zero-knowledge limit proofs: proving and verifying one category's limit statement.

For n bases at k bits: commit to each base's value and prove every value and the slack
(limit - total) in [0, 2^k) (`zk.limits.prove_statement`), then check it
(`zk.verifier.verify_limit_proof`). Sizes: the range proof alone (32 bytes per point and per
scalar) beside the Bulletproofs bound 2 log2(n k) + 9 elements, and the whole JSON document
(the n commitments included). Times are wall seconds and CPU seconds (every thread's,
`time.process_time`: on a shared machine the work, where wall time is what the load left) of
one run each (500 bases) or the best of 3 (50 bases); generators are derived before timing
(their first derivation is printed apart).

Baselines, measured in the same run:
- `bits`: a plain bit-decomposition proof over the same libsodium group: per value, k
  Pedersen commitments to its bits and a Cramer-Damgard-Schoenmakers OR-proof per bit that
  it commits to 0 or 1 (Fiat-Shamir, SHA-512), the value's commitment being sum 2^j C_j.
  Written here, for this benchmark only.
- `zksk`: zksk-fork's `PowerTwoRangeStmt` (bit-wise OR-proofs over petlib/OpenSSL, NIST P-256)
  per value, where zksk-fork installs (`make bench` tries).

k = 12: aggregated Bulletproofs need bits per value a power of two (the inner-product
argument halves n m each round), so a 12-bit statement is proven at 16 bits per value; the
12-bit bound follows from the limit (below 2^12) and the values adding up to it
(`zk.verifier`), so k = 12 costs what k = 16 costs. The bound 2 log2(nk) + 9 is printed for
the n bases at k bits, and beside it what the padded proof has.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from treatyledger.zk import ristretto as group
from treatyledger.zk.generators import H, commit, vector_generators
from treatyledger.zk.limits import CategoryInput, prove_statement
from treatyledger.zk.verifier import range_bits, range_values, verify_limit_proof

CASES = [(50, 12), (500, 12), (50, 16), (500, 16)]
TARGETS = {50: (1.0, 0.5), 500: (10.0, 5.0)}  # (prove, verify) seconds


@dataclass(frozen=True)
class Timing:
    """Wall seconds (what the shared machine gave) and CPU seconds of the process, every
    thread's (``time.process_time``: the work itself, which the load barely changes)."""

    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:.2f} s wall / {self.cpu:.2f} s CPU"


def timed(run: Callable[[], Any], repeat: int) -> tuple[Timing, Any]:
    """The best of ``repeat`` runs, wall and CPU each."""
    wall, cpu, result = math.inf, math.inf, None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = run()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return Timing(wall, cpu), result


def values_for(n: int, bits: int) -> tuple[dict[str, int], int]:
    top = max(1, min(40, ((1 << bits) - 18) // n))  # the total stays within a k-bit limit
    values = {f"BASE-{i:04d}": secrets.randbelow(top) for i in range(n)}
    return values, min((1 << bits) - 1, sum(values.values()) + 17)


def ours(n: int, bits: int, repeat: int) -> dict[str, Any]:
    values, limit = values_for(n, bits)

    def prove() -> Any:
        return prove_statement(
            party="US",
            rule_set="new-start",
            as_of=dt.date(2018, 2, 5),
            by="facility",
            bits=bits,
            checkpoint=None,
            categories=[CategoryInput("deployed_warheads", limit, values)],
            random_bytes=secrets.token_bytes,
        )[0]

    prove_s, proof = timed(prove, repeat)
    verify_s, _ = timed(lambda: verify_limit_proof(proof), repeat)
    total_bits = range_bits(bits) * range_values(n)
    return {
        "prove": prove_s,
        "verify": verify_s,
        "range_proof_bytes": proof.proof_bytes(),
        "elements": proof.proofs[0].group_elements + 5,
        "bound": 2 * math.log2(n * bits) + 9,
        "bound_padded": 2 * math.log2(total_bits) + 9,
        "document_bytes": len(json.dumps(proof.to_json(), separators=(",", ":"))),
    }


# --- group operations: counted, and their cost in this run ----------------------------------


class OperationCount:
    """Counts libsodium's point operations while active (``ristretto`` looks its ``_mul``,
    ``_add``, ``_sub`` up at each call), so a figure can be checked against the machine's load:
    the count does not depend on it."""

    NAMES = ("_mul", "_add", "_sub", "_mul_base")

    def __init__(self) -> None:
        self.counts = dict.fromkeys(self.NAMES, 0)
        self._saved: dict[str, Any] = {}

    def __enter__(self) -> OperationCount:
        for name in self.NAMES:
            original = getattr(group, name)
            self._saved[name] = original

            def counting(*args: Any, _name: str = name, _f: Any = original) -> Any:
                self.counts[_name] += 1
                return _f(*args)

            setattr(group, name, counting)
        return self

    def __exit__(self, *_: object) -> None:
        for name, original in self._saved.items():
            setattr(group, name, original)

    @property
    def muls(self) -> int:
        return self.counts["_mul"] + self.counts["_mul_base"]

    @property
    def adds(self) -> int:
        return self.counts["_add"] + self.counts["_sub"]


def operation_costs() -> tuple[float, float]:
    """Seconds per scalar multiplication and per addition on one thread, now."""
    g, h = vector_generators(2)
    scalar = group.scalar_from_wide(secrets.token_bytes(64))
    runs = 500
    start = time.perf_counter()
    for _ in range(runs):
        group.mul(scalar, g[0])
    mul = (time.perf_counter() - start) / runs
    start = time.perf_counter()
    for _ in range(runs):
        group.add(g[0], h[0])
    return mul, (time.perf_counter() - start) / runs


def cpu_pressure() -> str:
    """Linux PSI: the share of the last 10 s in which some runnable task waited for a CPU."""
    try:
        with open("/proc/pressure/cpu") as f:
            return f.readline().split()[1].removeprefix("avg10=") + " %"
    except OSError:
        return "unknown"


def counted(n: int, bits: int) -> tuple[OperationCount, OperationCount]:
    values, limit = values_for(n, bits)
    with OperationCount() as proving:
        proof, _ = prove_statement(
            party="US",
            rule_set="new-start",
            as_of=dt.date(2018, 2, 5),
            by="facility",
            bits=bits,
            checkpoint=None,
            categories=[CategoryInput("deployed_warheads", limit, values)],
            random_bytes=secrets.token_bytes,
        )
    with OperationCount() as verifying:
        verify_limit_proof(proof)
    return proving, verifying


# --- baseline: bit decomposition with CDS OR-proofs, same group -----------------------------


def _challenge(*parts: bytes) -> int:
    return group.scalar_from_wide(hashlib.sha512(b"".join(parts)).digest())


def _random() -> int:
    return group.scalar_from_wide(secrets.token_bytes(64))


BitProof = tuple[bytes, int, int, int, int]  # C_j, c0, c1, s0, s1


def bits_prove(value: int, blinding: int, bits: int) -> list[BitProof]:
    """Per bit j: C_j = b_j G + r_j H with sum 2^j r_j = blinding, and the OR-proof that
    C_j = r H (b = 0) or C_j - G = r H (b = 1): the true branch a Schnorr proof, the other
    simulated, c0 + c1 = SHA-512(C_j, R0, R1)."""
    order = group.ORDER
    blindings = [_random() for _ in range(bits - 1)]
    rest = blinding - sum(r << j for j, r in enumerate(blindings))
    blindings.append(rest * pow(1 << (bits - 1), -1, order) % order)
    proof = []
    for j in range(bits):
        bit, r = (value >> j) & 1, blindings[j]
        c_j = commit(bit, r)
        targets = (c_j, group.sub(c_j, group.GENERATOR))
        w, c_fake, s_fake = _random(), _random(), _random()
        points = [b"", b""]
        points[bit] = group.mul(w, H)
        points[1 - bit] = group.sub(group.mul(s_fake, H), group.mul(c_fake, targets[1 - bit]))
        c_real = (_challenge(c_j, *points) - c_fake) % order
        s_real = (w + c_real * r) % order
        if bit == 0:
            proof.append((c_j, c_real, c_fake, s_real, s_fake))
        else:
            proof.append((c_j, c_fake, c_real, s_fake, s_real))
    return proof


def bits_verify(commitment: bytes, proof: list[BitProof]) -> bool:
    total = group.multiscalar([1 << j for j in range(len(proof))], [p[0] for p in proof])
    if total != commitment:
        return False
    for c_j, c0, c1, s0, s1 in proof:
        r0 = group.sub(group.mul(s0, H), group.mul(c0, c_j))
        r1 = group.sub(group.mul(s1, H), group.mul(c1, group.sub(c_j, group.GENERATOR)))
        if (c0 + c1) % group.ORDER != _challenge(c_j, r0, r1):
            return False
    return True


def baseline_bits(n: int, bits: int) -> dict[str, Any]:
    values = [secrets.randbelow(1 << bits) for _ in range(n + 1)]
    blindings = [_random() for _ in values]
    commitments = [commit(v, r) for v, r in zip(values, blindings, strict=True)]
    prove_s, proofs = timed(
        lambda: [bits_prove(v, r, bits) for v, r in zip(values, blindings, strict=True)], 1
    )
    verify_s, ok = timed(
        lambda: all(bits_verify(c, p) for c, p in zip(commitments, proofs, strict=True)), 1
    )
    assert ok
    return {"prove": prove_s, "verify": verify_s, "bytes": (n + 1) * bits * 5 * 32}


def baseline_zksk(n: int, bits: int) -> dict[str, Any] | None:
    try:
        from petlib.ec import EcGroup
        from zksk import Secret, utils
        from zksk.primitives.rangeproof import PowerTwoRangeStmt
    except ImportError:
        return None
    g, h = utils.make_generators(2, group=EcGroup(415))  # NIST P-256
    order = g.group.order()
    values = [secrets.randbelow(1 << bits) for _ in range(n + 1)]
    blindings = [order.random() for _ in values]
    commitments = [v * g + r * h for v, r in zip(values, blindings, strict=True)]

    def prove() -> list[Any]:
        return [
            PowerTwoRangeStmt(c, g, h, bits, Secret(value=v), Secret(value=r)).prove()
            for c, v, r in zip(commitments, values, blindings, strict=True)
        ]

    prove_s, proofs = timed(prove, 1)

    def verify() -> bool:
        return all(
            PowerTwoRangeStmt(c, g, h, bits, Secret(), Secret()).verify(p)
            for c, p in zip(commitments, proofs, strict=True)
        )

    verify_s, ok = timed(verify, 1)
    assert ok
    return {"prove": prove_s, "verify": verify_s, "bytes": sum(len(p.serialize()) for p in proofs)}


def _row(label: str, prove: Timing, verify: Timing, size: int, ours: dict[str, Any]) -> str:
    """A baseline beside ours; the ratios are of CPU seconds (the work), wall in brackets."""
    return (
        f"  {label:<22} prove {prove} ({prove.cpu / ours['prove'].cpu:5.1f}x ours)"
        f"  verify {verify} ({verify.cpu / ours['verify'].cpu:5.1f}x ours)"
        f"  proofs {size / 1024:8.1f} KiB"
    )


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} (1/5 min), CPU pressure {cpu_pressure()}"


def main() -> int:
    print(__doc__.split("\n\n")[0])
    print(
        f"group operations on {group.WORKERS} threads, {os.cpu_count()} CPUs; machine shared: "
        "wall seconds, and CPU seconds of every thread (time.process_time)"
    )
    print(f"at the start: {load()} (CPU pressure: Linux PSI some avg10)")
    derived, _ = timed(
        lambda: vector_generators(max(range_bits(bits) * range_values(n) for n, bits in CASES)), 1
    )
    print(f"deriving the vector generators once (a fresh process pays this): {derived}")
    for n, bits in CASES:
        result = ours(n, bits, repeat=3 if n <= 50 else 1)
        print(
            f"\n{n} bases, k = {bits}: prove {result['prove']}, "
            f"verify {result['verify']}; range proof {result['range_proof_bytes']} bytes "
            f"= {result['elements']} elements (bound 2 log2(nk) + 9 = {result['bound']:.1f}, "
            f"{result['bound_padded']:.0f} for the values the proof covers, padded); "
            f"document {result['document_bytes'] / 1024:.1f} KiB"
        )
        proving, verifying = counted(n, bits)
        mul, add = operation_costs()
        one_thread = [c.muls * mul + c.adds * add for c in (proving, verifying)]
        print(
            f"  group operations: prove {proving.muls} mul + {proving.adds} add, verify "
            f"{verifying.muls} mul + {verifying.adds} add; one mul {mul * 1e6:.0f} us, one add "
            f"{add * 1e6:.0f} us now, so one thread: prove {one_thread[0]:.2f} s, "
            f"verify {one_thread[1]:.2f} s ({load()})"
        )
        bits_result = baseline_bits(n, bits)
        print(_row("bits (CDS OR-proofs)", bits_result["prove"], bits_result["verify"],
                   bits_result["bytes"], result))  # fmt: skip
        zksk = baseline_zksk(n, bits)
        if zksk is None:
            print("  zksk-fork              not installed (pip install zksk-fork attrs)")
        else:
            print(_row("zksk-fork RangeStmt", zksk["prove"], zksk["verify"], zksk["bytes"],
                       result))  # fmt: skip
        if n in TARGETS:
            prove_target, verify_target = TARGETS[n]
            verdicts = []
            for clock in ("wall", "cpu"):
                met = (
                    getattr(result["prove"], clock) < prove_target
                    and getattr(result["verify"], clock) < verify_target
                )
                verdicts.append(f"{'met' if met else 'MISSED'} in {clock} time")
            print(
                f"  target: prove < {prove_target:g} s, verify < {verify_target:g} s: "
                + ", ".join(verdicts)
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
