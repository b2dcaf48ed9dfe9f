"""One rules-sheet lookup: the reader, the result writer and every job find the same sheet.

The bug this guards against: a rules sheet renamed to ``Rules `` (trailing space)
was found by the reader but not by the result writer, which added a second 规则
sheet with the defaults and pointed the formulas at it – the cached values then
followed the renamed sheet and the formulas did not.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
import python_calamine as calamine

from perf_addin.book.department import RulesSheetError, find_rules_sheet, is_rules_sheet, read_rules
from perf_addin.cli import SAMPLE, main
from perf_addin.labels import normalise

RENAMED = "Rules "


def _renamed_sample(tmp_path: Path, weight: float) -> Path:
    path = tmp_path / "dept.xlsx"
    shutil.copyfile(SAMPLE, path)
    wb = openpyxl.load_workbook(path)
    wb["规则"].title = RENAMED
    wb[RENAMED]["B3"] = weight
    wb.save(path)
    return path


def _set_weight(path: Path, weight: float) -> None:
    wb = openpyxl.load_workbook(path)
    wb[RENAMED]["B3"] = weight
    wb.save(path)


def _score_cells(path: Path) -> tuple[list[str], list[object]]:
    """(formulas, cached values) of the 得分 column, read from the file as saved."""
    formulas = openpyxl.load_workbook(path)["员工"]
    cached = openpyxl.load_workbook(path, data_only=True)["员工"]
    header = next(r for r in range(1, 50) if "得分" in [c.value for c in formulas[r]])
    col = [c.value for c in formulas[header]].index("得分") + 1
    rows = [r for r in range(header + 1, formulas.max_row + 1) if isinstance(formulas.cell(r, col).value, str)
            and formulas.cell(r, col).value.startswith("=")]
    return [formulas.cell(r, col).value for r in rows], [cached.cell(r, col).value for r in rows]


def test_score_reads_and_writes_the_renamed_rules_sheet(tmp_path, capsys):
    path = _renamed_sample(tmp_path, 50)
    assert main(["score", str(path)]) == 0
    assert main(["score", str(path)]) == 0  # a second run finds the same sheet again
    _set_weight(path, 40)
    assert main(["score", str(path)]) == 0
    capsys.readouterr()
    with calamine.CalamineWorkbook.from_path(str(path)) as book:
        names = book.sheet_names
    assert "规则" not in names and names.count(RENAMED) == 1
    formulas, cached = _score_cells(path)
    assert formulas and all("'Rules '!" in f and "规则" not in f for f in formulas)
    # the sample's first employee (1001): profit 2568 of 3200 = 80 % (rounded) → 40 − 20 = 20
    # points at weight 40; tasks 100 of 80 = 125 % → 20 + 2.5; rating 14 of 20 → 14
    assert cached[0] == pytest.approx(20 + 22.5 + 14)


@pytest.mark.libreoffice
def test_libreoffice_agrees_with_the_cached_values_of_a_renamed_rules_sheet(tmp_path, soffice, capsys):
    path = _renamed_sample(tmp_path, 50)
    assert main(["score", str(path)]) == 0
    _set_weight(path, 40)
    assert main(["score", str(path)]) == 0
    capsys.readouterr()
    _, cached = _score_cells(path)
    computed = soffice.read_sheets(path)["员工"]
    header = next(i for i, row in enumerate(computed) if "得分" in row)
    col = computed[header].index("得分")
    recalculated = [float(row[col]) for row in computed[header + 1:] if len(row) > col and row[col] not in ("", "#N/A")]
    assert recalculated == pytest.approx([v for v in cached if isinstance(v, (int, float))])


@pytest.mark.parametrize("name", ["规则", "Rules", "rules", " RULES ", "Rules ", "ｒｕｌｅｓ", "规则 "])
def test_the_rules_sheet_is_found_in_any_case_spacing_or_width(name):
    assert is_rules_sheet(name)
    assert find_rules_sheet(["员工", name, "面谈-1001"]) == name


@pytest.mark.parametrize("name", ["规则表", "Rules2", "My rules", "员工"])
def test_other_sheets_are_not_the_rules_sheet(name):
    assert not is_rules_sheet(name)
    assert find_rules_sheet(["员工", name] if name != "员工" else [name]) is None


@pytest.mark.parametrize("lang, words", [("zh", "两张规则表"), ("en", "two rules sheets")])
def test_two_rules_sheets_are_refused_naming_both(lang, words):
    with pytest.raises(RulesSheetError) as err:
        find_rules_sheet(["员工", "规则", "Rules "], lang, "dept.xlsx")
    message = str(err.value)
    assert words in message and "规则" in message and "'Rules '" in message and "dept.xlsx" in message


def test_a_command_on_a_workbook_with_two_rules_sheets_is_one_error_line_in_its_language(tmp_path, capsys):
    path = tmp_path / "dept.xlsx"
    shutil.copyfile(SAMPLE, path)
    wb = openpyxl.load_workbook(path)
    wb.copy_worksheet(wb["规则"]).title = "Rules"
    wb.save(path)
    before = path.read_bytes()
    assert main(["score", str(path)]) == 2
    err = capsys.readouterr().err
    assert "两张规则表" in err and "规则" in err and "Rules" in err and "Traceback" not in err
    assert path.read_bytes() == before
    with pytest.raises(RulesSheetError):
        read_rules(path)


def test_one_normaliser_for_names():
    assert normalise("  Profit_actual\u3000(万元) ") == "profit actual (万元)"
    assert normalise("ＲＵＬＥＳ") == "rules"
