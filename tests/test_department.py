"""Reading the department workbook: finding the table, lenient numbers, problems by cell, rules."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perf_addin.book.department import (
    DepartmentError,
    EmployeeTable,
    match_header,
    parse_number_text,
    problems_from_scores,
    read_employees,
    read_rules,
    sheet_ref,
)
from perf_addin.domain.rules import Item, Rules, RulesError, rules_to_rows
from perf_addin.domain.scoring import score_table

ZH_HEADER = ["工号", "姓名", "部门", "实际盈利", "目标盈利", "完成件数", "目标件数", "平时表现", "奖金基数"]
EN_HEADER = ["Employee ID", "Name", "Department", "Profit actual", "Profit target", "Tasks done", "Tasks target",
             "Rating", "Base bonus"]


class Error:
    """A cell holding an Excel error value (a formula whose cached result is the error)."""

    def __init__(self, code: str):
        self.code = code


def put(ws: Any, row0: int, col0: int, value: Any) -> None:
    """Write one cell with exactly the type given (XlsxWriter's write() would guess)."""
    if value is None:
        return
    if isinstance(value, Error):
        ws.write_formula(row0, col0, "=NA()", None, value.code)
    elif isinstance(value, bool):
        ws.write_boolean(row0, col0, value)
    elif isinstance(value, (int, float)):
        ws.write_number(row0, col0, value)
    elif isinstance(value, dt.date):
        ws.write_datetime(row0, col0, value, ws._test_date_format)
    else:
        ws.write_string(row0, col0, value)


def make_book(path: Path, sheets: dict[str, tuple[str, list[list[Any]]]]) -> Path:
    """sheets: name -> (top-left A1 cell, rows of values); None leaves a cell empty."""
    wb = xlsxwriter.Workbook(str(path))
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, (origin, rows) in sheets.items():
        ws = wb.add_worksheet(name)
        ws._test_date_format = date_format
        r0, c0 = xlsxwriter.utility.xl_cell_to_rowcol(origin)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                put(ws, r0 + r, c0 + c, value)
    wb.close()
    return path


def employee(i: int, **changes: Any) -> list[Any]:
    """A valid row for ZH_HEADER/EN_HEADER; ``changes`` override by field."""
    values = {"employee_id": 1000 + i, "name": f"员工{i}", "department": "销售", "profit_actual": 3500,
              "profit_target": 3200, "tasks_done": 12, "tasks_target": 10, "rating": 15, "base_bonus": 10000}
    values.update(changes)
    return list(values.values())


@pytest.fixture
def book(tmp_path: Path):
    def build(sheets: dict[str, tuple[str, list[list[Any]]]]) -> Path:
        return make_book(tmp_path / "dept.xlsx", sheets)
    return build


def one_value(book, field: str, value: Any) -> EmployeeTable:
    """A table of two employees where the first has ``value`` in ``field``."""
    return read_employees(book({"员工": ("A1", [ZH_HEADER, employee(1, **{field: value}), employee(2)])}))


# ---------------------------------------------------------------- finding the table


def test_header_at_c3_with_extra_columns_and_blank_rows(book):
    header = ["工号", "姓名", "备用", "实际盈利", "目标盈利", None, "完成件数", "目标件数", "平时表现", "奖金基数"]
    row = lambda i, pa: [f"E{i}", f"name{i}", "x", pa, 100, None, 5, 5, 10, 100]  # noqa: E731
    rows = [header, row(1, 101), [None] * 10, row(2, 102), [None] * 10, [None] * 10, row(3, 103),
            [None] * 10, [None] * 10, [None] * 10, row(4, 999)]
    t = read_employees(book({"员工": ("C3", rows)}))
    assert (t.sheet, t.header_row) == ("员工", 3)
    assert t.columns == {"employee_id": 3, "name": 4, "profit_actual": 6, "profit_target": 7,
                         "tasks_done": 9, "tasks_target": 10, "rating": 11, "base_bonus": 12}
    assert t.rows == [4, 6, 9]  # blank rows inside skipped, the row after 3 blank rows is not the table's
    assert t.frame["profit_actual"].tolist() == [101, 102, 103]
    assert t.frame["employee_id"].tolist() == ["E1", "E2", "E3"]
    assert t.cell("rating", 1) == "员工!K6"
    assert t.cell("employee_id", 0) == "员工!C4"
    assert t.problems == []
    assert "department" not in t.columns


def test_two_blank_rows_do_not_end_the_table(book):
    rows = [ZH_HEADER, employee(1), [None] * 9, [None] * 9, employee(2)]
    assert read_employees(book({"员工": ("A1", rows)})).rows == [2, 5]


def test_english_headers_any_case_and_units(book):
    header = ["  EMPLOYEE ID ", "name", "Profit Actual (USD)", "profit_target", "Tasks done", "TASKS TARGET",
              "Rating [0-20]", "Base bonus", "Supervisor", "Level"]
    t = read_employees(book({"Employees": ("B2", [header, [7, "Ann", 10, 20, 1, 2, 3, 400, "Bob", 5]])}))
    assert t.sheet == "Employees"
    assert list(t.columns) == ["employee_id", "name", "level", "supervisor", "profit_actual", "profit_target",
                               "tasks_done", "tasks_target", "rating", "base_bonus"]
    assert t.frame.iloc[0].to_dict() == {"employee_id": "7", "name": "Ann", "level": "5", "supervisor": "Bob",
                                         "profit_actual": 10.0, "profit_target": 20.0, "tasks_done": 1.0,
                                         "tasks_target": 2.0, "rating": 3.0, "base_bonus": 400.0}


@pytest.mark.parametrize("text, expected", [
    ("实际盈利(万元)", ("profit_actual", 4)), ("实际盈利（万元）", ("profit_actual", 4)),
    ("实际盈利\n(万元)", ("profit_actual", 4)), ("目标盈利 [百万元]", ("profit_target", 6)),
    ("实际盈利(元)", ("profit_actual", 0)), ("Ｅｍｐｌｏｙｅｅ　ＩＤ", ("employee_id", 0)),
    ("奖金基数", ("base_bonus", 0)), ("奖金", ("bonus", 0)), ("奖金(元)", ("bonus", 0)),
    ("得分", ("score", 0)), ("Grade", ("grade", 0)), ("绩效倍数", ("multiplier", 0)), ("输入检查", ("check", 0)),
    ("实际盈利率", None), ("Ratings", None), ("奖金 基数", None), ("", None),
])
def test_header_matching(text, expected):
    assert match_header(text) == expected


@given(st.sampled_from(["工号", "Employee ID", "Profit target", "平时表现", "Tasks done"]),
       st.lists(st.booleans(), min_size=12, max_size=12), st.sampled_from(["", " ", "\u3000", "\t"]))
def test_header_matching_ignores_case_width_and_padding(alias, upper, pad):
    """Random casing, full-width letters and surrounding space all name the same field."""
    varied = "".join(c.upper() if u else c.lower() for c, u in zip(alias, upper * 2))
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in varied)
    expected = match_header(alias)
    assert expected is not None
    assert match_header(pad + varied + pad) == expected
    assert match_header(full_width) == expected


