"""No import cycle inside archivekit: the modules' imports (those under ``if TYPE_CHECKING:``
left out) form a graph without cycles, the top-level ones alone and with the lazy ones inside
functions too (one entry point excepted)."""

from __future__ import annotations

import ast

from conftest import ROOT

PACKAGE = ROOT / "archivekit"


def _module_name(path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


# spark-submit runs spark_job.py as a script; its main() hands over to the CLI.
LAZY_ALLOWED = {("archivekit.spark_job", "archivekit.cli")}


def _imports(tree: ast.Module, name: str, is_package: bool, lazy: bool) -> set[str]:
    found: set[str] = set()

    def visit(nodes):
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if lazy and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                          ast.With, ast.For, ast.While)):
                visit(node.body)
                visit(getattr(node, "orelse", []))
            elif isinstance(node, (ast.If, ast.Try)):
                visit(node.body)
                visit(getattr(node, "orelse", []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
                visit(getattr(node, "finalbody", []))
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[:len(base) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                found.add(module)
                found.update(f"{module}.{alias.name}" for alias in node.names)

    visit(tree.body)
    return found


def import_graph(lazy: bool = False) -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        wanted = _imports(tree, name, path.name == "__init__.py", lazy)
        edges = {m for m in wanted if m in files and m != name}
        # Importing a.b.c runs a/__init__ and a/b/__init__ first.
        for module in list(edges):
            parts = module.split(".")
            edges.update(".".join(parts[:i]) for i in range(1, len(parts))
                         if ".".join(parts[:i]) in files and ".".join(parts[:i]) != name
                         and not name.startswith(".".join(parts[:i]) + "."))
        graph[name] = {m for m in edges if not lazy or (name, m) not in LAZY_ALLOWED}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_graph_sees_the_package():
    graph = import_graph()
    assert "archivekit.checker" in graph and "archivekit.digests" in graph["archivekit.checker"]


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_archivekit():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_import_cycle_counting_the_lazy_imports():
    cycle = find_cycle(import_graph(lazy=True))
    assert cycle is None, "import cycle (with imports inside functions): " + " -> ".join(cycle)
