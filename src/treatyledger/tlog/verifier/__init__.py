"""The standalone TreatyLedger transparency-log verifier.

One package, Python standard library plus ``cryptography``: a third party may copy this
directory out and check what a TreatyLedger node hands them without the rest of the system
(``python -m verifier bundle FILE --policy POLICY``; see ``__main__``).

It verifies
- RFC 9162 section 2.1.3.2 inclusion proofs and section 2.1.4.2 consistency proofs over the
  RFC 6962 SHA-256 tree hash (leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || l || r)),
  with the edge semantics of transparency-dev/merkle ``proof/verify.go``;
- C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys in ``vkey`` form;
- C2SP tlog-checkpoints (https://c2sp.org/tlog-checkpoint) signed by Ed25519 (type 0x01) or
  ML-DSA-44 (type 0x06) log keys, and tlog-cosignatures with timestamps
  (https://c2sp.org/tlog-cosignature): Ed25519 ``cosignature/v1`` (0x04) and ML-DSA-44
  ``subtree/v1`` (0x06);
- C2SP tlog-policy files (https://c2sp.org/tlog-policy): which logs, which witnesses and
  what quorum (k of n, nested) a checkpoint needs;
- TreatyLedger equivocation evidence: two checkpoints signed by one log key that cannot both
  describe one append-only log;
- TreatyLedger offline evidence bundles: notifications with their tlog-proofs under one
  checkpoint, its cosignatures and the verifier policy.

Every function checks its preconditions first and raises a ``VerificationError`` subclass
that says what was expected and what was found. ``root_from_*`` functions compute; the
``verify_*`` functions compare, so the check itself is one line.
"""

from __future__ import annotations

from ._errors import (
    CheckpointError,
    EvidenceError,
    NoteError,
    ProofError,
    RootMismatchError,
    SignatureError,
    VerificationError,
)
from .bundles import (
    BUNDLE_FORMAT,
    DIGEST_LEAF_TAG,
    MAX_BUNDLE_BYTES,
    MAX_INLINE_ENTRY,
    BundleEntry,
    BundleError,
    BundleSummary,
    entry_leaf,
    verify_bundle,
)
from .checkpoints import (
    TLOG_PROOF_HEADER,
    Checkpoint,
    TlogProof,
    VerifiedCheckpoint,
    parse_checkpoint,
    parse_tlog_proof,
    verify_checkpoint,
    verify_tlog_proof,
)
from .evidence import (
    EVIDENCE_FORMAT,
    MAX_EVIDENCE_BYTES,
    EvidenceSummary,
    verify_evidence,
)
from .notes import (
    MAX_NOTE_BYTES,
    SIG_TYPE_COSIGNATURE,
    SIG_TYPE_ED25519,
    SIG_TYPE_MLDSA44,
    Cosignature,
    NoteSignature,
    ParsedNote,
    VerifiedNote,
    VerifierKey,
    compute_key_id,
    cosignature_message,
    parse_note,
    parse_vkey,
    subtree_message,
    verify_note,
)
from .policy import (
    MAX_POLICY_BYTES,
    Policy,
    PolicyError,
    PolicyGroup,
    parse_policy,
)
from .proofs import (
    RFC6962,
    Hasher,
    Sha256Hasher,
    consistency_proof_roots,
    decode_hash,
    parse_decimal,
    root_from_consistency_proof,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from .signatures import (
    NotificationSignatureError,
    SignedBy,
    canonical_json,
    notification_key_id,
    parse_party_keys,
    verify_notification_signature,
)

__all__ = [
    "BUNDLE_FORMAT",
    "DIGEST_LEAF_TAG",
    "EVIDENCE_FORMAT",
    "MAX_BUNDLE_BYTES",
    "MAX_EVIDENCE_BYTES",
    "MAX_INLINE_ENTRY",
    "MAX_NOTE_BYTES",
    "MAX_POLICY_BYTES",
    "RFC6962",
    "SIG_TYPE_COSIGNATURE",
    "SIG_TYPE_ED25519",
    "SIG_TYPE_MLDSA44",
    "TLOG_PROOF_HEADER",
    "BundleEntry",
    "BundleError",
    "BundleSummary",
    "Checkpoint",
    "CheckpointError",
    "Cosignature",
    "EvidenceError",
    "EvidenceSummary",
    "Hasher",
    "NoteError",
    "NoteSignature",
    "NotificationSignatureError",
    "ParsedNote",
    "Policy",
    "PolicyError",
    "PolicyGroup",
    "ProofError",
    "RootMismatchError",
    "Sha256Hasher",
    "SignatureError",
    "SignedBy",
    "TlogProof",
    "VerificationError",
    "VerifiedCheckpoint",
    "VerifiedNote",
    "VerifierKey",
    "canonical_json",
    "compute_key_id",
    "consistency_proof_roots",
    "cosignature_message",
    "decode_hash",
    "entry_leaf",
    "notification_key_id",
    "parse_checkpoint",
    "parse_decimal",
    "parse_note",
    "parse_party_keys",
    "parse_policy",
    "parse_tlog_proof",
    "parse_vkey",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "subtree_message",
    "verify_bundle",
    "verify_checkpoint",
    "verify_consistency",
    "verify_evidence",
    "verify_inclusion",
    "verify_note",
    "verify_notification_signature",
    "verify_tlog_proof",
]
