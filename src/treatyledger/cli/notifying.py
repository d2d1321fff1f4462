"""What ``notify`` shares between its two ways in: the per-line report (also
``import-inventory``'s), and ``notify --node URL``, which submits signed lines to the party's
running node (``POST /v1/notifications`` with the owner token) while that node holds the
workspace's writer lock.

Through the node every line is judged as the local store judges it (the node's writer is the
same store) and reported the same way: accepted (late, flagged), duplicate, or rejected with
its rule, line by line. The node numbers nothing, so it takes signed lines only (``--signed``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from treatyledger.cli.app import console, err_console
from treatyledger.cli.errors import CommandLineError, NodeRefused, NodeUnavailable
from treatyledger.cli.options import (
    TOKEN_ENV,
    OutputFormat,
    print_json,
    token_file_option,
    token_option,
)
from treatyledger.errors import ExitCode

if TYPE_CHECKING:
    import httpx

    from treatyledger.store.ledger_store import Ack

NODE_OPTION: str | None = typer.Option(
    None,
    "--node",
    help="Submit to the party's running node at this URL (owner token; --signed lines).",
)
NODE_TOKEN_OPTION = token_option("The owner's token on the node (with --node).")
NODE_TOKEN_FILE_OPTION = token_file_option()
# the node's default request body bound is 1 MiB (node.context): batches stay under it
MAX_BODY_BYTES = 768 << 10


def json_object_line(line: bytes) -> dict[str, Any] | str:
    """A notification line's JSON object, or why it is refused (not JSON, not an object)."""
    try:
        data = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return f"not JSON: {exc}"
    if not isinstance(data, dict):
        return "expected a JSON object"
    return data


class Report:
    """The outcome of each submitted line, as ``notify`` and ``import-inventory`` print it."""

    def __init__(self) -> None:
        self.accepted = 0
        self.duplicate = 0
        self.late = 0
        self.flagged = 0
        self.rejected: list[tuple[int, str]] = []  # (line, message)

    def add(self, line: int, ack: Ack) -> None:
        if ack.status == "rejected":
            where = f"[{ack.rule}]" + (f" item {ack.item}" if ack.item else "")
            ref = "" if ack.sequence is None else f"{ack.ref} "  # an unnumbered line took none
            self.rejected.append((line, f"{ref}rejected {where}: {ack.reason}"))
            return
        if ack.status == "duplicate":
            self.duplicate += 1
            return
        self.accepted += 1
        self.late += ack.late
        self.flagged += bool(set(ack.flags) - {"deadline.late"})

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "late": self.late,
            "flagged": self.flagged,
            "duplicate": self.duplicate,
            "rejected": [{"line": line, "message": message} for line, message in self.rejected],
        }

    def print(self, output: OutputFormat = OutputFormat.TABLE) -> None:
        if output is OutputFormat.JSON:
            print_json(self.to_json())
            return
        for line, message in self.rejected:
            err_console.print(f"line {line}: {message}", highlight=False, markup=False)
        console.print(
            f"accepted {self.accepted} (late {self.late}, flagged {self.flagged}), "
            f"duplicate {self.duplicate}, rejected {len(self.rejected)}",
            highlight=False,
        )


def _detail(response: httpx.Response) -> str:
    """The problem's ``detail``, if the answer is a JSON problem."""
    try:
        return str(response.json().get("detail", ""))
    except (ValueError, AttributeError):
        return ""


def _acks(response: httpx.Response, count: int, url: str) -> list[Ack]:
    """The node's per-notification results as the store's acks (a batch with nothing
    accepted is a 422 that still carries them)."""
    from pydantic import ValidationError

    from treatyledger.node.schemas import SubmitResult
    from treatyledger.store.ledger_store import Ack

    try:
        body = response.json()
        results = [SubmitResult.model_validate(r) for r in body["results"]]
    except (ValueError, KeyError, TypeError, AttributeError, ValidationError):
        raise NodeRefused(
            f"node {url} refused the batch: {response.status_code} {_detail(response)}"
        ) from None
    if len(results) != count:
        raise NodeRefused(f"node {url} answered {len(results)} results for {count} lines")
    return [
        Ack(
            party=r.party,
            sequence=r.sequence,
            status=r.status,
            leaf_index=r.leaf_index,
            late=r.late,
            flags=tuple(r.flags),
            rule=r.rule,
            reason=r.error,
        )
        for r in results
    ]


