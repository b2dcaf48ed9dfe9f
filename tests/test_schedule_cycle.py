"""Scheduling the way the cycle uses it: demo -> schedule -> change an input or run again
with other arguments -> the plan survives. Invitations and cancellations parsed back
with icalendar, holidays from the rules sheet, the schedule tab printed by LibreOffice,
and every text in the workbook's language."""

from __future__ import annotations

import hashlib
import random
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
import xlsxwriter

from perf_addin.cli import SAMPLE, main
from perf_addin.domain.holidays import DEFAULTS
from perf_addin.jobs.interviews import existing_tabs, write_interviews
from perf_addin.engines.libreoffice import pdf_page_count
from perf_addin.domain.rules import RulesError
from perf_addin.domain.planner import Booking, Calendar, Request, plan
from perf_addin.jobs.schedule import ALL, ScheduleError, parse_when, schedule_workbook
from perf_addin.xlsx import Workbook
from tests.test_interviews import grid, type_into
from tests.test_schedule import add_unavailable, check_valid, meeting

FIRST, LAST = date(2026, 12, 14), date(2026, 12, 25)  # two working weeks, Monday to Friday
PLANNED = 36  # of the sample's 40: four have input errors and are held back
WEEKEND = ("2026-12-12", "2026-12-13")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """What `perf-addin demo` leaves: the sample, scored, with its 40 interview tabs."""
    book = tmp_path_factory.mktemp("demo") / "dept.xlsx"
    shutil.copyfile(SAMPLE, book)
    write_interviews(book)
    return book


@pytest.fixture
def book(demo, tmp_path) -> Path:
    target = tmp_path / "dept.xlsx"
    shutil.copyfile(demo, target)
    return target


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(book: Path, *args: str) -> int:
    return main(["schedule", str(book), *args])


def plan_rows(book: Path) -> list[tuple]:
    """(date, time, place, ID) of every booking on the schedule tab."""
    with Workbook.open(book) as wb:
        tab = next(n for n in wb.sheet_names if wb.owner_kind(n) == "schedule")
    return [tuple(r[:4]) for r in grid(book, tab)[3:] if isinstance(r[0], (date, datetime))]


def all_meetings(book: Path) -> dict[str, tuple]:
    with Workbook.open(book) as wb:
        tabs = existing_tabs(wb)
    return {key: meeting(book, tab) for key, tab in tabs.items()}


def schedule_tab(book: Path) -> list[list]:
    with Workbook.open(book) as wb:
        tab = next(n for n in wb.sheet_names if wb.owner_kind(n) == "schedule")
    return grid(book, tab)


# ------------------------------------------------------------------ a mistaken run never erases


def test_a_weekend_run_after_a_good_plan_changes_nothing(book, tmp_path, capsys):
    ics = tmp_path / "ics"
    assert cli(book, "--from", str(FIRST), "--to", str(LAST), "--ics", str(ics)) == 0
    rows, meetings, before = plan_rows(book), all_meetings(book), digest(book)
    assert len(rows) == PLANNED and sum(bool(w and p) for w, p in meetings.values()) == PLANNED
    capsys.readouterr()
    assert cli(book, "--from", WEEKEND[0], "--to", WEEKEND[1], "--ics", str(ics)) == 0
    out = capsys.readouterr().out
    assert digest(book) == before  # not even saved
    assert plan_rows(book) == rows and all_meetings(book) == meetings
    assert "没有可安排面谈的工作时间" in out.replace("\n", "") and "--replan" in out and "新安排 0 场" in out


def test_nothing_placed_when_something_was_to_place_exits_1(book, capsys):
    assert cli(book, "--from", WEEKEND[0], "--to", WEEKEND[1]) == 1
    out = capsys.readouterr().out
    assert "2026-12-12 至 2026-12-13 没有可安排面谈的工作时间" in out
    assert "一场新面谈都没有安排上" in out
    assert all(w == "" for w, _ in all_meetings(book).values())


