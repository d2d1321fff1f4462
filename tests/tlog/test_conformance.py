"""Where the C2SP specs and Go's reference code (golang.org/x/mod/sumdb/note and tlog)
decide an edge case, the verifier decides it the same way (issue 14, item 5). The Go
checker in tests/interop checks the same cases against Go itself."""

from __future__ import annotations

import base64

import pytest

from treatyledger.tlog.checkpoint import Checkpoint, sign_checkpoint
from treatyledger.tlog.errors import WitnessError
from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.verifier import (
    RFC6962,
    CheckpointError,
    ProofError,
    TlogProof,
    parse_checkpoint,
    parse_note,
    parse_tlog_proof,
    parse_vkey,
    verify_consistency,
    verify_tlog_proof,
)
from treatyledger.tlog.witness import Witness, parse_add_checkpoint

from .keys import LOG_ORIGIN, LOG_SIGNER, WITNESS_A

EMPTY = RFC6962.empty_root()


def test_consistency_from_zero_to_zero_is_an_error() -> None:
    # Go: tlog.CheckTree refuses n < 1, whatever t is.
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(RFC6962, 0, 0, [], EMPTY, EMPTY)


@pytest.mark.parametrize("index", ["03", "00", "+3", "3_0", "\u0663", "\u00b3", "", " 3", "3 "])
def test_tlog_proof_index_must_be_ascii_digits_without_leading_zeroes(index: str) -> None:
    log = MemoryLog()
    log.append_many([b"a", b"b", b"c", b"d"])
    note = sign_checkpoint(Checkpoint(LOG_ORIGIN, 4, log.root()), LOG_SIGNER)
    good = TlogProof(3, tuple(log.inclusion_proof(3)), note).text()
    bad = good.replace("\nindex 3\n", f"\nindex {index}\n")
    with pytest.raises(ProofError, match="index"):
        parse_tlog_proof(bad)
    assert verify_tlog_proof(good, b"d", LOG_SIGNER.verifier_key()).checkpoint.size == 4


def test_index_zero_is_fine() -> None:
    log = MemoryLog()
    log.append_many([b"a", b"b"])
    note = sign_checkpoint(Checkpoint(LOG_ORIGIN, 2, log.root()), LOG_SIGNER)
    assert parse_tlog_proof(TlogProof(0, tuple(log.inclusion_proof(0)), note).text()).index == 0


def test_checkpoint_takes_any_number_of_extension_lines() -> None:
    extensions = tuple(f"ext {i}" for i in range(40))
    note = sign_checkpoint(Checkpoint(LOG_ORIGIN, 0, EMPTY, extensions), LOG_SIGNER)
    assert parse_checkpoint(parse_note(note).text).extensions == extensions


def test_empty_extension_line_is_refused() -> None:
    with pytest.raises(CheckpointError, match="extension line is empty"):
        parse_checkpoint(f"{LOG_ORIGIN}\n0\n{base64.b64encode(EMPTY).decode()}\nx\n\n")


@pytest.mark.parametrize("origin", ["a b", " padded", "no/url", "\u043b\u043e\u0433+plus"])
def test_origin_format_is_not_assumed(origin: str) -> None:
    text = f"{origin}\n1\n{base64.b64encode(EMPTY).decode()}\n"
    assert parse_checkpoint(text).origin == origin


def test_empty_origin_is_refused() -> None:
    with pytest.raises(CheckpointError, match="origin"):
        parse_checkpoint(f"\n1\n{base64.b64encode(EMPTY).decode()}\n")


def test_checkpoint_size_with_leading_zero_or_other_digits_is_refused() -> None:
    root = base64.b64encode(EMPTY).decode()
    for size in ("01", "\u0661", "\u00b9", "-1"):
        with pytest.raises(CheckpointError, match="size"):
            parse_checkpoint(f"{LOG_ORIGIN}\n{size}\n{root}\n")


def test_vkey_with_uppercase_key_id_parses_as_go_does() -> None:
    vkey = str(LOG_SIGNER.verifier_key())
    name, key_id, key = vkey.split("+", 2)
    upper = f"{name}+{key_id.upper()}+{key}"
    assert key_id != key_id.upper()  # the test key's ID has letters
    assert parse_vkey(upper) == LOG_SIGNER.verifier_key()


def test_witness_cosigns_the_body_it_received_byte_for_byte() -> None:
    # The root's base64 with non-zero padding bits decodes to the same 32 bytes (Go's
    # StdEncoding and Python both accept it), but a re-serialisation would differ, and a
    # cosignature over it would not verify on the note the log published.
    log = MemoryLog()
    log.append_many([b"a"])
    canonical = base64.b64encode(log.root()).decode()
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    index = last.index(canonical[-2])
    odd = canonical[:-2] + last[index ^ 1] + "="
    assert base64.b64decode(odd) == base64.b64decode(canonical) and odd != canonical
    text = f"{LOG_ORIGIN}\n1\n{odd}\n"
    note = text + "\n" + LOG_SIGNER.signature_line(LOG_SIGNER.sign(text.encode()))
    witness = Witness(WITNESS_A, [LOG_SIGNER.verifier_key()])
    line = witness.add_checkpoint(note, [], now=1_700_000_000)
    from treatyledger.tlog.verifier import verify_checkpoint

    verified = verify_checkpoint(note + line, LOG_SIGNER.verifier_key(), [WITNESS_A.verifier_key()])
    assert [c.timestamp for c in verified.cosignatures] == [1_700_000_000]


@pytest.mark.parametrize("old", ["01", "\u0661", "-0", ""])
def test_add_checkpoint_old_size_is_ascii_digits_without_leading_zeroes(old: str) -> None:
    with pytest.raises(WitnessError, match="old"):
        parse_add_checkpoint(f"old {old}\n\n{LOG_ORIGIN}\n0\n{'A' * 43}=\n\n")
