"""Synapse (the Matrix reference homeserver) as the peer: installed from PyPI into its own virtualenv,
configured on loopback with every rate limit lifted, driven through the Matrix client-server API.

Users are registered through the admin shared-secret API (`/_synapse/admin/v1/register`, HMAC-SHA1);
rooms are created with `createRoom` and joined with `/join`; a message is
`PUT /_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}`; a receiver long-polls `/sync`
(with a lean filter: room timelines of `m.room.message` only, members lazy-loaded, no presence).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from benchkit import free_port
from chatbench.common import log

SYNAPSE_VERSION = "1.163.2"
PSYCOPG2_VERSION = "2.9.13"  # the binary wheel provides the `psycopg2` module Synapse imports
REPO = Path(__file__).resolve().parents[2]
DEFAULT_VENV = REPO / "var" / "bench" / "synapse-venv"
SERVER_NAME = "bench.local"
PASSWORD = "bench pass 1"
SEND_ATTEMPTS = 3
UNLIMITED = {"per_second": 1_000_000, "burst_count": 1_000_000}

# Incremental syncs: only message events of joined rooms, up to 1,000 per response (a receiver never
# falls that far behind here, and `limited` is counted if it does).
SYNC_FILTER = json.dumps(
    {
        "presence": {"types": []},
        "account_data": {"types": []},
        "room": {
            "timeline": {"limit": 1000, "types": ["m.room.message"]},
            "state": {"lazy_load_members": True},
            "ephemeral": {"types": []},
            "account_data": {"types": []},
        },
    },
    separators=(",", ":"),
)
# The first sync of a receiver only needs the stream position to start from.
INITIAL_FILTER = json.dumps(
    {
        "presence": {"types": []},
        "account_data": {"types": []},
        "room": {
            "timeline": {"limit": 1, "types": ["m.room.message"]},
            "state": {"lazy_load_members": True},
            "ephemeral": {"types": []},
            "account_data": {"types": []},
        },
    },
    separators=(",", ":"),
)


def install(venv: Path = DEFAULT_VENV) -> Path:
    """Create (once) the virtualenv with the pinned Synapse; answers its python."""
    python = venv / "bin" / "python"
    marker = venv / ".bench-installed"
    wanted = f"matrix-synapse=={SYNAPSE_VERSION} psycopg2-binary=={PSYCOPG2_VERSION}"
    if marker.exists() and marker.read_text().strip() == wanted and python.exists():
        return python
    log(f"installing {wanted} into {venv} (once; about a minute)")
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    pip = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *wanted.split()],
        capture_output=True,
        text=True,
    )
    if pip.returncode != 0:
        sys.stderr.write(pip.stdout + pip.stderr)
        raise RuntimeError(f"installing {wanted} failed")
    marker.write_text(wanted + "\n")
    return python


async def recreate_pg(url: str, name: str) -> dict[str, Any]:
    """Synapse's database on the same PostgreSQL server as Quanzi's (C collation, as Synapse requires)."""
    import asyncpg

    parts = urlsplit(url.replace("postgresql+asyncpg://", "postgresql://"))
    admin_url = parts._replace(path="/postgres").geturl()
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(
            f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
        )
    finally:
        await admin.close()
    args: dict[str, Any] = {
        "user": parts.username or "postgres",
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "database": name,
        "cp_min": 5,
        "cp_max": 10,
    }
    if parts.password:
        args["password"] = parts.password
    return args


class SynapseServer:
    name = "synapse"

    def __init__(self, database: str, workdir: Path, python: Path) -> None:
        self.database = database
        self.workdir = workdir / "synapse"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.python = python
        self.port = free_port()
        self.secret = secrets.token_hex(16)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def _config(self) -> Path:
        if self.database == "sqlite":
            database: dict[str, Any] = {
                "name": "sqlite3",
                "args": {"database": str(self.workdir / "homeserver.db")},
            }
        else:
            database = {"name": "psycopg2", "args": await recreate_pg(self.database, "synapse_bench_chat")}
        log_config = self.workdir / "log.yaml"
        log_config.write_text(
            json.dumps(
                {
                    "version": 1,
                    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
                    "handlers": {
                        "file": {
                            "class": "logging.FileHandler",
                            "filename": str(self.workdir / "homeserver.log"),
                            "formatter": "plain",
                        }
                    },
                    "root": {"level": "WARNING", "handlers": ["file"]},
                    "disable_existing_loggers": False,
                }
            )
        )
        config = {
            "server_name": SERVER_NAME,
            "pid_file": str(self.workdir / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": database,
            "log_config": str(log_config),
            "media_store_path": str(self.workdir / "media"),
            "signing_key_path": str(self.workdir / "signing.key"),
            "registration_shared_secret": self.secret,
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            "report_stats": False,
            "enable_metrics": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [],
            "url_preview_enabled": False,
            "presence": {"enabled": False},
            "bcrypt_rounds": 4,  # registration speed only; nothing measured logs in
            "soft_file_limit": 0,
            "filter_timeline_limit": 1000,  # the default caps a sync's timeline at 100 events
            "rc_message": UNLIMITED,
            "rc_registration": UNLIMITED,
            "rc_login": {"address": UNLIMITED, "account": UNLIMITED, "failed_attempts": UNLIMITED},
            "rc_joins": {"local": UNLIMITED, "remote": UNLIMITED},
            "rc_joins_per_room": UNLIMITED,
            "rc_invites": {"per_room": UNLIMITED, "per_user": UNLIMITED, "per_issuer": UNLIMITED},
            "rc_room_creation": UNLIMITED,
            "rc_presence": {"per_user": UNLIMITED},
            "rc_admin_redaction": UNLIMITED,
            "rc_3pid_validation": UNLIMITED,
            "rc_key_requests": UNLIMITED,
            "rc_delayed_event_mgmt": UNLIMITED,
            "rc_user_directory": UNLIMITED,
            "rc_profile": UNLIMITED,
            "rc_reports": UNLIMITED,
        }
        path = self.workdir / "homeserver.yaml"
        path.write_text(json.dumps(config, indent=1))  # JSON is YAML
        return path

    def _spawn(self, config: Path) -> subprocess.Popen[bytes]:
        homeserver = [str(self.python), "-m", "synapse.app.homeserver", "--config-path", str(config)]
        subprocess.run([*homeserver, "--generate-keys"], check=True, cwd=self.workdir, capture_output=True)
        self.log_path = self.workdir / "stdout.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        return subprocess.Popen(
            homeserver,
            cwd=self.workdir,
            env=env,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    async def start(self) -> None:
        self.process = self._spawn(await self._config())
        deadline = time.monotonic() + 180
        async with httpx.AsyncClient(timeout=2) as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break
                with contextlib.suppress(httpx.HTTPError):
                    answer = await http.get(f"http://127.0.0.1:{self.port}/_matrix/client/versions")
                    if answer.status_code == 200:
                        return
                await asyncio.sleep(0.3)
        self.stop()
        raise RuntimeError(
            f"synapse did not start; see {self.log_path} and {self.workdir / 'homeserver.log'}"
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def client(self) -> SynapseClient:
        return SynapseClient(self.port, self.secret)


class MatrixUser:
    def __init__(self, index: int, user_id: str, token: str) -> None:
        self.index = index
        self.id = user_id
        self.token = token
        self.auth = {"Authorization": f"Bearer {token}"}
        self.txn = itertools.count()


class SynapseClient:
    system = "synapse"

    def __init__(self, port: int, secret: str) -> None:
        self.resent = 0
        self._unique = itertools.count(1)
        self.port = port
        self.secret = secret
        self.http = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            timeout=120,
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=256),
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def _ok(self, response: httpx.Response) -> Any:
        if response.status_code != 200:
            raise RuntimeError(
                f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
            )
        return response.json()

    # --- world ---------------------------------------------------------------------------------

    async def register(self, index: int, name: str) -> MatrixUser:
        nonce = (await self._ok(await self.http.get("/_synapse/admin/v1/register")))["nonce"]
        mac = hmac.new(self.secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), name.encode(), PASSWORD.encode(), b"notadmin"]))
        body = await self._ok(
            await self.http.post(
                "/_synapse/admin/v1/register",
                json={
                    "nonce": nonce,
                    "username": name,
                    "password": PASSWORD,
                    "admin": False,
                    "mac": mac.hexdigest(),
                },
            )
        )
        return MatrixUser(index, body["user_id"], body["access_token"])

    async def make_users(self, count: int, prefix: str) -> list[MatrixUser]:
        sem = asyncio.Semaphore(4)

        async def one(index: int) -> MatrixUser:
            async with sem:
                return await self.register(index, f"{prefix}{index}")

        return list(await asyncio.gather(*(one(i) for i in range(count))))

    async def create_room(self, owner: MatrixUser, body: dict[str, Any]) -> str:
        answer = await self._ok(
            await self.http.post("/_matrix/client/v3/createRoom", json=body, headers=owner.auth)
        )
        return str(answer["room_id"])

    async def join(self, user: MatrixUser, room: str) -> None:
        await self._ok(
            await self.http.post(f"/_matrix/client/v3/join/{quote(room)}", json={}, headers=user.auth)
        )

    async def setup(self, count: int) -> tuple[list[MatrixUser], str, str]:
        users = await self.make_users(count, "bench")
        direct = await self.create_room(
            users[0], {"preset": "trusted_private_chat", "is_direct": True, "invite": [users[1].id]}
        )
        await self.join(users[1], direct)
        group = await self.create_room(
            users[0], {"preset": "private_chat", "name": "bench group", "invite": [u.id for u in users[1:]]}
        )
        sem = asyncio.Semaphore(4)

        async def join(user: MatrixUser) -> None:
            async with sem:
                await self.join(user, group)

        await asyncio.gather(*(join(u) for u in users[1:]))
        return users, direct, group

    # --- traffic -------------------------------------------------------------------------------

    async def send(self, user: MatrixUser, room: str, text: str) -> None:
        path = f"/_matrix/client/v3/rooms/{quote(room)}/send/m.room.message/b{next(user.txn)}"
        for attempt in range(SEND_ATTEMPTS):
            try:
                response = await self.http.put(
                    path, json={"msgtype": "m.text", "body": text}, headers=user.auth
                )
                break
            except httpx.TransportError:
                # A dropped keep-alive connection: resend with the same transaction id (idempotent).
                if attempt == SEND_ATTEMPTS - 1:
                    raise
                self.resent += 1
        if response.status_code != 200:
            raise RuntimeError(f"send: {response.status_code} {response.text}")

    async def next_batch(self, user: MatrixUser) -> str:
        # Synapse keeps a finished sync's response for 2 minutes under a key of (user, timeout, since,
        # filter, …) and answers an identical request from it: a unique timeout (an initial sync never
        # waits) makes this one fresh.
        unique = next(self._unique)
        body = await self._ok(
            await self.http.get(
                "/_matrix/client/v3/sync",
                params={"filter": INITIAL_FILTER, "timeout": unique},
                headers=user.auth,
            )
        )
        return str(body["next_batch"])

    async def listen(self, user: MatrixUser, on_text: Callable[[str, float], None]) -> SynapseListener:
        listener = SynapseListener(self, user, on_text)
        await listener.start()
        return listener

    async def idle_spec(self, users: list[MatrixUser]) -> dict[str, Any]:
        batches = await asyncio.gather(*(self.next_batch(u) for u in users))
        return {
            "kind": "synapse",
            "host": "127.0.0.1",
            "port": self.port,
            "users": [{"token": u.token, "since": b} for u, b in zip(users, batches, strict=True)],
            "filter": SYNC_FILTER,
        }


class SynapseListener:
    """A connected receiver: a /sync long-poll loop; each new m.room.message is handed to on_text."""

    def __init__(
        self, client: SynapseClient, user: MatrixUser, on_text: Callable[[str, float], None]
    ) -> None:
        self.client = client
        self.user = user
        self.on_text = on_text
        self.task: asyncio.Task[None] | None = None
        self.gaps = 0  # responses whose timeline was `limited` (events skipped)
        # Its own connection: a long-poll must not wait behind the senders' pool.
        self.http = httpx.AsyncClient(base_url=client.http.base_url, timeout=120)

    async def start(self) -> None:
        self.since = await self.client.next_batch(self.user)
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        params: dict[str, str | int] = {"filter": SYNC_FILTER, "timeout": 30_000}
        while True:
            response = await self.http.get(
                "/_matrix/client/v3/sync", params={**params, "since": self.since}, headers=self.user.auth
            )
            received = time.monotonic()
            if response.status_code != 200:
                log(f"synapse sync {response.status_code}: {response.text[:200]}")
                await asyncio.sleep(0.1)
                continue
            body = response.json()
            self.since = body["next_batch"]
            for room in body.get("rooms", {}).get("join", {}).values():
                timeline = room.get("timeline", {})
                if timeline.get("limited"):
                    self.gaps += 1
                for event in timeline.get("events", []):
                    if event.get("type") == "m.room.message":
                        text = event.get("content", {}).get("body")
                        if isinstance(text, str):
                            self.on_text(text, received)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        await self.http.aclose()
