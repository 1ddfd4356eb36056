"""The package's shape, checked from the source with `ast` (imports inside functions count).

- Stages depend one way: hub -> snapshot -> crawl, and snapshot -> analyze -> plot -> report
  (`ALLOWED` is the whole table); no import cycle between top-level units of `pipeline/`.
- Shared modules (`SHARED`: errors, config, atomic writes, result I/O, statistics, report
  text formatting, the paper's numbers) import no stage.
- The replay Hub is a test double: only the replay itself and the CLI wiring import it.
- No function is longer than `MAX_FUNCTION_LINES` lines.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "pipeline"
REPLAY = "pipeline.hub.replay"
MAX_FUNCTION_LINES = 80

# Modules every unit may import; they import no stage (only each other, as listed).
SHARED: dict[str, set[str]] = {
    "pipeline": set(),  # pipeline/__init__.py: __version__
    "errors": set(),
    "atomic": set(),
    "config": {"errors"},
    "paper": {"paths"},
    "stats": set(),
    "estimate": {"stats"},  # design-based estimators (stratified, Horvitz-Thompson)
    "results": {"atomic", "errors"},
    "text": set(),
    "dictionary": set(),
    "paths": set(),  # where the bundled data lives
    "builders": set(),
}
_SHARED = set(SHARED)

# unit -> the units it may import (besides itself and the shared modules). The arrows of the
# stage graph, read backwards: a later stage may import an earlier one, never the reverse.
ALLOWED: dict[str, set[str]] = {
    **SHARED,
    "hub": _SHARED,
    "snapshot": _SHARED | {"hub"},
    "crawl": _SHARED | {"hub", "snapshot"},
    "analyze": _SHARED | {"snapshot"},
    "claims": _SHARED | {"snapshot", "analyze"},
    # Card-text validity: the labelled set, detector evaluation, error-corrected shares.
    "cards": _SHARED | {"analyze"},
    "plot": _SHARED | {"analyze", "claims"},
    # One module per figure or table (compute, draw, section): above plot, below report.
    # The reuse graph (models -> bases): reads snapshots through analyze's reader.
    "lineage": _SHARED | {"snapshot", "analyze", "plot"},
    "figures": _SHARED | {"snapshot", "analyze", "cards", "claims", "lineage", "plot"},
    "report": _SHARED | {"snapshot", "analyze", "claims", "plot", "figures"},
    "registries": _SHARED | {"hub", "analyze"},
    "evaluate": _SHARED | {"hub", "claims"},
    "evolution": _SHARED | {"snapshot", "analyze", "plot"},
    # The wiring: `ptm` sub-commands, the replay Hub started for `hub.endpoint: replay`.
    "cli": {"*"},
}


def module_name(path: Path, root: Path) -> str:
    """`pipeline/hub/client.py` -> `pipeline.hub.client` (packages without `__init__`)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path) -> Iterator[str]:
    """Every `pipeline...` module `path` imports, at module level or inside a function
    (`from pipeline.x import y` yields `pipeline.x`, and `pipeline.x.y` when y is a module)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            yield base
            for alias in node.names:
                candidate = root.joinpath(*f"{base}.{alias.name}".split("."))
                if candidate.with_suffix(".py").is_file() or (candidate / "__init__.py").is_file():
                    yield f"{base}.{alias.name}"


def unit_of(module: str) -> str:
    """The top-level unit of a module: `pipeline.hub.client` -> `hub`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def import_edges(root: Path = ROOT) -> set[tuple[str, str]]:
    """(importing module, imported module) for every internal import of the package."""
    edges = set()
    for path in sorted((root / PACKAGE).rglob("*.py")):
        source = module_name(path, root)
        for target in imported_modules(path, root):
            if target == PACKAGE or target.startswith(PACKAGE + "."):
                edges.add((source, target))
    return edges


def unit_graph(edges: set[tuple[str, str]]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        a, b = unit_of(source), unit_of(target)
        if a != b:
            graph.setdefault(a, set()).add(b)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def forbidden_edges(edges: set[tuple[str, str]]) -> list[str]:
    """Imports against `ALLOWED` (a unit missing from the table may import nothing)."""
    bad = []
    for source, target in sorted(edges):
        a, b = unit_of(source), unit_of(target)
        allowed = ALLOWED.get(a, set())
        if a != b and "*" not in allowed and b not in allowed:
            bad.append(f"{source} imports {target} ({a} -> {b} is not in ALLOWED)")
    return bad


def replay_imports(edges: set[tuple[str, str]]) -> list[str]:
    """Production modules importing the replay Hub, other than the replay and the CLI."""
    return [
        f"{source} imports {target}"
        for source, target in sorted(edges)
        if (target == REPLAY or target.startswith(REPLAY + "."))
        and not source.startswith((REPLAY, "pipeline.cli"))
    ]


def long_functions(root: Path = ROOT, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """`path:line name (n lines)` for every function or method longer than `limit`."""
    found = []
    for path in sorted((root / PACKAGE).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > limit:
                    found.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({length})")
    return found


@pytest.fixture(scope="module")
def edges() -> set[tuple[str, str]]:
    return import_edges()


def test_every_unit_is_in_the_table(edges: set[tuple[str, str]]) -> None:
    units = {unit_of(module_name(p, ROOT)) for p in (ROOT / PACKAGE).rglob("*.py")}
    assert sorted(units - set(ALLOWED)) == []


def test_no_import_cycle_between_units(edges: set[tuple[str, str]]) -> None:
    assert cycles(unit_graph(edges)) == []


def test_no_import_cycle_between_modules(edges: set[tuple[str, str]]) -> None:
    """Finer than units: no two modules import each other, even through others."""
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        if source != target:
            graph.setdefault(source, set()).add(target)
    assert cycles(graph) == []


def test_stages_depend_one_way(edges: set[tuple[str, str]]) -> None:
    assert forbidden_edges(edges) == []


def test_shared_modules_import_no_stage(edges: set[tuple[str, str]]) -> None:
    stages = {unit_of(t) for _, t in edges} - _SHARED
    for source, target in edges:
        if unit_of(source) in _SHARED:
            assert unit_of(target) not in stages, f"{source} imports {target}"


def test_only_the_cli_wiring_imports_the_replay(edges: set[tuple[str, str]]) -> None:
    assert replay_imports(edges) == []


def test_no_function_over_80_lines() -> None:
    assert long_functions() == []


def test_the_checks_can_fail() -> None:
    """The checkers find what they are meant to find (a cycle, a bad edge, a replay import)."""
    edges = {
        ("pipeline.analyze.run", "pipeline.report.paper"),
        ("pipeline.report.paper", "pipeline.analyze.figure7"),
        ("pipeline.hub.client", "pipeline.hub.replay.wire"),
    }
    assert cycles(unit_graph(edges)) == [["analyze", "report"]]
    assert len(forbidden_edges(edges)) == 1  # report may import analyze, not the reverse
    assert replay_imports(edges) == ["pipeline.hub.client imports pipeline.hub.replay.wire"]