class NodeSubmitter:
    """Signed lines to ``POST URL/v1/notifications`` in batches, each acknowledged by the node
    after it is stored; the results go into ``report`` line by line."""

    def __init__(self, client: httpx.Client, url: str, batch_size: int) -> None:
        self.client = client
        self.url = url
        self.batch_size = batch_size
        self.report = Report()
        self.batch: list[tuple[int, bytes]] = []
        self.size = 0
        self.done = 0  # lines the node has acknowledged

    def add(self, line_number: int, line: bytes) -> None:
        from treatyledger.ledger.signing import leaf_bytes

        data = json_object_line(line)
        if isinstance(data, str):
            self.report.rejected.append((line_number, data))
            return
        try:
            canonical = leaf_bytes(data)
        except (ValueError, TypeError) as exc:
            self.report.rejected.append((line_number, f"not canonical JSON: {exc}"))
            return
        if self.batch and self.size + len(canonical) > MAX_BODY_BYTES:
            self.flush()
        self.batch.append((line_number, canonical))
        self.size += len(canonical) + 1
        if len(self.batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        import httpx

        if not self.batch:
            return
        body = b'{"notifications":[' + b",".join(c for _, c in self.batch) + b"]}"
        after = f" ({self.done} lines before were stored; run again: they are duplicates)"
        try:
            response = self.client.post(
                "/v1/notifications", content=body, headers={"Content-Type": "application/json"}
            )
        except httpx.TransportError as exc:
            raise NodeUnavailable(f"node {self.url} unreachable: {exc}{after}") from None
        if response.status_code >= 500:
            raise NodeUnavailable(f"node {self.url} failed: {response.status_code}{after}")
        if response.status_code not in (200, 422):
            raise NodeRefused(
                f"node {self.url} refused the batch: {response.status_code} "
                f"{_detail(response)}{after}"
            )
        for (line_number, _), ack in zip(
            self.batch, _acks(response, len(self.batch), self.url), strict=True
        ):
            self.report.add(line_number, ack)
        self.done += len(self.batch)
        self.batch, self.size = [], 0


def node_client(url: str, token: str | None) -> httpx.Client:
    """An HTTP client of the node with the owner's bearer token."""
    import httpx

    if token is None:
        raise CommandLineError(f"--node needs the owner's token: --token-file F or {TOKEN_ENV}")
    return httpx.Client(
        base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=120
    )


def busy_hint(workspace: Path, message: str) -> str:
    """The writer-lock refusal, with the way to submit to the node that holds the lock."""
    return (
        f"{message}. If that is the party's node ({workspace}), submit to it: treatyledger "
        "notify FILE --signed --node URL --token-file OWNER_TOKEN_FILE (lines signed "
        "with the party's key; the node's POST URL/v1/notifications with the owner token)"
    )


def notify_node(
    url: str,
    token: str | None,
    lines: Iterator[tuple[int, bytes]],
    *,
    signed: bool,
    batch_size: int,
    output: OutputFormat,
) -> None:
    """``notify --node URL``: submit ``lines`` to the node, report as local ``notify`` does
    (exit 3 if any line was rejected)."""
    if not signed:
        raise CommandLineError(
            "--node takes signed lines (--signed): the node signs and numbers nothing"
        )
    with node_client(url, token) as client:
        submitter = NodeSubmitter(client, url, batch_size)
        for line_number, line in lines:
            submitter.add(line_number, line)
        submitter.flush()
    submitter.report.print(output)
    if submitter.report.rejected:
        raise typer.Exit(ExitCode.REJECTED)
