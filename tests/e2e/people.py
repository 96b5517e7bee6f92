"""People in the browser tests: each signs up through the API and uses the web client in a browser
context of their own, already signed in and in English (or, with `lang="zh"`, in Chinese). Test
modules subclass `Person` with the actions of their feature."""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.live import signup

RUN = uuid.uuid4().hex[:6]  # keeps usernames apart when tests share a server
_numbers = itertools.count(1)


@dataclass
class Person:
    page: Page
    base_url: str
    id: str
    token: str
    display_name: str

    def api(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        # A fresh Idempotency-Key on every call: routes that move money or stock require one.
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": uuid.uuid4().hex}
        return httpx.request(method, f"{self.base_url}/api/v1{path}", headers=headers, timeout=10.0, **kwargs)  # type: ignore[arg-type]

    def open(self, path: str) -> None:
        self.page.goto(f"{self.base_url}/#{path}")
        # A mark that a reload would wipe, so "live" can be checked to mean "without reload".
        self.page.evaluate("window.__sameDocument = true")

    def assert_never_reloaded(self) -> None:
        assert self.page.evaluate("window.__sameDocument === true"), "the page was reloaded"


P = TypeVar("P", bound=Person)


@contextlib.contextmanager
def people_factory(
    kind: type[P],
    browser: Browser,
    base_url: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    *,
    viewport: tuple[int, int] = (420, 860),
    permissions: tuple[str, ...] = (),
    lang: str = "en",
) -> Iterator[Callable[[str], P]]:
    """Yields `make(name)`; on a failed test, screenshots every page before closing the contexts."""
    contexts: list[BrowserContext] = []

    def make(name: str) -> P:
        username = f"{name}_{RUN}_{next(_numbers)}"
        created = signup(base_url, username, display_name=f"{name.title()} {RUN}")
        context = browser.new_context(
            locale="zh-CN" if lang == "zh" else "en-US",
            viewport={"width": viewport[0], "height": viewport[1]},
            permissions=list(permissions),
        )
        context.set_default_timeout(10_000)
        context.add_init_script(
            f"localStorage.setItem('quanzi.token', {str(created['token'])!r});"
            f"localStorage.setItem('quanzi.lang', {lang!r});"
        )
        contexts.append(context)
        user = created["user"]
        assert isinstance(user, dict)
        return kind(
            page=context.new_page(),
            base_url=base_url,
            id=str(user["id"]),
            token=str(created["token"]),
            display_name=str(user["display_name"]),
        )

    try:
        yield make
    finally:
        report = getattr(request.node, "rep_call", None)
        for number, context in enumerate(contexts):
            if report is not None and report.failed:
                for page in context.pages:
                    shot = tmp_path / f"{kind.__name__.lower()}-{number}.png"
                    page.screenshot(path=shot, full_page=True)
                    print(f"screenshot of {page.url}: {shot}")
            context.close()


def befriend(a: Person, b: Person) -> None:
    sent = a.api("POST", "/friend-requests", json={"to_user_id": b.id})
    assert sent.status_code == 201, sent.text
    accepted = b.api("POST", f"/friend-requests/{sent.json()['id']}/accept")
    assert accepted.status_code == 200, accepted.text
