"""The interview job on real files: tabs per employee, kept fields, left employees,
odd names, --only, and LibreOffice printing every tab to exactly one A4 page."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import python_calamine as calamine
import xlsxwriter
from lxml import etree

from perf_addin.cli import SAMPLE
from perf_addin.book.department import DepartmentError, read_employees, read_rules
from perf_addin.forms.interview_form import ID_CELL, OTHER, input_cells, parse_kind
from perf_addin.jobs.interviews import LEFT_COLOR, existing_tabs, pdf_name, print_tabs, write_interviews
from perf_addin.engines.libreoffice import pdf_page_count
from perf_addin.domain.scoring import score_table
from perf_addin.xlsx import Workbook
from perf_addin.xlsx.refs import parse_cell

PROJECT = Path(__file__).resolve().parents[1]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER = ["工号", "姓名", "部门", "职级", "直接上级", "实际盈利", "目标盈利", "完成件数", "目标件数",
          "平时表现", "奖金基数"]


# ------------------------------------------------------------------ helpers


def sample(tmp_path: Path) -> Path:
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(SAMPLE, book)
    return book


def department(tmp_path: Path, rows: list[list]) -> Path:
    """A small department written by XlsxWriter, the header in row 1."""
    path = tmp_path / "small.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("员工")
    ws.write_row(0, 0, HEADER)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            ws.write_string(r, c, value) if isinstance(value, str) else ws.write(r, c, value)
    wb.close()
    return path


def grid(path: Path, sheet: str) -> list[list]:
    with calamine.CalamineWorkbook.from_path(str(path)) as book:
        return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def at(rows: list[list], ref: str):
    r, c = parse_cell(ref)
    return rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else None


def sheet_part(path: Path, sheet: str) -> str:
    with Workbook.open(path) as book:
        return book.sheet(sheet).part


def type_into(path: Path, sheet: str, values: dict[str, object]) -> None:
    """What Excel saves after a person types into unlocked cells of a protected tab.

    The writer (rightly) refuses to edit protected sheets, and an openpyxl round trip
    would rewrite the whole file, so the sheet's XML is edited directly: the typed
    cell keeps its style and gets a shared string or a number, as Excel writes them.
    """
    part = sheet_part(path, sheet)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    root = etree.fromstring(parts[part])
    sst_name = "xl/sharedStrings.xml"
    sst = etree.fromstring(parts[sst_name])
    for ref, value in values.items():
        cell = root.find(f".//{{{MAIN}}}c[@r='{ref}']")
        for child in list(cell):
            cell.remove(child)
        cell.attrib.pop("t", None)
        if isinstance(value, str):
            si = etree.SubElement(sst, f"{{{MAIN}}}si")
            etree.SubElement(si, f"{{{MAIN}}}t").text = value
            cell.set("t", "s")
            etree.SubElement(cell, f"{{{MAIN}}}v").text = str(len(sst) - 1)
        else:
            etree.SubElement(cell, f"{{{MAIN}}}v").text = repr(value)
    sst.set("count", str(len(sst)))
    sst.set("uniqueCount", str(len(sst)))
    parts[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    parts[sst_name] = etree.tostring(sst, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def kind_of(path: Path, tab: str):
    with Workbook.open(path) as book:
        return parse_kind(book.owner_kind(tab))


# ------------------------------------------------------------------ the sample


def test_every_employee_gets_a_tab_with_the_engine_values(tmp_path):
    book = sample(tmp_path)
    report = write_interviews(book, include_errors=True)
    table, rules = read_employees(book), read_rules(book)
    assert len(report.tabs) == 40 and not report.skipped and not report.left
    with Workbook.open(book) as wb:
        tabs = existing_tabs(wb)
        names = wb.sheet_names
    assert set(tabs) == set(table.frame["employee_id"])
    assert names[:2] == ["员工", "规则"] and all(n.startswith("面谈-") for n in names[2:])
    scores = score_table(table.frame, rules)
    for i in (0, 5, 14):  # the head (高层), the article's example, an input error
        eid = table.frame["employee_id"].iat[i]
        rows = grid(book, tabs[eid])
        assert at(rows, ID_CELL) == eid
        flat = [v for row in rows for v in row]
        expected = scores["score"].iat[i]
        assert (expected in flat) if expected == expected else ("G18: 目标盈利必须大于 0，现为 0" in
                                                                 "\n".join(map(str, flat)))
        assert (at(rows, "A2").startswith("输入有误，结果无效：员工!G18")) == (expected != expected)
    head = grid(book, tabs["1001"])
    assert any("孙丽（HR绩效专员）" in str(v) for row in head for v in row)
    staff = grid(book, tabs["1040"])
    assert any("周静（部门人事文员）" in str(v) for row in staff for v in row)


def test_tab_formulas_reference_the_employee_row(tmp_path):
    book = sample(tmp_path)
    write_interviews(book, only=["1006"])
    table = read_employees(book)
    row = table.rows[list(table.frame["employee_id"]).index("1006")]
    with zipfile.ZipFile(book) as z:
        xml = z.read(sheet_part(book, "面谈-" + table.frame["name"].iat[5] + "-1006")).decode()
    score_col = re.sub(r"\d", "", table.cell("score", 0).split("!")[1])
    assert f"员工!F{row}" in xml and f"员工!{score_col}{row}" in xml
    assert "<v>111</v>" in xml  # the article's 111 points, cached


def test_regenerating_keeps_filled_fields_and_refreshes_the_rest(tmp_path):
    book = sample(tmp_path)
    write_interviews(book, only=["1004"])
    tab = existing_tabs(Workbook.open(book))["1004"]
    kind = kind_of(book, tab)
    cells = input_cells(kind.version, kind.remedies)
    below = [k for k in kind.remedies if k != OTHER]
    assert below, "the test needs an item below target"
    item = below[0]
    typed = {cells[f"remedy.{item}.action"]: "每周与上级复盘一次", cells["confirm.agreed"]: "否",
             cells["confirm.notes"]: "对数据有异议", cells["sign.employee.date"]: 46031.0}
    type_into(book, tab, typed)
    # a correction that puts every item at target moves every field below the remedies
    table = read_employees(book)
    row = table.rows[list(table.frame["employee_id"]).index("1004")]
    with Workbook.open(book) as wb:
        wb.set_cells("员工", {f"F{row}": 99999, f"H{row}": 999, f"J{row}": 20})
        wb.save(backup=False)
    report = write_interviews(book, only=["1004"])
    assert report.tabs[0].kept == 4 and not report.tabs[0].new
    kind2 = kind_of(book, tab)
    assert kind2.remedies == (item, OTHER)  # the line with entries survives, the others go
    cells2 = input_cells(kind2.version, kind2.remedies)
    rows = grid(book, tab)
    assert at(rows, cells2[f"remedy.{item}.action"]) == "每周与上级复盘一次"
    assert at(rows, cells2["confirm.agreed"]) == "否" and at(rows, cells2["confirm.notes"]) == "对数据有异议"
    assert at(rows, cells2["sign.employee.date"]) is not None
    flat = "\n".join(str(v) for r in rows for v in r)
    assert "已达成，保留原填写" in flat and "绩效委员会" in flat and "99999" in flat


def test_a_second_identical_run_changes_nothing(tmp_path):
    book = sample(tmp_path)
    write_interviews(book)
    before = book.read_bytes()
    report = write_interviews(book)
    assert report.unchanged and book.read_bytes() == before


def test_a_tab_whose_employee_left_is_kept_and_flagged(tmp_path):
    book = department(tmp_path, [["1", "甲", "部", "员工", "乙", 90, 100, 10, 10, 15, 1000],
                                 ["2", "乙", "部", "中层", "", 120, 100, 10, 10, 20, 2000]])
    write_interviews(book)
    tab = existing_tabs(Workbook.open(book))["1"]
    part = sheet_part(book, tab)
    with zipfile.ZipFile(book) as z:
        content_before = z.read(part)
    with Workbook.open(book) as wb:
        wb.set_cells("员工", {"A2": "3"})  # employee 1 left; 3 took the row
        wb.save(backup=False)
    report = write_interviews(book)
    assert report.left == [tab]
    with Workbook.open(book) as wb:
        tabs = existing_tabs(wb)
    assert tabs["1"] == tab and "3" in tabs
    with zipfile.ZipFile(book) as z:
        content_after = z.read(part).decode()
    assert f'<tabColor rgb="FF{LEFT_COLOR}"/>' in content_after
    def cells(xml: bytes) -> dict[str, bytes]:
        data = etree.fromstring(xml).find(f"{{{MAIN}}}sheetData")
        return {c.get("r"): etree.tostring(c, method="c14n") for c in data.iter(f"{{{MAIN}}}c")}
    before, after = cells(content_before), cells(content_after.encode())
    # the result cells no longer show money (row 2 is now employee 3's); nothing else is rewritten
    results = {r for r, c in after.items() if c != before[r]}
    assert len(results) == 4 and all(b"<f" not in after[r] and b"<v" not in after[r] for r in results)
    assert results_of(book, tab) == {"总分": "", "等级": "", "绩效倍数": "", "奖金": ""}


def results_of(book: Path, tab: str) -> dict[str, object]:
    import python_calamine as calamine
    with calamine.CalamineWorkbook.from_path(str(book)) as reader:
        rows = reader.get_sheet_by_name(tab).to_python(skip_empty_area=False)
    row = next(r for r in rows if r[0] == "总分")
    return {row[c]: row[c + 1] for c in (0, 2, 4, 6)}


def test_odd_names_give_valid_unique_tabs_and_stay_text(tmp_path):
    names = ["张伟", "张伟", "a/b", "[x]", "长" * 40, '=HYPERLINK("x")']
    rows = [[str(100 + i), n, "部", "员工", "", 100, 100, 10, 10, 15, 1000] for i, n in enumerate(names)]
    book = department(tmp_path, rows)
    report = write_interviews(book)
    tabs = [t.tab for t in report.tabs]
    assert len(set(t.casefold() for t in tabs)) == 6 and all(len(t) <= 31 for t in tabs)
    assert not any(set(t) & set("[]:*?/\\") for t in tabs)
    assert all(str(100 + i) in t for i, t in enumerate(tabs))
    hyper = next(t.tab for t in report.tabs if t.employee_id == "105")
    with zipfile.ZipFile(book) as z:
        xml = z.read(sheet_part(book, hyper)).decode()
    assert "HYPERLINK" not in re.sub(r"<is>.*?</is>", "", xml)  # only ever inline text
    assert at(grid(book, hyper), "B5") == '=HYPERLINK("x")'


def test_only_writes_the_given_employees(tmp_path):
    book = sample(tmp_path)
    report = write_interviews(book, only=["1003", "1010"])
    assert sorted(t.employee_id for t in report.tabs) == ["1003", "1010"]
    before = book.read_bytes()
    with pytest.raises(DepartmentError, match="no employee with ID 4242"):
        write_interviews(book, only=["1003", "4242"])
    assert book.read_bytes() == before


def test_one_backup_per_run_holds_the_original(tmp_path):
    book = sample(tmp_path)
    report = write_interviews(book)
    backups = list((tmp_path / "perf-addin backups").iterdir())
    assert len(backups) == 1 and backups[0] == report.backup
    assert backups[0].read_bytes() == SAMPLE.read_bytes()


def test_cli_interviews_only(tmp_path):
    book = sample(tmp_path)
    result = subprocess.run([sys.executable, "-m", "perf_addin.cli", "interviews", str(book), "--only", "1001"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "面谈表：已写入 1 张（新建 1 张" in result.stdout  # the Chinese sample's language
    bad = subprocess.run([sys.executable, "-m", "perf_addin.cli", "interviews", str(book), "--only", "x"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_pdf_names_are_safe_files():
    assert pdf_name('面谈-a"b<c>-1') == "面谈-a_b_c_-1.pdf"


# ------------------------------------------------------------------ LibreOffice


@pytest.mark.libreoffice
def test_each_tab_prints_to_exactly_one_a4_page_with_chinese_text(tmp_path, soffice):
    book = sample(tmp_path)
    report = write_interviews(book, pdf_dir=tmp_path / "pdf", office=soffice, include_errors=True)
    assert soffice.launches >= 1
    launches = soffice.launches
    assert len(report.pdfs) == 40 == len({p.name for p in report.pdfs})
    assert all(pdf_page_count(p) == 1 for p in report.pdfs)
    one = report.pdfs[5]
    info = subprocess.run(["pdfinfo", str(one)], capture_output=True, text=True).stdout
    assert "A4" in info
    text = subprocess.run(["pdftotext", str(one), "-"], capture_output=True, text=True).stdout
    assert "绩效反馈面谈表" in text and "工号 1006" in text and re.search(r"第\s*1\s*页", text)
    # --only prints just its tabs, still one run
    again = print_tabs(book, [report.tabs[0].tab], tmp_path / "one", soffice)
    assert len(again) == 1 and pdf_page_count(again[0]) == 1 and soffice.launches == launches + 1


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_tab_to_its_cached_values(tmp_path, soffice):
    book = sample(tmp_path)
    report = write_interviews(book, only=["1006", "1015"], include_errors=True)  # 1015: an input error
    assert len(report.tabs) == 2
    computed = soffice.read_sheets(book, recalc=True)
    for tab in report.tabs:
        cached = grid(book, tab.tab)
        shown = computed[tab.tab]
        for r, row in enumerate(cached[:24]):  # header and result sections
            for c, value in enumerate(row):
                if isinstance(value, float) and value == value:
                    assert float(shown[r][c].replace(",", "").rstrip("%")) == pytest.approx(value), (tab.tab, r, c)


# ------------------------------------------------------------------ the weak-rating threshold


def test_a_rating_is_a_weak_item_below_the_rules_threshold_not_below_the_maximum(tmp_path):
    book = sample(tmp_path)
    write_interviews(book, only=["1002", "1008", "1001"])  # ratings 17, 15 and 14 of 20
    tabs = existing_tabs(Workbook.open(book))
    assert "rating" not in kind_of(book, tabs["1002"]).remedies
    assert "rating" not in kind_of(book, tabs["1008"]).remedies  # 15 is not below 15
    assert "rating" in kind_of(book, tabs["1001"]).remedies
    with zipfile.ZipFile(book) as z:
        xml = z.read(sheet_part(book, tabs["1002"])).decode()
    assert "规则!$B$14" in xml  # the status formula reads the rules cell
    with Workbook.open(book) as wb:
        wb.set_cells("规则", {"B14": 18})
        wb.save(backup=False)
    report = write_interviews(book, only=["1002"])
    assert "rating" in kind_of(book, tabs["1002"]).remedies
    assert tabs["1002"] in report.updated
    assert "平时表现（上级评分）（85%）" in "\n".join(str(v) for r in grid(book, tabs["1002"]) for v in r)


# ------------------------------------------------------------------ long texts on the one page

HEADER_EN = ["Employee ID", "Name", "Department", "Level", "Supervisor", "Profit actual", "Profit target",
             "Tasks done", "Tasks target", "Rating", "Base bonus"]
LONG_ACTION_ZH = "每周一上午与直接上级复盘上周任务清单，逐项核对完成情况和延误原因，形成书面记录并抄送部门人事文员，" \
                 "下月起每两周参加一次销售技巧内部培训，季度末由主导人检查执行情况并记录在跟踪表中。"
LONG_NOTES_ZH = ("员工认为第三季度盈利数据未计入退货冲回，要求财务重新核对原始凭证后再确认考核结果；"
                 "主导人已说明数据来源，双方同意会后由财务出具核对说明，仍有异议再提交绩效委员会。") * 2
LONG_ACTION_EN = ("Review the task list with the supervisor every Monday morning, check each delayed item and "
                  "its cause, write it down and copy the department HR clerk; join the internal sales training.")
LONG_NOTES_EN = ("The employee says the third-quarter profit does not include the returns credited in October "
                 "and asks finance to check the original vouchers before the result is confirmed. ") * 3


def _pdf_lines(pdf: Path) -> list[tuple[str, float, float]]:
    """(text without spaces, top, bottom) of every line pdftotext finds."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    root = etree.fromstring(xml.encode(), etree.XMLParser(recover=True))
    out = []
    for line in root.iter("{*}line"):
        words = "".join(w.text or "" for w in line.iter("{*}word"))
        out.append((re.sub(r"\s", "", words), float(line.get("yMin")), float(line.get("yMax"))))
    return out