def test_running_again_with_the_same_arguments_writes_nothing(book, tmp_path):
    ics = tmp_path / "ics"
    first = schedule_workbook(book, FIRST, LAST, ics)
    assert len(first.invites) == PLANNED
    stamps = {p: p.stat().st_mtime_ns for p in ics.iterdir()}
    before = digest(book)
    again = schedule_workbook(book, FIRST, LAST, ics)
    assert again.unchanged and again.backup is None and digest(book) == before
    assert again.invites == [] and again.cancels == [] and again.placed == 0
    assert {p: p.stat().st_mtime_ns for p in ics.iterdir()} == stamps


def test_a_later_run_keeps_what_is_planned_and_places_the_rest_around_it(book):
    """The first run has one day for 40 interviews (a few fit); the second starts a day
    later: the Monday interviews stay on Monday, the others fill the days after, and no
    person or room is in two places at once over both runs."""
    first = schedule_workbook(book, FIRST, FIRST)
    monday = {b.request.key: (b.start, b.room) for b in first.bookings}
    assert 0 < len(monday) < PLANNED
    second = schedule_workbook(book, FIRST + timedelta(1), LAST)
    assert {b.request.key: (b.start, b.room) for b in second.bookings if b.request.key in monday} == monday
    assert second.placed == PLANNED - len(monday) and not [e for e in second.entries if e.kind == "unplaced"]
    assert all(b.start.date() > FIRST for b in second.plan.bookings)
    calendar = Calendar(FIRST, LAST)
    check_valid(type("P", (), {"bookings": second.bookings})(), calendar, {})
    when = {k: meeting for k, meeting in all_meetings(book).items()}
    for b in second.bookings:
        assert when[b.request.key] == (f"{b.start:%Y-%m-%d %H:%M}-{b.end:%H:%M}", b.room)


def test_a_new_unavailable_time_is_reported_not_moved(book, capsys):
    first = schedule_workbook(book, FIRST, LAST)
    b = next(b for b in first.bookings if b.request.key == "1011")
    add_unavailable(book, [[b.request.employee, f"{b.start:%Y-%m-%d}", f"{b.start:%Y-%m-%d}"]])
    assert cli(book, "--from", str(FIRST), "--to", str(LAST)) == 0
    out = capsys.readouterr().out
    kept = {r[3]: r for r in plan_rows(book)}
    day = kept["1011"][0]
    assert (day.date() if isinstance(day, datetime) else day) == b.start.date()
    assert "--replan 1011" in out and "不可用时间" in out


def test_replan_moves_only_the_named_employees(book):
    first = schedule_workbook(book, FIRST, LAST)
    old = {b.request.key: (b.start, b.room) for b in first.bookings}
    second = schedule_workbook(book, date(2026, 12, 28), date(2026, 12, 31), replan=["1011", "1012"])
    new = {b.request.key: (b.start, b.room) for b in second.bookings}
    assert {k for k in old if old[k] != new[k]} == {"1011", "1012"}
    assert all(new[k][0].date() >= date(2026, 12, 28) for k in ("1011", "1012"))


def test_replan_into_a_weekend_keeps_the_old_plan_and_exits_1(book, capsys):
    assert cli(book, "--from", str(FIRST), "--to", str(LAST)) == 0
    rows, meetings = plan_rows(book), all_meetings(book)
    capsys.readouterr()
    assert cli(book, "--from", WEEKEND[0], "--to", WEEKEND[1], "--replan") == 1
    assert plan_rows(book) == rows and all_meetings(book) == meetings
    assert "已有的安排全部保留" in capsys.readouterr().out


def test_replan_of_an_unknown_id_is_refused(book, capsys):
    assert cli(book, "--from", str(FIRST), "--to", str(LAST), "--replan", "9999") == 2
    assert "9999" in capsys.readouterr().err


