"""Mutation testing of the rule modules with mutmut: `make mutate` (all groups) or
`python tools/mutation.py run pins visibility` (some), then `python tools/mutation.py report`.

Each group is a few rule modules and the test files that are meant to pin their rules down. A group
runs in its own directory under var/mutation/ (links to src/ and tests/ and a pyproject.toml made
for it), so its results stay apart and a later run only re-tests what changed. mutmut runs each
mutant against the tests of the group that reach the mutated function; a mutant no test notices
"survived". The report prints one table (the one docs/mutation.md shows) and fails when a module
that ran in full scores under 90 % killed.

Mutants run on SQLite, where the suite runs fastest. A mutant that only changes how rows are locked
(``with_for_update``, ``FOR UPDATE``) cannot be seen there; the PostgreSQL races in the suite are
what guard those lines, and docs/mutation.md lists them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "mutation"
BAR = 0.90
# mutmut counts a mutant that made the tests run past their time as caught.
CAUGHT = {"killed", "caught by type check", "timeout"}

GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "pins": (
        ["src/quanzi/wallet/pins.py"],
        ["tests/wallet/test_pin_and_idempotency.py", "tests/wallet/test_pin_lifecycle.py"],
    ),
    "ledger": (
        ["src/quanzi/wallet/ledger.py", "src/quanzi/wallet/payments.py"],
        [
            "tests/wallet/test_ledger.py",
            "tests/wallet/test_payments.py",
            "tests/wallet/test_transfers.py",
            "tests/wallet/test_default_limits.py",
        ],
    ),
    "visibility": (
        ["src/quanzi/feed/service/visibility.py", "src/quanzi/feed/service/views.py"],
        [
            "tests/feed/test_privacy_matrix.py",
            "tests/feed/test_timelines.py",
            "tests/feed/test_comments.py",
            "tests/feed/test_reposts.py",
        ],
    ),
    "orders": (
        ["src/quanzi/commerce/orders.py", "src/quanzi/commerce/refunds.py"],
        ["tests/commerce/test_orders_flow.py", "tests/commerce/test_orders_refunds.py"],
    ),
    "teams": (["src/quanzi/groupbuy/teams.py"], ["tests/groupbuy/test_teams.py"]),
}

# The wording of a message shown to people is not a rule: a line whose literal is such a sentence is
# left as it is. The error code on the same line is what the tests pin down.
NOT_MUTATED = ['"[A-Z][^"]*[.!?)]"']


def _pytest_section() -> str:
    """The project's pytest settings as TOML, so the group's copy runs tests the same way."""
    text = (ROOT / "pyproject.toml").read_text()
    start = text.index("[tool.pytest.ini_options]")
    end = text.index("\n[", start + 1)
    return text[start:end].strip() + "\n"


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f"'{item}'" for item in items) + "]"


def prepare(group: str) -> Path:
    modules, tests = GROUPS[group]
    where = WORK / group
    where.mkdir(parents=True, exist_ok=True)
    for name in ("src", "tests"):
        link = where / name
        if not link.exists():
            link.symlink_to(ROOT / name)
    (where / "pyproject.toml").write_text(
        _pytest_section()
        + "\n[tool.mutmut]\n"
        + 'source_paths = ["src"]\n'
        + f"only_mutate = {_toml_list(modules)}\n"
        # One test process per mutant; mutmut runs several mutants at once itself.
        + 'pytest_add_cli_args = ["-n", "0", "-q", "-p", "no:cacheprovider"]\n'
        + f"pytest_add_cli_args_test_selection = {_toml_list(tests)}\n"
        + f"do_not_mutate_patterns = {_toml_list(NOT_MUTATED)}\n"
    )
    return where


def run(groups: list[str]) -> int:
    environment = {k: v for k, v in os.environ.items() if k != "QUANZI_TEST_DATABASE_URL"}
    for group in groups:
        where = prepare(group)
        print(f"== mutating {group}: {', '.join(GROUPS[group][0])}", flush=True)
        command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(os.cpu_count() or 2)]
        subprocess.run(command, cwd=where, env=environment, check=False, stdout=subprocess.DEVNULL)
    return report(groups)


def results(group: str) -> dict[str, Counter[str]]:
    """Per module of `group`, how many of its mutants ended in each state."""
    where = WORK / group
    if not (where / "mutants").exists():
        return {}
    listing = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=where,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    modules: dict[str, Counter[str]] = defaultdict(Counter)
    for line in listing.splitlines():
        name, sep, state = line.strip().rpartition(": ")
        if sep and "__mutmut_" in name:
            # quanzi.wallet.pins.x_verify_pin__mutmut_3 → quanzi.wallet.pins
            modules[name.split("__mutmut_")[0].rsplit(".", 1)[0]][state] += 1
    return modules


def survivors(group: str) -> list[str]:
    listing = subprocess.run(
        [sys.executable, "-m", "mutmut", "results"], cwd=WORK / group, capture_output=True, text=True
    ).stdout
    return [line.strip() for line in listing.splitlines() if line.strip().endswith(": survived")]


def report(groups: list[str]) -> int:
    print("| module | mutants | caught | survived | reached by no test | not run | score |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    failing = []
    for group in groups:
        modules = results(group)
        if not modules:
            print(f"| {group}: not run yet | | | | | | |")
            continue
        for module, states in sorted(modules.items()):
            total = sum(states.values())
            caught = sum(states[s] for s in CAUGHT)
            not_run = states["not checked"]
            score = caught / total if total else 1.0
            print(
                f"| `{module}` | {total} | {caught} | {states['survived']} | {states['no tests']}"
                f" | {not_run} | {score:.1%} |"
            )
            if not not_run and score < BAR:
                failing.append(module)
    if failing:
        print(f"\nUnder {BAR:.0%} caught: {', '.join(failing)}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    command, *groups = argv or ["report"]
    unknown = [g for g in groups if g not in GROUPS]
    if command not in ("run", "report", "survivors") or unknown:
        print(f"usage: mutation.py run|report|survivors [{'|'.join(GROUPS)} ...]", file=sys.stderr)
        return 2
    groups = groups or list(GROUPS)
    if command == "run":
        return run(groups)
    if command == "survivors":
        for group in groups:
            print("\n".join(survivors(group)))
        return 0
    return report(groups)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