def test_result_columns_are_found_and_not_confused_with_base_bonus(book):
    header = ZH_HEADER + ["得分", "等级", "绩效倍数", "奖金", "输入检查"]
    t = read_employees(book({"员工": ("A1", [header, employee(1) + [99, "B", 1.0, 10000, "ok"]])}))
    assert t.columns["base_bonus"] == 9
    assert t.result_columns == {"score": 10, "grade": 11, "multiplier": 12, "bonus": 13, "check": 14}
    assert t.cell("grade", 0) == "员工!K2"


def test_preferred_sheet_wins_over_an_earlier_matching_sheet(book):
    t = read_employees(book({
        "Summary": ("A1", [ZH_HEADER, employee(1)]),
        "员工": ("D5", [ZH_HEADER, employee(2), employee(3)]),
    }))
    assert (t.sheet, t.header_row, t.rows) == ("员工", 5, [6, 7])
    assert t.frame["employee_id"].tolist() == ["1002", "1003"]


def test_without_preferred_sheet_the_first_sheet_with_a_header_wins(book):
    t = read_employees(book({
        "说明": ("A1", [["这是说明"], ["工号", "姓名"]]),
        "规则": ("A1", [ZH_HEADER]),
        "绩效": ("B2", [ZH_HEADER, employee(1)]),
        "Later": ("A1", [ZH_HEADER, employee(2)]),
    }))
    assert (t.sheet, t.rows) == ("绩效", [3])


def test_a_preferred_sheet_without_header_is_an_error_not_a_silent_switch(book):
    path = book({"员工": ("A1", [["工号", "姓名", "实际盈利"]]), "Other": ("A1", [ZH_HEADER, employee(1)])})
    with pytest.raises(DepartmentError, match="员工!1:1 "):
        read_employees(path)
    assert read_employees(path, sheet="Other").rows == [2]


