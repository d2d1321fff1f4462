"""RFC 9457 problem details: every error the node returns is ``application/problem+json``.

Routes raise :class:`Problem`; the handlers installed by :func:`install_problem_handlers` also
turn Starlette's HTTP errors (404, 405), request-validation errors (422) and anything
unexpected (500, without internals) into the same shape. An unexpected error is answered
with an opaque incident id, logged with its traceback under the same id (:func:`new_incident`):
the caller can quote it, the operator can find it, the answer never carries internal text."""

from __future__ import annotations

import logging
import secrets
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from treatyledger.node.errors import Problem

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://treatyledger.example/problems/"

log = logging.getLogger(__name__)


class FieldError(BaseModel):
    """One offending part of a request (422 only)."""

    loc: list[str | int] = Field(description="where in the request: body, query, path, header")
    msg: str
    type: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details, plus ``errors`` for validation failures."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(default="about:blank", description="URI identifying the problem type")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


def problem_document(
    status: int,
    detail: str | None,
    *,
    problem: str | None = None,
    instance: str | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    """The RFC 9457 document of a refusal (every problem+json answer the node sends)."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + problem if problem else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
    }
    if detail is not None:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    body.update({k: v for k, v in extensions.items() if v is not None})
    return body


def problem_response(
    status: int,
    detail: str | None,
    *,
    problem: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body = problem_document(status, detail, problem=problem, instance=instance, **extensions)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting problem+json for the given statuses."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "model": ProblemDetails,
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Echoing the offending input back is avoided on purpose: it may be large or hostile.
    return [
        {
            "loc": [p if isinstance(p, int) else str(p) for p in error.get("loc", ())],
            "msg": str(error.get("msg", "invalid")),
            "type": str(error.get("type", "value_error")),
        }
        for error in exc.errors()[:50]
    ]


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.detail,
            problem=exc.problem,
            instance=request.url.path,
            headers=exc.headers,
            **exc.extensions,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            exc.status_code,
            str(exc.detail) if exc.detail else None,
            instance=request.url.path,
            headers=dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        first = errors[0] if errors else None
        where = ".".join(str(p) for p in first["loc"]) if first else "request"
        detail = f"{where}: {first['msg']}" if first else "the request is invalid"
        return problem_response(
            422,
            detail,
            problem="invalid-request",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # reached only for errors outside IncidentMiddleware (the outer middlewares)
        return unexpected_response(request.url.path, exc)


def new_incident() -> str:
    """An opaque id tying one answer to its log lines (16 hex digits, random)."""
    return secrets.token_hex(8)


def unexpected_response(path: str, exc: BaseException) -> JSONResponse:
    """The 500 for an unexpected error: the traceback goes to the log under a new incident
    id, the caller gets the id only."""
    incident = new_incident()
    log.error("incident %s: unexpected error on %s", incident, path, exc_info=exc)
    return problem_response(
        500,
        f"the node failed to handle this request (incident {incident})",
        problem="internal-error",
        instance=path,
        incident=incident,
    )


class IncidentMiddleware:
    """Answers an exception escaping a route with :func:`unexpected_response`, and stops it
    there: Starlette's outermost handler would log it a second time (without the incident
    id) and uvicorn a third."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:  # too late for an answer: the connection is cut, as before
                raise
            response = unexpected_response(scope.get("path", ""), exc)
            await response(scope, receive, send)
