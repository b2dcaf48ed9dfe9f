"""Every third-party module the package imports is a declared runtime dependency:
CI installs the test extras too, so a missing one would only show on a user's
machine (it did once: encryption needed a test-only package)."""

import ast
import importlib.metadata as md
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_top_level_modules() -> set[str]:
    names = set()
    for path in (ROOT / "perf_addin").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "perf_addin"}


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {re.split(r"[<>=!~ \[]", d, maxsplit=1)[0].lower().replace("_", "-")
            for d in project["dependencies"]}


def test_every_imported_package_is_a_runtime_dependency():
    distributions = md.packages_distributions()
    wanted = declared()
    missing = []
    for module in sorted(imported_top_level_modules()):
        dists = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if not dists & wanted:
            missing.append((module, sorted(dists)))
    assert not missing, f"imported but not in [project].dependencies: {missing}"


def test_bare_pytest_collects_every_test_file():
    """The README promises both `pytest` and `python -m pytest`; only the second
    put the checkout on sys.path once, so `from tests.conftest import ...` failed."""
    script = Path(sys.executable).with_name("pytest")
    run = subprocess.run([str(script), "--collect-only", "-q", "-p", "no:cacheprovider"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "error" not in run.stdout.splitlines()[-1].lower()