def test_a_time_typed_by_hand_is_kept_and_is_busy_time(book):
    with Workbook.open(book) as wb:
        tab = existing_tabs(wb)["1002"]
    from perf_addin.forms.interview_form import input_cells, parse_kind
    with Workbook.open(book) as wb:
        kind = parse_kind(wb.owner_kind(tab))
    cells = input_cells(kind.version, kind.remedies)
    type_into(book, tab, {cells["meeting.when"]: "2026/12/14 9:00-10:00", cells["meeting.place"]: "会客室"})
    report = schedule_workbook(book, FIRST, LAST)
    assert meeting(book, tab) == ("2026/12/14 9:00-10:00", "会客室")
    typed = next(e for e in report.entries if e.request.key == "1002")
    assert typed.kind == "typed" and typed.booking.start == datetime(2026, 12, 14, 9)
    check_valid(type("P", (), {"bookings": report.bookings})(), Calendar(FIRST, LAST), {})
    # the run after that still does not treat it as the tool's own
    again = schedule_workbook(book, FIRST, LAST, replan=ALL)
    entry = next(e for e in again.entries if e.request.key == "1002")
    assert entry.kind == "typed" and "清空" in entry.reason
    from perf_addin.jobs.schedule import summary_lines
    _, sections, _ = summary_lines(again)
    assert any("1002" in line for title, lines in sections if title.startswith("未能调整") for line in lines)
    assert meeting(book, tab) == ("2026/12/14 9:00-10:00", "会客室")


def test_words_typed_by_hand_are_kept_and_listed(book):
    with Workbook.open(book) as wb:
        tab = existing_tabs(wb)["1003"]
    from perf_addin.forms.interview_form import input_cells, parse_kind
    with Workbook.open(book) as wb:
        kind = parse_kind(wb.owner_kind(tab))
    type_into(book, tab, {input_cells(kind.version, kind.remedies)["meeting.when"]: "周五下午 3 点"})
    report = schedule_workbook(book, FIRST, LAST)
    assert meeting(book, tab)[0] == "周五下午 3 点"
    assert not any(b.request.key == "1003" for b in report.bookings)
    row = next(r for r in schedule_tab(book)[3:] if str(r[3]) == "1003")
    assert row[1] == "周五下午 3 点" and "手填" in row[8]


# ------------------------------------------------------------------ invitations and cancellations


