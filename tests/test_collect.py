"""Collect and track: merging returned copies (full workbooks and packs, also
encrypted), conflicts kept, the tracking tab, the monthly list and the reminders."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from lxml import etree

from perf_addin.cli import main
from perf_addin.jobs.collect import KIND, collect_workbook, monthly_meetings, Remedy
from perf_addin.forms.interview_form import input_cells, parse_kind
from perf_addin.jobs.interviews import existing_tabs, write_interviews
from perf_addin.jobs.share import encrypt, write_packs
from perf_addin.xlsx import Workbook
from perf_addin.xlsx.refs import parse_cell
from tests.test_interviews import HEADER, MAIN, at, grid, sheet_part, type_into

TODAY = date(2026, 4, 1)  # a Wednesday


def serial(day: date) -> float:
    """A date as Excel stores what a person types into a date cell."""
    return float((day - date(1899, 12, 30)).days)


@pytest.fixture(scope="module")
def master(tmp_path_factory) -> Path:
    """Three employees, with e-mail addresses, and their interview tabs."""
    path = tmp_path_factory.mktemp("collect") / "dept.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("员工")
    ws.write_row(0, 0, HEADER + ["邮箱"])
    rows = [["1", "甲", "部", "员工", "乙", 90, 100, 10, 10, 15, 1000, "jia@corp.test"],
            ["2", "乙", "部", "中层", "", 120, 100, 10, 10, 20, 2000, "yi@corp.test"],
            ["3", "丙", "部", "员工", "乙", 80, 100, 10, 10, 20, 1000, ""]]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            ws.write_string(r, c, value) if isinstance(value, str) else ws.write(r, c, value)
    wb.close()
    write_interviews(path)
    return path


def tabs_and_cells(book: Path) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    with Workbook.open(book) as wb:
        tabs = existing_tabs(wb)
        kinds = {eid: parse_kind(wb.owner_kind(tab)) for eid, tab in tabs.items()}
    return tabs, {eid: input_cells(k.version, k.remedies) for eid, k in kinds.items()}


def typed(book: Path, eid: str, fields: dict[str, object]) -> None:
    tabs, cells = tabs_and_cells(book)
    type_into(book, tabs[eid], {cells[eid][f]: v for f, v in fields.items()})


RETURNED_1 = {"confirm.agreed": "否", "confirm.objection": "数据准确性", "confirm.notes": "另一份记录",
              "remedy.profit.kind": "培训机会", "remedy.profit.action": "参加销售培训", "remedy.profit.owner": "乙",
              "remedy.profit.due": serial(date(2026, 3, 15)), "remedy.profit.agreed": "是",
              "remedy.other.action": "每周复盘", "remedy.other.owner": "外部顾问",
              "remedy.other.due": serial(date(2026, 5, 20)), "remedy.other.agreed": "是"}
SIGNED_3 = {"confirm.agreed": "是", "sign.employee": "丙", "sign.supervisor": "乙", "sign.facilitator": "周"}


@pytest.fixture
def pair(master, tmp_path) -> tuple[Path, Path]:
    """The master with one typed note, and a returned copy that fills (and contradicts) it."""
    book, other = tmp_path / "dept.xlsx", tmp_path / "returned.xlsx"
    shutil.copyfile(master, book)
    typed(book, "1", {"confirm.notes": "主表记录"})
    shutil.copyfile(book, other)
    typed(other, "1", RETURNED_1)
    typed(other, "3", SIGNED_3)
    return book, other


def tracking(book: Path) -> tuple[str, list[list]]:
    with Workbook.open(book) as wb:
        name = next(n for n in wb.sheet_names if wb.owner_kind(n) == KIND)
    return name, grid(book, name)


def section(rows: list[list], header: str) -> list[list]:
    """The rows under the header row starting with ``header`` (the section's table)."""
    start = next(i for i, r in enumerate(rows) if r and r[0] == header and i > 2 and rows[i - 1][0])
    out = []
    for r in rows[start + 1:]:
        if not r[0]:
            break
        out.append(r)
    return out


# ------------------------------------------------------------------ merging


def test_returned_values_merge_and_conflicts_keep_both(pair):
    book, other = pair
    before = {eid: grid(book, tab) for eid, tab in tabs_and_cells(book)[0].items()}
    table_before = grid(book, "员工")
    report = collect_workbook(book, [other], today=TODAY)
    tabs, cells = tabs_and_cells(book)
    one = grid(book, tabs["1"])
    assert at(one, cells["1"]["confirm.agreed"]) == "否"
    assert at(one, cells["1"]["remedy.profit.action"]) == "参加销售培训"
    assert at(one, cells["1"]["confirm.notes"]) == "主表记录"  # the master keeps its value
    [conflict] = report.conflicts
    assert (conflict.master, conflict.other, conflict.field) == ("主表记录", "另一份记录", "confirm.notes")
    assert "returned.xlsx" in conflict.source and cells["1"]["confirm.notes"] in conflict.source
    # nothing else changed: the table, and every cell of the tabs but the merged ones
    assert grid(book, "员工") == table_before
    filled = {eid: {cells[eid][f] for f in fields if f != "confirm.notes"} | {outcome(cells[eid])}
              for eid, fields in (("1", RETURNED_1), ("3", SIGNED_3))}  # the outcome follows 达成一致
    for eid, rows in before.items():
        after = grid(book, tabs[eid])
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                ref = f"{chr(65 + c)}{r + 1}"
                if ref not in filled.get(eid, ()):
                    assert after[r][c] == value, (eid, ref)
    with Workbook.open(book) as wb:  # the tabs stay protected
        assert all(b"<sheetProtection" in wb.source.read(wb.sheet(t).part) for t in tabs.values())


def outcome(cells: dict[str, str]) -> str:
    """The form's outcome line: a formula on 达成一致, in column B of the row under the notes."""
    return f"B{int(cells['confirm.notes'][1:]) + 1}"


REFER = "未达成一致：面谈后由主导人提交绩效委员会裁定"  # the form's text for 否 (LibreOffice shows it)
ACCEPTED = "已确认，按考核结果执行"


def test_a_merged_agreement_updates_the_cached_outcome(pair, tmp_path, soffice):
    """A reader that does not calculate (pandas, a preview) sees the committee referral."""
    book, other = pair
    tabs, cells = tabs_and_cells(book)
    assert at(grid(book, tabs["1"]), outcome(cells["1"])) in (None, "")
    collect_workbook(book, [other], today=TODAY)
    assert at(grid(book, tabs["1"]), outcome(cells["1"])) == REFER
    assert at(grid(book, tabs["3"]), outcome(cells["3"])) == ACCEPTED
    assert at(grid(book, tabs["2"]), outcome(cells["2"])) in (None, "")  # nothing typed there
    shown = soffice.read_sheets(book)  # the cached values are what a recalculation gives
    for eid in tabs:
        r, c = (n - 1 for n in parse_cell(outcome(cells[eid])))
        assert (at(grid(book, tabs[eid]), outcome(cells[eid])) or "") == shown[tabs[eid]][r][c], eid
    with Workbook.open(book) as wb:  # still the form's formula, on a still protected tab
        assert "IF(" in wb.formula_of(tabs["1"], outcome(cells["1"]))
        assert b"<sheetProtection" in wb.source.read(wb.sheet(tabs["1"]).part)
    assert collect_workbook(book, [other], today=TODAY).unchanged  # and a second run has nothing to do


def test_collect_repairs_an_outcome_an_earlier_run_left_stale(pair):
    """A master an earlier version merged into (agreement typed, outcome still blank) is put right."""
    book, other = pair
    tabs, cells = tabs_and_cells(book)
    typed(book, "1", {"confirm.agreed": "否"})  # as a merge that left the cached outcome alone
    assert at(grid(book, tabs["1"]), outcome(cells["1"])) in (None, "")
    report = collect_workbook(book, today=TODAY)
    assert at(grid(book, tabs["1"]), outcome(cells["1"])) == REFER and not report.unchanged


def test_tracking_tab_status_overdue_monthly_and_conflicts(pair):
    book, other = pair
    collect_workbook(book, [other], today=TODAY)
    name, rows = tracking(book)
    people = {r[0]: r for r in section(rows, "工号")}
    assert people["1"][3:6] == ["否", "是", "是"]  # not signed, disputed, committee pending
    assert people["3"][3:6] == ["是", "否", "否"]
    assert people["1"][7] == 2
    start = next(i for i, r in enumerate(rows) if r[:3] == ["工号", "姓名", "项目"])
    remedies = [r for r in rows[start + 1:start + 3]]
    assert [r[4] for r in remedies] == ["乙", "外部顾问"] and remedies[0][6] == "已逾期"
    sheet = openpyxl.load_workbook(book)[name]
    assert sheet[f"A{start + 2}"].fill.fgColor.rgb.endswith("FFC7CE")  # overdue row is red
    assert not sheet[f"A{start + 3}"].fill.fgColor.rgb.endswith("FFC7CE")
    meet = next(i for i, r in enumerate(rows) if r[0] == "会议日期")
    lines = [(r[0], r[5], r[7]) for r in rows[meet + 1:meet + 3]]
    assert [(d.date() if hasattr(d, "date") else d, o) for d, o, _ in lines] == [
        (date(2026, 4, 1), "乙"), (date(2026, 5, 1), "外部顾问")]
    assert lines[0][2] == "部门人事文员"  # the chaser: the facilitator (no name set)
    head = next(i for i, r in enumerate(rows) if r[:2] == ["工号", "面谈表"])
    assert rows[head + 1][4:6] == ["主表记录", "另一份记录"]


def test_second_run_changes_nothing_and_conflicts_persist(pair):
    book, other = pair
    collect_workbook(book, [other], today=TODAY)
    again = collect_workbook(book, [other], today=TODAY)
    assert again.unchanged and not again.taken and len(again.conflicts) == 1
    alone = collect_workbook(book, today=TODAY)  # without the copy the conflict is still listed
    assert alone.unchanged and len(alone.conflicts) == 1


def test_done_and_resolved_marks_survive_regeneration(pair):
    book, other = pair
    collect_workbook(book, [other], today=TODAY)
    name, rows = tracking(book)
    start = next(i for i, r in enumerate(rows) if r[:3] == ["工号", "姓名", "项目"])
    head = next(i for i, r in enumerate(rows) if r[:2] == ["工号", "面谈表"])
    type_into(book, name, {f"H{start + 2}": "✓", f"H{head + 2}": "✓"})  # the tab is protected: typed
    report = collect_workbook(book, [other], today=TODAY)
    assert not report.conflicts and not report.overdue(TODAY)
    assert [r.done for r in report.remedies if r.owner == "乙"] == [True]


def test_the_tracking_tab_is_protected_and_keeps_notes_and_resolved_conflicts(pair):
    book, other = pair
    collect_workbook(book, [other], today=TODAY)
    name, rows = tracking(book)
    people = next(i for i, r in enumerate(rows) if r[:3] == ["工号", "姓名", "面谈表"])
    assert rows[people][9] == "备注"
    head = next(i for i, r in enumerate(rows) if r[:2] == ["工号", "面谈表"])
    sheet = openpyxl.load_workbook(book)[name]
    assert sheet.protection.sheet and not sheet.protection.password  # no password, as the interview tabs
    assert not sheet[f"J{people + 2}"].protection.locked and not sheet[f"H{head + 2}"].protection.locked
    assert sheet[f"A{people + 2}"].protection.locked and sheet["A60"].protection.locked
    type_into(book, name, {f"J{people + 2}": "3月复核", f"H{head + 2}": "已与甲确认"})
    report = collect_workbook(book, [other], today=TODAY)
    assert not report.conflicts  # resolved: not an open item any more
    _, rows = tracking(book)
    assert rows[people + 1][0] == "1" and rows[people + 1][9] == "3月复核"  # the note is kept
    kept = rows[head + 1]
    assert kept[4] == "主表记录" and kept[5] == "另一份记录" and kept[7] == "已与甲确认"  # both values, marked
    collect_workbook(book, today=TODAY)
    assert tracking(book)[1][people + 1][9] == "3月复核"
    typed(book, "1", {"confirm.notes": "另一份记录"})  # the master now holds the other value: it ends
    collect_workbook(book, today=TODAY)
    _, rows = tracking(book)
    head = next(i for i, r in enumerate(rows) if r[:2] == ["工号", "面谈表"])
    assert rows[head + 1][0] == "（无）"


def test_monthly_meetings_first_working_day_until_last_due():
    def item(due):
        return Remedy("1", "甲", "profit", "x", "乙", due, "tab")
    meetings = monthly_meetings([item(date(2026, 3, 1)), item(date(2026, 7, 3))], date(2026, 4, 2), range(5))
    assert [d for d, _ in meetings] == [date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1)]
    assert [len(items) for _, items in meetings] == [1, 0, 1]


