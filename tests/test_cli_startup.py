"""Every ribbon press starts the command line afresh: ``--help`` and a mistyped
argument must answer without loading pandas, numpy, lxml or any job (a behaviour
test: which modules a fresh interpreter holds afterwards, not how long it took)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.finance_helpers import SAMPLE

HEAVY = ("pandas", "numpy", "lxml", "python_calamine", "openpyxl", "perf_addin.jobs",
         "perf_addin.book", "perf_addin.xlsx.editor")

PROBE = """
import contextlib, io, json, sys
from perf_addin.cli import main
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue(),
                  "modules": sorted(sys.modules)}))
"""


def run_cli(*args: str) -> dict:
    """The CLI in a fresh interpreter: its exit code, output and loaded modules."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def heavy_modules(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


@pytest.mark.parametrize("args", [["--help"], ["score", "--help"], ["interviews", "--help"]])
def test_help_loads_no_heavy_module(args: list[str]) -> None:
    result = run_cli(*args)
    assert result["code"] == 0
    assert "usage:" in result["out"]
    assert heavy_modules(result["modules"]) == []


def test_an_argument_error_loads_no_heavy_module() -> None:
    result = run_cli("score")  # the workbook argument is missing
    assert result["code"] == 2
    assert "BOOK" in result["err"] or "book" in result["err"]
    assert heavy_modules(result["modules"]) == []


def test_a_command_still_loads_its_job(tmp_path) -> None:
    """The probe sees imports: a real command does load the job it runs."""
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(SAMPLE, book)
    result = run_cli("score", str(book))
    assert result["code"] == 0, result["err"]
    assert "perf_addin.jobs.score" in result["modules"]
    missing = run_cli("score", str(tmp_path / "missing.xlsx"))
    assert missing["code"] == 2 and "missing.xlsx" in missing["err"]