def events(path: Path) -> tuple[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    (event,) = cal.walk("VEVENT")
    return str(cal["method"]), event


def test_a_moved_interview_gets_a_cancellation_and_a_new_request(book, tmp_path):
    ics = tmp_path / "ics"
    first = schedule_workbook(book, FIRST, LAST, ics)
    original = next(p for p in first.invites if p.name.endswith("-1011.ics"))
    method, old = events(original)
    old_uid, old_seq, old_start = str(old["uid"]), int(old["sequence"]), old.decoded("dtstart")
    assert method == "REQUEST"
    second = schedule_workbook(book, date(2026, 12, 28), date(2026, 12, 31), ics, replan=["1011"])
    assert len(second.invites) == 1 and len(second.cancels) == 1
    method, cancel = events(second.cancels[0])
    assert method == "CANCEL" and str(cancel["status"]) == "CANCELLED"
    assert str(cancel["uid"]) == old_uid and int(cancel["sequence"]) > old_seq
    assert cancel.decoded("dtstart") == old_start
    method, new = events(second.invites[0])
    moved = next(b for b in second.bookings if b.request.key == "1011")
    assert method == "REQUEST" and str(new["uid"]) == old_uid
    assert int(new["sequence"]) == int(cancel["sequence"]) + 1
    assert new.decoded("dtstart") == moved.start != old_start
    # a third run moves it again: the sequence keeps growing across runs
    third = schedule_workbook(book, date(2027, 1, 4), date(2027, 1, 8), ics, replan=["1011"])
    _, cancel2 = events(third.cancels[0])
    _, new2 = events(third.invites[0])
    assert int(cancel2["sequence"]) == int(new["sequence"]) + 1 and int(new2["sequence"]) == int(new["sequence"]) + 2
    assert str(new2["uid"]) == old_uid and cancel2.decoded("dtstart") == moved.start


def _hold_interview(book: Path, key: str) -> str:
    """What collect leaves after an interview took place: a dated signature and an objection."""
    from perf_addin.forms.interview_form import input_cells
    with Workbook.open(book) as wb:
        tab = existing_tabs(wb)[key]
    cells = input_cells("v1", ())
    type_into(book, tab, {cells["sign.employee"]: "王芳", cells["sign.employee.date"]: "2026-12-07",
                          cells["confirm.objection"]: "无异议"})
    return tab


def test_replan_all_never_moves_an_interview_already_held(book, tmp_path, capsys):
    ics = tmp_path / "ics"
    assert cli(book, "--from", "2026-12-07", "--to", "2026-12-18", "--ics", str(ics)) == 0
    tab = _hold_interview(book, "1002")
    held = meeting(book, tab)
    assert held[0].startswith("2026-12-")
    capsys.readouterr()
    report = schedule_workbook(book, FIRST, LAST, ics, replan=ALL)
    assert meeting(book, tab) == held
    assert not any("1002" in p.name for p in report.cancels + report.invites)
    assert report.cancels  # the others did move
    entry = next(e for e in report.entries if e.request.key == "1002")
    assert entry.kind == "kept" and "已面谈，未改期" in entry.reason
    assert cli(book, "--from", str(FIRST), "--to", str(LAST), "--replan") == 0
    assert "已面谈，未改期" in capsys.readouterr().out.replace("\n", "")
    # named explicitly, it moves, with a warning
    later = schedule_workbook(book, date(2027, 1, 4), date(2027, 1, 8), ics, replan=["1002"])
    assert meeting(book, tab)[0].startswith("2027-01-")
    assert any("1002" in n and "仍按 --replan 1002 改期" in n for n in later.notes)


def test_an_employee_who_left_gets_a_cancellation(book, tmp_path):
    ics = tmp_path / "ics"
    first = schedule_workbook(book, FIRST, LAST, ics)
    gone = next(b for b in first.bookings if b.request.key == "1040")
    with Workbook.open(book) as wb:  # 1040 leaves the table: the ID cell is cleared
        sheet = wb.sheet_names[0]
    rows = grid(book, sheet)
    r = next(i for i, row in enumerate(rows) if str(row[0]).removesuffix(".0") == "1040")
    with Workbook.open(book) as wb:
        wb.set_cells(sheet, {f"A{r + 1}": None, f"B{r + 1}": None})
        wb.save(backup=False)
    second = schedule_workbook(book, FIRST, LAST, ics)
    assert len(second.cancels) == 1 and not second.invites
    method, event = events(second.cancels[0])
    assert method == "CANCEL" and event.decoded("dtstart") == gone.start


# ------------------------------------------------------------------ holidays


def test_holidays_are_written_once_and_kept_free(book):
    report = schedule_workbook(book, date(2027, 2, 1), date(2027, 2, 26))
    rules = grid(book, "规则")
    assert rules[0][13:16] == ["节假日 / holidays", "至 / to", "名称 / name"]
    assert [r[15] for r in rules[1:7]] == ["元旦", "春节"] * 3
    assert rules[4][13:15] == ["2027-02-05", "2027-02-12"]
    spring = {date(2027, 2, 5) + timedelta(i) for i in range(8)}  # 除夕 to 初七 of 2027
    assert report.bookings and not {b.start.date() for b in report.bookings} & spring
    assert any(b.start.date() == date(2027, 2, 4) for b in report.bookings)


def test_holidays_typed_on_the_rules_sheet_are_kept_free(book):
    with Workbook.open(book) as wb:
        wb.set_cells("规则", {"N1": "节假日 / holidays", "N2": "2026-12-14", "O2": "2026-12-15", "P2": "厂庆"})
        wb.save(backup=False)
    report = schedule_workbook(book, FIRST, LAST)
    assert min(b.start.date() for b in report.bookings) == date(2026, 12, 16)
    assert grid(book, "规则")[2][13] in ("", None)  # the defaults are not added to a block of its own


@pytest.mark.parametrize("cells,ref", [({"N3": "next week"}, "规则!N3"),
                                       ({"N3": "2026-12-20", "O3": "2026-12-10"}, "规则!O3"),
                                       ({"P3": "厂庆"}, "规则!N3")])
def test_a_bad_holiday_cell_is_named(book, cells, ref, capsys):
    with Workbook.open(book) as wb:
        wb.set_cells("规则", {"N1": "节假日 / holidays", "N2": "2026-01-01", **cells})
        wb.save(backup=False)
    with pytest.raises(RulesError, match=ref):
        schedule_workbook(book, FIRST, LAST)
    assert cli(book, "--from", str(FIRST), "--to", str(LAST)) == 2
    err = capsys.readouterr().err
    assert ref in err and "节假日：" in err and "Traceback" not in err


def test_the_budget_and_the_holidays_live_side_by_side(book, capsys):
    """reconcile --budget, then schedule, then reconcile again: each block keeps its own
    columns of the rules sheet, and neither reads the other's cells."""
    from perf_addin.jobs.reconcile import reconcile_workbook
    assert main(["reconcile", str(book), "--budget", "50万"]) == 0
    assert cli(book, "--from", "2026-12-07", "--to", "2026-12-18") == 0
    assert main(["reconcile", str(book)]) == 0
    out = capsys.readouterr().out
    assert "不是日期" not in out and "500,000.00" in out
    rules = grid(book, "规则")
    assert rules[0][13] == "节假日 / holidays" and [r[15] for r in rules[1:7]] == ["元旦", "春节"] * 3
    assert rules[0][17] == "预算" and rules[1][17:19] == ["合计", 500000]
    assert reconcile_workbook(book).rec.budget_cents == 50_000_000
    assert cli(book, "--from", "2026-12-07", "--to", "2026-12-18") == 0


def test_the_holiday_block_ends_at_its_first_blank_row(book):
    """An older workbook has its budget table in N:O one blank row under the holidays."""
    with Workbook.open(book) as wb:
        wb.set_cells("规则", {"N1": "节假日 / holidays", "N2": "2026-12-14", "P2": "厂庆",
                             "N4": "预算", "N5": "合计", "O5": 500000})
        wb.save(backup=False)
    report = schedule_workbook(book, FIRST, LAST)
    assert min(b.start.date() for b in report.bookings) == date(2026, 12, 15)
    from perf_addin.jobs.reconcile import reconcile_workbook
    assert reconcile_workbook(book).rec.budget_cents == 50_000_000


def test_default_holidays_are_new_year_and_the_spring_festival_week():
    by_year = {}
    for first, last, zh, _ in DEFAULTS:
        by_year.setdefault(first.year, []).append((zh, first, last))
    # Chinese New Year's Day: 2026-02-17, 2027-02-06, 2028-01-26; the span runs from the eve to 初七
    for year, day in ((2026, date(2026, 2, 17)), (2027, date(2027, 2, 6)), (2028, date(2028, 1, 26))):
        assert ("元旦", date(year, 1, 1), date(year, 1, 1)) in by_year[year]
        assert ("春节", day - timedelta(1), day + timedelta(6)) in by_year[year]


# ------------------------------------------------------------------ the schedule tab


def test_the_tab_shows_dates_with_weekdays(book):
    schedule_workbook(book, FIRST, LAST)
    rows = schedule_tab(book)
    days = sorted({r[0] for r in rows[3:] if isinstance(r[0], (date, datetime))})
    last = days[-1].date() if isinstance(days[-1], datetime) else days[-1]
    weekday = "一二三四五六日"[last.weekday()]
    assert rows[0][0] == f"面谈安排（每场 60 分钟）：2026-12-14 周一 至 {last:%Y-%m-%d} 周{weekday}"
    assert isinstance(rows[3][0], (date, datetime)) and rows[3][0].strftime("%Y-%m-%d") == "2026-12-14"
    from perf_addin.jobs.schedule import _date_style, date_text
    assert date_text(date(2026, 12, 14), "zh") == "2026-12-14 周一"
    assert date_text(date(2026, 12, 14), "en") == "Mon 2026-12-14"
    assert _date_style(date(2026, 12, 18), "zh").num_format == 'yyyy-mm-dd" 周五"'


def test_the_schedule_tab_is_protected_and_keeps_the_notes_typed_there(book):
    """Only the Notes column is open; a note stays with its employee when the plan is made
    again with other arguments, and one of an employee no longer listed is kept at the end."""
    from perf_addin.jobs.schedule import schedule_sheet
    schedule_workbook(book, FIRST, LAST)
    with Workbook.open(book) as wb:
        tab = next(n for n in wb.sheet_names if wb.owner_kind(n) == "schedule")
    rows = schedule_tab(book)
    assert "--replan" in rows[1][0] and "面谈表" in rows[1][0] and rows[2][11] == "备注"
    sheet = zipfile_text(book, tab)
    assert "<sheetProtection" in sheet and "password" not in sheet.split("<sheetProtection")[1].split(">")[0]
    at = {str(r[3]): i + 1 for i, r in enumerate(rows) if r[3]}
    type_into(book, tab, {f"L{at['1003']}": "她希望上午面谈"})
    from perf_addin.xlsx import WorkbookError
    with pytest.raises(WorkbookError, match="locked"):
        with Workbook.open(book) as wb:  # the rest of the tab is locked: the writer refuses it
            wb.fill_unlocked(tab, {f"B{at['1003']}": "08:00-09:00"})
    schedule_workbook(book, date(2027, 1, 4), date(2027, 1, 15), replan=ALL)
    rows = schedule_tab(book)
    row = next(r for r in rows[3:] if str(r[3]) == "1003")
    assert row[11] == "她希望上午面谈" and str(row[0]).startswith("2027-01")
    # an employee no longer scheduled: the note is kept in a row at the end
    spec = schedule_sheet("x", [], {}, 60, {}, "zh", notes={"9999": "已离职"}, names={"9999": "某人"})
    assert [spec.cells[c].value for c in ("D4", "E4", "L4")] == ["9999", "某人", "已离职"]


def zipfile_text(book: Path, tab: str) -> str:
    import zipfile
    from tests.test_interviews import sheet_part
    with zipfile.ZipFile(book) as z:
        return z.read(sheet_part(book, tab)).decode()


@pytest.mark.libreoffice
def test_the_tab_prints_on_a4_landscape_with_names_and_dates(book, tmp_path, soffice):
    schedule_workbook(book, FIRST, FIRST + timedelta(2))  # some unplaced: long wrapped reasons
    from perf_addin.jobs.interviews import stage_visible
    with Workbook.open(book) as wb:
        tab = next(n for n in wb.sheet_names if wb.owner_kind(n) == "schedule")
    stage_visible(book, {tab}, tmp_path / "only.xlsx")
    result = soffice.convert([tmp_path / "only.xlsx"], "pdf", tmp_path / "pdf")
    pdf = next(iter(result.values())).outputs[0]
    info = subprocess.run(["pdfinfo", "-l", "99", str(pdf)], capture_output=True, text=True).stdout
    sizes = [line.split(":", 1)[1] for line in info.splitlines() if line.startswith("Page") and "size" in line]
    assert sizes and all("841.89 x 595" in size and "A4" in size for size in sizes), sizes  # A4 landscape
    pages = pdf_page_count(pdf)
    assert 2 <= pages <= 6  # 40 rows, 19 of them with a four-line reason; one page wide
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "2026-12-14 周一" in text and "2026-12-16 周三" in text
    assert text.count("被考核者") >= pages  # the header row repeats on every page
    assert text.count("备注") >= pages  # and the last column is on each page: fitted to the width
    rows = schedule_tab(book)
    for row in rows[3:]:
        if row[4]:
            assert str(row[4]) in text
    # a wrapped reason is printed whole: each one ends (with its "）") inside its own row,
    # above the next row's ID – a clipped one would run on below the next row's top
    unplaced = [str(r[3]) for r in rows[3:] if r[0] == "未安排"]
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    checked = 0
    for page in boxes.split("<page ")[1:]:
        words = [(float(top), float(bottom), w) for top, bottom, w in
                 re.findall(r'yMin="([\d.]+)"[^>]*yMax="([\d.]+)">([^<]+)</word>', page)]
        ids = sorted(top for top, _, w in words if w in unplaced)
        ends = [bottom for _, bottom, w in words if w.endswith("）")]
        for top, bottom in zip(ids, ids[1:]):
            assert sum(top <= y < bottom for y in ends) == 1, (top, bottom, ends)
            checked += 1
    assert checked >= len(unplaced) - pages


# ------------------------------------------------------------------ one language per workbook

EN_HEADER = ["Employee ID", "Name", "Department", "Level", "Supervisor", "Profit actual", "Profit target",
             "Tasks done", "Tasks target", "Rating", "Base bonus"]


def english_book(tmp_path: Path) -> Path:
    path = tmp_path / "english.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Staff")
    ws.write_row(0, 0, EN_HEADER)
    people = [["E1", "Ann", "Sales", "staff", "Bob", 3500, 3200, 12, 10, 15, 10000],
              ["E2", "Bob", "Sales", "middle manager", "", 3000, 3000, 10, 10, 16, 20000],
              ["E3", "Cy", "Sales", "staff", "Bob", 2900, 3000, 9, 10, 14, 9000]]
    for r, row in enumerate(people, start=1):
        ws.write_row(r, 0, row)
    wb.close()
    write_interviews(path)
    return path