def _assert_whole_and_inside(pdf: Path, typed: str, above: str, below: str) -> None:
    """Every character of ``typed`` is printed, in order, and all its lines lie
    between the line starting with ``above`` and the one starting with ``below``
    (the labels of the neighbouring rows): text cut off at its cell's border, or
    spilling over it, fails."""
    flat = re.sub(r"\s", "", typed)
    text = re.sub(r"\s", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout)
    assert flat in text
    lines = _pdf_lines(pdf)
    top = max(b for t, _, b in lines if t.startswith(re.sub(r"\s", "", above)))
    bottom = min(a for t, a, _ in lines if t.startswith(re.sub(r"\s", "", below)) and a > top)
    mine = [(t, a, b) for t, a, b in lines if len(t) >= 10 and t in flat]
    assert sum(len(t) for t, *_ in mine) >= len(flat) * 0.8
    assert all(top <= a and b <= bottom for _, a, b in mine), (top, bottom, mine)


def _long_texts_tab(book: Path, employee: str, lang: str) -> tuple[str, dict, tuple]:
    write_interviews(book, only=[employee])
    tab = existing_tabs(Workbook.open(book))[employee]
    kind = kind_of(book, tab)
    cells = input_cells(kind.version, kind.remedies)
    first = kind.remedies[0]
    action, notes = (LONG_ACTION_ZH, LONG_NOTES_ZH) if lang == "zh" else (LONG_ACTION_EN, LONG_NOTES_EN)
    type_into(book, tab, {cells[f"remedy.{first}.action"]: action, cells["confirm.notes"]: notes})
    report = write_interviews(book, only=[employee])  # regenerated: the heights come from the kept text
    assert report.tabs[0].kept == 2
    return tab, cells, kind.remedies


