"""What every route owes at the door, whatever it does.

A NUL character (U+0000) in any text a client sends is a 4xx, never a 500 (PostgreSQL cannot store
it in text, and once answered 500 to it on logins, searches, share links, transfers' notes, red
packets' greetings and cards' holder names).

Walks the OpenAPI document: every string query parameter, every path parameter and every string
field of every JSON body (with the body's other required fields filled in, so that the request
would otherwise reach the service), on every route. Runs on SQLite and on PostgreSQL.

An oversized body is 413 ``payload_too_large`` whether it comes with a Content-Length or chunked.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx

NUL = "a\x00b"


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:  # the first concrete choice (Optional[X] is anyOf [X, null])
            choices = [s for s in schema[key] if s.get("type") != "null"]
            if choices:
                return _resolve(choices[0], document)
    return schema


def _sample(schema: dict[str, Any], document: dict[str, Any]) -> Any:
    """A plausible value of `schema`: enough to get past validation to the service."""
    schema = _resolve(schema, document)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "string":
        if schema.get("pattern", "").startswith("^[0-9]"):
            return "1"
        return "x" * max(1, int(schema.get("minLength", 1)))
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        required = schema.get("required", [])
        return {name: _sample(schema["properties"][name], document) for name in required}
    return "x"


def _requests(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], Any]]:
    """(method, path, query, json body) with a NUL in one place each."""
    cases: list[tuple[str, str, dict[str, Any], Any]] = []
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            parameters = operation.get("parameters", [])
            path = re.sub(r"\{[^}]+\}", "1", template)
            for parameter in parameters:
                if parameter["in"] == "path":
                    nul_path = template.replace("{" + parameter["name"] + "}", "a%00b")
                    cases.append((method, re.sub(r"\{[^}]+\}", "1", nul_path), {}, None))
                elif parameter["in"] == "query" and _resolve(parameter["schema"], document).get("type") in (
                    "string",
                    None,
                ):
                    cases.append((method, path, {parameter["name"]: NUL}, None))
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = _resolve(content["application/json"]["schema"], document)
            base = _sample(schema, document)
            for name, field in schema.get("properties", {}).items():
                resolved = _resolve(field, document)
                if resolved.get("type") == "string" and "enum" not in resolved:
                    cases.append((method, path, {}, {**base, name: NUL}))
                elif resolved.get("type") == "object" and "properties" not in resolved:
                    cases.append((method, path, {}, {**base, name: {"text": NUL}}))  # free-form content
    return cases


async def test_nul_in_any_text_is_refused_with_a_4xx(client: httpx.AsyncClient, users: Any) -> None:
    person = await users.create("nul_tester")
    document = (await client.get("/api/openapi.json")).json()
    cases = _requests(document)
    assert len(cases) > 150  # the walk found the routes
    failures = []
    for method, path, query, body in cases:
        headers = {**person.headers, "Idempotency-Key": f"nul-{len(failures)}-{hash((path, str(body)))}"}
        response = await client.request(method.upper(), path, params=query, json=body, headers=headers)
        if not 400 <= response.status_code < 500:
            failures.append(f"{method.upper()} {path} {query or body} -> {response.status_code}")
    assert not failures, "\n".join(failures)


async def test_login_with_nul_is_refused_before_the_database(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/login", json={"login": NUL, "password": "whatever 1"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_input"
    response = await client.get("/api/v1/chat-search", params={"q": NUL})
    assert response.status_code == 422  # refused at the door, before asking for a session


async def _chunked(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_an_oversized_chunked_body_is_413_like_one_with_a_length(client: httpx.AsyncClient) -> None:
    huge = json.dumps({"username": "big", "password": "x" * 2_000_000, "display_name": "big"}).encode()
    headers = {"Content-Type": "application/json"}
    response = await client.post("/api/v1/auth/signup", content=_chunked(huge), headers=headers)
    assert "content-length" not in response.request.headers  # really sent chunked
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
    fine = json.dumps({"username": "chunky", "password": "long enough 1", "display_name": "C"}).encode()
    response = await client.post("/api/v1/auth/signup", content=_chunked(fine, 16), headers=headers)
    assert response.status_code == 201, response.text
