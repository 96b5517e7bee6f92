"""Quanzi's own processes for the fault tests (`quanzi serve`, `quanzi worker`) and the few API calls
every scenario starts with: accounts, friendship, a PIN, money in the wallet."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.wallet.conftest import PIN
from tests.wallet.processes import Server, server_env

__all__ = ["PIN", "V1", "Server", "Worker", "befriend", "fund", "signup"]

V1 = "/api/v1"


class Worker:
    """`quanzi worker`: jobs, the outbox relay and the event stream's consumers."""

    def __init__(self, database_url: str, workdir: Path, **extra_env: str) -> None:
        self.env = server_env(database_url, workdir, **extra_env)
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with (self.workdir / f"worker-{time.monotonic_ns()}.log").open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "quanzi.cli", "worker"],
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        assert self.process.wait(timeout=30) == -signal.SIGKILL
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.process = None


def quanzi(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quanzi.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def signup(http: httpx.Client, name: str, kind: str = "consumer") -> dict[str, Any]:
    body = {
        "username": f"{name}{uuid.uuid4().hex[:6]}",
        "password": "correct horse 1",
        "display_name": name,
        "kind": kind,
    }
    answer = http.post(f"{V1}/auth/signup", json=body)
    assert answer.status_code == 201, answer.text
    data = answer.json()
    return {
        "id": data["user"]["id"],
        "token": data["token"],
        "headers": {"Authorization": f"Bearer {data['token']}"},
    }


def befriend(http: httpx.Client, one: dict[str, Any], other: dict[str, Any]) -> None:
    request = http.post(f"{V1}/friend-requests", json={"to_user_id": other["id"]}, headers=one["headers"])
    assert request.status_code == 201, request.text
    accepted = http.post(f"{V1}/friend-requests/{request.json()['id']}/accept", headers=other["headers"])
    assert accepted.is_success, accepted.text


def fund(http: httpx.Client, user: dict[str, Any], amount: int) -> None:
    """A PIN and `amount` in the wallet, topped up from a sandbox card (credited when the bank calls
    back)."""
    from quanzi.wallet.bank import sandbox_card_number

    assert http.put(f"{V1}/wallet/pin", json={"new_pin": PIN}, headers=user["headers"]).status_code == 204
    card = http.post(
        f"{V1}/wallet/cards",
        json={"number": sandbox_card_number("4242"), "holder_name": "S"},
        headers=user["headers"],
    ).json()
    topup = http.post(
        f"{V1}/wallet/topups",
        json={"card_id": card["id"], "amount": amount, "pin": PIN},
        headers=user["headers"] | {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert topup.status_code == 201, topup.text
    deadline = time.monotonic() + 60
    while http.get(f"{V1}/wallet", headers=user["headers"]).json()["balance"] != amount:
        assert time.monotonic() < deadline, "the sandbox bank never credited the top-up"
        time.sleep(0.2)
