"""reconcile --fit-budget: the bonuses scaled to the pool, to the cent, on the 对账 tab."""

from __future__ import annotations

import shutil
import tempfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance_helpers import fit_book
from perf_addin.cli import main
from perf_addin.jobs.reconcile import reconcile_workbook

DOCS_PEOPLE = [(1, "财务部", 100, 1.2), (2, "财务部", 200, 1.0),
               (10, "三人组", 50, 1), (9, "三人组", 50, 1), (11, "三人组", 50, 1)]


def _rows(path: Path, sheet: str, formulas: bool = False) -> list[tuple]:
    ws = openpyxl.load_workbook(path, data_only=not formulas)[sheet]
    return [row for row in ws.iter_rows(values_only=True)]


def _fitted(path: Path, sheet: str, header: str = "调整后奖金") -> dict[str, Decimal]:
    """Employee ID → the fitted bonus as written in the detail (column I)."""
    rows = _rows(path, sheet)
    start = next(i for i, row in enumerate(rows) if row[8] == header)
    return {row[0]: Decimal(repr(row[8])) for row in rows[start + 1:] if row[0] is not None and row[8] is not None}


def _fit_table(path: Path, sheet: str, head: str = "范围", formulas: bool = False) -> list[tuple]:
    rows = _rows(path, sheet, formulas)
    start = next(i for i, row in enumerate(_rows(path, sheet)) if row[0] == head)
    out = []
    for row in rows[start + 1:]:
        if row[0] is None:
            break
        out.append(row)
    return out


def test_the_docs_examples_per_department(tmp_path: Path) -> None:
    path = fit_book(tmp_path / "dept.xlsx", DOCS_PEOPLE, [("财务部", 1000), ("三人组", "100.00")])
    before = _rows(path, "员工")
    report = reconcile_workbook(path, fit_budget=True)
    fitted = _fitted(path, report.sheet)
    assert fitted == {"1": Decimal("375.0"), "2": Decimal("625.0"), "9": Decimal("33.34"),
                      "10": Decimal("33.33"), "11": Decimal("33.33")}  # the last cent to the lowest ID, 9
    table = {row[0]: row for row in _fit_table(path, report.sheet)}
    assert table["财务部"][3] == 3.125 and table["财务部"][4] == table["财务部"][5] == 1000
    assert table["三人组"][4] == table["三人组"][5] == 100 and table["三人组"][7] == "等于奖金池"
    assert table["合计"][5] == 1100 and table["合计"][6] == 0 and table["合计"][7] == "等于奖金池"
    formulas = {row[0]: row for row in _fit_table(path, report.sheet, formulas=True)}
    assert formulas["合计"][5].startswith("=ROUND(SUM($I$") and formulas["合计"][7].startswith("=IF(G")
    assert formulas["财务部"][5].startswith("=ROUND(SUMPRODUCT(")
    texts = {c for row in _rows(path, report.sheet) for c in row if isinstance(c, str)}
    assert any("最大余数法" in t for t in texts) and any(t.startswith("按部门调整") for t in texts)
    assert _rows(path, "员工") == before  # the employee table is not touched


def test_company_wide_with_budget_in_english(tmp_path: Path, capsys) -> None:
    people = [(1, "Sales", 100, 1.2), (2, "R&D", 200, 1.0)]
    path = fit_book(tmp_path / "dept.xlsx", people, [("Sales", 300)], lang="en")  # R&D has none
    assert main(["reconcile", str(path), "--budget", "1,000", "--fit-budget"]) == 0
    out = capsys.readouterr().out
    assert "Company-wide" in out and "k = 3.125000" in out and "fitted total 1,000.00" in out
    assert _fitted(path, "Reconciliation", "Fitted bonus") == {"1": Decimal("375.0"), "2": Decimal("625.0")}
    (row,) = _fit_table(path, "Reconciliation", "Scope")
    assert row[0] == "Whole company" and row[5] == 1000 and row[7] == "equals the pool"


