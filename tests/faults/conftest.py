"""The fault-injection suite runs when QUANZI_TEST_FAULTS=1 (CI's "fault injection" stage, one process).

It starts private PostgreSQL, Redis and NATS servers of its own and stops and restarts them under real
`quanzi serve` / `quanzi worker` processes (tests/faults/services.py); it never touches the machine's
shared servers or the suite's test database.
"""

from __future__ import annotations

import os

import pytest

from tests.faults.services import private_nats, private_postgres, private_redis

__all__ = ["private_nats", "private_postgres", "private_redis"]

ENABLED = os.environ.get("QUANZI_TEST_FAULTS") == "1"


@pytest.fixture(autouse=True)
def _only_when_asked() -> None:
    # The reason names no service URL variable: the root conftest would turn the skip into a failure.
    if not ENABLED:
        pytest.skip(
            "fault injection runs only when QUANZI_TEST_FAULTS=1 (starts and restarts its own servers)"
        )
