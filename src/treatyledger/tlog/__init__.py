"""treatyledger.tlog: RFC 6962/9162 Merkle logs with C2SP signed checkpoints, cosignatures,
witnessing and offline equivocation evidence. Pure: stdlib + cryptography, no I/O.

Start with ``verifier`` (the standalone verifier a third party can copy out), ``proofs``
(generation from any node reader), ``memory`` (in-memory log), ``checkpoint`` / ``note`` /
``cosignature`` (signing), ``witness`` and ``evidence``. Durable logs live in
``treatyledger.store.tlog_store``. docs/architecture.md describes every module.
"""