@pytest.mark.libreoffice
def test_long_chinese_text_prints_whole_on_one_a4_page(tmp_path, soffice):
    book = sample(tmp_path)
    tab, _, remedies = _long_texts_tab(book, "1001", "zh")  # a weak rating: a remedy line above "other"
    assert len(LONG_ACTION_ZH) >= 80 and len(LONG_NOTES_ZH) >= 130
    pdf, = print_tabs(book, [tab], tmp_path / "pdf", soffice)
    assert pdf_page_count(pdf) == 1
    assert "A4" in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    labels = {"profit": "公司盈利", "tasks": "任务必达成件数", "rating": "平时表现", OTHER: "其他"}
    below = labels[remedies[1]] if len(remedies) > 1 else "五、结果确认"
    _assert_whole_and_inside(pdf, LONG_ACTION_ZH, "具体措施", below)
    _assert_whole_and_inside(pdf, LONG_NOTES_ZH, "员工是否同意考核结果", "后续处理")


@pytest.mark.libreoffice
def test_long_english_text_prints_whole_on_one_a4_page(tmp_path, soffice):
    path = tmp_path / "en.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Employees")
    ws.write_row(0, 0, HEADER_EN)
    ws.write_row(1, 0, ["7", "Ann Lee", "Sales", "Staff", "Bo Chen", 90, 100, 8, 10, 15, 1000])
    wb.close()
    tab, _, remedies = _long_texts_tab(path, "7", "en")
    pdf, = print_tabs(path, [tab], tmp_path / "pdf", soffice)
    assert pdf_page_count(pdf) == 1
    assert "A4" in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    labels = {"profit": "Profit", "tasks": "Tasks completed", "rating": "Rating", OTHER: "Other"}
    below = labels[remedies[1]] if len(remedies) > 1 else "5. Confirmation"
    _assert_whole_and_inside(pdf, LONG_ACTION_EN, "Agreed action", below)
    _assert_whole_and_inside(pdf, LONG_NOTES_EN, "Employee agrees with the result", "Next step")
