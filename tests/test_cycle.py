"""The cycle end to end, as HR runs it: demo, interviews, people type, inputs change, score again.

Nothing stale (interview tabs follow the table), nothing erased (what people typed
stays), nothing silently zero (a missing column or a bad row is said, not paid as 0).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from perf_addin.cli import SAMPLE
from perf_addin.xlsx import Workbook


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "perf_addin.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def sample_copy(tmp_path: Path, name: str = "dept.xlsx") -> Path:
    book = tmp_path / name
    book.write_bytes(SAMPLE.read_bytes())
    return book


# ------------------------------------------------------------------ a missing required column


@pytest.mark.parametrize("command", [("score",), ("reconcile",), ("interviews",), ("seal", "--key-file", "k.key",
                                                                                   "--create-key")])
def test_a_blank_base_bonus_header_is_one_error_and_nothing_is_written(tmp_path, command):
    book = sample_copy(tmp_path)
    with Workbook.open(book) as wb:
        wb.set_cells("员工", {"K3": None})  # the 奖金基数 header
        wb.save(backup=False)
    before = book.read_bytes()
    result = run(command[0], str(book), *command[1:], cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert result.stderr.strip().splitlines() == [
        "error: dept.xlsx：员工!3:3 表头行缺少必需的列：奖金基数（补上列标题后再运行；未写入任何内容）"]
    assert "0.00" not in result.stdout
    assert book.read_bytes() == before
    assert not (tmp_path / "perf-addin backups").exists()


# ------------------------------------------------------------------ rules-sheet errors name a cell


def test_an_office_among_the_places_names_its_cell_in_full(tmp_path):
    book = sample_copy(tmp_path)
    with Workbook.open(book) as wb:
        wb.set_cells("规则", {"K6": "会客室、总经理办公室"})  # places; no rooms set
        wb.save(backup=False)
    result = run("schedule", str(book), "--from", "2026-03-02", "--to", "2026-03-06", cwd=tmp_path)
    assert result.returncode == 2
    assert "规则!K6:" in result.stderr and "总经理办公室" in result.stderr
