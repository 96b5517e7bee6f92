"""An unexpected error still answers with the envelope, the request id, a log line and metrics."""

from __future__ import annotations

from fastapi.routing import APIRoute


async def test_unhandled_error_is_a_500_envelope_with_request_id(app, client):
    async def explode() -> None:
        raise RuntimeError("boom")

    # Put the route ahead of the web client's catch-all so it is reached.
    app.router.routes.insert(0, APIRoute("/explode-for-test", explode, methods=["GET"]))
    response = await client.get("/explode-for-test", headers={"X-Request-ID": "trace-me-1"})
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "internal_error", "message": "Something went wrong on our side.", "details": None}
    }
    assert response.headers["x-request-id"] == "trace-me-1"
    metrics = (await client.get("/metrics")).text
    assert 'quanzi_http_requests_total{method="GET",route="/explode-for-test",status="500"}' in metrics


async def test_unsafe_request_ids_are_replaced(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert response.headers["x-request-id"] != "bad id\twith spaces"
    assert len(response.headers["x-request-id"]) == 32


def test_a_database_out_of_reach_is_503_and_a_bug_stays_500() -> None:
    """What the error handlers answer 503 with Retry-After (ask again shortly) rather than 500: the
    database restarting, failing over, its connection cut, or SQLite's writer lock held too long.
    tests/faults/test_database_restart.py sees it against a real restart."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, ProgrammingError

    from quanzi.core.http import database_unavailable

    unavailable = [
        ConnectionRefusedError(111, "Connection refused"),
        InterfaceError("SELECT 1", {}, Exception("connection is closed")),
        OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked")),
        OperationalError("SELECT 1", {}, Exception("the database system is starting up")),
        DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True),
    ]
    bugs = [
        OperationalError("SELECT x", {}, sqlite3.OperationalError("no such table: x")),
        ProgrammingError("SELEC", {}, Exception("syntax error")),
        ValueError("a bug"),
    ]
    assert [database_unavailable(e) for e in unavailable] == [True] * len(unavailable)
    assert [database_unavailable(e) for e in bugs] == [False] * len(bugs)