def test_missing_required_header_names_the_header_row_in_the_workbooks_language(book):
    header = [h for h in ZH_HEADER if h != "平时表现"]
    path = book({"员工": ("B4", [["部门绩效表"], [], header, employee(1)[:8]])})
    with pytest.raises(DepartmentError) as err:
        read_employees(path)
    assert str(err.value) == ("dept.xlsx：员工!6:6 表头行缺少必需的列：平时表现"
                              "（补上列标题后再运行；未写入任何内容）")


@pytest.mark.parametrize("header, missing, message", [
    (ZH_HEADER, "奖金基数", "dept.xlsx：员工!1:1 表头行缺少必需的列：奖金基数"),
    (EN_HEADER, "Base bonus", "dept.xlsx: the header row Employees!1:1 lacks the required column(s) Base bonus"),
    (ZH_HEADER, "目标盈利", "dept.xlsx：员工!1:1 表头行缺少必需的列：目标盈利"),
])
def test_a_blank_required_header_is_one_error_not_a_dropped_column(book, header, missing, message):
    blanked = [None if h == missing else h for h in header]
    sheet = "员工" if header is ZH_HEADER else "Employees"
    with pytest.raises(DepartmentError) as err:
        read_employees(book({sheet: ("A1", [blanked, employee(1), employee(2)])}))
    assert str(err.value).startswith(message)


def test_no_header_anywhere(book):
    with pytest.raises(DepartmentError, match="no employee table found on sheet.*'Sheet1'"):
        read_employees(book({"Sheet1": ("A1", [["hello", 1]])}))


def test_two_columns_for_one_field_is_an_error(book):
    with pytest.raises(DepartmentError, match=r"有两列的标题都是平时表现：员工!H1 和 员工!J1"):
        read_employees(book({"员工": ("A1", [ZH_HEADER + ["Rating"], employee(1) + [3]])}))
    with pytest.raises(DepartmentError, match=r"two columns are headed as Rating: Employees!H1 and Employees!J1"):
        read_employees(book({"Employees": ("A1", [EN_HEADER + ["Rating"], employee(1) + [3]])}))


def test_unreadable_files(tmp_path):
    not_excel = tmp_path / "notes.xlsx"
    not_excel.write_text("just text, not a workbook")
    with pytest.raises(DepartmentError, match="cannot read notes.xlsx"):
        read_employees(not_excel)
    with pytest.raises(DepartmentError, match="not found"):
        read_employees(tmp_path / "missing.xlsx")
    with pytest.raises(DepartmentError, match="cannot read notes.xlsx"):
        read_rules(not_excel)


def test_sheet_refs_are_quoted_when_excel_would():
    assert sheet_ref("员工") == "员工"
    assert sheet_ref("Dept 1") == "'Dept 1'"
    assert sheet_ref("O'Neil") == "'O''Neil'"
    assert sheet_ref("A1") == "'A1'"


def test_cells_on_a_quoted_sheet(book):
    t = read_employees(book({"Dept 1": ("A1", [ZH_HEADER, employee(1, rating="x")])}))
    assert t.problems[0].cell == "'Dept 1'!H2"


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize("text, value", [
    ("3500", 3500), (" 3,500 ", 3500), ("3 500", 3500), ("1,234,567.25", 1234567.25), ("1 234 567", 1234567),
    ("３５００", 3500), ("３，５００．５", 3500.5), ("35万", 350000), ("3.5万", 35000), ("1.1万", 11000),
    ("2亿", 200000000), ("0.35万", 3500), ("(350)", -350), ("（３５０）", -350), ("−350", -350),
    ("－350", -350), ("-3.5万", -35000), ("(1.5万)", -15000), ("+7", 7), ("5.", 5), (".5", 0.5),
    ("¥3,500", 3500), ("￥３５００", 3500), ("3\u00a0500", 3500), ("３\u3000５００", 3500), ("1e3", 1000), ("-0", 0), ("1.5E-2", 0.015),
    ("3500元", 3500), ("1.8万元", 18000), ("¥3,100 元", 3100), ("（１.５万元）", -15000),
])
def test_lenient_number_text(text, value):
    assert parse_number_text(text) == value


