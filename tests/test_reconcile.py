"""Reconciliation: recompute, compare, total to the cent – checked by LibreOffice."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from perf_addin.cli import main
from perf_addin.book.diff import diff_snapshots
from perf_addin.jobs.reconcile import budgets_from_grid, reconcile, reconcile_workbook, to_cents
from perf_addin.domain.rules import RulesError
from perf_addin.book.snapshot import read_snapshot
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
    budget_at = next(i for i, row in enumerate(rows) if row and row[0].startswith("预算"))
    total = rows[budget_at - 1]  # the departments' total, just above the budget line
    assert total[0] == "合计"
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
    grid = [[None] * 19 for _ in range(5)]
    grid[0][17], grid[1][17], grid[1][18] = "预算 / Budget", "销售部", 400000
    grid[2][17], grid[2][18], grid[3][17], grid[3][18] = "研发部", "120,000.50", "合计", 600000
    assert budgets_from_grid(grid) == {"销售部": 40_000_000, "研发部": 12_000_050, "*": 60_000_000}
    grid[2][18] = "abc"
    with pytest.raises(RulesError, match="S3"):
        budgets_from_grid(grid)


def test_an_older_workbooks_budget_table_in_n_o_is_still_read() -> None:
    """Before the budget had its own columns it was written in N:O, under the holidays."""
    grid = [[None] * 19 for _ in range(12)]
    grid[0][13], grid[1][13] = "节假日 / holidays", "2026-01-01"
    grid[8][13], grid[9][13], grid[9][14] = "预算", "合计", 500000
    assert budgets_from_grid(grid) == {"*": 50_000_000}


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
    assert "研发部" in out and "未封存" in out


# ------------------------------------------------------------------ printing


def _pages(pdf: Path) -> list[str]:
    from pypdf import PdfReader
    import subprocess
    n = len(PdfReader(pdf).pages)
    return [subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), "-layout", str(pdf), "-"],
                           capture_output=True, text=True).stdout for p in range(1, n + 1)]


@pytest.fixture(scope="module")
def printed(book: Path, tmp_path_factory: pytest.TempPathFactory, soffice):
    """The reconciliation of 200 employees (the sample's 40, five times) printed to PDF."""
    folder = tmp_path_factory.mktemp("printed")
    path = folder / "dept.xlsx"
    shutil.copyfile(book, path)
    from perf_addin.book.department import read_employees
    table = read_employees(path)
    grid = openpyxl.load_workbook(path, data_only=True)[table.sheet]
    last = table.rows[-1]
    cells = {}
    for k in range(1, 5):  # four more copies of every row, IDs made unique
        for j, r in enumerate(table.rows):
            for c in range(1, 12):
                value = grid.cell(r, c).value
                if c == 1:
                    value = f"{value}-{k}"
                if value is not None:
                    cells[f"{openpyxl.utils.get_column_letter(c)}{last + 1 + (k - 1) * len(table.rows) + j}"] = value
    with Workbook.open(path) as wb:
        wb.set_cells(table.sheet, cells)
        wb.save(backup=False)
    report = reconcile_workbook(path, budget="50万")
    from perf_addin.jobs.reconcile import print_reconciliation
    pdf = print_reconciliation(path, report.sheet, folder / "对账.pdf", soffice)
    return report, pdf


@pytest.mark.libreoffice
def test_reconciliation_prints_landscape_a4_whole_columns(printed) -> None:
    from pypdf import PdfReader
    report, pdf = printed
    rec = report.rec
    assert len(rec.ids) == 200
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 3  # 200 detail rows do not fit one page: pages go down, never across
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (842, 595)  # A4 landscape
    pages = _pages(pdf)
    first = pages[0]
    for g in rec.by_department:
        assert g.label in first
    assert f"{rec.paid_total:,.2f}" in first and "500,000.00" in first
    for text in pages:  # the title row repeats; every column's header is on the page it belongs to
        assert "奖金对账" in text
    detail = "".join(pages)
    for eid in ("1001", "1040", "1040-4"):  # first and last detail rows, whole lines
        assert re.search(rf"^\s*{re.escape(eid)}\s+\S+\s+\S+部", detail, re.M), eid
    # the status column (the last, H) is printed beside the IDs, not on a page of its own
    assert all(re.search(r"^\s*\d{4}(-\d)?\s.*(正常|输入错误|有据调整)\s*$", line)
               for line in detail.splitlines() if re.match(r"^\s*10[0-4]\d(-\d)?\s+\S+\s+\S+部\s", line))


@pytest.mark.libreoffice
def test_the_grade_chart_is_whole_on_the_first_page(printed) -> None:
    _, pdf = printed
    pages = _pages(pdf)
    assert "等级分布" in pages[0] and not any("等级分布" in p for p in pages[1:])
    # the chart's value axis (0 … its top) and its category axis (A+ … —) are on page 1 too
    axis = [line for line in pages[0].splitlines() if re.search(r"A\+\s+A−\s+B\s+C\s+D", line)]
    assert axis, "the chart's category axis is not on page 1"


def test_the_chart_sits_inside_the_first_page() -> None:
    """Whatever the departments: the chart is anchored beside the fixed-length grade
    table, within the first 30 rows (an A4 landscape page holds ~32 rows of 15 pt)."""
    from perf_addin.jobs.reconcile import reconcile_sheet
    from perf_addin.xlsx.refs import parse_cell
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = finance_book(Path(tmp))
        snap = read_snapshot(path)
        spec = reconcile_sheet(reconcile(snap))
    chart = spec.charts[0]
    bottom = parse_cell(chart.bottom_right)[0]
    heights = sum(spec.row_heights.get(r, 15) for r in range(1, bottom + 1))
    assert heights <= (8.27 - 1.2 - 0.6) * 72  # A4 landscape height less margins and footer, in points
    assert parse_cell(chart.bottom_right)[1] <= 9  # ends at column H's right edge, inside the print area
    setup = spec.print_setup
    assert (setup.paper, setup.landscape, setup.fit_width, setup.fit_height) == ("A4", True, 1, 0)
    assert setup.repeat_rows == (1, 1) and setup.print_area.startswith("A1:H")


# ------------------------------------------------------------------ the budget


@pytest.mark.parametrize("typed, yuan", [("500000", 500_000), ("500,000", 500_000), ("50万", 500_000),
                                         ("５０万", 500_000), ("0.5亿", 50_000_000), ("500,000.00", 500_000),
                                         (" 50 万 ", 500_000), ("1.1万", 11_000)])
def test_budget_argument_is_read_like_a_cell(typed: str, yuan: int) -> None:
    from perf_addin.jobs.reconcile import budget_cents_argument
    assert budget_cents_argument(typed) == yuan * 100


@pytest.mark.parametrize("typed", ["abc", "-5", "50%", "", "1.234", "1.005", "0.00000000001亿"])
def test_a_bad_budget_argument_is_one_clear_error(typed: str) -> None:
    """A third decimal is refused, not rounded: the budget is remembered as typed."""
    from perf_addin.jobs.reconcile import budget_cents_argument
    with pytest.raises(RulesError, match="--budget"):
        budget_cents_argument(typed)


def _rules_cells(path: Path, sheet: str = "规则") -> dict[str, object]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


def test_the_budget_is_remembered_and_used_by_the_next_run(book: Path, tmp_path: Path, capsys) -> None:
    path = tmp_path / "dept.xlsx"
    shutil.copyfile(book, path)
    assert main(["reconcile", str(path), "--budget", "50万"]) == 0
    out = capsys.readouterr().out
    cells = _rules_cells(path)
    assert cells["R1"] == "预算" and cells["R2"] == "合计" and cells["S2"] == 500000
    assert "已记入 规则!S2" in out
    # an input changes, the workbook is scored again, finance reconciles without --budget
    from perf_addin.jobs.score import score_workbook
    with Workbook.open(path) as wb:
        wb.set_cells("员工", {"F5": 9999})
        wb.save(backup=False)
    score_workbook(path)
    assert main(["reconcile", str(path)]) == 0
    out = capsys.readouterr().out
    assert "500,000.00" in out and "沿用 规则!S2" in out
    report = reconcile_workbook(path)
    assert report.rec.budget_cents == 50_000_000
    rows = openpyxl.load_workbook(path, data_only=True)[report.sheet]
    texts = [c.value for row in rows.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("沿用 规则!S2" in t for t in texts)
    # a new --budget replaces the remembered one in the same cell
    reconcile_workbook(path, budget="0.6亿")
    assert _rules_cells(path)["S2"] == 60_000_000


def test_the_budget_goes_into_an_existing_budget_table(book: Path, tmp_path: Path) -> None:
    path = tmp_path / "dept.xlsx"
    shutil.copyfile(book, path)
    with Workbook.open(path) as wb:
        wb.set_cells("规则", {"R3": "预算 / Budget", "R4": "销售部", "S4": 400000, "R5": "研发部", "S5": 80000})
        wb.save(backup=False)
    report = reconcile_workbook(path, budget="50万")
    cells = _rules_cells(path)
    assert cells["R6"] == "合计" and cells["S6"] == 500000 and "R1" not in cells
    assert {g.label: g.budget_cents for g in report.rec.by_department} == {"销售部": 40_000_000,
                                                                          "研发部": 8_000_000}
    assert reconcile_workbook(path).rec.budget_cents == 50_000_000


# ------------------------------------------------------------------ words, not internal names


def test_difference_lines_name_both_sides_in_the_workbooks_language(book: Path, tmp_path: Path, capsys) -> None:
    path = tmp_path / "dept.xlsx"
    shutil.copyfile(book, path)
    assert main(["reconcile", str(path)]) == 0
    out = capsys.readouterr().out
    items = re.split(r"\n\s*•", out)  # one listed line each (the console may wrap them)
    line = next(i for i in items if "1004" in i and "奖金" in i)
    assert "工作簿 99,999.00 / 重算 " in line and "差异" in line
    assert "None" not in out and "bonus" not in out and "multiplier" not in out
    override = re.sub(r"\s+", " ", next(i for i in items if "1003" in i and "手工倍数" in i))
    assert "工作簿 1.3 / 重算 " in override and "未采用" in override
    rows = openpyxl.load_workbook(path, data_only=True)["对账"]
    texts = {c.value for row in rows.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"奖金", "绩效倍数", "手工倍数", "有据调整", "正常"} <= texts
    assert not texts & {"bonus", "multiplier", "override", "ok", "difference", "documented override"}


def _old_xls(path: Path, source: Path) -> Path:
    """The employee table of ``source`` saved as an old binary workbook (.xls)."""
    import xlwt
    out = xlwt.Workbook()
    sheet = out.add_sheet("员工")
    for r, row in enumerate(openpyxl.load_workbook(source, data_only=True)["员工"].iter_rows(values_only=True)):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    out.save(str(path))
    return path


@pytest.mark.parametrize("kind", ["xls", "text"])
def test_reconcile_refuses_an_old_version_the_writer_cannot_read(book: Path, tmp_path: Path, capsys,
                                                                  kind: str) -> None:
    path = tmp_path / "dept.xlsx"
    shutil.copyfile(book, path)
    before = path.read_bytes()
    if kind == "xls":
        old = _old_xls(tmp_path / "old.xls", book)
    else:
        old = tmp_path / "old.xlsx"
        old.write_text("not a workbook")
    assert main(["reconcile", str(path), "--diff", str(old)]) == 2
    err = capsys.readouterr().err.replace("\n", "")
    assert old.name in err and ("(.xls)" in err if kind == "xls" else "not an Excel workbook" in err)
    assert path.read_bytes() == before
