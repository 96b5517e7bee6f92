"""`quanzi audit export` (MOD-3): the log, oldest first, as JSON lines or CSV on standard output, with
the same filters as the API; a bad filter is a usage error, not a traceback."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from pathlib import Path

import quanzi
from tests.audit.conftest import AuditDriver
from tests.wallet.conftest import PIN, Wallet
from tests.wallet.processes import server_env

SOURCE = str(Path(quanzi.__file__).resolve().parents[1])  # this checkout's code, for the subprocess


async def _quanzi(database_url: str, workdir: Path, *arguments: str) -> tuple[int, str, str]:
    """The CLI as an operator runs it on the server, with this checkout's code."""
    env = server_env(database_url, workdir)
    env["PYTHONPATH"] = SOURCE
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "quanzi.cli",
        *arguments,
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_the_log_exports_as_json_lines_and_csv(
    audit: AuditDriver, wallet: Wallet, database_url: str, tmp_path: Path
) -> None:
    mei, lei = await wallet.user("mei"), await wallet.user("lei", pin=None)
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 20_00)
    for amount in (1_00, 2_00):
        sent = await wallet.post("/transfers", mei, {"to_user_id": lei.id, "amount": amount, "pin": PIN})
        assert sent.status_code == 201, sent.text
    rows = await audit.rows()

    code, out, err = await _quanzi(database_url, tmp_path, "audit", "export")
    assert code == 0, err
    exported = [json.loads(line) for line in out.splitlines()]
    assert [e["id"] for e in exported] == [str(r.id) for r in rows]  # all of it, oldest first
    assert err.strip() == f"{len(rows)} audit entries exported"
    transfer = next(e for e in exported if e["kind"] == "wallet.transfer.created")
    assert (transfer["actor_id"], transfer["subject_id"], transfer["amount"]) == (mei.id, lei.id, 1_00)
    assert (transfer["address"], transfer["after"]) == ("198.51.100.7", {"status": "pending"})

    code, out, err = await _quanzi(
        database_url, tmp_path, "audit", "export", "--format", "csv", "--kind", "wallet.transfer.created"
    )
    assert code == 0, err
    table = list(csv.DictReader(io.StringIO(out)))
    assert [(r["actor_id"], r["amount"], r["after"]) for r in table] == [
        (mei.id, "100", '{"status":"pending"}'),
        (mei.id, "200", '{"status":"pending"}'),
    ]
    assert table[0]["before"] == "" and json.loads(table[0]["data"])["receiver_id"] == lei.id

    code, out, _err = await _quanzi(database_url, tmp_path, "audit", "export", "--since", "2999-01-01")
    assert (code, out) == (0, "")

    code, out, err = await _quanzi(database_url, tmp_path, "audit", "export", "--kind", "wallet.nothing")
    assert code == 2 and out == "" and "is not a kind the audit log records" in err
    assert "Traceback" not in err