@pytest.mark.parametrize("text", [
    "", "  ", "abc", "35%", "3,5", "1,2345", "3,500 000", "(-350)", "-(350)", "(350", "350)", "3 5",
    "12,34", "--3", ".", "万", "3万万", "TRUE", "1/2", "3.5.1", "元", "万元", "12元元", "元12", "10²", "٣٥", "1\u200b000",
])
def test_non_numbers_are_rejected(text):
    assert parse_number_text(text) is None


def test_magnitude_suffix_converts_to_the_header_unit():
    assert parse_number_text("35万", unit=4) == 35
    assert parse_number_text("3.5亿", unit=4) == 35000
    assert parse_number_text("35", unit=4) == 35  # no suffix: already in the column's unit
    assert parse_number_text("3万", unit=6) == 0.03


def decimal_text(x: float) -> str:
    return format(Decimal(repr(x)), "f")


def group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    return sep.join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])


def variants(x: float) -> list[str]:
    """Ways a person might type x; every one must read back as exactly x."""
    text = decimal_text(abs(x))
    whole, _, frac = text.partition(".")
    neg = x < 0
    plain = text
    out = [plain, group(whole, ",") + ("." + frac if frac else ""), group(whole, " ") + ("." + frac if frac else "")]
    out.append(plain.translate(str.maketrans("0123456789.,", "０１２３４５６７８９．，")))
    wan = format(Decimal(text).scaleb(-4), "f") + "万"
    out.append(wan)
    signed = [("(" + v + ")" if neg else v) for v in out] + [("−" + v if neg else " " + v + " ") for v in out]
    return signed


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).filter(lambda x: x != 0))
def test_number_text_variants_round_trip(x):
    for text in variants(x):
        assert parse_number_text(text) == x, text


def test_lenient_forms_in_a_workbook(book):
    forms = ["3500", " 3,500 ", "3 500", "３５００", "３，５００．５", "35万", "3.5万", "(350)", "−350", 3500.0, 7]
    expected = [3500, 3500, 3500, 3500, 3500.5, 350000, 35000, -350, -350, 3500, 7]
    rows = [ZH_HEADER] + [employee(i, profit_actual=f) for i, f in enumerate(forms)]
    t = read_employees(book({"员工": ("A1", rows)}))
    assert t.problems == []
    assert t.frame["profit_actual"].tolist() == expected
    assert t.frame["profit_actual"].dtype == np.float64


def test_wan_in_a_wan_column(book):
    header = ["工号", "姓名", "实际盈利(万元)", "目标盈利（万元）", "完成件数", "目标件数", "平时表现", "奖金基数"]
    t = read_employees(book({"员工": ("A1", [header, ["1", "a", "35万", 32, 1, 1, 1, 1]])}))
    assert t.frame[["profit_actual", "profit_target"]].iloc[0].tolist() == [35, 32]
    assert t.units == {"profit_actual": 4, "profit_target": 4}


@pytest.mark.parametrize("field, value, cell, fragment", [
    ("profit_actual", "abc", "D2", "实际盈利是文字“abc”，不是数字"),
    ("profit_actual", "35%", "D2", "此处不接受百分数"),
    ("profit_target", "3,5", "E2", "目标盈利是文字“3,5”"),
    ("tasks_done", True, "F2", "完成件数是 TRUE，不是数字"),
    ("tasks_target", dt.date(2024, 3, 1), "G2", "目标件数是日期/时间"),
    ("rating", None, "H2", "平时表现为空"),
    ("rating", "   ", "H2", "平时表现为空"),
    ("base_bonus", Error("#N/A"), "I2", "奖金基数为空（或是 #N/A 等 Excel 错误值）"),
    ("profit_actual", "(-350)", "D2", "“(-350)”"),
    ("employee_id", None, "A2", "工号为空"),
    ("employee_id", True, "A2", "工号是 TRUE，不是工号"),
    ("name", "  ", "B2", "姓名为空"),
])
def test_each_error_names_its_cell(book, field, value, cell, fragment):
    t = one_value(book, field, value)
    assert len(t.problems) == 1
    p = t.problems[0]
    assert (p.sheet, p.cell, p.field, p.row) == ("员工", f"员工!{cell}", field, 2)
    assert fragment in p.message
    assert str(p) == f"员工!{cell}: {p.message}"
    assert t.rows == [2, 3]  # the bad row is kept, the next one still parsed
    assert t.invalid.tolist() == [True, False]
    assert t.frame["profit_actual"].iloc[1] == 3500
    if field not in ("employee_id", "name"):
        assert np.isnan(t.frame[field].iloc[0])