def test_an_english_workbook_gets_english_texts(tmp_path, capsys):
    path = english_book(tmp_path)
    assert cli(path, "--from", "2026-12-14", "--to", "2026-12-18", "--ics", str(tmp_path / "ics")) == 0
    out = capsys.readouterr().out
    assert "Interviews: 3 newly placed" in out and "Invitations: 3 new .ics" in out
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in out.replace("规则!", ""))
    rows = schedule_tab(path)
    assert rows[0][0] == "Interviews (60 minutes each), Mon 2026-12-14 to Mon 2026-12-14"
    assert rows[2][:9] == ["Date", "Time", "Place", "Employee ID", "Employee", "Supervisor", "Facilitator",
                           "Interview tab", "Planning note"]
    assert [r[15] for r in grid(path, "Rules")[1:3]] == ["New Year's Day", "Spring Festival"]
    ics = sorted((tmp_path / "ics").glob("*.ics"))
    _, event = events(ics[0])
    assert str(event["summary"]).startswith("Performance feedback interview")
    assert cli(path, "--from", "2026-12-12", "--to", "2026-12-13", "--replan") == 1
    out = capsys.readouterr().out
    assert "has no working time" in out and "the existing plan is kept" in out
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in out)


def test_a_chinese_workbook_gets_chinese_cli_lines(book, capsys):
    assert cli(book, "--from", str(FIRST), "--to", str(FIRST)) == 0
    out = capsys.readouterr().out
    for english in ("Interviews", "Not placed", "Notes", "Saved", "facilitator", "busy"):
        assert english not in out
    assert "未能安排" in out and "面谈主导人" in out


