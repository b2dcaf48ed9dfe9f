"""Reconciliation: recompute, compare, total to the cent – checked by LibreOffice."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from perf_addin.cli import main
from perf_addin.diff import diff_snapshots
from perf_addin.reconcile import budgets_from_grid, reconcile, reconcile_workbook, to_cents
from perf_addin.rules import RulesError
from perf_addin.snapshot import read_snapshot
from perf_addin.xlsx import Workbook
from finance_helpers import finance_book


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return finance_book(tmp_path_factory.mktemp("reconcile"))


@pytest.fixture(scope="module")
def reconciled(book: Path, tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("reconciled") / "dept.xlsx"
    shutil.copyfile(book, path)
    return path, reconcile_workbook(path, budget="500000")


def test_money_is_exact_cents() -> None:
    assert to_cents("1,250,000.005") == 125000001
    assert to_cents(0.125) == 13  # half up on the written decimal, not the binary double
    with pytest.raises(ValueError):
        to_cents("lots")


def test_overrides_and_differences(reconciled) -> None:
    _, report = reconciled
    rec = report.rec
    by = {(d.employee_id, d.what): d for d in rec.differences}
    documented = by[("1002", "override")]
    assert documented.status == "documented override" and documented.reason.startswith("retention")
    i = list(rec.ids).index("1002")
    assert rec.multiplier[i] == 1.5 and rec.paid_cents[i] == 30000 * 150  # honoured, not corrected
    assert by[("1002", "multiplier")].workbook != 1.5  # the formula still shows the engine's value
    assert by[("1003", "override")].status == "override without reason"
    assert rec.multiplier[list(rec.ids).index("1003")] != 1.3  # not honoured
    typed = by[("1004", "bonus")]
    assert typed.workbook == 99999 and typed.status == "difference" and typed.cell.startswith("员工!")
    assert {p.cell for p in rec.problems} >= {"员工!G18", "员工!J21"}


def test_totals(reconciled) -> None:
    _, report = reconciled
    rec = report.rec
    assert sum(g.head_count for g in rec.by_department) == 40
    assert {g.label for g in rec.by_department} == {"销售部", "研发部"}
    assert sum(g.paid_cents for g in rec.by_grade) == int(rec.paid_total * 100)
    assert rec.budget_cents == 50_000_000 and rec.over_cents == int(rec.paid_total * 100) - 50_000_000


@pytest.mark.libreoffice
def test_tab_sums_recalculate_to_the_cent(reconciled, soffice) -> None:
    path, report = reconciled
    rec = report.rec
    rows = soffice.read_sheets(path)[report.sheet]
    found = {row[0]: row for row in rows if row and row[0]}
    for g in rec.by_department:
        assert Decimal(found[g.label][3]).quantize(Decimal("0.01")) == Decimal(g.paid_cents) / 100
        assert int(found[g.label][1]) == g.head_count
    total = next(row for row in rows if row[0] == "合计")
    assert Decimal(total[3]).quantize(Decimal("0.01")) == rec.paid_total
    assert Decimal(total[2]).quantize(Decimal("0.01")) == rec.base_total
    budget = next(row for row in rows if row[0].startswith("预算"))
    assert Decimal(budget[5]).quantize(Decimal("0.01")) == Decimal(rec.over_cents) / 100
    for g in rec.by_grade:
        assert int(found[g.key][2]) == g.head_count
    assert not any("#" in cell for row in rows for cell in row if cell.startswith("#"))


def test_native_chart_is_regenerated_not_duplicated(reconciled) -> None:
    path, report = reconciled
    reconcile_workbook(path)  # a second run replaces the tab and its chart
    wb = openpyxl.load_workbook(path)
    charts = wb[report.sheet]._charts
    assert len(charts) == 1 and charts[0].tagname == "barChart"
    import zipfile
    names = zipfile.ZipFile(path).namelist()
    assert sum(n.startswith("xl/charts/") for n in names) == 1
    assert sum(n.startswith("xl/drawings/drawing") for n in names) == 1


def test_budget_table_on_the_rules_sheet() -> None:
    grid = [[None] * 15 for _ in range(5)]
    grid[0][13], grid[1][13], grid[1][14] = "预算 / Budget", "销售部", 400000
    grid[2][13], grid[2][14], grid[3][13], grid[3][14] = "研发部", "120,000.50", "合计", 600000
    assert budgets_from_grid(grid) == {"销售部": 40_000_000, "研发部": 12_000_050, "*": 60_000_000}
    grid[2][14] = "abc"
    with pytest.raises(RulesError, match="O3"):
        budgets_from_grid(grid)


def test_diff_lists_every_changed_value(book: Path, tmp_path: Path) -> None:
    new = tmp_path / "back.xlsx"
    shutil.copyfile(book, new)
    with Workbook.open(new) as wb:
        wb.set_cells("员工", {"F5": 9999, "B6": "=HYPERLINK(\"x\")"})
        wb.save(backup=False)
    diff = diff_snapshots(read_snapshot(book), read_snapshot(new))
    assert [(c.employee_id, c.field, c.old, c.new) for c in diff.changes] == [("1002", "profit_actual",
                                                                             diff.changes[0].old, 9999.0)]
    assert not diff.added and not diff.removed


def test_cli_reconcile_with_diff(book: Path, tmp_path: Path, capsys) -> None:
    path = tmp_path / "dept.xlsx"
    shutil.copyfile(book, path)
    assert main(["reconcile", str(path), "--budget", "abc"]) == 2
    assert main(["reconcile", str(path), "--diff", str(book)]) == 0
    out = capsys.readouterr().out
    assert "研发部" in out and "not sealed" in out