def test_several_problems_are_listed_in_sheet_order(book):
    rows = [ZH_HEADER, employee(1, rating="x", profit_actual="y"), employee(2), employee(3, tasks_done="z")]
    t = read_employees(book({"员工": ("A1", rows)}))
    assert [p.cell for p in t.problems] == ["员工!D2", "员工!H2", "员工!F4"]
    assert t.invalid.tolist() == [True, False, True]


# ---------------------------------------------------------------- IDs and text


def test_ids_are_text(book):
    rows = [ZH_HEADER, employee(1, employee_id=1024.0), employee(2, employee_id=" E-7 "),
            employee(3, employee_id="１０２５"), employee(4, employee_id=10.5)]
    t = read_employees(book({"员工": ("A1", rows)}))
    assert t.frame["employee_id"].tolist() == ["1024", "E-7", "1025", "10.5"]
    assert t.frame["employee_id"].dtype == object
    assert t.problems == []


def test_duplicate_ids_are_reported_on_the_later_row(book):
    rows = [ZH_HEADER, employee(1, employee_id=1024), employee(2), employee(3, employee_id="1024")]
    t = read_employees(book({"员工": ("A1", rows)}))
    assert [(p.cell, p.message) for p in t.problems] == [
        ("员工!A4", "工号 1024 重复出现（首次在 员工!A2）")]


def test_blank_id_with_data_is_a_problem_but_blank_rows_are_skipped(book):
    blank = [None] * 9
    rows = [ZH_HEADER, employee(1), blank, employee(2, employee_id=None), blank, employee(3)]
    t = read_employees(book({"员工": ("A1", rows)}))
    assert t.rows == [2, 4, 6]
    assert [p.cell for p in t.problems] == ["员工!A4"]
    assert t.frame["employee_id"].tolist() == ["1001", "", "1003"]


def test_text_fields_from_numbers_and_blanks(book):
    header = ["工号", "姓名", "职级", "直接上级", "部门", "实际盈利", "目标盈利", "完成件数", "目标件数", "平时表现",
              "奖金基数"]
    t = read_employees(book({"员工": ("A1", [header, [1, "Ann", 3, None, "  销售 ", 1, 1, 1, 1, 1, 1]])}))
    assert t.frame[["level", "supervisor", "department"]].iloc[0].tolist() == ["3", "", "销售"]
    assert t.problems == []  # level / supervisor / department are optional


def test_header_only_gives_an_empty_table(book):
    t = read_employees(book({"员工": ("A1", [ZH_HEADER])}))
    assert t.rows == [] and len(t.frame) == 0 and t.problems == []
    assert list(t.frame.columns) == ["employee_id", "name", "department", "profit_actual", "profit_target",
                                     "tasks_done", "tasks_target", "rating", "base_bonus"]


# ---------------------------------------------------------------- with the engine


def test_engine_errors_map_back_to_cells(book):
    rows = [ZH_HEADER, employee(1, profit_target=0), employee(2, rating=25), employee(3, rating="x"), employee(4)]
    t = read_employees(book({"员工": ("C3", rows)}))
    scores = score_table(t.frame)
    engine = problems_from_scores(t, scores, Rules.default())
    assert [(p.cell, p.field) for p in engine] == [("员工!G4", "profit_target"), ("员工!J5", "rating")]
    assert engine[0].message == "目标盈利必须大于 0，现为 0" and engine[0].value == 0
    assert engine[1].message == "平时表现必须在 0 到 20 之间，现为 25" and engine[1].row == 5
    # the reader's own problem (text in J6) is not repeated with the engine's NaN wording
    assert [p.cell for p in t.problems] == ["员工!J6"]
    assert scores["score"].iloc[3] == 69 + 22 + 15


def test_scores_for_a_clean_table(book):
    t = read_employees(book({"Employees": ("A1", [EN_HEADER, employee(1), employee(2, profit_actual="3,200")])}))
    scores = score_table(t.frame)
    assert scores["score"].tolist() == [106, 97]
    assert scores["bonus"].tolist() == [11000, 10000]
    assert problems_from_scores(t, scores) == []


# ---------------------------------------------------------------- rules sheet


def write_grid(path: Path, sheet: str, grid: list[list[Any]]) -> Path:
    return make_book(path, {"员工": ("A1", [ZH_HEADER]), sheet: ("A1", grid)})


def custom_rules() -> Rules:
    d = Rules.default()
    return dataclasses.replace(d, profit=Item(50.0, 1.5, None, 80.0, name="profit"), attainment_decimals=None)


