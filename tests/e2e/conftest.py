"""Fixtures for the browser tests: one live server and one Chromium per test module.

The browser is Debian's Chromium (`/usr/bin/chromium`), driven by Playwright for Python; Playwright's
own browser downloads are never used. Each test opens its own browser contexts (one per person), so
tests share the server and the browser but no cookies, storage or accounts.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.live import CHROMIUM, CHROMIUM_ARGS, LiveServer, browser_missing_reason, run_live_server


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[object]:
    """Keeps each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _call_failed(request: pytest.FixtureRequest) -> bool:
    report = getattr(request.node, "rep_call", None)
    return report is not None and bool(report.failed)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with run_live_server(tmp_path_factory.mktemp("live")) as server:
        yield server


@pytest.fixture(autouse=True)
def _server_log_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "live_server" in request.fixturenames and _call_failed(request):
        server: LiveServer = request.getfixturevalue("live_server")
        print(f"--- quanzi serve output (tail of {server.log_path}) ---\n{server.log_tail()}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    reason = browser_missing_reason()
    if reason:
        pytest.skip(reason)
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
