"""The ASGI app factory: HTTP around the platform (`quanzi.platform`): every domain's router (named
in its manifest), the media files, the web client, health and metrics.

Every server process relays its own outbox into the event stream; on one node the app also runs the
jobs and the stream's consumers (QUANZI_RUN_JOBS_IN_SERVE), otherwise `quanzi worker` processes do.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from quanzi import __version__
from quanzi.config import Settings, get_settings
from quanzi.core.errors import error_envelope
from quanzi.core.http import RequestContextMiddleware, install_error_handlers
from quanzi.core.logging import configure_logging
from quanzi.core.metrics import refresh_stream_metrics
from quanzi.core.schemas import ErrorEnvelope
from quanzi.core.storage import LocalStorage, configure_storage
from quanzi.identity import service as identity_service
from quanzi.moderation import service as moderation_service
from quanzi.platform import Platform

API_PREFIX = "/api/v1"


def _router(path: str) -> APIRouter:
    module_name, _, attribute = path.partition(":")
    router = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(router, APIRouter):
        raise TypeError(f"{path} is not an APIRouter")
    return router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    storage = LocalStorage(settings.media_dir)
    configure_storage(storage)
    platform = Platform.build(settings)
    db = platform.db

    resolver = identity_service.ActorResolver(
        identity_service.SessionCache(ttl=timedelta(seconds=settings.session_cache_seconds))
    )
    resolver.cache.attach(db)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await platform.start(background=settings.run_jobs_in_serve, consumers=settings.run_consumers_in_serve)
        # Revocations committed by any process reach this one's session cache over the bus.
        await platform.bus.subscribe(identity_service.REVOKED_TOPIC, resolver.cache.on_revoked)
        # So do changes to the sensitive-word list, to this process's copy of it.
        await platform.bus.subscribe(
            moderation_service.WORDS_CHANGED_TOPIC, moderation_service.WordListListener(db)
        )
        try:
            yield
        finally:
            await platform.close()

    app = FastAPI(
        title="Quanzi API",
        version=__version__,
        description="Social commerce: accounts, social graph, chat, feed, wallet and shops. See docs/api.md.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.platform = platform
    app.state.db = db
    app.state.bus = platform.bus
    app.state.relay = platform.relay
    app.state.live_topics = tuple(topic for m in platform.domains for topic in m.live_topics)
    app.state.resolve_actor = resolver
    app.state.login_policy = identity_service.LoginPolicy(
        max_failures_per_account=settings.login_max_failures,
        max_failures_per_address=settings.login_max_failures_per_address,
        window=timedelta(seconds=settings.login_window_seconds),
        session_ttl=timedelta(days=settings.session_ttl_days),
    )
    install_error_handlers(app)
    if settings.cors_origin_list:
        # Bearer tokens, not cookies, authenticate: no credentials mode is ever needed.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
        )
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        trusted_proxies=settings.trusted_proxy_set,
    )

    for manifest in platform.domains:
        if manifest.router is not None:
            app.include_router(_router(manifest.router), prefix=API_PREFIX)

    @app.get(
        "/healthz",
        tags=["service"],
        responses={
            200: {"description": "The service and its database answer"},
            503: {"description": "The database does not answer"},
        },
    )
    async def healthz() -> JSONResponse:
        try:
            async with db.read() as session:
                await session.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    @app.get("/metrics", tags=["service"], response_class=PlainTextResponse)
    async def metrics() -> PlainTextResponse:
        await refresh_stream_metrics(platform.db, platform.consumers.consumers)
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)

    app.mount("/media", StaticFiles(directory=storage.root, check_dir=False), name="media")
    _mount_web_client(app, settings)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _mount_web_client(app: FastAPI, settings: Settings) -> None:
    dist = settings.web_dist
    index = dist / "index.html"
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    async def web_client(path: str) -> Any:
        if path == "api" or path.startswith(("api/", "media/")):
            return JSONResponse(error_envelope("not_found", f"Nothing at /{path}."), status_code=404)
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist.resolve()):
            return FileResponse(candidate)
        if index.is_file():
            return FileResponse(index)
        return PlainTextResponse(
            "The web client is not built. Run `make web` (or `make run`), then reload.", status_code=503
        )


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every error answer declared as the one envelope the app sends."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    envelope = ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in envelope.pop("$defs", {}).items():
        components[name] = definition
    components["ErrorEnvelope"] = envelope
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    error_response = {
        "description": "Error (see docs/api.md for codes)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
    }
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses["4XX"] = error_response
    app.openapi_schema = schema
    return schema
