"""The architecture holds: the layering contract catches what it promises to catch, every process but
the HTTP one runs without FastAPI, and docs/events.md is what the domains declare."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from quanzi.core.eventdocs import render
from quanzi.platform import DOMAINS

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_docs_list_every_event_the_domains_declare() -> None:
    expected = render(DOMAINS)
    assert (ROOT / "docs" / "events.md").read_text() == expected, "run `quanzi events docs > docs/events.md`"
    for manifest in DOMAINS:
        for event_type in manifest.events:
            assert f"`{event_type.topic}`" in expected
            assert event_type.description, f"{event_type.topic} needs a docstring saying when it happens"


def test_a_worker_process_never_imports_the_http_framework() -> None:
    probe = (
        "import sys, quanzi.platform, quanzi.cli;"
        " print(sorted(m for m in ('fastapi', 'starlette') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# A miniature project with the same contract: `shop` and `chat` are domains (they have a `domain`
# module); each case adds one import and expects the contract to name it.
FAKE = {
    "fakeq/__init__.py": "",
    "fakeq/core/__init__.py": "",
    "fakeq/core/db.py": "",
    "fakeq/app.py": "import fakeq.shop.models\nimport fakeq.chat.api\n",
    "fakeq/chat/__init__.py": "",
    "fakeq/chat/domain.py": "",
    "fakeq/chat/service.py": "import fakeq.core.db\n",
    "fakeq/chat/kinds.py": "_Content = object\nContent = object\n",
    "fakeq/chat/api.py": "import fastapi\n",
    "fakeq/shop/__init__.py": "",
    "fakeq/shop/domain.py": "",
    "fakeq/shop/service.py": "import fakeq.chat.service\n",
    "fakeq/shop/models.py": "",
    "fakeq/migrations/__init__.py": "",
}
CONFIG = """
[tool.importlinter]
root_package = "fakeq"
include_external_packages = true
contract_types = ["domain_boundaries: tools.import_contracts.DomainBoundariesContract"]

[[tool.importlinter.contracts]]
name = "boundaries"
type = "domain_boundaries"
root = "fakeq"
public_modules = ["service", "schemas", "events"]
foundation = ["core", "config"]
isolated = ["migrations"]
composition = ["app"]
http_packages = ["fastapi", "starlette"]
"""


def _lint(tmp_path: Path, extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    for name in {**FAKE, **extra}:
        path = tmp_path / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(FAKE.get(name, "") + extra.get(name, ""))
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    env = {"PYTHONPATH": f"{tmp_path / 'src'}:{ROOT}", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_contract_holds_on_a_clean_tree(tmp_path: Path) -> None:
    done = _lint(tmp_path, {})
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        # chat -> shop while shop -> chat: a loop like chat -> groupbuy -> commerce -> chat once was
        ({"fakeq/chat/service.py": "import fakeq.shop.service\n"}, "loop: chat -> shop -> chat"),
        ({"fakeq/shop/service.py": "import fakeq.chat.kinds\n"}, "private module of another domain"),
        (
            {"fakeq/shop/service.py": "from fakeq.chat.service import _secret\n"},
            "private name of another domain",
        ),
        ({"fakeq/shop/models.py": "import fastapi\n"}, "http outside api"),
        ({"fakeq/core/db.py": "import fakeq.shop.service\n"}, "foundation imports a domain"),
        (
            {"fakeq/migrations/__init__.py": "import fakeq.core.db\n"},
            "isolated package imports the application",
        ),
    ],
)
def test_the_contract_names_each_kind_of_violation(
    tmp_path: Path, extra: dict[str, str], expected: str
) -> None:
    done = _lint(tmp_path, extra)
    assert done.returncode == 1, done.stdout + done.stderr
    report = " ".join(done.stdout.split())  # the report wraps long lines
    assert expected in report.replace("The domains import each other in a loop", "loop"), report


def test_a_new_domain_is_covered_without_configuration(tmp_path: Path) -> None:
    done = _lint(
        tmp_path,
        {
            "fakeq/live/__init__.py": "",
            "fakeq/live/domain.py": "",
            "fakeq/live/rooms.py": "import fakeq.shop.models\n",
        },
    )
    assert done.returncode == 1
    assert "fakeq.live.rooms imports fakeq.shop.models" in " ".join(done.stdout.split())


def test_main_keeps_the_contract() -> None:
    done = subprocess.run([str(LINT_IMPORTS)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    assert textwrap.dedent("Contracts: 1 kept, 0 broken.") in done.stdout
