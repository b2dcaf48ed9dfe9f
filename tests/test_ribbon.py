"""Each ribbon button on a copy of the sample workbook, through the file host:
the same core path as the CLI, with the workbook's contents checked afterwards."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import python_calamine as calamine

from perf_addin import cli
from perf_addin.book.department import read_employees
from perf_addin.jobs.interviews import existing_tabs
from perf_addin.excel.ribbon import FileHost, dispatch, input_problems, link_formula, pdf_folder
from perf_addin.xlsx import Workbook
from tests.conftest import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "workbook" / "sample_department.xlsx"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    target = tmp_path / "department.xlsx"
    shutil.copyfile(SAMPLE, target)
    return target


def _sheet(path: Path, name: str) -> list[list]:
    with calamine.CalamineWorkbook.from_path(str(path)) as reader:
        return reader.get_sheet_by_name(name).to_python()


def _press(button: str, path: Path, **kwargs) -> FileHost:
    host = FileHost(path, **kwargs)
    assert dispatch(button, host), host.messages
    assert host.statuses[-1] is None  # status bar handed back
    return host


def test_score_writes_the_result_columns(book: Path) -> None:
    host = _press("perfScore", book)
    table = read_employees(book)
    assert {"score", "grade", "multiplier", "check"} <= set(table.result_columns)
    header = _sheet(book, table.sheet)[table.header_row - 1]
    assert "得分" in header and "等级" in header
    assert "已为 40 名员工中的 36 名评分" in host.messages[0][0] and not host.messages[0][1]


def test_feedback_all_writes_one_sheet_per_employee(book: Path) -> None:
    host = _press("perfFeedbackAll", book)
    with Workbook.open(book) as wb:
        tabs = existing_tabs(wb)
    ids = {i for i in read_employees(book).frame["employee_id"] if i}
    assert set(tabs) < ids and len(tabs) == 36  # 4 held back for input errors
    assert sum("暂缓（输入有误" in line for line in host.messages[0][0].splitlines()) == 4
    assert host.active[0] in tabs.values()


def test_feedback_selected_writes_only_the_selected_rows(book: Path) -> None:
    table = read_employees(book)
    rows = [table.rows[0], table.rows[3], table.header_row]  # the header row is ignored
    _press("perfFeedbackSelected", book, selection=(table.sheet, rows))
    with Workbook.open(book) as wb:
        tabs = existing_tabs(wb)
    assert set(tabs) == {table.frame["employee_id"].iat[0], table.frame["employee_id"].iat[3]}


def test_feedback_selected_needs_rows_of_the_employee_table(book: Path) -> None:
    host = FileHost(book, selection=("规则", [5]))
    assert not dispatch("perfFeedbackSelected", host)
    text, error = host.messages[0]
    assert error and "请先在 员工 表中选择员工所在的行" in text and "Traceback" not in text
    with Workbook.open(book) as wb:
        assert not existing_tabs(wb)


def test_rules_opens_the_rules_sheet(book: Path) -> None:
    before = book.read_bytes()
    host = _press("perfRules", book)
    assert host.active == ("规则", "A1")
    assert book.read_bytes() == before  # it existed: nothing written


def test_rules_adds_a_default_rules_sheet_when_missing(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "bare.xlsx"
    shutil.copyfile(SAMPLE, path)
    wb = openpyxl.load_workbook(path)  # a workbook that is the employee sheet alone
    del wb["规则"]
    for name in wb.sheetnames[1:]:
        del wb[name]
    wb.save(path)
    host = _press("perfRules", path)
    assert host.active == ("规则", "A1")
    assert _sheet(path, "规则")[0][:2] == ["key", "value"]


#: The sample's four bad inputs, as DOMAIN.md's rules refuse them: a target must be
#: above 0 (G18 holds 0), a rating lies in 0–20 (J21 holds 25), a blank is no 0 (H24),
#: text is no number (J27 holds 良好).  "3,100" and "０.３万" are numbers written the
#: way people type them, and are no problem.
SAMPLE_PROBLEMS = [
    ["员工!G18", "目标盈利", "目标盈利必须大于 0，现为 0", 0],
    ["员工!J21", "平时表现", "平时表现必须在 0 到 20 之间，现为 25", 25],
    ["员工!H24", "完成件数", "完成件数为空（或是 #N/A 等 Excel 错误值）", ""],
    ["员工!J27", "平时表现", "平时表现是文字“良好”，不是数字", "良好"],
]


def test_check_inputs_lists_every_problem_with_a_link(book: Path) -> None:
    assert [str(p) for p in input_problems(book)] == [f"{c}: {m}" for c, _, m, _ in SAMPLE_PROBLEMS]
    host = _press("perfCheckInputs", book)
    assert host.active == ("输入错误", "A2")
    rows = _sheet(book, "输入错误")
    assert rows[0] == ["单元格", "字段", "问题", "输入值"]
    assert rows[1:] == SAMPLE_PROBLEMS  # field labels, not keys; the value as typed
    with Workbook.open(book) as wb:
        assert wb.owner_kind("输入错误") == "input-errors"
    # pressed again, the sheet is regenerated in place, not duplicated
    _press("perfCheckInputs", book)
    with Workbook.open(book) as wb:
        assert wb.sheet_names.count("输入错误") == 1


def test_check_inputs_formulas_are_hyperlinks(book: Path) -> None:
    import zipfile

    _press("perfCheckInputs", book)
    with Workbook.open(book) as wb:
        part = wb.sheet("输入错误").part
    xml = zipfile.ZipFile(book).read(part).decode()
    assert "<f>HYPERLINK(\"#'员工'!G18\",\"员工!G18\")</f>" in xml


def test_link_formula_quotes_and_row_problems() -> None:
    assert link_formula("员工!G18").text == "HYPERLINK(\"#'员工'!G18\",\"员工!G18\")"
    assert link_formula("'O''Neil dept'!7:7").text == \
        "HYPERLINK(\"#'O''Neil dept'!A7\",\"'O''Neil dept'!7:7\")"


def test_reconcile_writes_the_tab_and_reports_totals(book: Path, monkeypatch) -> None:
    monkeypatch.delenv("PERF_ADDIN_SEAL_KEY", raising=False)
    host = FileHost(book)
    assert dispatch("perfReconcile", host), host.messages
    text, error = host.messages[-1]
    assert not error and "为 40 名员工发放" in text
    assert host.active[0] == "对账"
    rows = _sheet(book, "对账")
    assert any("销售部" in str(cell) for row in rows for cell in row)


def test_prepare_for_email_writes_a_portable_copy_and_encrypted_packs(book: Path) -> None:
    import msoffcrypto

    before = book.read_bytes()
    host = FileHost(book)
    assert dispatch("perfEmail", host), host.messages
    folder = book.with_name(f"{book.stem} email")
    packs = sorted((folder / "packs").glob("*.xlsx"))
    assert (folder / f"{book.stem} (portable).xlsx").exists() and len(packs) == 36  # 4 held back
    with packs[0].open("rb") as f:
        assert msoffcrypto.OfficeFile(f).is_encrypted()
    assert book.read_bytes() == before


def test_unknown_button_and_unexpected_errors_become_messages(book: Path, monkeypatch) -> None:
    host = FileHost(book)
    assert not dispatch("perfNope", host)
    assert "没有按钮 'perfNope' 的操作" in host.messages[0][0]  # the Chinese workbook's language
    from perf_addin.excel import ribbon

    def boom(host):
        raise KeyError("x")

    monkeypatch.setitem(ribbon.HANDLERS, "perfScore", boom)
    monkeypatch.setattr(ribbon, "LOG_FILE", book.with_name("ribbon.log"))
    host = FileHost(book)
    assert not dispatch("perfScore", host)
    text, error = host.messages[0]
    assert error and "意外错误（KeyError）" in text and "详情：" in text and "Traceback" not in text
    assert "Unexpected" not in text


def test_print_pdfs_without_feedback_sheets_explains(book: Path) -> None:
    host = FileHost(book)
    assert not dispatch("perfPrintPdfs", host)
    assert "请先点击“反馈表”" in host.messages[0][0]


@pytest.mark.libreoffice
def test_print_pdfs_writes_one_pdf_per_feedback_sheet(book: Path, soffice, monkeypatch) -> None:
    table = read_employees(book)
    _press("perfFeedbackSelected", book, selection=(table.sheet, table.rows[:2]))
    from perf_addin.jobs import interviews

    real = interviews.print_tabs
    monkeypatch.setattr("perf_addin.excel.ribbon.print_tabs",
                        lambda path, tabs, out: real(path, tabs, out, office=soffice))
    host = _press("perfPrintPdfs", book)
    pdfs = sorted(pdf_folder(book).glob("*.pdf"))
    assert len(pdfs) == 2 and "2 个 PDF" in host.messages[0][0]


def test_cli_press_runs_a_button(book: Path, capsys) -> None:
    assert cli.main(["addin", "press", "perfCheckInputs", str(book)]) == 0
    assert "输入错误" in capsys.readouterr().out
    table = read_employees(book)
    assert cli.main(["addin", "press", "perfFeedbackSelected", str(book),
                     "--rows", str(table.rows[1])]) == 0
    with Workbook.open(book) as wb:
        assert set(existing_tabs(wb)) == {table.frame["employee_id"].iat[1]}


@pytest.mark.parametrize("button", ["perfCollect"])
def test_a_user_error_of_any_job_is_a_message_not_an_unexpected_error(book: Path, button: str) -> None:
    """Follow-up on a workbook with no interview tabs yet: the job's own
    error (CollectError) must reach the user as its message; the ribbon
    used to catch a shorter list than the command line and call it unexpected."""
    host = FileHost(book)
    assert not dispatch(button, host)
    text, error = host.messages[-1]
    assert error and "Unexpected error" not in text and "Details:" not in text and "意外错误" not in text


def test_every_job_error_shares_the_one_base_the_edges_catch() -> None:
    from perf_addin import xlsx
    from perf_addin.jobs import collect
    from perf_addin.book import department
    from perf_addin.engines import libreoffice
    from perf_addin.excel import ribbon
    from perf_addin.domain import rules
    from perf_addin.jobs import schedule as scheduling
    from perf_addin.jobs import seal
    from perf_addin.errors import USER_ERRORS
    for error in (collect.CollectError, department.DepartmentError, libreoffice.LibreOfficeError,
                  ribbon.RibbonError, rules.RulesError, scheduling.ScheduleError, seal.SealError,
                  xlsx.WorkbookError):
        assert issubclass(error, USER_ERRORS), error


def test_press_with_an_unknown_button_lists_the_valid_ones(book: Path, capsys) -> None:
    assert cli.main(["addin", "press", "perfScroe", str(book)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "'perfScroe'" in err
    for button in ("perfScore", "perfFeedbackAll", "perfReconcile", "perfEmail", "perfCheckInputs"):
        assert button in err


def test_button_messages_speak_the_workbooks_language(tmp_path: Path) -> None:
    from tests.test_language import english_book
    book = english_book(tmp_path / "en.xlsx")
    host = _press("perfScore", book)
    assert host.messages[0][0].startswith("Scored 36 of 40 employees")
    host = _press("perfCheckInputs", book)
    assert "4 input error(s) listed on the sheet Input errors." == host.messages[-1][0]
    rows = _sheet(book, "Input errors")
    assert rows[0] == ["Cell", "Field", "Problem", "Value"]
    assert rows[1][:3] == ["Employees!G18", "Profit target", "Profit target must be > 0, found 0"]


def test_a_writer_refusal_is_shown_in_the_workbooks_language(book: Path) -> None:
    """The writer words its refusals in English and Chinese; the box shows the workbook's."""
    (book.parent / ("~$" + book.name)).write_bytes(b"owner")
    before = book.read_bytes()
    host = FileHost(book)
    assert not dispatch("perfScore", host)
    text, error = host.messages[-1]
    assert error and text == "department.xlsx 正在 Excel 中打开（锁定文件 ~$department.xlsx）；请在 Excel 中关闭后再试"
    assert book.read_bytes() == before