def test_the_monthly_meeting_skips_the_holidays_of_the_rules_sheet(pair):
    """2027-01-01 (a Friday) is 元旦, a default holiday: the January meeting is on Monday the 4th;
    a holiday typed on the rules sheet moves it further."""
    book, other = pair
    collect_workbook(book, [other], today=date(2026, 12, 22))
    _, rows = tracking(book)
    days = {r[0] for r in section(rows, "会议日期") if isinstance(r[0], (date, datetime))}
    days = {d.date() if isinstance(d, datetime) else d for d in days}
    assert date(2027, 1, 4) in days and date(2027, 1, 1) not in days
    with Workbook.open(book) as wb:
        wb.set_cells("规则", {"N1": "节假日 / holidays", "N2": "2027-01-01", "O2": "2027-01-04", "P2": "元旦"})
        wb.save(backup=False)
    collect_workbook(book, [other], today=date(2026, 12, 22))
    _, rows = tracking(book)
    days = {r[0] for r in section(rows, "会议日期") if isinstance(r[0], (date, datetime))}
    days = {d.date() if isinstance(d, datetime) else d for d in days}
    assert date(2027, 1, 5) in days and not days & {date(2027, 1, 1), date(2027, 1, 4)}


def test_monthly_meetings_skip_holidays():
    item = Remedy("1", "甲", "profit", "x", "乙", date(2027, 2, 3), "tab")
    meetings = monthly_meetings([item], date(2026, 12, 22), range(5), frozenset({date(2027, 1, 1)}))
    assert [d for d, _ in meetings] == [date(2027, 1, 4), date(2027, 2, 1)]


