"""The OpenAPI document is a contract: schemathesis fuzzes every operation of a live server against it.

The server is a real `quanzi serve` (uvicorn, real HTTP) on a fresh database (tests/live.py). Every
operation in /api/openapi.json is called with generated inputs, valid and invalid, in two passes:

- anonymous: no token, or the garbage bearer tokens schemathesis makes up for the security scheme;
- member: signed in as an account that has a friend, a pending incoming request, a tag, a block and a
  second session; those real ids are offered to the generator half of the time (random ids the other
  half), so authorized paths reach real rows, not only 404s.

Every answer must be: no 5xx, a status the document declares, the content type it declares, a body
matching its schema. A failure is a server bug or a wrong document; it is reported with the request
to replay and the server's own log lines for that request.

Runs are reproducible: a fixed seed, derandomized generation, no example database, and a bounded
number of examples per operation, so the whole module takes two to four minutes.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.live import PASSWORD, LiveServer, run_live_server, signup

SEED = 20261111
# Examples per operation in the fuzzing phase (the coverage phase adds its own boundary cases). The
# anonymous pass needs fewer: behind the bearer check every input gets the same 401. Raise them for a
# deeper run, e.g. QUANZI_CONTRACT_EXAMPLES=100.
MEMBER_EXAMPLES = int(os.environ.get("QUANZI_CONTRACT_EXAMPLES", "15"))
ANONYMOUS_EXAMPLES = max(MEMBER_EXAMPLES // 2, 1)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
API = "/api/v1"
LOGOUT = f"{API}/auth/logout"


# --- the server and the member's world ------------------------------------------------------


@pytest.fixture(autouse=True)
def _pytest_9_node_id(request: pytest.FixtureRequest) -> None:
    # schemathesis 4.32's lazy schemas (from_fixture) relabel `request.node._nodeid` per operation, an
    # attribute pytest 9.2 no longer has; without it every pass fails with an AttributeError.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@dataclasses.dataclass
class World:
    """The member the signed-in pass acts as, and real ids of things around them."""

    token: str
    ids: dict[str, list[str]]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with run_live_server(tmp_path_factory.mktemp("contract")) as server:
        yield server


@pytest.fixture(scope="module")
def document(live_server: LiveServer) -> dict[str, Any]:
    response = httpx.get(f"{live_server.base_url}/api/openapi.json", timeout=10.0)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


class _Client:
    """The public API as one person sees it."""

    def __init__(self, http: httpx.Client, auth: dict[str, Any]) -> None:
        self.http, self.id = http, auth["user"]["id"]
        self.headers = {"Authorization": f"Bearer {auth['token']}"}

    def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"{API}{path}", headers=self.headers, **kwargs)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None


@pytest.fixture(scope="module")
def world(live_server: LiveServer, document: dict[str, Any]) -> World:
    """A member with some of everything, built through the public API as a client would.

    There are several of each thing, so that a fuzzed DELETE or decline early on leaves others for
    the operations that come after it.
    """
    base = live_server.base_url
    names = [
        "fuzz_member",
        "fuzz_friend",
        "fuzz_blocked",
        "fuzz_stranger",
        *(f"fuzz_asker{i}" for i in range(3)),
    ]
    accounts = [signup(base, name) for name in names] + [signup(base, "fuzz_shop", kind="merchant")]
    ids: dict[str, list[str]] = {
        "user": [a["user"]["id"] for a in accounts],
        "session": [],
        "tag": [],
        "request": [],
    }
    with httpx.Client(base_url=base, timeout=10.0) as http:
        member, friend, blocked, _stranger, *askers, shop = (_Client(http, a) for a in accounts)
        # A second session of the member: revoking it must not end the session the fuzzer uses.
        second = http.post(f"{API}/auth/login", json={"login": "fuzz_member", "password": PASSWORD})
        assert second.status_code == 200, second.text
        ids["session"].append(second.json()["session_id"])
        if f"{API}/friend-requests" not in document["paths"]:
            return World(token=accounts[0]["token"], ids=ids)
        sent = member("POST", "/friend-requests", json={"to_user_id": friend.id, "message": "hello"})
        friend("POST", f"/friend-requests/{sent['id']}/accept")
        ids["request"].append(sent["id"])
        for asker in askers:
            ids["request"].append(asker("POST", "/friend-requests", json={"to_user_id": member.id})["id"])
        for name in ("running club", "family", "work"):
            ids["tag"].append(member("POST", "/tags", json={"name": name, "member_ids": [friend.id]})["id"])
        member("PUT", f"/blocks/{blocked.id}")
        member("PUT", f"/following/{shop.id}")
        shop("PUT", f"/following/{member.id}")
    return World(token=accounts[0]["token"], ids=ids)


# --- schemathesis configuration ---------------------------------------------------------------


_ID_KINDS = {
    "user_id": "user",
    "to_user_id": "user",
    "user_ids": "user",
    "member_ids": "user",
    "session_id": "session",
    "tag_id": "tag",
    "tag_ids": "tag",
    "request_id": "request",
}


def _id_bindings(document: dict[str, Any], world: World) -> dict[str, Any]:
    """Dictionary bindings that offer the world's real ids, half of the time, to every parameter and
    top-level body field named like one (``user_id``, ``member_ids``, ``tag_id``, ...)."""
    keys: dict[str, str] = {}
    for path_item in document["paths"].values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter["name"] in _ID_KINDS:
                    keys[f"{parameter['in']}.{parameter['name']}"] = _ID_KINDS[parameter["name"]]
    for schema in document.get("components", {}).get("schemas", {}).values():
        for name in schema.get("properties") or {}:
            if name in _ID_KINDS:
                keys[f"body.{name}[*]" if name.endswith("_ids") else f"body.{name}"] = _ID_KINDS[name]
    return {key: {"dictionary": kind, "probability": 0.5} for key, kind in keys.items() if world.ids[kind]}


def _config(document: dict[str, Any], world: World | None) -> schemathesis.Config:
    data: dict[str, Any] = {
        "seed": SEED,
        # Each example is a real HTTP round trip; Hypothesis' timing health checks would only flake.
        "suppress-health-check": ["too_slow"],
        "generation": {
            "max-examples": ANONYMOUS_EXAMPLES if world is None else MEMBER_EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
    }
    if world is None:
        # Without a session, the coverage phase's boundary values would all meet the same 401; the
        # public operations get them in the member pass, where a token changes nothing for them.
        data["phases"] = {"coverage": {"enabled": False}}
    else:
        data["dictionaries"] = {kind: {"values": values} for kind, values in world.ids.items() if values}
        data["parameters"] = _id_bindings(document, world)
    return schemathesis.Config.from_dict(data)


@pytest.fixture(scope="module")
def anonymous_schema(live_server: LiveServer, document: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_url(
        f"{live_server.base_url}/api/openapi.json", config=_config(document, None)
    )


@pytest.fixture(scope="module")
def member_schema(live_server: LiveServer, document: dict[str, Any], world: World) -> Any:
    return schemathesis.openapi.from_url(
        f"{live_server.base_url}/api/openapi.json", config=_config(document, world)
    )


anonymous = schemathesis.pytest.from_fixture("anonymous_schema")
# Logging out ends the very session the member pass runs on, so every later case would be a 401. It is
# fuzzed anonymously below and its signed-in answer is checked in test_logout_conforms_and_ends_the_session.
member = schemathesis.pytest.from_fixture("member_schema").exclude(method="POST", path=LOGOUT)


def _call_and_validate(
    case: Any, server: LiveServer, headers: dict[str, str] | None, extra_checks: list[Any] | None = None
) -> None:
    _LOG.path, _LOG.offset = server.log_path, server.log_path.stat().st_size
    checks = CHECKS + (extra_checks or [])
    case.call_and_validate(base_url=server.base_url, headers=headers, checks=checks, timeout=30)


@dataclasses.dataclass
class _LogPosition:
    """Where the server's log stood when the current request was sent (checks run right after it)."""

    path: Path | None = None
    offset: int = 0


