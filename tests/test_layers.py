"""Package layering: ``ingest`` may import ``index``; ``index`` never imports ``ingest``.

Parses the real source files with :mod:`ast`, so lazy imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_packages(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every import in ``path``, at any depth; relative imports are skipped."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in {
                "import_module", "__import__"} and node.args and isinstance(node.args[0], ast.Constant):
            found.append((node.lineno, str(node.args[0].value).split(".")[0]))
    return found


def offending(package: str, forbidden: set[str]) -> list[str]:
    """``file:line -> name`` for each import of a ``forbidden`` package under ``package``."""
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no source files under {package}/"
    return [f"{path.relative_to(ROOT)}:{line} -> {name}"
            for path in files for line, name in imported_packages(path) if name in forbidden]


def test_index_does_not_import_ingest() -> None:
    assert offending("index", {"ingest", "ui", "app"}) == []


def test_ingest_does_not_import_ui_or_app() -> None:
    assert offending("ingest", {"ui", "app"}) == []


def test_the_check_sees_nested_imports(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from ingest.pipeline import ingest\n    import ingest.load\n", encoding="utf-8")
    assert imported_packages(source) == [(2, "ingest"), (3, "ingest")]


# ------------------------------------------------------------------ module graph: no cycles, layers in order

PACKAGES = ("index", "ingest", "ui")

#: The layers of ``index``, lowest first: a module may import its own layer and those below, never above.
#: ``answer`` and ``analysis`` share a layer (the reader cites related notices; findings shorten answers).
LAYERS: dict[str, int] = {
    "index": 0, "index.config": 0, "index.errors": 0, "index.records": 0, "index.filters": 0,
    "index.text": 1, "index.encode": 2, "index.store": 3, "index.retrieve": 4,
    "index.answer": 5, "index.analysis": 5, "index.tuned": 0, "index.cli": 6, "index.__main__": 7,
}
#: ``ingest`` builds an index, so it reads only what lies below retrieval.
INGEST_MAY_READ = 3


def module_name(path: Path) -> str:
    """Dotted module name of a source file under ROOT (a package's ``__init__`` is the package)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    """Every module of the three packages, by dotted name."""
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (getattr(test, "id", None) == "TYPE_CHECKING"
                                         or getattr(test, "attr", None) == "TYPE_CHECKING")


def module_imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports, at any depth (lazy imports count; ``if TYPE_CHECKING:`` does not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = {id(n) for block in ast.walk(tree) if _type_checking_block(block) for n in ast.walk(block)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            for alias in node.names:
                if f"{source}.{alias.name}" in modules:
                    found.add(f"{source}.{alias.name}")
                elif source in modules:
                    found.add(source)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports."""
    modules = all_modules()
    return {name: module_imports(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in order:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], order[nxt])
        if low[node] == order[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in order:
            visit(node)
    return found


def layer(name: str) -> int | None:
    """The layer of an ``index`` module (its sub-package's, or its own for the basics)."""
    parts = name.split(".")
    for key in (".".join(parts[:2]), parts[0]):
        if key in LAYERS:
            return LAYERS[key]
    return None


def test_no_import_cycles() -> None:
    graph = import_graph()
    assert "index.cli.main" in graph and "ui.related" in graph, sorted(graph)[:5]
    assert cycles(graph) == []


def test_cycle_check_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_relative_and_lazy_imports_are_edges() -> None:
    graph = import_graph()
    assert "index.analysis.findings" in graph["index.analysis.compare"]  # from .findings import …
    assert "index.analysis.related" in graph["index.answer.reader"]  # imported inside a method
    assert "ui.links" in graph["ui.themes"]


def test_index_layers_import_downwards_only() -> None:
    upward = []
    for name, imported in import_graph().items():
        if not name.startswith("index"):
            continue
        here = layer(name)
        assert here is not None, f"{name}: not in a layer (add its sub-package to LAYERS)"
        upward += [f"{name} ({here}) -> {other} ({layer(other)})" for other in sorted(imported)
                   if other.startswith("index") and (layer(other) or 0) > here]
    assert upward == []


def test_ingest_reads_only_the_layers_below_retrieval() -> None:
    reads = [f"{name} -> {other}" for name, imported in import_graph().items() if name.startswith("ingest")
             for other in sorted(imported) if other.startswith("index") and (layer(other) or 0) > INGEST_MAY_READ]
    assert reads == []


def test_every_sub_package_says_its_job() -> None:
    for init in sorted((ROOT / "index").glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc.splitlines()) == 1, f"{init.relative_to(ROOT)}: one-line docstring wanted"


def test_index_top_level_holds_only_the_basics() -> None:
    top = sorted(p.stem for p in (ROOT / "index").glob("*.py"))
    # cli_text (the Chinese words every layer prints) and shown (indexed → shown offsets) are basics too
    assert top == ["__init__", "__main__", "cli_text", "config", "errors", "filters", "records", "shown", "tuned"]