# ------------------------------------------------------------------ packs


def type_inline(path: Path, sheet: str, values: dict[str, str]) -> None:
    """Typing into a pack, which has no shared strings: inline strings, as LibreOffice may save."""
    part = sheet_part(path, sheet)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    root = etree.fromstring(parts[part])
    for ref, value in values.items():
        cell = root.find(f".//{{{MAIN}}}c[@r='{ref}']")
        for child in list(cell):
            cell.remove(child)
        cell.set("t", "inlineStr")
        etree.SubElement(etree.SubElement(cell, f"{{{MAIN}}}is"), f"{{{MAIN}}}t").text = value
    parts[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_encrypted_pack_needs_the_password(master, tmp_path):
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(master, book)
    [pack] = write_packs(book, tmp_path / "packs", only=["3"]).packs
    _, cells = tabs_and_cells(book)
    type_inline(pack, "绩效反馈面谈", {cells["3"]["remedy.profit.action"]: "跟进大客户",
                                  cells["3"]["sign.employee"]: "丙"})
    pack.write_bytes(encrypt(pack.read_bytes(), "s3cret"))
    skipped = collect_workbook(book, [pack], today=TODAY)
    assert not skipped.taken and skipped.unreadable == [(pack.name, skipped.unreadable[0][1])]
    assert "已加密" in skipped.unreadable[0][1] and "passwords.csv" in skipped.unreadable[0][1]
    wrong = collect_workbook(book, [pack], today=TODAY, password="nope")
    assert not wrong.taken and "密码打不开" in wrong.unreadable[0][1] and "--password" in wrong.unreadable[0][1]
    report = collect_workbook(book, [pack], today=TODAY, password="s3cret")
    assert len(report.taken) == 2 and not report.conflicts and not report.unreadable
    tabs, _ = tabs_and_cells(book)
    assert at(grid(book, tabs["3"]), cells["3"]["remedy.profit.action"]) == "跟进大客户"


# ------------------------------------------------------------------ reminders


def test_reminders_parse_back_with_pdf(pair, tmp_path, soffice):
    book, other = pair
    report = collect_workbook(book, [other], today=TODAY, reminders=tmp_path / "mail", pdf=True, office=soffice)
    assert len(report.reminders) == 2
    mails = {}
    for path in report.reminders:
        with path.open("rb") as handle:
            msg = BytesParser(policy=policy.default).parse(handle)
        mails[str(msg["To"])] = msg
    yi = next(m for to, m in mails.items() if "yi@corp.test" in to)
    assert "提醒" in yi["Subject"] and "Reminder" not in yi["Subject"] and yi["X-Unsent"] == "1"
    text = yi.get_body(("plain",)).get_content()
    assert "【已逾期】" in text and "参加销售培训" in text and "2026-03-15" in text
    [pdf] = list(yi.iter_attachments())
    assert pdf.get_content_type() == "application/pdf" and pdf.get_content().startswith(b"%PDF")
    assert any("example.invalid" in to for to in mails)  # the outside owner: a placeholder


def test_cli_collect(pair, tmp_path, capsys):
    book, other = pair
    assert main(["collect", str(book), str(other), "--today", "2026-04-01",
                 "--reminders", str(tmp_path / "mail")]) == 0
    out = capsys.readouterr().out
    assert "冲突" in out and "另一份记录" in out and "已逾期" in out  # in the workbook's language
    assert "Conflicts" not in out and "remedy.profit" not in out and "公司盈利·具体措施" in out
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2
    assert main(["collect", str(tmp_path / "missing.xlsx")]) == 2


def test_ribbon_follow_up_button(master, tmp_path):
    from perf_addin.excel.ribbon import FileHost, dispatch, reminder_folder
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(master, book)
    typed(book, "1", RETURNED_1)
    host = FileHost(book)
    assert dispatch("perfCollect", host), host.messages
    assert "1 人待委员会裁定" in host.messages[0][0] and not host.messages[0][1]
    assert len(list(reminder_folder(book).glob("*.eml"))) == 2
    assert tracking(book)[0] == "跟踪"


# ------------------------------------------------------------------ printing the tracking tab


def print_sheet(book: Path, sheet: str, office, folder: Path) -> Path:
    """The one sheet printed by LibreOffice, as a person would print that tab."""
    from perf_addin.jobs.interviews import stage_visible
    folder.mkdir(parents=True, exist_ok=True)
    stage_visible(book, {sheet}, folder / "tracking.xlsx")
    [result] = office.convert([folder / "tracking.xlsx"], "pdf", folder, recalc=False).values()
    assert result.ok, result.error
    return result.outputs[0]


def pdf_pages(pdf: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every page."""
    from pypdf import PdfReader
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(pdf).pages]


def pdf_words(pdf: Path, page: int = 1) -> list[tuple[str, float, float, float, float]]:
    """(word, xMin, yMin, xMax, yMax) of a page, as poppler lays them out."""
    import subprocess
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    root = etree.fromstring(html.encode(), etree.HTMLParser(encoding="utf-8"))
    return [(w.text or "", *(float(w.get(k)) for k in ("xmin", "ymin", "xmax", "ymax")))
            for w in root.iter("word")]


LONG_NOTE = "另一份记录：" + "客户回款数据与财务系统核对后仍有差异需要补充说明" * 3


@pytest.mark.libreoffice
def test_tracking_tab_prints_on_a4_landscape_and_rows_keep_apart(pair, tmp_path, soffice):
    book, other = pair
    typed(other, "1", {"confirm.notes": LONG_NOTE})
    collect_workbook(book, [other], today=TODAY)
    name, _ = tracking(book)
    pdf = print_sheet(book, name, soffice, tmp_path / "print")
    pages = pdf_pages(pdf)
    assert len(pages) == 1  # three employees: one page, all columns on it (fitted to width)
    width, height = pages[0]
    assert (round(width), round(height)) == (842, 595)  # A4 landscape
    words = pdf_words(pdf)
    text = "".join(w[0] for w in words)
    for header in ("工号", "跟进人", "委员会裁定", "已处理", "另一份的值", "来源"):
        assert header in text
    assert all(n in text for n in ("甲", "乙", "丙"))
    head = next(w for w in words if w[0] == "另一份的值")  # the conflict section's header cell
    column = sorted((w for w in words if head[1] - 2 <= w[1] <= head[1] + 40 and w[2] > head[2]),
                    key=lambda w: w[2])
    assert "".join(w[0] for w in column).startswith(LONG_NOTE)  # wrapped, nothing cut off
    assert all(w[2] >= head[4] for w in column)  # no line of the row drawn over its header


# ------------------------------------------------------------------ refusals, addresses, language


def old_xls(path: Path) -> Path:
    """A real old binary workbook holding a department table."""
    import xlwt
    book = xlwt.Workbook()
    sheet = book.add_sheet("员工")
    for c, value in enumerate(HEADER):
        sheet.write(0, c, value)
    for c, value in enumerate(["1", "甲", "部", "员工", "乙", 90, 100, 10, 10, 15, 1000]):
        sheet.write(1, c, value)
    book.save(str(path))
    return path


def test_an_old_xls_is_refused_in_the_same_words_by_every_command(master, tmp_path, capsys):
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(master, book)
    old = old_xls(tmp_path / "returned.xls")
    assert main(["score", str(old)]) == 2
    said = capsys.readouterr().err
    assert "old binary Excel workbook (.xls)" in said
    assert main(["collect", str(book), str(old)]) == 1
    err = capsys.readouterr().err
    assert "returned.xls" in err and "old binary Excel workbook (.xls)" in err and "encrypt" not in err
    assert main(["share", str(old), "--packs", str(tmp_path / "packs")]) == 2
    assert "old binary Excel workbook (.xls)" in capsys.readouterr().err
    assert not (tmp_path / "packs").exists()


def test_reminders_warn_about_placeholder_addresses(pair, tmp_path, capsys):
    book, other = pair
    report = collect_workbook(book, [other], today=TODAY, reminders=tmp_path / "m")
    assert report.no_address == ["外部顾问"]  # the owner outside the table; 乙 has an address
    assert main(["collect", str(book), "--today", "2026-04-01", "--reminders", str(tmp_path / "m")]) == 0
    out = capsys.readouterr().out
    assert "外部顾问" in out[out.index("没有邮箱地址"):]


def test_invitations_warn_about_placeholder_addresses(master, tmp_path):
    from perf_addin.jobs.schedule import schedule_workbook
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(master, book)
    report = schedule_workbook(book, date(2026, 3, 2), date(2026, 3, 6), tmp_path / "ics")
    [line] = [n for n in report.notes if "没有邮箱地址" in n]
    listed = line.split("：")[-1].split("、")
    assert "丙" in listed and "甲" not in listed and "乙" not in listed  # 丙's e-mail cell is empty
    ics = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "ics").glob("*.ics"))
    assert "jia@corp.test" in ics and "example.invalid" in ics


def test_the_email_column_may_be_headed_dian_zi_you_jian(tmp_path):
    path = tmp_path / "dept.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("员工")
    ws.write_row(0, 0, HEADER + ["电子邮件"])
    ws.write_row(1, 0, ["1", "甲", "部", "员工", "乙", 90, 100, 10, 10, 15, 1000, "jia@corp.test"])
    ws.write_row(2, 0, ["2", "乙", "部", "中层", "", 120, 100, 10, 10, 20, 2000, "yi@corp.test"])
    wb.close()
    write_interviews(path)
    typed(path, "1", {"remedy.profit.action": "参加销售培训", "remedy.profit.owner": "乙",
                      "remedy.profit.agreed": "是"})
    report = collect_workbook(path, today=TODAY, reminders=tmp_path / "mail")
    [mail] = report.reminders
    with mail.open("rb") as handle:
        msg = BytesParser(policy=policy.default).parse(handle)
    assert "yi@corp.test" in str(msg["To"]) and not report.no_address


def test_an_english_workbook_hears_english(tmp_path, capsys):
    path = tmp_path / "dept.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Employees")
    ws.write_row(0, 0, ["Employee ID", "Name", "Department", "Level", "Supervisor", "Profit actual",
                        "Profit target", "Tasks done", "Tasks target", "Rating", "Base bonus"])
    ws.write_row(1, 0, ["1", "Ann", "Sales", "Staff", "Bo", 90, 100, 10, 10, 15, 1000])
    wb.close()
    write_interviews(path)
    junk = tmp_path / "back.xlsx"
    junk.write_bytes(b"PK\x03\x04 truncated")
    assert main(["collect", str(path), str(junk)]) == 1
    said = capsys.readouterr()
    assert "Tracking tab" in said.out and "could not be read" in said.err and "back.xlsx" in said.err
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in said.out + said.err)


def test_share_refuses_a_tab_it_cannot_read_rather_than_send_it_blank(master, tmp_path, capsys):
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(master, book)
    tabs, _ = tabs_and_cells(book)
    with Workbook.open(book) as wb:  # a later layout version than this code knows
        wb.define_name("_PerfAddin.Kind", '"interview:v9;id=3;remedies=other"', sheet=tabs["3"], hidden=True)
        wb.save(backup=False)
    assert main(["share", str(book), "--packs", str(tmp_path / "packs")]) == 2
    err = capsys.readouterr().err
    assert tabs["3"] in err and "v9" in err and "未写出任何文件包" in err
    assert not (tmp_path / "packs").exists()


def test_a_folder_lists_every_copy_it_cannot_read(pair, tmp_path, capsys):
    book, other = pair
    folder = tmp_path / "ret3"
    folder.mkdir()
    old_xls(folder / "1002-何秀英.xls")
    (folder / "1003-x.ods").write_bytes(b"PK\x03\x04 not really")
    (folder / "passwords.csv").write_text("file,employee_id,name,password\n", encoding="utf-8")
    (folder / "1002-何秀英.pdf").write_bytes(b"%PDF-1.4")
    (folder / "~$1002-何秀英.xlsx").write_bytes(b"lock")
    assert main(["collect", str(book), str(folder)]) == 1
    err = capsys.readouterr().err
    assert "1002-何秀英.xls:" in err and "old binary Excel workbook (.xls)" in err and "1003-x.ods" in err
    assert "passwords.csv" not in err and ".pdf" not in err and "~$" not in err


def test_edits_outside_the_interview_fields_are_listed_not_dropped(pair, tmp_path, capsys):
    book, _ = pair
    portable = tmp_path / "portable.xlsx"
    assert main(["share", str(book), "--portable", str(portable)]) == 0
    type_into(portable, "员工", {"J2": 19})  # employee 1's rating, 15 in the master
    typed(portable, "3", SIGNED_3)
    capsys.readouterr()
    assert main(["collect", str(book), str(portable)]) == 1
    out = capsys.readouterr().out
    assert "1 平时表现 副本 19 / 主表 15" in out and "请在主表中修改" in out and "rating" not in out
    assert "2 平时表现" not in out  # only what differs
    assert grid(book, "员工")[1][9] == 15  # the master's input is HR's: not taken
    tabs, cells = tabs_and_cells(book)
    assert at(grid(book, tabs["3"]), cells["3"]["sign.employee"]) == "丙"  # the tab answers are merged


def test_an_edited_pack_result_is_listed(pair, tmp_path, capsys):
    book, _ = pair
    [pack] = write_packs(book, tmp_path / "packs", only=["3"]).packs
    with zipfile.ZipFile(pack) as z:
        has_sst = "xl/sharedStrings.xml" in z.namelist()
    (type_into if has_sst else type_inline)(pack, "结果", {"F2": 3300 if has_sst else "3300"})
    assert main(["collect", str(book), str(pack)]) == 1
    out = capsys.readouterr().out
    assert "3 实际盈利 副本 3300 / 主表 80" in out and pack.name in out
