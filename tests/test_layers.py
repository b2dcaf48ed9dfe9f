"""The package's imports point inward, form no cycle and reach no other module's privates.

Read from the source with ``ast`` (nothing imported), so an import hidden inside a
function counts too. An import under ``if TYPE_CHECKING:`` is a type only and is
not a dependency at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "perf_addin"

# layer -> the layers (and top-level modules) it may import; the layer itself always may
ALLOWED = {
    "domain": {"domain", "errors", "labels", "xlsx"},
    "book": {"book", "domain", "xlsx", "labels", "errors", "language", "parallel"},
    "forms": {"forms", "domain", "xlsx", "labels"},
    "xlsx": {"xlsx", "errors"},
    "language": {"labels", "domain", "errors"},
    "labels": set(),
    "errors": set(),
    "parallel": set(),
}
FORBIDDEN = {"jobs": {"excel", "cli"}, "engines": {"jobs", "excel", "cli"}}
# Known outward imports still to be moved, each a (module, imported module) pair: the
# list may only shrink (a new outward import fails; a fixed one must be removed here).
KNOWN_OUTWARD = {
    ("perf_addin.labels", "perf_addin.forms.interview_form"),  # form field labels from the form's texts
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_only(tree: ast.AST) -> set[int]:
    """Line numbers of the imports under ``if TYPE_CHECKING:``."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lines |= {n.lineno for stmt in node.body for n in ast.walk(stmt) if isinstance(n, ast.ImportFrom)}
    return lines


def imports() -> dict[str, list[tuple[str, str | None, int]]]:
    """module -> [(imported module, imported name or None, line)], perf_addin only."""
    modules = {p: _module_name(p) for p in PACKAGE.rglob("*.py")}
    known = set(modules.values())
    out: dict[str, list[tuple[str, str | None, int]]] = {}
    for path, name in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_only(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.lineno not in skip:
                base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
                target = ".".join([*base, node.module] if node.module else base) if node.level else node.module
                if target and target.split(".")[0] == "perf_addin":
                    for alias in node.names:
                        sub = f"{target}.{alias.name}"
                        found.append((sub, None, node.lineno) if sub in known else (target, alias.name, node.lineno))
            elif isinstance(node, ast.Import):
                found += [(a.name, None, node.lineno) for a in node.names if a.name.split(".")[0] == "perf_addin"]
        out[name] = found
    return out


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_module_imports_another_modules_private_names():
    private = [f"{m}:{line} imports {name} from {target}" for m, found in imports().items()
               for target, name, line in found
               if name and name.startswith("_") and not name.startswith("__") and target != m]
    assert not private, private


def test_layers_point_inward():
    wrong, seen = [], set()
    for module, found in imports().items():
        layer = _layer(module)
        for target, _, line in found:
            to = _layer(target)
            if to == layer or not to:
                continue
            if (module, target) in KNOWN_OUTWARD:
                seen.add((module, target))
                continue
            if (layer in ALLOWED and to not in ALLOWED[layer]) or to in FORBIDDEN.get(layer, ()):
                wrong.append(f"{module}:{line} -> {target}")
    assert not wrong, wrong
    if PACKAGE.name == "perf_addin" and PACKAGE.parent == Path(__file__).resolve().parents[1]:
        assert seen == KNOWN_OUTWARD, f"fixed, remove from KNOWN_OUTWARD: {sorted(KNOWN_OUTWARD - seen)}"


def test_no_import_cycle():
    graph = {m: {t for t, _, _ in found if t != m and (m, t) not in KNOWN_OUTWARD} for m, found in imports().items()}
    cycles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, cycles


@pytest.mark.parametrize("source, problem", [
    ("from perf_addin.jobs.interviews import _grid\n", "private"),
    ("from perf_addin.jobs.score import score_workbook\n", "layer"),
])
def test_the_walk_sees_what_it_guards_against(tmp_path, monkeypatch, source, problem):
    """A planted bad import in the book layer is reported (the checks above can fail)."""
    fake = tmp_path / "perf_addin"
    (fake / "book").mkdir(parents=True)
    (fake / "jobs").mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "book" / "__init__.py").write_text("")
    (fake / "jobs" / "__init__.py").write_text("")
    (fake / "jobs" / "interviews.py").write_text("_grid = None\n")
    (fake / "jobs" / "score.py").write_text("def score_workbook():\n    pass\n")
    (fake / "book" / "bad.py").write_text(source)
    monkeypatch.setitem(globals(), "PACKAGE", fake)
    check = test_no_module_imports_another_modules_private_names if problem == "private" \
        else test_layers_point_inward
    with pytest.raises(AssertionError, match="perf_addin.book.bad"):
        check()
