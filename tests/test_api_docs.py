"""docs/api.md runs: its python blocks are executed in order, in one namespace, in a
folder holding a copy of the sample workbook, and each block's printed output must be
the ``text`` block that follows it in the page. A change of the API or of a figure the
page shows fails here, so the page cannot drift from the code."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "api.md"
SAMPLE = ROOT / "workbook" / "sample_department.xlsx"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)


def examples(text: str) -> list[tuple[str, str | None]]:
    """(python code, expected output or None) in page order; an output is a ``text``
    block that follows its python block with nothing but blank lines between."""
    out: list[tuple[str, str | None]] = []
    last_end = None
    for m in FENCE.finditer(text):
        lang, body = m[1], m[2]
        if lang == "python":
            out.append((body, None))
        elif lang == "text" and out and out[-1][1] is None and not text[last_end:m.start()].strip():
            out[-1] = (out[-1][0], body)
        last_end = m.end()
    return out


def test_the_page_has_examples_with_their_output():
    found = examples(PAGE.read_text(encoding="utf-8"))
    assert len(found) >= 6 and all(expected for _, expected in found)


def test_api_page_examples_run_as_shown(tmp_path, monkeypatch):
    shutil.copy(SAMPLE, tmp_path / "department.xlsx")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "api_docs"}
    for i, (code, expected) in enumerate(examples(PAGE.read_text(encoding="utf-8")), start=1):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"docs/api.md example {i}", "exec"), namespace)
        if expected is not None:
            shown = [line.rstrip() for line in printed.getvalue().splitlines()]
            assert shown == [line.rstrip() for line in expected.splitlines()], f"example {i}"


def test_public_names_load_lazily_and_exist():
    import subprocess
    import sys

    code = ("import sys, perf_addin; heavy = [m for m in ('pandas', 'numpy', 'perf_addin.jobs.score') "
            "if m in sys.modules]; assert not heavy, heavy; "
            "missing = [n for n in perf_addin.__all__ if getattr(perf_addin, n, None) is None]; "
            "assert not missing, missing; print(len(perf_addin.__all__))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        import perf_addin
        perf_addin.nothing  # noqa: B018


def test_readme_first_python_example_runs_on_the_demo_workbook(tmp_path, monkeypatch):
    """The README's first example is the first code a reader runs after the demo: it
    must run on the demo's copy and print what its comments say."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = next(body for lang, body in FENCE.findall(readme) if lang == "python")
    assert "perf_addin." in code
    (tmp_path / "perf-addin-demo").mkdir()
    shutil.copy(SAMPLE, tmp_path / "perf-addin-demo" / SAMPLE.name)
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    out = printed.getvalue()
    assert "员工!G18: 目标盈利必须大于 0，现为 0" in out
    assert "{'A+': 5, 'A−': 15, 'B': 8, 'C': 4, 'D': 4}" in out


def test_score_words_its_reasons_in_the_headers_language():
    import pandas as pd

    import perf_addin
    zh = pd.DataFrame({"实际盈利": [100, "abc"], "目标盈利": [0, 100], "完成件数": [10, 10], "目标件数": [10, 10],
                       "平时表现": [15, 15]})
    assert list(perf_addin.score(zh)["error"]) == ["目标盈利必须大于 0，现为 0", "实际盈利是文字“abc”，不是数字"]
    en = zh.rename(columns={"实际盈利": "Profit actual", "目标盈利": "Profit target", "完成件数": "Tasks done",
                            "目标件数": "Tasks target", "平时表现": "Rating"})
    assert list(perf_addin.score(en)["error"]) == ["profit target must be > 0, found 0",
                                                   "profit actual is text 'abc', not a number"]