_LOG = _LogPosition()
_LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\dT")  # each record starts with its timestamp; tracebacks do not


def server_log_of(request_id: str) -> str:
    """The server's log records (with tracebacks) for one request: those carrying its request id, or
    everything logged since it was sent when the answer carried no id."""
    if _LOG.path is None:
        return "(no server log)"
    with _LOG.path.open("rb") as log:
        log.seek(_LOG.offset)
        lines = log.read().decode("utf-8", errors="replace").splitlines()
    if not request_id:
        return "\n".join(
            ["(the answer had no X-Request-ID; all that was logged since it was sent:)", *lines[:80]]
        )
    picked: list[str] = []
    keep = False
    for line in lines:
        if _LOG_RECORD.match(line):
            keep = request_id in line
        if keep:
            picked.append(line)
    return "\n".join(picked[:80]) or f"(nothing logged for request {request_id})"


@schemathesis.check
def server_error_explained(ctx: Any, response: Any, case: Any) -> bool | None:
    """On a 5xx, fails with the server's own log for the request, so the report shows the traceback."""
    if response.status_code < 500:
        return None
    request_id = (response.headers.get("x-request-id") or [""])[0]
    raise AssertionError(f"quanzi serve log for request {request_id}:\n{server_log_of(request_id)}")


CHECKS.append(server_error_explained)


