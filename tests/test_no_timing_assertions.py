"""Speed is measured in bench/, never asserted in tests: an assertion on wall-clock time fails on a
loaded runner and proves nothing about behaviour. This walks every test module and fails on an
`assert` that measures a duration (a clock read — time.time, time.monotonic, time.perf_counter, ...
— in a subtraction). Waiting for something with a generous deadline (`assert time.monotonic() <
deadline` in a polling loop) is how tests wait, and stays allowed."""

from __future__ import annotations

import ast
from pathlib import Path

CLOCKS = {"time", "monotonic", "perf_counter", "monotonic_ns", "perf_counter_ns", "time_ns"}
TESTS = Path(__file__).parent


def _reads_a_clock(node: ast.AST) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call):
            function = inner.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
            owner = function.value if isinstance(function, ast.Attribute) else None
            if name in CLOCKS and (owner is None or getattr(owner, "id", "") == "time"):
                return True
    return False


def _measures_a_duration(node: ast.AST) -> bool:
    return any(
        isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Sub) and _reads_a_clock(inner)
        for inner in ast.walk(node)
    )


def timing_assertions(source: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Assert) and _measures_a_duration(node.test)
    ]


def test_no_test_asserts_on_wall_clock_time() -> None:
    found = {
        str(path.relative_to(TESTS)): lines
        for path in sorted(TESTS.rglob("*.py"))
        if (lines := timing_assertions(path.read_text(encoding="utf-8")))
    }
    assert found == {}, f"assertions on wall-clock time (move them to bench/): {found}"


def test_the_check_sees_a_timing_assertion() -> None:
    assert timing_assertions("import time\nstarted = 0\nassert time.monotonic() - started < 1\n") == [3]
    assert timing_assertions("import time\nassert time.monotonic() < deadline\n") == []  # a wait
