"""Request body size limit, enforced at the ASGI layer before any route reads the body: a
declared Content-Length over the limit is refused at once, and a chunked body is counted as
it streams and cut off when it passes the limit."""

from __future__ import annotations

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from treatyledger.node.tarpit import Tarpit, send_problem

DEFAULT_MAX_BODY_BYTES = 1 << 20  # 1 MiB: a batch of notifications, far above any one


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` mid-stream. An HTTPException, so the route's error handling
    turns it into the same 413 problem instead of a generic parse error."""

    def __init__(self, limit: int):
        super().__init__(413, f"request body is over {limit} bytes; the limit is {limit} bytes")


class BodySizeLimit:
    """413 (held in the tarpit, if any; the connection closed after it)."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        tarpit: Tarpit | None = None,
    ):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.tarpit = tarpit

    async def _refuse(self, scope: Scope, send: Send, found: str, *, held: bool = False) -> None:
        await send_problem(
            send,
            413,
            f"request body is {found}; the limit is {self.max_body_bytes} bytes",
            problem="body-too-large",
            instance=scope.get("path"),
            headers={"Connection": "close"},
            tarpit=None if held else self.tarpit,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_body_bytes:
                    await self._refuse(scope, send, f"{declared} bytes")
                    return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    if self.tarpit is not None:  # the route answers it: held here
                        await self.tarpit.hold()
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await self._refuse(scope, send, f"over {self.max_body_bytes} bytes", held=True)