# ------------------------------------------------------------------ the planner with fixed bookings


@pytest.mark.parametrize("seed", range(12))
def test_fixed_bookings_are_busy_time_for_people_rooms_and_breaks(seed):
    rng = random.Random(seed)
    calendar = Calendar(date(2026, 3, 2), date(2026, 3, 4))
    requests = [Request(str(i), f"E{i}", f"S{rng.randrange(4)}", f"F{rng.randrange(2)}") for i in range(40)]
    whole = plan(requests, ["R1", "R2"], calendar, exact_limit=0)
    kept = [b for b in whole.bookings if rng.random() < 0.5]
    rest = [r for r in requests if r.key not in {b.request.key for b in kept}]
    later = Calendar(date(2026, 3, 2), date(2026, 3, 6))
    again = plan(rest, ["R1", "R2"], later, fixed=kept, exact_limit=0)
    check_valid(type("P", (), {"bookings": kept + again.bookings})(), later, {})
    assert len(again.bookings) + len(again.unplaced) == len(rest)


def test_a_booking_outside_the_period_still_holds_its_people():
    fixed = [Booking(Request("a", "A", "S", "F"), datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10), "R1")]
    result = plan([Request("b", "B", "S", "G")], ["R1"], Calendar(date(2026, 3, 2), date(2026, 3, 2)), fixed=fixed)
    assert result.bookings[0].start >= datetime(2026, 3, 2, 10)


