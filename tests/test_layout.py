"""The layout keeps its promises: no import cycles, arrows only `web → kb ← indexer`, modules in
kb/ under 300 lines, the CLI's JSON shapes without Flask, and URLs built in one place that
agrees with the routes."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import REPO
from web.urls import agent_article_path, article_path, category_path

PACKAGES = ("kb", "indexer", "web", "cli")
MAX_LINES = 300


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:`, which only the type checker reads."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _names_type_checking(child.test):
                stack.extend(child.orelse)
            else:
                stack.append(child)


def _names_type_checking(test: ast.expr) -> bool:
    """`TYPE_CHECKING` or `typing.TYPE_CHECKING`."""
    name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
    return name == "TYPE_CHECKING"


def imports_of(path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules a file imports, at its top or inside functions; not an import for
    the type checker alone (`if TYPE_CHECKING:`), which never runs."""

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    found = set()
    for node in runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(resolve(full if full in known else node.module))
        elif isinstance(node, ast.Import):
            found |= {resolve(alias.name) for alias in node.names}
    return {name for name in found if name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph.get(module, ()):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles() -> None:
    known = modules()
    graph = {name: imports_of(path, known) - {name} for name, path in known.items()}
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_imports_for_the_type_checker_alone_are_no_edges(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "import a\n"
        "if TYPE_CHECKING:\n    import b\nelse:\n    import c\n"
        "def f():\n    import d\n    if typing.TYPE_CHECKING:\n        import e\n"
    )
    known = {name: tmp_path / f"{name}.py" for name in "abcde"}
    assert imports_of(module, known) == {"a", "c", "d"}


def test_kb_and_the_indexer_import_neither_flask_nor_web() -> None:
    for name, path in modules().items():
        if name.split(".")[0] not in ("kb", "indexer"):
            continue
        source = path.read_text()
        tree = ast.parse(source)
        imported = {
            alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            node.module.split(".")[0] for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }  # fmt: skip
        assert not imported & {"flask", "flask_wtf", "werkzeug", "web"}, name


def test_modules_in_kb_stay_under_300_lines() -> None:
    long = {
        name: len(path.read_text().splitlines())
        for name, path in modules().items()
        if name.startswith("kb.") and len(path.read_text().splitlines()) > MAX_LINES
    }
    assert long == {}


def test_the_clis_json_shapes_need_no_flask() -> None:
    """`kb search --json` and `kb suggest --json` print the API's shapes (web.results) without
    loading Flask or building an app."""
    code = (
        "import sys, cli, web.results, web.urls; "
        "print(sorted(m for m in ('flask', 'werkzeug', 'torch') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_paths_agree_with_the_routes(app, built) -> None:
    from flask import url_for  # noqa: PLC0415

    from kb.content.model import Article  # noqa: PLC0415

    internal = Article("rules", "Rules", "h/rules.md", "h", "", (), audience="internal")
    public = Article("refund", "Refund", "b/refund.md", "b", "", ())
    with app.test_request_context():
        assert article_path("refund", "how") == url_for(
            "portal.article_page", slug="refund", _anchor="how"
        )
        assert article_path("refund") == url_for("portal.article_page", slug="refund")
        assert agent_article_path(internal, "x") == url_for(
            "console.agent_article", slug="rules", _anchor="x"
        )
        assert agent_article_path(public) == article_path("refund")
        assert category_path("billing") == url_for("portal.category_page", category="billing")
