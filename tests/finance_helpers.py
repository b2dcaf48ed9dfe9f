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