@pytest.mark.parametrize("text,expected", [
    ("2026-03-02 09:00-10:00", (datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10))),
    ("2026/3/2 9:00", (datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10))),
    ("2026-03-02 周一 14:30-15:30", (datetime(2026, 3, 2, 14, 30), datetime(2026, 3, 2, 15, 30))),
    ("2026年3月2日 9：00至9：45", (datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 9, 45))),
    ("2026-03-02 09:00:00", (datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10))),
    ("周五下午 3 点", None), ("2026-02-30 09:00", None), ("2026-03-02 10:00-09:00", None)])
def test_typed_times_are_read(text, expected):
    assert parse_when(text, 60) == expected


def test_holiday_dates_come_out_of_the_calendar():
    calendar = Calendar(date(2027, 2, 1), date(2027, 2, 12), holidays=frozenset({date(2027, 2, 3)}))
    assert date(2027, 2, 3) not in calendar.days() and date(2027, 2, 4) in calendar.days()
    with pytest.raises(ScheduleError):
        schedule_workbook(SAMPLE, date(2027, 2, 2), date(2027, 2, 1))


def test_the_ribbon_button_keeps_the_plan_on_a_second_press(book):
    from perf_addin.excel import ribbon
    host = ribbon.FileHost(book)
    ribbon.schedule(host)
    text, error = host.messages[-1]
    assert not error and f"面谈：新安排 {PLANNED} 场" in text
    before = digest(book)
    ribbon.schedule(host)
    text, error = host.messages[-1]
    assert not error and f"保留 {PLANNED} 场" in text and "没有改动" in text and digest(book) == before
    assert host.active and host.active[0] == "面谈安排"


