"""``notify --node URL``: signed lines go to the party's running node over real HTTP with the
owner token, and each line is reported as local ``notify`` reports it; while a node holds the
writer lock, local ``notify`` says how to do that."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from factory import signed, stream
from node.harness import ServedNode, served_node
from treatyledger.cli import main
from treatyledger.errors import ExitCode
from treatyledger.node.auth import Role
from treatyledger.store.workspace import Workspace


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_lines(path: Path, notifications: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(n) + "\n" for n in notifications))
    return path


@pytest.fixture
def node(tmp_path: Path) -> Any:
    with served_node(tmp_path / "us") as served:
        yield served


def token_file(node: ServedNode, tmp_path: Path, role: Role = Role.OWNER) -> str:
    path = tmp_path / f"{role.value}.token"
    path.write_text(node.tokens[role] + "\n")
    path.chmod(0o600)
    return str(path)


def log_size(node: ServedNode) -> int:
    """The tree size of the node's latest checkpoint."""
    response = node.client(Role.OWNER).get("/v1/log/checkpoint")
    assert response.status_code == 200, response.text
    return int(response.json()["size"])


def test_signed_lines_go_to_the_running_node_and_are_reported_line_by_line(
    node: ServedNode, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notifications = signed(stream("US", 4), node.workspace.signing_key)
    tampered = dict(notifications[3], effective_time="2020-01-02T00:00:00Z")
    lines = write_lines(tmp_path / "us.jsonl", [*notifications[:3], tampered])
    base = ("notify", "-w", str(node.workspace.path), str(lines), "--signed", "--format", "json")
    owner = ("--node", node.url, "--token-file", token_file(node, tmp_path))

    # batches of two: the second batch is judged after the first is stored
    code, out, err = run(capsys, *base, *owner, "--batch-size", "2")
    assert code == ExitCode.REJECTED, err
    report = json.loads(out)
    assert (report["accepted"], report["duplicate"]) == (3, 0)
    assert [r["line"] for r in report["rejected"]] == [4]
    assert report["rejected"][0]["message"].startswith("US#4 rejected [")
    assert log_size(node) == 3

    # again: the stored lines are duplicates; the tampered one, alone in its batch (a 422
    # from the node), is still reported as that line's rejection
    code, out, err = run(capsys, *base, *owner, "--batch-size", "3")
    assert code == ExitCode.REJECTED, err
    report = json.loads(out)
    assert (report["accepted"], report["duplicate"], len(report["rejected"])) == (0, 3, 1)

    # the table format prints what local notify prints
    write_lines(lines, notifications[:3])
    code, out, err = run(capsys, *base[:-2], *owner)
    assert code == ExitCode.VALID, err
    assert out.strip() == "accepted 0 (late 0, flagged 0), duplicate 3, rejected 0"


def test_the_node_takes_only_the_owner_token_and_signed_lines(
    node: ServedNode,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TREATYLEDGER_TOKEN", raising=False)
    lines = write_lines(tmp_path / "us.jsonl", signed(stream("US", 1), node.workspace.signing_key))
    base = ("notify", "-w", str(node.workspace.path), str(lines), "--node", node.url)

    code, _, err = run(capsys, *base, "--signed")
    assert code == ExitCode.MALFORMED and "TREATYLEDGER_TOKEN" in err
    code, _, err = run(capsys, *base, "--token-file", token_file(node, tmp_path))
    assert code == ExitCode.MALFORMED and "--signed" in err
    code, _, err = run(
        capsys, *base, "--signed", "--token-file", token_file(node, tmp_path, Role.PEER)
    )
    assert code == ExitCode.REJECTED and "403" in err, err
    assert log_size(node) == 0

    monkeypatch.setenv("TREATYLEDGER_TOKEN", node.tokens[Role.OWNER])
    code, out, err = run(capsys, *base, "--signed")
    assert code == ExitCode.VALID, err
    assert out.strip() == "accepted 1 (late 0, flagged 0), duplicate 0, rejected 0"


def test_notify_through_the_node_needs_no_workspace(
    node: ServedNode,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TREATYLEDGER_WORKSPACE", raising=False)
    monkeypatch.setenv("TREATYLEDGER_TOKEN", node.tokens[Role.OWNER])
    lines = write_lines(tmp_path / "us.jsonl", signed(stream("US", 1), node.workspace.signing_key))
    code, out, err = run(capsys, "notify", str(lines), "--signed", "--node", node.url)
    assert code == ExitCode.VALID, err
    assert out.strip() == "accepted 1 (late 0, flagged 0), duplicate 0, rejected 0"
    assert log_size(node) == 1
    # without --node the workspace is still needed, and the message says how to give it
    code, _, err = run(capsys, "notify", str(lines), "--signed")
    assert code == ExitCode.MALFORMED
    assert "-w/--workspace" in err and "--node URL" in err


def test_an_unreachable_node_is_unavailable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    Workspace.init(tmp_path / "us", "US").close()
    lines = write_lines(tmp_path / "x.jsonl", [{"kind": "x"}])
    monkeypatch.setenv("TREATYLEDGER_TOKEN", "tl_x")
    argv = ("notify", "-w", str(tmp_path / "us"), str(lines), "--signed", "--node")
    code, _, err = run(capsys, *argv, "http://127.0.0.1:9")
    assert code == ExitCode.UNAVAILABLE and "unreachable" in err, err


def test_a_busy_workspace_names_the_way_through_the_node(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Workspace.init(tmp_path / "us", "US").close()
    lines = write_lines(tmp_path / "x.jsonl", [{"kind": "x"}])
    with Workspace.open(tmp_path / "us", writer="serve"):
        code, _, err = run(capsys, "notify", "-w", str(tmp_path / "us"), str(lines))
    assert code == ExitCode.UNAVAILABLE
    assert "run `notify` through it" in err  # the store's own message, kept
    assert "--node URL --token-file" in err and "/v1/notifications" in err