@schemathesis.check
def secured_needs_a_session(ctx: Any, response: Any, case: Any) -> bool | None:
    """Without a valid token (the anonymous pass has none), an operation that declares security fails."""
    security = case.operation.definition.raw.get("security")
    if security and {} not in security and response.status_code < 400:
        raise AssertionError(
            f"{case.operation.label} declares bearer security but answered {response.status_code} "
            "to a request without a valid session token"
        )
    return None


# --- the passes -------------------------------------------------------------------------------


@pytest.mark.timeout(600)  # one test item runs every operation; the per-test default is 300 s
@anonymous.parametrize()
def test_anonymous_requests_keep_the_contract(case: Any, live_server: LiveServer) -> None:
    _call_and_validate(case, live_server, headers=None, extra_checks=[secured_needs_a_session])


@pytest.mark.timeout(600)
@member.parametrize()
def test_member_requests_keep_the_contract(case: Any, live_server: LiveServer, world: World) -> None:
    _call_and_validate(case, live_server, headers=world.headers)


def test_the_member_pass_ran_signed_in_to_the_end(live_server: LiveServer, world: World) -> None:
    """No fuzzed operation ended the member's session (which would turn the rest of the pass into 401s
    and hide it). An operation that can must be excluded from the member pass, like logout."""
    me = httpx.get(f"{live_server.base_url}{API}/me", headers=world.headers, timeout=10.0)
    assert me.status_code == 200, me.text


def test_logout_conforms_and_ends_the_session(live_server: LiveServer, anonymous_schema: Any) -> None:
    """The signed-in side of POST /auth/logout, which the member pass leaves out (see above)."""
    leaving = signup(live_server.base_url, "fuzz_leaving")
    headers = {"Authorization": f"Bearer {leaving['token']}"}
    case = anonymous_schema[LOGOUT]["POST"].Case()
    response = case.call_and_validate(base_url=live_server.base_url, headers=headers, checks=CHECKS)
    assert response.status_code == 204
    me = httpx.get(f"{live_server.base_url}{API}/me", headers=headers, timeout=10.0)
    assert me.status_code == 401
    assert me.json()["error"]["code"] == "unauthorized"


def test_operations_that_declare_security_refuse_a_request_without_a_token(
    live_server: LiveServer, document: dict[str, Any]
) -> None:
    """Every operation the document marks as needing a bearer token answers 401 to none at all.

    An operation that also serves anonymous callers must say so (``security: [{}, {"HTTPBearer": []}]``),
    or clients and this contract take the token as required.
    """
    wrong: list[str] = []
    with httpx.Client(base_url=live_server.base_url, timeout=10.0) as http:
        for path, path_item in document["paths"].items():
            for method, operation in path_item.items():
                security = operation.get("security") if isinstance(operation, dict) else None
                if not security or {} in security:
                    continue
                url = re.sub(r"\{[^}]+\}", "1", path)
                response = http.request(method.upper(), url)
                if response.status_code != 401:
                    wrong.append(f"{method.upper()} {url} -> {response.status_code} {response.text[:120]}")
    assert not wrong, "operations declaring bearer security answered without a token:\n" + "\n".join(wrong)
