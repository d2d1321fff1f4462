"""An evidence bundle with a commitment opening: the bundle carries the logged
``escrow_commitment`` the opening names; ``evidence verify`` checks the opening against it
(escrow's own verifier), and a tampered opening makes the bundle invalid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from escrow.test_published import EARLIER_ROWS, _commit, _open, _publish, _run, _workspace


def test_bundle_with_an_opening_verifies_and_a_tampered_one_does_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = _workspace(tmp_path, "ws", capsys)
    committed = _commit(tmp_path, "earlier", EARLIER_ROWS, capsys)
    code, out, err = _publish(ws, committed, tmp_path / "entry.json", capsys)
    assert code == 0, err
    opening = _open(committed, "W-1", tmp_path / "opening.json", capsys)
    bundle = tmp_path / "bundle.json"
    code, _, err = _run(
        capsys,
        "evidence",
        "bundle",
        "-w",
        str(ws),
        "--out",
        str(bundle),
        "--opening",
        f"1={opening}",
    )
    assert code == 0, err
    code, out, err = _run(capsys, "evidence", "verify", str(bundle), "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["attachments"]["openings"] == 1 and len(result["openings_verified"]) == 1
    assert result["policy_trusted"] is False  # the bundle's own policy: said so

    document = json.loads(bundle.read_text())
    salt = document["openings"][0]["opening"]["salt"]
    document["openings"][0]["opening"]["salt"] = ("0" if salt[0] != "0" else "1") + salt[1:]
    bundle.write_text(json.dumps(document))
    code, _, err = _run(capsys, "evidence", "verify", str(bundle))
    assert code == 1 and "opening" in err
