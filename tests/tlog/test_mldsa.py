"""ML-DSA-44 log signatures and cosignatures (C2SP tlog-cosignature type 0x06), checked
against published vectors: torchwood's ML-DSA-44 log (the key litewitness is tested with)
and pyca/cryptography's FIPS 204 known-answer records; then signed by us and verified."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PrivateKey

from treatyledger.tlog.checkpoint import Checkpoint, sign_checkpoint
from treatyledger.tlog.cosignature import cosign, cosignature_line
from treatyledger.tlog.note import MLDSASigner, NoteError, parse_skey
from treatyledger.tlog.verifier import (
    SIG_TYPE_MLDSA44,
    SignatureError,
    VerifierKey,
    parse_note,
    parse_vkey,
    subtree_message,
    verify_checkpoint,
    verify_note,
)
from treatyledger.tlog.witness import parse_add_checkpoint

from .keys import LOG_ORIGIN, LOG_SIGNER, test_seed

FIXTURES = Path(__file__).parent.parent / "fixtures" / "tlog"
TORCHWOOD = json.loads((FIXTURES / "torchwood_mldsa_log.json").read_text())
KAT = json.loads((FIXTURES / "pyca_mldsa44_kat.json").read_text())["records"]


def test_torchwood_log_vkey_parses_and_round_trips() -> None:
    key = parse_vkey(TORCHWOOD["log_vkey"])
    assert (key.name, f"{key.key_id:08x}", key.sig_type) == (
        "example.com/mldsa-log",
        "b5df45c5",
        SIG_TYPE_MLDSA44,
    )
    assert len(key.public_key) == 1312
    assert str(key) == TORCHWOOD["log_vkey"]


def test_our_signer_from_the_torchwood_seed_has_the_published_key() -> None:
    signer = MLDSASigner.from_seed("example.com/mldsa-log", bytes.fromhex(TORCHWOOD["seed_hex"]))
    assert str(signer.verifier_key()) == TORCHWOOD["log_vkey"]


def test_torchwood_checkpoint_verifies_under_its_ml_dsa_log_key() -> None:
    verified = verify_checkpoint(TORCHWOOD["checkpoint_note"], parse_vkey(TORCHWOOD["log_vkey"]))
    record_hash = hashlib.sha256(b"\x00" + TORCHWOOD["record"].encode()).digest()
    assert (verified.checkpoint.size, verified.checkpoint.root) == (1, record_hash)
    assert verified.cosignatures == ()  # the log's own signature is not a witness's


def test_torchwood_add_checkpoint_body_parses_to_the_same_note() -> None:
    old, proof, note = parse_add_checkpoint(TORCHWOOD["add_checkpoint_body"])
    assert (old, proof, note) == (0, [], TORCHWOOD["checkpoint_note"])


@pytest.mark.parametrize("field", ["size", "root", "timestamp", "signature"])
def test_torchwood_checkpoint_with_a_changed_part_is_rejected(field: str) -> None:
    note = TORCHWOOD["checkpoint_note"]
    text, _, line = note.partition("\n\n")
    blob = bytearray(base64.b64decode(line.split(" ")[-1]))
    if field == "size":
        text = text.replace("\n1\n", "\n2\n")
    elif field == "root":
        root = base64.b64decode(text.split("\n")[2])
        text = text.replace(text.split("\n")[2], base64.b64encode(bytes(32) + root)[:44].decode())
    else:
        blob[4 + 7 if field == "timestamp" else 4 + 8 + 100] ^= 1
    forged = text + "\n\n\u2014 example.com/mldsa-log " + base64.b64encode(blob).decode() + "\n"
    with pytest.raises((SignatureError, NoteError)):
        verify_checkpoint(forged, parse_vkey(TORCHWOOD["log_vkey"]))


@pytest.mark.parametrize("record", KAT, ids=lambda r: f"count-{r['count']}")
def test_pyca_kat_record_key_and_signature(record: dict[str, str]) -> None:
    # FIPS 204 known answers: the key from the seed, and the published signature verifies
    # through the verifier's key type; one flipped message bit does not.
    private = MLDSA44PrivateKey.from_seed_bytes(bytes.fromhex(record["xi"]))
    assert private.public_key().public_bytes_raw().hex() == record["pk"]
    public = private.public_key()
    message, signature = bytes.fromhex(record["msg"]), bytes.fromhex(record["signature"])
    context = bytes.fromhex(record["ctx"]) or None
    public.verify(signature, message, context)
    with pytest.raises(InvalidSignature):
        public.verify(signature, bytes([message[0] ^ 1]) + message[1:], context)


def test_verifier_key_type_checks_a_pyca_kat_signature_with_empty_context() -> None:
    # The note types use pure ML-DSA with an empty context: a KAT record whose context is
    # not empty must fail under the verifier key, proving the context is really empty.
    record = KAT[0]
    key = VerifierKey("kat", 0, SIG_TYPE_MLDSA44, bytes.fromhex(record["pk"]))
    message, signature = bytes.fromhex(record["msg"]), bytes.fromhex(record["signature"])
    assert record["ctx"] and not key.verify(message, signature)


def test_subtree_message_layout() -> None:
    # tlog-cosignature's cosigned_message, field by field (the struct in the spec).
    message = subtree_message("w.example/a", 7, "log.example/x", 0, 5, bytes(range(32)))
    assert message == (
        b"subtree/v1\n\x00"
        + b"\x0bw.example/a"
        + (7).to_bytes(8, "big")
        + b"\x0dlog.example/x"
        + (0).to_bytes(8, "big")
        + (5).to_bytes(8, "big")
        + bytes(range(32))
    )


ML_LOG = MLDSASigner.from_seed(LOG_ORIGIN, test_seed("ml-dsa log US"))
ML_WITNESS = MLDSASigner.from_seed("witness.example/pq", test_seed("ml-dsa witness"))


def test_ml_dsa_log_signs_a_checkpoint_we_verify() -> None:
    note = sign_checkpoint(Checkpoint(LOG_ORIGIN, 3, bytes(range(32))), ML_LOG)
    verified = verify_checkpoint(note, ML_LOG.verifier_key())
    assert verified.checkpoint.size == 3
    line = parse_note(note).signatures[0]
    assert len(line.signature) == 8 + 2420 and line.signature[:8] == bytes(8)


def test_ml_dsa_cosignature_beside_ed25519_log_signature() -> None:
    note = sign_checkpoint(Checkpoint(LOG_ORIGIN, 3, bytes(range(32))), LOG_SIGNER)
    cosigned = cosign(note, ML_WITNESS, 1_700_000_000)
    verified = verify_checkpoint(cosigned, LOG_SIGNER.verifier_key(), [ML_WITNESS.verifier_key()])
    assert [(c.name, c.timestamp) for c in verified.cosignatures] == [
        ("witness.example/pq", 1_700_000_000)
    ]


def test_ml_dsa_cosignature_commits_to_the_cosigner_name() -> None:
    # Unlike Ed25519 cosignature/v1, the ML-DSA message names the cosigner: the same key
    # under another name does not verify.
    note = sign_checkpoint(Checkpoint(LOG_ORIGIN, 3, bytes(range(32))), LOG_SIGNER)
    line = cosignature_line(ML_WITNESS, parse_note(note).text, 5)
    renamed = MLDSASigner("witness.example/other", ML_WITNESS.private_key, ML_WITNESS.seed)
    blob = bytearray(base64.b64decode(line.strip().split(" ")[-1]))
    blob[:4] = renamed.key_id.to_bytes(4, "big")
    forged = f"\u2014 witness.example/other {base64.b64encode(blob).decode()}\n"
    with pytest.raises(SignatureError):
        verify_note(note + forged, [LOG_SIGNER.verifier_key(), renamed.verifier_key()])


def test_ml_dsa_refuses_checkpoints_with_extension_lines() -> None:
    checkpoint = Checkpoint(LOG_ORIGIN, 3, bytes(range(32)), ("extension",))
    with pytest.raises(NoteError, match="extension lines"):
        sign_checkpoint(checkpoint, ML_LOG)
    note = sign_checkpoint(checkpoint, LOG_SIGNER)
    with pytest.raises(NoteError, match="extension lines"):
        cosign(note, ML_WITNESS, 5)


def test_ml_dsa_skey_round_trips() -> None:
    signer = parse_skey(ML_LOG.skey())
    assert isinstance(signer, MLDSASigner)
    assert signer.verifier_key() == ML_LOG.verifier_key()
