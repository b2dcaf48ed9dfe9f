"""A scored copy of the sample department with what finance meets in real life:
a second department, a documented and an undocumented override, a bonus typed
over its formula."""

from __future__ import annotations

import shutil
from pathlib import Path

from perf_addin.book.department import read_employees
from perf_addin.jobs.score import score_workbook
from perf_addin.xlsx import Workbook
from perf_addin.xlsx.refs import col_letter

SAMPLE = Path(__file__).resolve().parents[1] / "workbook" / "sample_department.xlsx"


def finance_book(folder: Path, name: str = "dept.xlsx") -> Path:
    path = folder / name
    shutil.copyfile(SAMPLE, path)
    score_workbook(path)
    table = read_employees(path)
    dept = col_letter(table.columns["department"])
    bonus = col_letter(table.result_columns["bonus"])
    free = max(table.result_columns.values()) + 1
    manual, reason = col_letter(free), col_letter(free + 1)
    rows = table.rows
    cells = {f"{dept}{r}": "研发部" for r in rows[20:30]}
    cells.update({f"{manual}{table.header_row}": "手工倍数", f"{reason}{table.header_row}": "调整原因",
                  f"{manual}{rows[1]}": 1.5, f"{reason}{rows[1]}": "retention agreed by the board",
                  f"{manual}{rows[2]}": 1.3,
                  f"{bonus}{rows[3]}": 99999})
    with Workbook.open(path) as book:
        book.set_cells(table.sheet, cells)
        book.save(backup=False)
    return path


FIT_FIELDS = ("employee_id", "name", "department", "level", "supervisor", "profit_actual", "profit_target",
              "tasks_done", "tasks_target", "rating", "base_bonus", "manual_multiplier", "override_reason")


def fit_book(path: Path, people: list[tuple], budgets: list[tuple] | None = None, lang: str = "zh") -> Path:
    """A small department workbook for the budget fit, written from scratch.

    ``people``: (employee ID, department, base bonus, multiplier); every employee's
    inputs are valid, and the multiplier is a documented override (manual multiplier
    with a reason), so the test decides each weight exactly. ``budgets``: lines of the
    rules sheet's budget table at R:S, (department or 合计/Total, amount as written)."""
    import xlsxwriter

    from perf_addin.book.session import RULES_SHEET_NAMES
    from perf_addin.domain.rules import Rules, rules_to_rows
    from perf_addin.labels import label

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("员工" if lang == "zh" else "Employees")
    sheet.write_row(0, 0, [label(f, lang) for f in FIT_FIELDS])
    for r, (eid, department, base, multiplier) in enumerate(people, start=1):
        sheet.write_row(r, 0, [eid, f"E{eid}", department, "staff", "Boss", 3000, 3000, 100, 100, 15, base,
                               multiplier, "agreed"])
    rules = book.add_worksheet(RULES_SHEET_NAMES[lang])
    for i, row in enumerate(rules_to_rows(Rules.default())):
        for j, value in enumerate(row):
            if value is not None:
                rules.write(i, j, value)
    if budgets is not None:
        rules.write(0, 17, "预算" if lang == "zh" else "Budget")
        for i, (name, amount) in enumerate(budgets, start=1):
            rules.write(i, 17, name)
            rules.write(i, 18, amount)
    book.close()
    return path