def test_department_budgets_that_disagree_with_the_total_fit_company_wide(tmp_path: Path) -> None:
    path = fit_book(tmp_path / "dept.xlsx", DOCS_PEOPLE, [("财务部", 1000), ("三人组", 100), ("合计", 2000)])
    report = reconcile_workbook(path, fit_budget=True)
    assert not report.rec.fit.per_department and report.rec.fit.groups[0].pool.source == "规则!S4"
    assert sum(_fitted(path, report.sheet).values()) == 2000


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fitted_bonuses_sum_to_the_pool_to_the_cent(tmp_path: Path, data: st.DataObject) -> None:
    """Random bases, multipliers and pools, through the whole job and the written file."""
    n = data.draw(st.integers(1, 12))
    bases = data.draw(st.lists(st.integers(0, 10**7).map(lambda c: c / 100), min_size=n, max_size=n))
    mults = data.draw(st.lists(st.integers(0, 30000).map(lambda m: m / 10000), min_size=n, max_size=n))
    weights = [Fraction(str(b)) * Fraction(str(m)) for b, m in zip(bases, mults)]
    pool = data.draw(st.integers(0, 10**11)) if sum(weights) else 0
    depts = data.draw(st.lists(st.sampled_from(["甲", "乙"]), min_size=n, max_size=n))
    people = [(100 + i, depts[i], bases[i], mults[i]) for i in range(n)]
    path = fit_book(Path(tempfile.mkdtemp(dir=tmp_path)) / "dept.xlsx", people)
    report = reconcile_workbook(path, budget=f"{Decimal(pool).scaleb(-2):.2f}", fit_budget=True)
    fitted = _fitted(path, report.sheet)
    assert sum(fitted.values()) == Decimal(pool).scaleb(-2)
    for (eid, _, _, _), w in zip(people, weights):
        exact = Fraction(pool, 100) * w / sum(weights) if sum(weights) else Fraction(0)
        assert abs(Fraction(fitted[str(eid)]) - exact) < Fraction(1, 100)
    (row,) = _fit_table(path, report.sheet)
    assert Decimal(repr(row[5])) == Decimal(pool).scaleb(-2) and row[6] == 0 and row[7] == "等于奖金池"


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_fitted_sum_to_the_pool(tmp_path: Path, soffice) -> None:
    people = [(i, "甲" if i % 3 else "乙", 1000 + i * 7.31, (1.0, 1.2, 0.8, 1.5)[i % 4]) for i in range(1, 301)]
    path = fit_book(tmp_path / "dept.xlsx", people, [("甲", "123,456.78"), ("乙", 65432.1)])
    report = reconcile_workbook(path, fit_budget=True)
    rows = soffice.read_sheets(path)[report.sheet]
    start = next(i for i, row in enumerate(rows) if row and row[0] == "范围")
    table = {row[0]: row for row in rows[start + 1:start + 4]}
    assert Decimal(table["甲"][5]).quantize(Decimal("0.01")) == Decimal("123456.78")
    assert Decimal(table["乙"][5]).quantize(Decimal("0.01")) == Decimal("65432.10")
    assert Decimal(table["合计"][5]).quantize(Decimal("0.01")) == Decimal("188888.88")
    assert all(table[k][7] == "等于奖金池" and Decimal(table[k][6]) == 0 for k in table)


def test_a_run_without_fit_budget_writes_no_fit(tmp_path: Path) -> None:
    """--fit-budget is an action of one run: not remembered, the next tab has no fit."""
    path = fit_book(tmp_path / "dept.xlsx", DOCS_PEOPLE, [("财务部", 1000), ("三人组", 100)])
    report = reconcile_workbook(path, fit_budget=True)
    assert "调整后奖金" in {c for row in _rows(path, report.sheet) for c in row}
    report = reconcile_workbook(path)
    cells = {c for row in _rows(path, report.sheet) for c in row}
    assert report.rec.fit is None and "调整后奖金" not in cells and "按奖金池调整（--fit-budget）" not in cells
    assert all(len(row) <= 8 or all(v is None for v in row[8:]) for row in _rows(path, report.sheet))


