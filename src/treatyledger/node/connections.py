"""Connection bounds uvicorn does not have: a deadline for a request's headers and one for
its body, and a cap on open connections.

uvicorn's ``timeout_keep_alive`` runs only between requests and stops at the first byte, so
a client sending one header line a second (slowloris), or connecting and sending nothing,
holds its connection and descriptor for ever. :func:`guarded_protocol` subclasses uvicorn's
httptools protocol: the headers must be complete within ``header_timeout`` seconds of the
connection (or of the request's first byte on a kept-alive one), the body within
``body_timeout`` of the headers, else the connection is closed; past ``max_connections``
open ones a new connection is answered 503 and closed before anything is parsed."""

from __future__ import annotations

import asyncio
import resource
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: descriptors kept free of connections (database, log files, the listening socket)
RESERVED_DESCRIPTORS = 64
REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n"
    b"retry-after: 1\r\n\r\n"
)


def descriptor_bound() -> int:
    """Connections the process can hold: its descriptor limit less a reserve."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1 << 16
    return max(16, soft - RESERVED_DESCRIPTORS)


@dataclass(frozen=True)
class ConnectionLimits:
    #: seconds from a connection (or a kept-alive request's first byte) to its full headers
    header_timeout: float = 10.0
    #: seconds from the headers to the end of the body
    body_timeout: float = 30.0
    #: open connections at most (None: the descriptor limit less a reserve)
    max_connections: int | None = 1_000

    def cap(self) -> int:
        bound = descriptor_bound()
        return bound if self.max_connections is None else min(self.max_connections, bound)


def guarded_protocol(limits: ConnectionLimits) -> type[asyncio.Protocol]:
    """The httptools protocol class with ``limits`` (for ``uvicorn.Config(http=...)``)."""
    cap = limits.cap()

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        _deadline: asyncio.TimerHandle | None = None
        _refused = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            if len(self.connections) >= cap:
                self._refused = True
                self.transport = transport
                transport.write(REFUSAL)
                transport.close()
                return
            super().connection_made(transport)
            self._arm(limits.header_timeout)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if not self._refused:
                super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if not self._refused:
                super().data_received(data)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._deadline is None:  # a kept-alive connection's next request
                self._arm(limits.header_timeout)

        def on_headers_complete(self) -> None:
            self._disarm()
            self._arm(limits.body_timeout)
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._disarm()
            super().on_message_complete()

        def _arm(self, seconds: float) -> None:
            self._deadline = self.loop.call_later(seconds, self._too_slow)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _too_slow(self) -> None:
            self._deadline = None
            if not self.transport.is_closing():
                self.transport.close()

    return GuardedHttpToolsProtocol


def protocol_options(limits: ConnectionLimits) -> dict[str, Any]:
    """``uvicorn.Config`` keyword arguments for ``limits``."""
    return {"http": guarded_protocol(limits)}