@pytest.mark.parametrize("sheet", ["规则", "Rules"])
@pytest.mark.parametrize("rules", [Rules.default(), custom_rules()])
def test_rules_sheet_round_trip(tmp_path, sheet, rules):
    path = write_grid(tmp_path / "r.xlsx", sheet, rules_to_rows(rules))
    assert read_rules(path) == rules


def test_without_rules_sheet_the_defaults_apply(book):
    assert read_rules(book({"员工": ("A1", [ZH_HEADER])})) == Rules.default()
    assert read_rules(book({"员工": ("A1", [ZH_HEADER])})) != custom_rules()


def test_a_broken_rules_value_names_its_cell(tmp_path):
    grid = rules_to_rows(Rules.default())
    grid[2][1] = "sixty"  # profit_weight, B3
    with pytest.raises(RulesError) as err:
        read_rules(write_grid(tmp_path / "r.xlsx", "规则", grid))
    assert err.value.cell == "规则!B3"
    assert "“公司盈利：达成100%时的得分”必须是数字" in str(err.value)  # the sheet 规则 speaks Chinese


def test_an_invalid_rule_combination_names_its_cell(tmp_path):
    grid = rules_to_rows(Rules.default())
    grid[16][3] = 95  # band A− lower above... a gap against band B's upper 100
    with pytest.raises(RulesError) as err:
        read_rules(write_grid(tmp_path / "r.xlsx", "Rules", grid))
    assert err.value.cell is not None and err.value.cell.startswith("Rules!")


typed = st.decimals(min_value=0, max_value=100, places=6).map(float)  # values a person types


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed, typed.filter(lambda x: x > 0))
def test_rules_round_trip_random_items(tmp_path, weight, slope):
    """Typed values only: XlsxWriter (and openpyxl) store 16 significant digits,
    so a 17-digit float like 1.0362687168336624 comes back one digit short."""
    rules = dataclasses.replace(Rules.default(), tasks=Item(weight, slope, 0.0, None, name="tasks"))
    path = write_grid(tmp_path / "h.xlsx", "规则", rules_to_rows(rules))
    assert read_rules(path) == rules


def open_files() -> set[str]:
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.is_dir():
        pytest.skip("needs /proc to list open files")
    out = set()
    for fd in fd_dir.iterdir():
        try:
            out.add(str(fd.resolve()))
        except OSError:  # the fd used to list the directory is gone by now
            pass
    return out


def test_the_file_is_closed_even_while_an_error_is_held(book):
    """calamine keeps the file open until closed; a traceback held by the add-in
    (to show the message) keeps the reader's frames alive, and an open handle
    stops the writer from replacing the file on Windows."""
    path = book({"员工": ("A1", [ZH_HEADER[:3]]), "规则": ("A1", [["broken"]])})
    with pytest.raises(DepartmentError) as employees_error:
        read_employees(path)
    with pytest.raises(RulesError) as rules_error:
        read_rules(path)
    assert employees_error.value.__traceback__ and rules_error.value.__traceback__
    assert str(path.resolve()) not in open_files()


def test_a_notes_column_belongs_to_people_not_to_the_results(book):
    t = read_employees(book({"员工": ("A1", [ZH_HEADER + ["备注", "Notes"], employee(1) + ["a", "b"]])}))
    assert t.result_columns == {}


def test_text_numbers_and_language_are_reported(book):
    t = read_employees(book({"员工": ("A1", [ZH_HEADER, employee(1, profit_actual="3,500")])}))
    assert t.text_numbers == [("profit_actual", 0, "3,500")] and t.language == "zh"
    assert t.frame["profit_actual"].iat[0] == 3500
    english = read_employees(book({"Staff": ("A1", [EN_HEADER, employee(1)])}))
    assert english.language == "en" and english.text_numbers == []


def test_one_check_text_per_row_in_cell_order():
    """The 输入检查 text: a ``cell: message`` line per problem of the row, sorted by cell."""
    from perf_addin.book.department import Problem, check_texts
    problems = [Problem("员工", "员工!J5", "rating", "平时表现为空", row=5),
                Problem("员工", "员工!G5", "profit_target", "目标盈利为空", row=5),
                Problem("员工", "员工!H9", "tasks_done", "完成件数为空", row=9),
                Problem("员工", "员工!A1", "", "表头有误")]  # no row: not a row's check text
    assert check_texts(problems) == {5: "G5: 目标盈利为空\nJ5: 平时表现为空", 9: "H9: 完成件数为空"}