def test_reconcile_diff_still_works_with_the_fit(tmp_path: Path, capsys) -> None:
    old = fit_book(tmp_path / "old.xlsx", DOCS_PEOPLE, [("财务部", 1000), ("三人组", 100)])
    path = tmp_path / "dept.xlsx"
    shutil.copyfile(old, path)
    from perf_addin.xlsx import Workbook
    with Workbook.open(path) as wb:
        wb.set_cells("员工", {"K2": 150})
        wb.save(backup=False)
    assert main(["reconcile", str(path), "--fit-budget", "--diff", str(old)]) == 0
    out = capsys.readouterr().out
    assert "奖金基数" in out and "财务部：k = " in out
    assert _fitted(path, "对账")["1"] + _fitted(path, "对账")["2"] == 1000


@pytest.mark.parametrize("budgets, argument, people, expected", [
    ([("财务部", 1000.005), ("三人组", 100)], None, DOCS_PEOPLE, "规则!S2: 奖金池必须是不小于 0 的金额"),
    ([("财务部", 1000), ("三人组", -100)], None, DOCS_PEOPLE, "规则!S3: 奖金池必须是不小于 0 的金额"),
    ([("财务部", 1000), ("三人组", "100.001")], None, DOCS_PEOPLE, "规则!S3"),
    (None, "1000.005", DOCS_PEOPLE, "--budget 最多两位小数（到分），现为 '1000.005'"),
    (None, "-5", DOCS_PEOPLE, "--budget 不能是负数"),
    ([("财务部", 1000), ("三人组", 100)], None, [(1, "财务部", 100, 0), (9, "三人组", 50, 1)],
     "规则!S2: 奖金池为 1000.00，但奖金基数 × 倍数合计为 0"),
    (None, "100", [(1, "财务部", 100, 0)], "--budget: 奖金池为 100.00"),
    ([("财务部", 1000), ("三人组", 100), ("市场部", 50)], None, DOCS_PEOPLE, "规则!S4: 奖金池为 50.00"),
    (None, None, DOCS_PEOPLE, "--fit-budget 需要奖金池"),
    ([("财务部", 1000)], None, DOCS_PEOPLE, "--fit-budget：三人组 在 规则 的预算表中没有预算"),
    (None, "1000", [(1, "财务部", 100.1234567, 1)], "员工!K2：按奖金池调整要求奖金基数最多 6 位小数"),
    (None, "1000", [(1, "财务部", 100, 1), (2, "财务部", 100, 1.23456)], "员工!L3：按奖金池调整"),
])
def test_a_refused_fit_names_the_cell_and_writes_nothing(tmp_path: Path, capsys, budgets, argument, people,
                                                         expected: str) -> None:
    path = fit_book(tmp_path / "dept.xlsx", people, budgets)
    before = path.read_bytes()
    args = ["reconcile", str(path), "--fit-budget"] + (["--budget", argument] if argument else [])
    assert main(args) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert expected in err and "Traceback" not in err
    assert path.read_bytes() == before and not (tmp_path / "perf-addin backups").exists()


def test_a_refusal_is_in_english_for_an_english_workbook(tmp_path: Path, capsys) -> None:
    path = fit_book(tmp_path / "dept.xlsx", [(1, "Sales", 100, 1)], [("Sales", "10.005")], lang="en")
    assert main(["reconcile", str(path), "--fit-budget"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "Rules!S2: the bonus pool must be an amount >= 0 with at most two decimals, found 10.005" in err
    assert main(["reconcile", str(path), "--fit-budget", "--budget", "-1"]) == 2
    assert "--budget must not be negative" in capsys.readouterr().err


def test_help_says_the_fit_is_not_remembered(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["reconcile", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--fit-budget" in out and "not remembered" in out and "employee table is not changed" in out
