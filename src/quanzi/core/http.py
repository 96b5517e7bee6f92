"""HTTP plumbing shared by every domain's routes: the error envelope, request context, auth.

Routes depend on `current_actor` (or `optional_actor`) and `get_db`; everything else here is wired
once by the app factory.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import structlog
from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import Counter, Histogram
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quanzi.core import context, idempotency
from quanzi.core.actor import Actor
from quanzi.core.db import Database
from quanzi.core.errors import AppError, PayloadTooLarge, TooManyRequests, Unauthorized, error_envelope
from quanzi.core.pagination import MAX_LIMIT, PageRequest
from quanzi.core.schemas import NUL_REFUSED

log = logging.getLogger("quanzi.http")

REQUESTS = Counter("quanzi_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram("quanzi_http_request_duration_seconds", "HTTP request latency", ["method", "route"])

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}

ActorResolver = Callable[[Database, str, str | None], Awaitable[Actor | None]]


# --- error envelope -------------------------------------------------------------------------


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    """One entry per invalid field: where (`loc`), pydantic's English `message`, its error `type` and
    the limits it names (`ctx`: min_length, max_length, ge, le …), so a client can word the error in
    its reader's language. Only plain values of `ctx` are kept (a validator's exception object is not)."""
    details = []
    for error in exc.errors():
        ctx = {
            str(key): value
            for key, value in (error.get("ctx") or {}).items()
            if isinstance(value, str | int | float | bool)
        }
        details.append(
            {
                "loc": [str(part) for part in error.get("loc", ())],
                "message": str(error.get("msg", "")),
                "type": str(error.get("type", "")),
                "ctx": ctx,
            }
        )
    return details


def _summary(details: list[dict[str, Any]]) -> str:
    parts = []
    for detail in details[:3]:
        field = ".".join(p for p in detail["loc"] if p not in ("body", "query", "path", "header"))
        parts.append(f"{field}: {detail['message']}" if field else detail["message"])
    return "; ".join(parts) or "The request is not valid."


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_request: Request, exc: AppError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        return JSONResponse(exc.envelope(), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(exc)
        if any(d["type"] == "json_invalid" for d in details):
            return JSONResponse(
                error_envelope("malformed_json", "The request body is not valid JSON.", details), 400
            )
        return JSONResponse(error_envelope("invalid_input", _summary(details), details), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else "The request failed."
        return JSONResponse(
            error_envelope(code, message), status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc):
            log.warning("database unavailable", exc_info=exc)
            return JSONResponse(*_UNAVAILABLE, headers=_RETRY_SOON)
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(error_envelope("internal_error", "Something went wrong on our side."), 500)


# A request that met a database it could not reach did not complete: the client should send the
# same request again shortly (with its idempotency key, a money request then runs at most once).
_UNAVAILABLE = (
    error_envelope("service_unavailable", "The service is briefly unavailable. Try again in a moment."),
    503,
)
_RETRY_SOON = {"Retry-After": "1"}


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database was out of reach — restarting, failing over, its connection
    cut, or (SQLite) its writer lock held past the wait — rather than that the request was wrong or
    the code is: such a request is answered 503 with Retry-After, not 500."""
    if isinstance(exc, OSError | DisconnectionError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated or isinstance(exc.orig, OSError):
            return True
        reason = str(exc.orig)
        if isinstance(exc, OperationalError) and "database is locked" in reason:
            return True
        # asyncpg's refusals while PostgreSQL starts or stops (CannotConnectNowError, AdminShutdown…)
        return "the database system is" in reason or "terminating connection" in reason
    return False


# --- request context: id, log line, metrics, body limit --------------------------------------


class RequestContextMiddleware:
    """Gives each request an id, caps its body, logs one line and records metrics for it, and runs it
    in a `core.context.Origin` (address, user agent, id) that the events it writes carry."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_upload_bytes: int,
        trusted_proxies: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.trusted_proxies = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        supplied = headers.get("x-request-id", "")
        request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        client = scope.get("client")
        origin = context.Origin(
            via="http",
            address=address_of(
                client[0] if client else "unknown", headers.get("x-forwarded-for", ""), self.trusted_proxies
            ),
            user_agent=context.clip_user_agent(headers.get("user-agent")),
            request_id=request_id,
        )
        with context.origin(origin):
            await self._serve(scope, receive, send, headers, request_id)

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str], request_id: str
    ) -> None:
        limit = (
            self.max_upload_bytes
            if headers.get("content-type", "").startswith("multipart/")
            else self.max_body_bytes
        )
        status = 500
        started = time.perf_counter()

        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                message.setdefault("headers", [])
                # nosniff: an uploaded file is never rendered as anything but its stored type.
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode()),
                    (b"x-content-type-options", b"nosniff"),
                ]
            await send(message)

        declared = headers.get("content-length", "")
        body_receive: Receive | None = None
        if _holds_nul(scope):
            await _send_envelope(send_with_id, 422, "invalid_input", NUL_REFUSED)
        elif declared.isdigit() and int(declared) > limit:
            await _send_envelope(send_with_id, 413, "payload_too_large", f"The body exceeds {limit} bytes.")
        elif not declared and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            # A chunked body has no length to check up front: read it whole, up to the limit, so
            # that an oversized one gets the same 413 (FastAPI answers any error raised while it
            # reads a body as a 400).
            body_receive = await _buffered_body(receive, limit)
            if body_receive is None:
                await _send_envelope(
                    send_with_id, 413, "payload_too_large", f"The body exceeds {limit} bytes."
                )
        else:
            body_receive = receive
        if body_receive is not None:
            received = 0
            source = body_receive

            async def counting_receive() -> Message:
                nonlocal received
                message = await source()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        raise PayloadTooLarge(f"The body exceeds {limit} bytes.")
                return message

            try:
                await self.app(scope, counting_receive, send_with_id)
            except Exception:
                # Starlette answers unhandled errors outside this middleware; answer the 500 here so
                # that it too carries X-Request-ID and gets its log line and metrics.
                if response_started:
                    log.exception("unhandled error")
                    raise
                if database_unavailable(sys.exc_info()[1] or Exception()):
                    log.warning("database unavailable", exc_info=True)
                    await _send_response(send_with_id, JSONResponse(*_UNAVAILABLE, headers=_RETRY_SOON))
                else:
                    log.exception("unhandled error")
                    await _send_envelope(
                        send_with_id, 500, "internal_error", "Something went wrong on our side."
                    )
        elapsed = time.perf_counter() - started
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        REQUESTS.labels(scope["method"], route, str(status)).inc()
        LATENCY.labels(scope["method"], route).observe(elapsed)
        log.info(
            "request",
            extra={
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )
        structlog.contextvars.clear_contextvars()


_ENCODED_NUL = re.compile(rb"%00|\x00")


def _holds_nul(scope: Scope) -> bool:
    """A NUL in the path or the query string. Text with NUL cannot be stored (PostgreSQL refuses it in
    text columns) and has no use in Quanzi, so it is refused at the door, like NUL in a JSON body
    (`core.schemas.RequestModel`)."""
    return "\x00" in scope["path"] or bool(_ENCODED_NUL.search(scope.get("query_string", b"")))


async def _buffered_body(receive: Receive, limit: int) -> Receive | None:
    """The whole body read now, replayed to the app as one message; None when it exceeds `limit`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away: let the app see that
            first: Message = message
            break
        size += len(message.get("body", b""))
        if size > limit:
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            first = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            break
    pending = [first]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


async def _send_envelope(send: Send, status: int, code: str, message: str) -> None:
    await _send_response(send, JSONResponse(error_envelope(code, message), status_code=status))


async def _send_response(send: Send, response: JSONResponse) -> None:
    await send(
        {"type": "http.response.start", "status": response.status_code, "headers": response.raw_headers}
    )
    await send({"type": "http.response.body", "body": response.body})


# --- dependencies ----------------------------------------------------------------------------


# Dependencies are `async def` even without I/O: FastAPI runs a plain `def` one in a worker thread,
# a thread hop on every request.


async def get_db(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


def client_address(request: Request) -> str:
    """The caller's address; X-Forwarded-For is believed only when it comes from a trusted proxy."""
    return address_of(
        request.client.host if request.client else "unknown",
        request.headers.get("x-forwarded-for", ""),
        request.app.state.settings.trusted_proxy_set,
    )


def address_of(peer: str, forwarded_for: str, trusted: frozenset[str]) -> str:
    """The first hop, from the right, that is not one of our trusted proxies."""
    if peer not in trusted:
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer
    return peer


_bearer = HTTPBearer(auto_error=False, description="A session token from /auth/signup or /auth/login")


async def optional_actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Actor | None:
    if credentials is None or not credentials.credentials.strip():
        return None
    resolver: ActorResolver = request.app.state.resolve_actor
    actor = await resolver(
        request.app.state.db, credentials.credentials.strip(), request.headers.get("user-agent")
    )
    if actor is None:
        raise Unauthorized("The session has ended or the token is not valid. Please log in again.")
    context.set_actor(actor.user_id)  # the events this request writes name who acted
    return actor


async def current_actor(actor: Annotated[Actor | None, Depends(optional_actor)]) -> Actor:
    if actor is None:
        raise Unauthorized("Log in to do this.", code="authentication_required")
    return actor


async def page_request(
    cursor: Annotated[str | None, Query(max_length=200, description="from the previous page")] = None,
    limit: Annotated[int | None, Query(ge=1, le=MAX_LIMIT)] = None,
) -> PageRequest:
    return PageRequest.parse(cursor, limit)


def no_content() -> Response:
    return Response(status_code=204)


CurrentActor = Annotated[Actor, Depends(current_actor)]
OptionalActor = Annotated[Actor | None, Depends(optional_actor)]
Db = Annotated[Database, Depends(get_db)]
PageIn = Annotated[PageRequest, Depends(page_request)]


# --- idempotent writes ----------------------------------------------------------------------------

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Required: a fresh random string per operation; a retry reuses it",
    ),
]


async def idempotent(
    db: Database,
    actor: Actor,
    key: str | None,
    scope: str,
    payload: dict[str, Any],
    action: idempotency.Action,
    precheck: idempotency.Precheck | None = None,
    refuse_early: idempotency.EarlyRefusal | None = None,
) -> JSONResponse:
    """Answer a request that moves money or stock through `core.idempotency.execute`: 400 without a
    key, the first answer replayed (``Idempotent-Replayed: true``) for a retry, 422 for a key reused
    with another body or by another user."""
    outcome = await idempotency.execute(
        db,
        actor,
        key=key,
        scope=scope,
        payload=payload,
        action=action,
        precheck=precheck,
        refuse_early=refuse_early,
    )
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return JSONResponse(outcome.body, status_code=outcome.status_code, headers=headers)
