"""The layers of the code base: every import points down, no cycles, one module for each outside engine.

commands (typer only) -> use cases -> feature packages -> store -> core -> solver. A package may import
its own modules and any package of a lower rank, never one of the same or a higher rank.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Rank of each package: imports go only to strictly lower ranks (or within the package).
RANKS: dict[str, int] = {
    "solver": 0,
    "dispatch.core": 1,
    "dispatch.runtime": 1,
    "dispatch.store": 2,
    "dispatch.ledger": 3,
    "dispatch.sample": 3,
    "dispatch.outages": 3,
    "dispatch.planning": 4,
    "dispatch.io": 4,
    "dispatch.io.importing": 4,
    "dispatch.io.sheets": 4,
    "dispatch.intraday": 5,
    "dispatch.scenarios": 6,
    "dispatch.field": 6,
    "dispatch.usecases": 7,
    "dispatch.web": 8,
    "dispatch.commands": 9,
    "cli": 10,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(module: str) -> str | None:
    """The ranked package ``module`` belongs to (the longest prefix in RANKS)."""
    best = None
    for name in RANKS:
        if (module == name or module.startswith(name + ".")) and (best is None or len(name) > len(best)):
            best = name
    return best


def _sources() -> list[Path]:
    files = [ROOT / "cli.py", *sorted((ROOT / "dispatch").rglob("*.py")), *sorted((ROOT / "solver").rglob("*.py"))]
    return [f for f in files if "__pycache__" not in f.parts]


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in ``path``, those inside functions included, those only for type
    checkers (``if TYPE_CHECKING:``) left out; ``from pkg import mod`` is an import of ``pkg.mod``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    out = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES]
            out += [(node.lineno, m) for m in submodules] or [(node.lineno, node.module)]
    return out


MODULES = {_module_name(p): p for p in _sources()}


def test_every_source_module_has_a_layer() -> None:
    """No module of dispatch/ or solver/ falls outside the ranked packages."""
    assert [m for m in MODULES if _package(m) is None and m != "dispatch"] == []


def test_imports_point_down_the_layers() -> None:
    """Each import goes to the module's own package or to a package of a lower rank."""
    wrong = []
    for module, path in MODULES.items():
        here = _package(module)
        if here is None:
            continue
        for line, target in _imports(path):
            there = _package(target)
            if there is None or there == here:
                continue
            if RANKS[there] >= RANKS[here]:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {here} (rank {RANKS[here]}) imports {target}")
    assert wrong == [], "\n".join(wrong)


def test_no_import_cycles_between_modules() -> None:
    """The module import graph (imports inside functions included) has no cycle."""
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        for _, target in _imports(path):
            if target in MODULES and target != module:
                graph[module].add(target)
    cycles = _strongly_connected(graph)
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(sorted(c)) for c in cycles)


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components of more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(component)

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


@pytest.mark.parametrize(
    ("library", "allowed"),
    [
        ("ortools", {"solver.engine"}),
        ("typer", {"cli"}),
        ("rich", {"cli"}),
        ("matplotlib", {"dispatch.ledger.chart", "dispatch.scenarios.charts", "dispatch.io.sheets.pdf"}),
        ("fastapi", {"dispatch.web.app"}),
        ("starlette", {"dispatch.web.app"}),
        ("uvicorn", {"dispatch.web.server"}),
        ("distributed", {"dispatch.runtime.cluster"}),
        ("dask", {"dispatch.runtime.cluster"}),
    ],
)
def test_outside_engines_are_imported_in_one_place(library: str, allowed: set[str]) -> None:
    """OR-Tools only in solver/engine.py; typer and rich only in the command layer; the web framework and its
    server only at the crew service's edge; Dask only in the runtime's cluster module."""
    users = {
        module
        for module, path in MODULES.items()
        for _, target in _imports(path)
        if target == library or target.startswith(library + ".")
    }
    stray = {m for m in users if m not in allowed and _package(m) != "dispatch.commands"}
    assert stray == set()


def test_solver_never_imports_dispatch() -> None:
    """The solver is a library of its own: nothing under solver/ imports dispatch."""
    offenders = [
        f"{module}:{line}"
        for module, path in MODULES.items()
        if _package(module) == "solver"
        for line, target in _imports(path)
        if target == "dispatch" or target.startswith("dispatch.")
    ]
    assert offenders == []


MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80
# A function may run longer when the comment line right above its ``def`` says why ("# long function: ...").
LONG_FUNCTION_MARK = "# long function:"


def _long_functions(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        above = "\n".join(lines[max(0, first - 3) : first - 1])
        if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES and LONG_FUNCTION_MARK not in above:  # type: ignore[operator]
            out.append(
                f"{path.relative_to(ROOT)}:{node.lineno}: {node.name} has {node.end_lineno - node.lineno + 1} lines"
            )  # type: ignore[operator]
    return out


@pytest.mark.parametrize("package", ["dispatch"])
def test_modules_and_functions_stay_small(package: str) -> None:
    """A module answers one question: no file over 600 lines, no function over 80 unless a comment says why."""
    sources = sorted((ROOT / package).rglob("*.py"))
    big = [
        f"{p.relative_to(ROOT)} has {n} lines"
        for p in sources
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES
    ]
    long = [line for p in sources for line in _long_functions(p)]
    assert big + long == []
