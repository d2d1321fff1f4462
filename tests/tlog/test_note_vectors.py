"""C2SP signed-note, tlog-checkpoint, tlog-cosignature and tlog-witness vectors
(tests/fixtures/tlog/c2sp_signed_note_vectors.json; sources in the README there)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from treatyledger.tlog.checkpoint import parse_checkpoint
from treatyledger.tlog.note import NoteError, SignatureError, parse_note, parse_skey, sign_note
from treatyledger.tlog.verifier import cosignature_message, parse_vkey, verify_note
from treatyledger.tlog.witness import parse_add_checkpoint

DATA = json.loads(
    (
        Path(__file__).parent.parent / "fixtures" / "tlog" / "c2sp_signed_note_vectors.json"
    ).read_text()
)
VECTORS = {v["id"]: v for v in DATA["vectors"]}
MALFORMED = VECTORS["go-sumdb-note-malformed"]["malformed_notes"]


def vector(name: str) -> dict[str, Any]:
    return VECTORS[name]


def test_c2sp_example_note_verifies() -> None:
    v = vector("c2sp-signed-note-example")
    opened = verify_note(v["note"], [parse_vkey(v["vkey"])])
    assert opened.text == v["text"]
    assert [s.name for s in opened.verified] == ["example.com/foo"]


@pytest.mark.parametrize("vkey", sorted({v["vkey"] for v in DATA["vectors"] if "vkey" in v}))
def test_vkey_round_trips(vkey: str) -> None:
    assert str(parse_vkey(vkey)) == vkey


def test_vkey_with_wrong_key_id_is_rejected() -> None:
    good = vector("go-sumdb-note-peterneumann")["vkey"]
    with pytest.raises(NoteError, match="does not match"):
        parse_vkey(good.replace("c74f20a3", "c74f20a4"))


def test_peterneumann_note_verifies() -> None:
    v = vector("go-sumdb-note-peterneumann")
    assert verify_note(v["note"], [parse_vkey(v["vkey"])]).text == v["text"]


def test_peterneumann_resigning_is_byte_for_byte() -> None:
    v = vector("go-sumdb-note-peterneumann")
    signer = parse_skey(v["skey"])
    assert str(signer.verifier_key()) == v["vkey"]
    assert sign_note(v["text"], [signer]) == v["note"]
    assert signer.skey() == v["skey"]


def test_two_signers_with_one_trusted_gives_one_unverified() -> None:
    v = vector("go-sumdb-note-two-signers")
    opened = verify_note(v["note"], [parse_vkey(v["vkeys"][0])])
    assert [s.name for s in opened.verified] == ["PeterNeumann"]
    assert [s.name for s in opened.unverified] == ["EnochRoot"]


def test_two_signers_both_trusted_both_verify() -> None:
    v = vector("go-sumdb-note-two-signers")
    opened = verify_note(v["note"], [parse_vkey(k) for k in v["vkeys"]])
    assert [s.name for s in opened.verified] == ["PeterNeumann", "EnochRoot"]


def test_two_signers_none_trusted_is_rejected() -> None:
    v = vector("go-sumdb-note-two-signers")
    with pytest.raises(SignatureError, match="no verifiable signatures"):
        verify_note(v["note"], [])


@pytest.mark.parametrize("case", MALFORMED, ids=lambda c: c["desc"])
def test_malformed_note_is_rejected(case: dict[str, str]) -> None:
    key = parse_vkey(vector("go-sumdb-note-malformed")["vkey"])
    with pytest.raises(NoteError, match="malformed note"):
        verify_note(case["note"], [key])


def test_note_with_invalid_utf8_is_rejected() -> None:
    v = vector("go-sumdb-note-peterneumann")
    raw = b"\xff" + v["note"].encode()
    with pytest.raises(NoteError, match="malformed note"):
        verify_note(raw, [parse_vkey(v["vkey"])])


def test_note_with_101_signatures_is_rejected() -> None:
    v = vector("go-sumdb-note-peterneumann")
    signature = v["note"][len(v["text"]) + 1 :]
    with pytest.raises(NoteError, match="malformed note"):
        verify_note(v["text"] + "\n" + signature * 101, [parse_vkey(v["vkey"])])


def test_corrupted_signature_by_known_key_rejects_the_note() -> None:
    v = vector("go-sumdb-note-corrupted-sig")
    with pytest.raises(SignatureError, match="invalid signature for key PeterNeumann\\+c74f20a3"):
        verify_note(v["note"], [parse_vkey(v["vkey"])])


def test_checkpoint_example_parses() -> None:
    v = vector("c2sp-tlog-checkpoint-example")
    want = v["expect_parse"]
    note = parse_note(v["note"])
    checkpoint = parse_checkpoint(note.text)
    assert (checkpoint.origin, checkpoint.size) == (want["origin"], want["tree_size"])
    assert checkpoint.root == base64.b64decode(want["root_hash_b64"])
    assert list(checkpoint.extensions) == want["extension_lines"]
    assert [(s.name, f"{s.key_id:08x}", len(s.signature)) for s in note.signatures] == [
        (s["name"], s["key_id_hex"], s["sig_len"]) for s in want["signatures"]
    ]
    assert checkpoint.text() == note.text


def test_cosignature_example_parses_and_matches_its_signed_message() -> None:
    v = vector("c2sp-tlog-cosignature-example")
    want = v["expect_parse"]
    note = parse_note(v["checkpoint_with_cosignature"])
    cosig = note.signatures[1]
    assert cosig.name == want["cosigner"]
    assert f"{cosig.key_id:08x}" == want["key_id_hex"]
    assert len(cosig.signature) + 4 == want["blob_len"]
    timestamp = int.from_bytes(cosig.signature[:8], "big")
    assert timestamp == want["timestamp"]
    assert len(cosig.signature[8:]) == want["sig_len"]
    assert cosignature_message(note.text, timestamp).decode() == v["signed_message"]


def test_witness_add_checkpoint_request_parses() -> None:
    v = vector("c2sp-tlog-witness-add-checkpoint-request")
    want = v["expect_parse"]
    old, proof, note = parse_add_checkpoint(v["body"])
    checkpoint = parse_checkpoint(parse_note(note).text)
    assert old == want["old_size"]
    assert len(proof) == want["consistency_proof_b64_count"]
    assert (checkpoint.origin, checkpoint.size) == (
        want["checkpoint_origin"],
        want["checkpoint_size"],
    )
