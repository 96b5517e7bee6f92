"""Import-linter contracts that know what a Quanzi domain is (DESIGN.md, rule 15).

A domain is any direct subpackage of the root that has a ``domain`` module (its manifest), so a new
domain, and every module added to one, is covered without editing a list. `DomainBoundariesContract`
checks, over the whole import graph:

1. a domain imports another domain only through that domain's public modules (``service``,
   ``schemas``, ``events``; a subpackage of ``schemas`` or ``events`` counts as public, one of
   ``service`` does not), and never a private (``_name``) from it;
2. the graph of domains has no loop;
3. only a domain's ``api`` module (or package) imports the HTTP frameworks;
4. the foundation (``core``, ``config``) imports no domain, and the isolated packages
   (``migrations``) import nothing of the application at all.

The composition roots (``app``, ``cli``, ``platform``, ``demo``) may import anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import grimp
from importlinter import Contract, ContractCheck, fields, output

_PRIVATE_NAME = re.compile(r"\bimport\b.*?(?<![\w.])_[A-Za-z]\w*")


@dataclass(frozen=True, order=True)
class Violation:
    rule: str
    importer: str
    imported: str
    line: str


def _package_of(module: str, root: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == root else None


def _find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One loop in the domain graph (as a path that ends where it began), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


class DomainBoundariesContract(Contract):
    type_name = "domain_boundaries"

    root = fields.StringField()
    public_modules = fields.ListField(subfield=fields.StringField())
    foundation = fields.ListField(subfield=fields.StringField())
    isolated = fields.ListField(subfield=fields.StringField())
    composition = fields.ListField(subfield=fields.StringField())
    http_packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        root: str = self.root  # type: ignore[assignment]
        public: list[str] = self.public_modules  # type: ignore[assignment]
        foundation: list[str] = self.foundation  # type: ignore[assignment]
        isolated: list[str] = self.isolated  # type: ignore[assignment]
        composition: list[str] = self.composition  # type: ignore[assignment]
        http: list[str] = self.http_packages  # type: ignore[assignment]
        modules = sorted(m for m in graph.modules if m == root or m.startswith(root + "."))
        domains = {
            package for m in modules if (package := _package_of(m, root)) and m == f"{root}.{package}.domain"
        }
        violations: list[Violation] = []
        domain_edges: dict[str, set[str]] = {d: set() for d in domains}

        for importer in modules:
            source = _package_of(importer, root)
            if source is None or source in composition:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                target = _package_of(imported, root)
                lines = self._lines(graph, importer, imported)
                top = imported.split(".")[0]
                if top in http and source in domains and not self._is_api(importer, root, source):
                    violations.append(Violation("http outside api", importer, imported, lines))
                if target is None:
                    continue
                if source in isolated and target != source:
                    violations.append(
                        Violation("isolated package imports the application", importer, imported, lines)
                    )
                elif source in foundation and target in domains:
                    violations.append(Violation("foundation imports a domain", importer, imported, lines))
                elif source in domains and target in domains and source != target:
                    domain_edges[source].add(target)
                    if not self._is_public(imported, root, target, public):
                        violations.append(
                            Violation("private module of another domain", importer, imported, lines)
                        )
                    elif _PRIVATE_NAME.search(lines):
                        violations.append(
                            Violation("private name of another domain", importer, imported, lines)
                        )

        cycle = _find_cycle(domain_edges)
        return ContractCheck(
            kept=not violations and cycle is None,
            warnings=[],
            metadata={"violations": sorted(set(violations)), "cycle": cycle, "domains": sorted(domains)},
        )

    @staticmethod
    def _is_api(module: str, root: str, domain: str) -> bool:
        api = f"{root}.{domain}.api"
        return module == api or module.startswith(api + ".")

    @staticmethod
    def _is_public(module: str, root: str, domain: str, public: Iterable[str]) -> bool:
        for name in public:
            door = f"{root}.{domain}.{name}"
            if module == door or (name != "service" and module.startswith(door + ".")):
                return True
        return False

    @staticmethod
    def _lines(graph: grimp.ImportGraph, importer: str, imported: str) -> str:
        details = graph.get_import_details(importer=importer, imported=imported)
        return "; ".join(f"l.{d['line_number']}: {d['line_contents']}" for d in details)

    def render_broken_contract(self, check: ContractCheck) -> None:
        cycle = check.metadata["cycle"]
        if cycle:
            output.print_error("The domains import each other in a loop: " + " -> ".join(cycle))
            output.new_line()
        for violation in check.metadata["violations"]:
            output.print_error(f"{violation.rule}: {violation.importer} imports {violation.imported}")
            if violation.line:
                output.indent_cursor()
                output.print_error(violation.line, bold=False)
            output.new_line()
