"""Another node over HTTP, as a peer or a witness sees it: ``PeerClient`` parses every answer
with the node's own response models (``node.schemas``), so client and server cannot drift
apart, and turns what it cannot accept into ``PeerError``. ``EntrySource`` is the seam for
where a sync takes log entries from (this client's ``/v1/log/entries`` today)."""

from __future__ import annotations

import base64
import binascii
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx
from pydantic import BaseModel, RootModel, ValidationError

from treatyledger.inspect.consultation import ComplianceIssueRecord
from treatyledger.node.errors import ForkDetected, PeerError, PeerUnavailable
from treatyledger.node.schemas import (
    CheckpointResponse,
    ConsistencyProofResponse,
    CosignResponse,
    EntriesResponse,
    Health,
)
from treatyledger.tlog.evidence import evidence_json

MAX_RESPONSE_BYTES = 64 << 20

Answer = TypeVar("Answer", bound=BaseModel)


class _Issues(RootModel[list[ComplianceIssueRecord]]):
    pass


def fork_detected(
    origin: str, reason: object, evidence: dict[str, Any], home: Path
) -> ForkDetected:
    """Write ``evidence`` of a fork of log ``origin`` under ``home``; the error naming it."""
    safe = origin.replace("/", "_").replace(":", "_")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = home / f"equivocation-{safe}-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(evidence_json(evidence), encoding="utf-8")
    return ForkDetected(f"log {origin} forked: {reason}", path)


@dataclass(frozen=True)
class PeerEntry:
    index: int
    leaf: bytes
    entry: bytes  # the notification's signed canonical bytes (equal to leaf unless by digest)
    proof: list[bytes]


class EntrySource(Protocol):
    """Where a sync takes a log's entries from, each with its inclusion proof to a size."""

    def entries(self, start: int, end: int, tree_size: int) -> list[PeerEntry]: ...


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise PeerError(f"peer sent {what} that is not base64") from None


class PeerClient:
    """The other party's node over HTTP, with a bearer token."""

    def __init__(
        self, url: str, token: str, *, timeout: float = 30.0, client: httpx.Client | None = None
    ):
        self.url = url.rstrip("/")
        self._client = client or httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PeerClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _request(self, answer: type[Answer], method: str, path: str, **kwargs: Any) -> Answer:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise PeerUnavailable(
                f"peer {self.url} unreachable during {method} {path}: {type(exc).__name__}: {exc}"
            ) from None
        if response.status_code >= 500:
            raise PeerUnavailable(f"peer {self.url} failed {method} {path}: {response.status_code}")
        if response.status_code >= 400:
            detail = ""
            with contextlib.suppress(ValueError, AttributeError):
                detail = str(response.json().get("detail", ""))
            raise PeerError(
                f"peer {self.url} refused {method} {path}: {response.status_code} {detail}".strip()
            )
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise PeerError(f"peer {self.url} answered {len(response.content)} bytes to {path}")
        try:
            return answer.model_validate_json(response.content)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "the answer"
            raise PeerError(
                f"peer {self.url}: {path} answered off its schema at {where}: {first['msg']}"
            ) from None

    def health(self) -> Health:
        return self._request(Health, "GET", "/v1/health")

    def compliance_issues(self) -> list[ComplianceIssueRecord]:
        """Every compliance issue the peer node holds, with its events."""
        return self._request(_Issues, "GET", "/v1/compliance-issues").root

    def checkpoint(self) -> str:
        """The signed note of the peer's latest checkpoint."""
        return self._request(CheckpointResponse, "GET", "/v1/log/checkpoint").note

    def consistency(self, first: int, second: int) -> list[bytes]:
        answer = self._request(
            ConsistencyProofResponse,
            "GET",
            "/v1/log/proof/consistency",
            params={"first": first, "second": second},
        )
        return [_b64(h, "a consistency proof hash") for h in answer.proof]

    def entries(self, start: int, end: int, tree_size: int) -> list[PeerEntry]:
        answer = self._request(
            EntriesResponse,
            "GET",
            "/v1/log/entries",
            params={"start": start, "end": end, "proof_size": tree_size},
        )
        entries = []
        for item in answer.entries:
            if item.proof is None:
                raise PeerError(f"peer {self.url}: entry {item.index} has no inclusion proof")
            leaf = _b64(item.leaf, f"leaf {item.index}")
            entry = _b64(item.entry, f"entry {item.index}") if item.entry else leaf
            proof = [_b64(h, "a proof hash") for h in item.proof]
            entries.append(PeerEntry(item.index, leaf, entry, proof))
        return entries

    def cosign(self, checkpoint_text: str, line: str) -> CosignResponse:
        return self._request(
            CosignResponse,
            "POST",
            "/v1/log/cosignatures",
            json={"checkpoint": checkpoint_text, "cosignature": line},
        )
