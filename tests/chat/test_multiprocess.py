"""CHT-8: two `quanzi serve` processes sharing PostgreSQL and a bus (Redis, then NATS). A socket held by
one process receives, once and in order, the messages sent through the other.

Runs when QUANZI_TEST_DATABASE_URL names PostgreSQL and QUANZI_TEST_REDIS_URL / QUANZI_TEST_NATS_URL
name the carriers (CI sets all three); SQLite is one process's database, so it is skipped there.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.chat.conftest import Socket
from tests.databases import on_postgres
from tests.live import free_port

pytestmark = pytest.mark.shared_services  # Redis/NATS are shared by every test worker

CARRIERS = {"redis": "QUANZI_TEST_REDIS_URL", "nats": "QUANZI_TEST_NATS_URL"}
# Generous: how fast a delivery crosses processes is bench/chat.py's to measure; a test asserts that it
# arrives, once and in order, however loaded the runner is.
WAIT_S = 10.0
V1 = "/api/v1"


def _skip_reason(carrier: str, database_url: str) -> str | None:
    if not on_postgres(database_url):
        return "needs PostgreSQL shared by two processes: set QUANZI_TEST_DATABASE_URL=postgresql://…"
    if not os.environ.get(CARRIERS[carrier]):
        return f"needs a {carrier} server: set {CARRIERS[carrier]}"
    return None


@contextlib.contextmanager
def serve(
    workdir: Path, name: str, database_url: str, bus_url: str, node_id: int, web_dist: Path | None = None
) -> Iterator[str]:
    """A `quanzi serve` subprocess on a free port; yields its base URL once /healthz is ok."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUANZI_")}
    env.update(
        QUANZI_DATABASE_URL=database_url,
        QUANZI_BUS_URL=bus_url,
        QUANZI_NODE_ID=str(node_id),
        QUANZI_MEDIA_DIR=str(workdir / "media"),
        QUANZI_WEB_DIST=str(web_dist or workdir / "no-web"),
        QUANZI_RUN_JOBS_IN_SERVE="false",
        QUANZI_LOG_JSON="false",
        QUANZI_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    port = free_port()
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "quanzi.cli",
                "serve",
                "--no-migrate",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {process.returncode}:\n{log_path.read_text()[-4000:]}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.1)
        yield base_url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


async def _signup(http: httpx.AsyncClient, base: str, username: str) -> dict[str, Any]:
    response = await http.post(
        f"{base}{V1}/auth/signup",
        json={"username": username, "password": "correct horse 1", "display_name": username.title()},
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


@contextlib.asynccontextmanager
async def _socket(base: str, token: str) -> Any:
    url = base.replace("http://", "ws://") + f"{V1}/ws?token={token}"
    async with connect(url, open_timeout=5) as connection:
        socket = Socket(connection)
        await socket.send({"type": "hello", "since": 0})
        assert (await socket.frame())["type"] == "welcome"
        await socket.until("synced")
        yield socket


@pytest.mark.parametrize("carrier", list(CARRIERS))
async def test_a_socket_on_one_process_gets_messages_sent_through_the_other(
    carrier: str, database_url: str, tmp_path: Path
) -> None:
    reason = _skip_reason(carrier, database_url)
    if reason:
        pytest.skip(reason)
    bus_url = os.environ[CARRIERS[carrier]]
    with (
        serve(tmp_path, "server-a", database_url, bus_url, node_id=101) as server_a,
        serve(tmp_path, "server-b", database_url, bus_url, node_id=102) as server_b,
    ):
        async with httpx.AsyncClient(timeout=10) as http:
            alice = await _signup(http, server_a, f"alice_{carrier}")
            bob = await _signup(http, server_b, f"bob_{carrier}")
            a_headers = {"Authorization": f"Bearer {alice['token']}"}
            b_headers = {"Authorization": f"Bearer {bob['token']}"}
            request = await http.post(
                f"{server_a}{V1}/friend-requests", json={"to_user_id": bob["user"]["id"]}, headers=a_headers
            )
            assert request.status_code == 201, request.text
            accepted = await http.post(
                f"{server_b}{V1}/friend-requests/{request.json()['id']}/accept", headers=b_headers
            )
            assert accepted.status_code == 200, accepted.text

            async with (
                _socket(server_b, bob["token"]) as bob_socket,
                _socket(server_a, alice["token"]) as alice_socket,
            ):
                chat = await http.post(
                    f"{server_a}{V1}/chats/direct", json={"user_id": bob["user"]["id"]}, headers=a_headers
                )
                assert chat.status_code == 200, chat.text
                chat_id = chat.json()["id"]
                entry = await bob_socket.entry_where(lambda e: e["kind"] == "chat", wait=WAIT_S)
                assert entry["chat_id"] == chat_id

                sent_ids = []
                for i in range(5):
                    sent = await http.post(
                        f"{server_a}{V1}/chats/{chat_id}/messages",
                        json={"kind": "text", "content": {"text": f"via A #{i}"}},
                        headers=a_headers,
                    )
                    assert sent.status_code == 201, sent.text
                    sent_ids.append(sent.json()["id"])
                received_ids = [
                    (await bob_socket.entry_where(lambda e: e["kind"] == "message", wait=WAIT_S))["message"][
                        "id"
                    ]
                    for _ in sent_ids
                ]
                assert received_ids == sent_ids  # each once, in the order sent

                # The other way round, and an ephemeral typing indicator across processes too.
                await bob_socket.send({"type": "typing", "chat_id": chat_id})
                typing, _ = await alice_socket.until("typing", wait=WAIT_S)
                assert typing["user_id"] == bob["user"]["id"]
                sent = await http.post(
                    f"{server_b}{V1}/chats/{chat_id}/messages",
                    json={"kind": "text", "content": {"text": "via B"}},
                    headers=b_headers,
                )
                received = await alice_socket.entry_where(
                    lambda e: e["kind"] == "message" and e["message"]["id"] == sent.json()["id"], wait=WAIT_S
                )
                assert json.dumps(received["message"]) == json.dumps(sent.json())