def test_regenerated_interview_tabs_keep_their_time_and_the_plan_stays(book):
    first = schedule_workbook(book, FIRST, LAST)
    meetings = all_meetings(book)
    write_interviews(book)  # `perf-addin interviews` again, e.g. after a score changed
    assert all_meetings(book) == meetings
    again = schedule_workbook(book, FIRST, LAST)
    assert again.unchanged and again.placed == 0
    assert {b.request.key: b.start for b in again.bookings} == {b.request.key: b.start for b in first.bookings}


def test_a_kept_booking_on_a_new_holiday_is_reported(book, capsys):
    first = schedule_workbook(book, FIRST, LAST)
    b = next(b for b in first.bookings if b.request.key == "1005")
    with Workbook.open(book) as wb:
        wb.set_cells("规则", {"N8": f"{b.start:%Y-%m-%d}", "P8": "厂庆"})
        wb.save(backup=False)
    assert cli(book, "--from", str(FIRST), "--to", str(LAST)) == 0
    out = capsys.readouterr().out
    assert "--replan 1005" in out and "节假日" in out
    assert {r[3]: r for r in plan_rows(book)}["1005"][1] == f"{b.start:%H:%M}-{b.end:%H:%M}"
    row = next(r for r in schedule_tab(book)[3:] if str(r[3]) == "1005")
    assert "节假日" in row[8]


def test_a_place_typed_without_a_time_is_where_the_planned_interview_is_held(book):
    from perf_addin.forms.interview_form import input_cells, parse_kind
    with Workbook.open(book) as wb:
        tab = existing_tabs(wb)["1004"]
        kind = parse_kind(wb.owner_kind(tab))
    type_into(book, tab, {input_cells(kind.version, kind.remedies)["meeting.place"]: "花园"})
    first = schedule_workbook(book, FIRST, LAST)
    b = next(b for b in first.bookings if b.request.key == "1004")
    assert b.room == "花园" and meeting(book, tab) == (f"{b.start:%Y-%m-%d %H:%M}-{b.end:%H:%M}", "花园")
    assert {r[3]: r for r in plan_rows(book)}["1004"][2] == "花园"
    again = schedule_workbook(book, date(2027, 1, 4), date(2027, 1, 15), replan=ALL)
    assert next(x for x in again.bookings if x.request.key == "1004").start == b.start  # the person's, not moved
    assert meeting(book, tab)[1] == "花园"


def test_held_back_employees_get_no_new_slot_but_keep_the_one_they_have(book, tmp_path):
    ics = tmp_path / "ics"
    included = schedule_workbook(book, FIRST, LAST, ics, include_errors=True)
    assert len(included.bookings) == 40 and len(included.invites) == 40
    flagged = {str(r[3]) for r in schedule_tab(book)[3:] if "输入有误" in str(r[8])}
    assert len(flagged) == 40 - PLANNED
    again = schedule_workbook(book, FIRST, LAST, ics)  # without --include-errors: nothing is taken away
    assert len(again.bookings) == 40 and not again.cancels and not again.invites
    fresh = tmp_path / "fresh.xlsx"
    shutil.copyfile(SAMPLE, fresh)
    write_interviews(fresh, include_errors=True)
    plain = schedule_workbook(fresh, FIRST, LAST)
    assert {b.request.key for b in plain.bookings}.isdisjoint(flagged) and len(plain.bookings) == PLANNED
    assert sum(n.startswith("输入有误，未安排：") for n in plain.notes) == 40 - PLANNED
