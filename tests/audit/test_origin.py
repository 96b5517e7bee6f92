"""Where an audited action came from behind a reverse proxy: the address is the first hop that is not
one of QUANZI_TRUSTED_PROXIES, as for the login throttle (docs/security.md); a forwarded address from
anyone else is not believed."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from quanzi.config import Settings
from tests.audit.conftest import AuditDriver
from tests.wallet.conftest import Wallet

PROXY = "198.51.100.7"  # the test client's address (tests/conftest.py), here our reverse proxy


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"trusted_proxies": PROXY})


async def test_the_address_behind_a_trusted_proxy_is_the_clients(audit: AuditDriver, wallet: Wallet) -> None:
    mei = await wallet.user("mei")
    card = await wallet.link_card(mei)
    for forwarded in ("203.0.113.9", "10.9.8.7, 203.0.113.10"):
        headers: dict[str, Any] = {
            **mei.headers,
            "Idempotency-Key": uuid.uuid4().hex,
            "X-Forwarded-For": forwarded,
        }
        asked = await wallet.client.post(
            "/api/v1/wallet/topups", json={"card_id": card, "amount": 1_00, "pin": "135790"}, headers=headers
        )
        assert asked.status_code == 201, asked.text
    addresses = [r.address for r in await audit.rows() if r.kind == "wallet.topup.requested"]
    assert addresses == ["203.0.113.9", "203.0.113.10"]
