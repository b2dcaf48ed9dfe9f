"""The schedule job: keep the plan the workbook holds, place what is not planned yet,
write the schedule tab, fill the tabs, write .ics invitations and cancellations.

``schedule_workbook(path, first, last, replan=...)`` reads the employee table, the
interview settings (J:L of the rules sheet), the holidays (N:P, ``holidays.py``), the
optional sheet of unavailable times (``不可用时间`` / ``Unavailable``: person | from |
to) and **the plan already there**, then, in one writer session and one atomic save:

* Every interview already planned stays where it is: read back from the schedule tab
  (``面谈安排`` / ``Interview schedule``, kind ``schedule``) and the interview tabs'
  time and place cells. A time or place a person typed into an interview tab is
  theirs: never overwritten, never moved, and (when it reads as a date and time) busy
  time for the three people and the room. Only employees without an interview yet are
  placed in ``first..last``, around the bookings there are. Moving happens only on
  request: ``replan`` is a set of employee IDs, or ``ALL``; a replanned interview that
  finds no new place keeps its old one.
* A kept booking that now clashes (a new unavailable time, a holiday, two bookings of
  one person) is reported, with the ``--replan`` that would move it, and not moved.
* The schedule tab is regenerated: every booking by time (the date with its weekday),
  then what is arranged by hand in words, then what could not be placed and why; it
  prints on A4 (landscape when wide, header rows repeated, fitted to the width).
  Columns J:K (not printed) record the last invitation written per employee (its
  SEQUENCE and slot), so the next run knows what to cancel.
  The tab is protected without a password (a time is changed on the interview tab or
  with ``--replan``; a line under the title says so); only column L, 备注 / Notes, is
  open: what people type there is kept by employee ID across runs, a note of an
  employee no longer listed in a row at the end.
* ``--replan`` (all) never moves an interview already held (its tab holds signatures
  or the confirmation, ``RESULT_FIELDS``): it is listed as kept; naming the employee
  moves it, with a warning.
* ``meeting.when``/``meeting.place`` of each interview tab get the planned time and
  place (``Workbook.fill_unlocked``: the tab stays protected) where they are empty or
  hold what this tool wrote there before.

With ``ics_dir``, invitations are written only for what changed: a new booking gets a
request (SEQUENCE 0); a booking that moved or was dropped gets a cancellation of the
slot invited before (same UID, SEQUENCE + 1), and a moved one a new request (SEQUENCE
+ 2). Run twice with the same arguments, the second run writes nothing at all.
People are identified by name, as in the table's 姓名/直接上级 columns and the
facilitator names of the settings.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from perf_addin.domain.addresses import emails_of, warning, without_address
from perf_addin.book.department import EmployeeTable, HeldBack, first_rows, held_back, sheet_ref
from perf_addin.book.session import DepartmentBook, open_book
from perf_addin.errors import UserError
from perf_addin.domain.holidays import block_is_free, default_block, has_block, holiday_dates, holidays_from_grid
from perf_addin.forms.interview_form import facilitator, input_cells, parse_kind
from perf_addin.domain.interview_settings import InterviewSettings, days_text, hours_text, office_like
from perf_addin.jobs.interviews import existing_tabs, pdf_name
from perf_addin.forms.invites import invite
from perf_addin.domain.rules import RULES_SHEET, RulesError, a1
from perf_addin.domain.planner import Booking, Calendar, Plan, Request, Unplaced, plan
from perf_addin.xlsx import Cell, Protection, SheetSpec, Style, Workbook, WorkbookError
from perf_addin.xlsx.spec import PrintSetup

Progress = Callable[[str], None]
KIND = "schedule"
# fields of an interview tab filled in at or after the interview: one of them filled means it took place
RESULT_FIELDS = ("sign.", "confirm.")
ALL = "ALL"  # ``replan`` value: move every interview the tool planned
SHEET = {"zh": "面谈安排", "en": "Interview schedule"}
BLOCKED_SHEETS = ("不可用时间", "Unavailable")
_BLOCKED_HEADERS = {"person": ("人员", "姓名", "person", "name"), "from": ("开始", "从", "from", "start"),
                    "to": ("结束", "至", "to", "end")}
COLUMNS = "ABCDEFGHIJKL"
PRINTED = 9  # A:I; J:K are the invitation record
NOTES_COLUMN = 11  # 0-based: L, the one column a person types into (kept by employee ID)
WIDTHS = {1: 16, 2: 12, 3: 12, 4: 9, 5: 10, 6: 10, 7: 12, 8: 16, 9: 44, 10: 10, 11: 30, 12: 30}
ROW_HEIGHT = 18  # a one-line row, with air around CJK glyphs
LINE_HEIGHT = 16  # points per wrapped line (CJK glyphs need more than the 15 of a Latin row)
PORTRAIT_WIDTH = 95  # about what an A4 portrait page holds at 100 % (character widths)
WEEKDAYS = {"zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
            "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
TEXTS = {
    "zh": {
        "head": ("日期", "时间", "地点", "工号", "被考核者", "直接上级", "面谈主导人", "面谈表", "安排说明",
                 "邀请序号", "已邀请的时间和地点", "备注"),
        "how": "本表由 schedule 生成并保护（无密码）；改期请在面谈表中修改时间，或运行 schedule --replan 工号；"
               "备注列（L）可填写，重新安排时按工号保留",
        "title": "面谈安排（每场 {m} 分钟）{span}", "span": "：{a} 至 {b}",
        "unplaced": "未安排", "typed": "面谈表中手填", "typed_text": "面谈表中手填（未能识别为日期时间，未核对冲突）",
        "moved": "已按 --replan 调整", "not_moved": "未能调整（保留原安排）",
        "no_supervisor": "{name}：员工表中没有直接上级，只与主导人安排",
        "no_tab": "{n} 名已安排的员工还没有面谈表（{ids}）：请先运行 interviews，再运行 schedule",
        "kept_cell": "{tab} {cell}：保留手填的 {value!r}", "planned": "（计划：{new}）",
        "bad_tab": "{tab}：{error}；未填入时间和地点",
        "conflict": "{name}（{key}）{when}：{what}；如需调整，请运行 --replan {key}",
        "c_time": "不在工作日或工作时间内，或是节假日", "c_blocked": "与 {who} 的不可用时间冲突",
        "c_double": "{who} 同时还有 {other} 的面谈",
        "no_working_time": "{a} 至 {b} 没有可安排面谈的工作时间（工作日 {days}，{hours}，节假日除外）",
        "holiday_written": "节假日默认表已写入 {where}（元旦、春节 2026–2028），可在此修改",
        "holiday_default": "{where} 没有节假日表且该处不空：使用默认节假日（元旦、春节 2026–2028）",
        "summary": "面谈：新安排 {new} 场，保留 {kept} 场，共 {total} 场（工作表 {tab}）；"
                   "{filled} 张面谈表填入了时间和地点",
        "nothing_to_place": "所有面谈都已安排；要把已安排的面谈移到这个时间段，请加 --replan（全部）或 --replan 工号",
        "nothing_placed": "一场新面谈都没有安排上；已有的安排全部保留",
        "not_placed": "未能安排", "proven": "（不存在能安排所有人的方案）", "kept_typed": "保留手填内容",
        "moved_list": "已调整（--replan）", "conflicts": "冲突（未调整）", "notes": "说明",
        "invitations": "邀请：新写 {n} 份 .ics，取消 {c} 份，在 {folder}",
        "saved": "已保存。原版本在 {backup}",
        "unchanged": "没有改动：工作簿已是这个安排。", "cancel_file": "取消",
        "unknown_replan": "--replan {ids}：员工表中没有这些工号",
        "order": "时间段的结束日期 {b} 早于开始日期 {a}",
        "held": "输入有误，未安排：{line}", "flag": "输入有误：{cells}",
        "typed_stays": "时间或地点是在面谈表中手填的，不会被调整；清空这两个单元格后工具才会重新安排",
        "held_stays": "已面谈，未改期（面谈表已有签字或确认；如确需改期，请运行 --replan {key}）",
        "held_moved": "{name}（{key}）的面谈表已有面谈结果（签字或确认），仍按 --replan {key} 改期",
        "p_read": "读取设置、节假日、不可用时间和已有安排", "p_plan": "安排 {n} 场面谈",
        "p_fill": "把时间和地点填入面谈表", "p_save": "保存", "p_ics": "写入 {n} 份邀请文件",
    },
    "en": {
        "head": ("Date", "Time", "Place", "Employee ID", "Employee", "Supervisor", "Facilitator",
                 "Interview tab", "Planning note", "Invitation sequence", "Invited for", "Notes"),
        "how": "Made and protected (no password) by schedule; to change a time, change it on the interview "
               "tab or run schedule --replan ID; the Notes column (L) is yours and kept by employee ID",
        "title": "Interviews ({m} minutes each){span}", "span": ", {a} to {b}",
        "unplaced": "Not placed", "typed": "typed in the interview tab",
        "typed_text": "typed in the interview tab (not read as a date and time; not checked for clashes)",
        "moved": "moved (--replan)", "not_moved": "Not moved (kept where they were)",
        "no_supervisor": "{name}: no direct supervisor in the table; planned with the facilitator only",
        "no_tab": "{n} planned employee(s) have no interview tab yet ({ids}): run interviews, then schedule again",
        "kept_cell": "{tab} {cell}: kept {value!r} typed there", "planned": " (planned: {new})",
        "bad_tab": "{tab}: {error}; time and place not filled in",
        "conflict": "{name} ({key}) {when}: {what}; to move it run with --replan {key}",
        "c_time": "not on a working day within the working hours (or a holiday)",
        "c_blocked": "clashes with an unavailable time of {who}", "c_double": "{who} is also in the interview of {other}",
        "no_working_time": "{a} to {b} has no working time for interviews (work days {days}, {hours}, "
                           "holidays excluded)",
        "holiday_written": "the default holidays (New Year's Day, Spring Festival 2026-2028) were written to {where}; "
                           "change them there",
        "holiday_default": "{where} holds no holiday block and is not empty: the default holidays are used",
        "summary": "Interviews: {new} newly placed, {kept} kept, {total} in all on tab {tab}; "
                   "time and place filled into {filled} interview tab(s)",
        "nothing_to_place": "every interview is already planned; to move planned ones into this period add "
                            "--replan (all) or --replan ID ...",
        "nothing_placed": "no new interview could be placed; the existing plan is kept",
        "not_placed": "Not placed", "proven": " (no complete schedule exists)", "kept_typed": "Kept as typed",
        "moved_list": "Moved (--replan)", "conflicts": "Clashes (not moved)", "notes": "Notes",
        "invitations": "Invitations: {n} new .ics, {c} cancellation(s) in {folder}",
        "saved": "Saved. The previous version is in {backup}",
        "unchanged": "Nothing changed: the workbook already holds this plan.", "cancel_file": "cancelled",
        "unknown_replan": "--replan {ids}: no employee with this ID in the table",
        "order": "the period ends ({b}) before it starts ({a})",
        "held": "not planned, input errors: {line}", "flag": "input error: {cells}",
        "typed_stays": "its time or place was typed into the interview tab, so it is not moved; "
                       "clear both cells to let the tool plan it",
        "held_stays": "already held, not moved (the interview tab holds signatures or the confirmation; "
                      "to move it all the same run with --replan {key})",
        "held_moved": "{name} ({key}): the interview tab already holds results (signatures or the "
                      "confirmation); moved all the same, as --replan {key} asks",
        "p_read": "reading the settings, holidays, unavailable times and the plan there is",
        "p_plan": "planning {n} interviews", "p_fill": "filling time and place into the interview tabs",
        "p_save": "saving", "p_ics": "writing {n} invitation file(s)",
    },
}
TITLE = Style(bold=True, font_size=13)
HEAD = Style(bold=True, fill="DDEBF7", border="thin", wrap=True, valign="top")
TEXT = Style(border="thin", valign="top", wrap=True)
WARN = Style(font_color="C00000", border="thin", wrap=True, valign="top")
BOOK = Style(font_color="808080")  # the invitation record
NOTE = Style(border="thin", valign="top", wrap=True, fill="FFF2CC", locked=False)  # a person's notes
HOW = Style(italic=True, font_color="595959")


def _date_style(day: date, lang: str) -> Style:
    """A real date shown with its weekday. The weekday is a literal of the format, not
    a locale code (``aaa``/``ddd`` differ between Excel and LibreOffice and by locale):
    the tool writes the date, so it knows the day."""
    name = WEEKDAYS[lang][day.weekday()]
    fmt = f'yyyy-mm-dd" {name}"' if lang == "zh" else f'"{name} "yyyy-mm-dd'
    return Style(num_format=fmt, border="thin", halign="left", valign="top")


def date_text(day: date, lang: str) -> str:
    """What the date cell shows: ``2026-12-14 周一`` / ``Mon 2026-12-14``."""
    name = WEEKDAYS[lang][day.weekday()]
    return f"{day:%Y-%m-%d} {name}" if lang == "zh" else f"{name} {day:%Y-%m-%d}"


class ScheduleError(UserError, ValueError):
    """A problem with the inputs of planning, naming the cell when there is one."""


@dataclass
class Prior:
    """One employee's interview as the workbook holds it before the run."""

    when: str = ""  # as written into the interview tab: 2026-03-02 09:00-10:00 ("" none)
    place: str = ""
    typed: bool = False  # arranged by hand: never this tool's to move
    seq: int | None = None  # SEQUENCE of the last invitation written
    invited: str = ""  # the slot that invitation was for: "when | place"; "" none or cancelled
    names: tuple[str, str, str] = ("", "", "")  # employee, supervisor, facilitator as shown
    notes: str = ""  # what a person typed into the Notes column


@dataclass
class Entry:
    """One employee's interview after the run."""

    request: Request
    booking: Booking | None = None
    kind: str = "new"  # new | kept | typed | typed_text | moved | unplaced
    text: str = ""  # typed_text: what was typed
    place: str = ""  # a place typed with no time: the interview is held there
    note: str = ""
    reason: str = ""


@dataclass
class ScheduleReport:
    """What a schedule run did, for the CLI and the ribbon."""

    path: Path
    plan: Plan
    lang: str = "en"
    tab: str = ""
    entries: list[Entry] = field(default_factory=list)
    to_place: int = 0  # interviews this run tried to place (new ones and --replan)
    no_working_time: str = ""  # the message, when the period has no working time
    filled: list[str] = field(default_factory=list)  # interview tabs given time and place
    kept: list[str] = field(default_factory=list)  # one line each: a typed value left alone
    conflicts: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    invites: list[Path] = field(default_factory=list)
    cancels: list[Path] = field(default_factory=list)
    backup: Path | None = None
    unchanged: bool = False

    @property
    def placed(self) -> int:
        return len(self.plan.bookings)

    @property
    def failed(self) -> bool:
        """Something was to be placed and nothing new was: the CLI exits 1."""
        return self.to_place > 0 and self.placed == 0

    @property
    def bookings(self) -> list[Booking]:
        return [e.booking for e in self.entries if e.booking is not None]


def schedule_workbook(path: str | Path, first: date, last: date, ics_dir: str | Path | None = None,
                      progress: Progress = lambda step: None, include_errors: bool = False,
                      replan: Iterable[str] | str = ()) -> ScheduleReport:
    """Keep, place, write and invite; see the module docstring.

    Employees with input errors (``department.held_back``) get no new slot unless
    ``include_errors``; one they already have is kept, and marked like every
    included one."""
    with open_book(path) as book:
        return schedule_book(book, first, last, ics_dir, progress, include_errors, replan)


def schedule_book(reader: DepartmentBook, first: date, last: date, ics_dir: str | Path | None = None,
                  progress: Progress = lambda step: None, include_errors: bool = False,
                  replan: Iterable[str] | str = ()) -> ScheduleReport:
    """``schedule_workbook`` on a workbook a command has open (read once, saved once)."""
    path = reader.path
    table = reader.table
    lang = table.language
    t = TEXTS[lang]
    if last < first:
        raise ScheduleError(t["order"].format(a=first, b=last))
    progress(t["p_read"])
    book = reader.writer
    rules_sheet = reader.rules_sheet or RULES_SHEET
    rules_grid = reader.rules_grid
    settings = reader.settings
    holidays = holidays_from_grid(rules_grid, sheet_ref(rules_sheet), lang)
    rooms = _rooms(settings, lang, rules_sheet)
    blocked = read_blocked(reader)
    notes: list[str] = []
    hold = held_back(table, reader.rules, include_errors)
    requests, emails = requests_from_table(table, settings, notes, hold)
    ids = table.frame["employee_id"]
    held = {str(ids.iat[i]) for i in hold.problems if hold.held(i)}
    flagged = {str(ids.iat[i]): "、".join(hold.cells(i)) for i in hold.problems}
    everyone, _ = requests_from_table(table, settings, [], None)
    requests += [r for r in everyone if r.key in held]
    wanted = _replan_set(replan, requests, lang)
    calendar = Calendar(first, last, settings.work_days, settings.work_hours, settings.minutes,
                        settings.break_minutes, holiday_dates(holidays))
    tabs = existing_tabs(book)
    prior = _previous_schedule(book, reader)
    done: set[str] = set()
    current = _tab_values(book, reader, tabs, notes, lang, done)
    progress(t["p_plan"].format(n=len(requests)))
    entries, released = _current_plan(requests, current, prior, wanted, calendar.minutes, lang, held, done)
    result, to_place = _place(entries, released, rooms, calendar, blocked, lang)
    report = ScheduleReport(path, result, lang, entries=entries, to_place=to_place, notes=notes)
    if not calendar.days():
        report.no_working_time = t["no_working_time"].format(
            a=first, b=last, days=_days(calendar.weekdays, lang), hours=hours_text(calendar.hours))
    report.conflicts = _clashes(entries, blocked, calendar, lang)
    report.moved = [_who(e.request, lang) + f"{when_text(e.booking)} {e.booking.room}"
                    for e in entries if e.kind == "moved" and e.booking]
    report.notes += [t["held_moved"].format(name=e.request.employee, key=e.request.key)
                     for e in entries if e.kind == "moved" and e.request.key in done]
    _holiday_block(book, rules_sheet, rules_grid, lang, report)
    progress(t["p_fill"])
    _fill_tabs(book, entries, prior, current, tabs, report)
    records, jobs = _invitations(entries, prior, emails, ics_dir, lang, settings.cycle, settings.minutes)
    report.tab = _schedule_name(book, lang)
    kept_notes = {k: p.notes for k, p in prior.items() if p.notes.strip()}
    book.add_sheet(schedule_sheet(report.tab, entries, records, settings.minutes, tabs, lang, flagged,
                                  kept_notes, {k: p.names[0] for k, p in prior.items()}), replace=True)
    progress(t["p_save"])
    report.backup = reader.save()
    report.unchanged = reader.unchanged
    if jobs:
        progress(t["p_ics"].format(n=len(jobs)))
        _write_invites(jobs, report)
        people = (p for e in entries if e.booking for p in (e.request.employee, e.request.supervisor,
                                                              e.request.facilitator))
        missing = warning(without_address(people, emails), lang)  # placeholders in the invitations
        report.notes += [missing] if missing else []
    return report


def summary_lines(report: ScheduleReport) -> tuple[str, list[tuple[str, list[str]]], list[str]]:
    """(headline, [(title, lines)], closing lines) in the workbook's language, for the
    command line and the ribbon alike."""
    t = TEXTS[report.lang]
    kept = sum(1 for e in report.entries if e.booking is not None) - report.placed
    head = t["summary"].format(new=report.placed, kept=kept, total=report.placed + kept, tab=report.tab,
                               filled=len(report.filled))
    unplaced = [_who(e.request, report.lang) + e.reason for e in report.entries if e.kind == "unplaced"]
    not_moved = [_who(e.request, report.lang) + e.reason for e in report.entries
                 if e.kind in ("kept", "typed", "typed_text") and e.reason]
    sections = [(t["not_placed"] + (t["proven"] if report.plan.proven else ""), unplaced),
                (t["moved_list"], report.moved), (t["not_moved"], not_moved), (t["conflicts"], report.conflicts),
                (t["kept_typed"], report.kept), (t["notes"], report.notes)]
    closing = [m for m in (report.no_working_time,) if m]
    if report.failed:
        closing.append(t["nothing_placed"])
    elif report.to_place == 0 and report.entries:
        closing.append(t["nothing_to_place"])
    if report.invites or report.cancels:
        folder = (report.invites or report.cancels)[0].parent
        closing.append(t["invitations"].format(n=len(report.invites), c=len(report.cancels), folder=folder))
    if report.unchanged:
        closing.append(t["unchanged"])
    elif report.backup:
        closing.append(t["saved"].format(backup=report.backup))
    return head, sections, closing


def _who(r: Request, lang: str) -> str:
    return f"{r.employee}（{r.key}）：" if lang == "zh" else f"{r.employee} ({r.key}): "


def _days(weekdays: Sequence[int], lang: str) -> str:
    return "、".join(WEEKDAYS["zh"][d] for d in weekdays) if lang == "zh" else days_text(weekdays)


# ------------------------------------------------------------------ inputs


def _replan_set(replan: Iterable[str] | str, requests: Sequence[Request], lang: str) -> set[str] | str:
    if replan == ALL:
        return ALL
    wanted = {str(k).strip() for k in replan}
    unknown = sorted(wanted - {r.key for r in requests})
    if unknown:
        raise ScheduleError(TEXTS[lang]["unknown_replan"].format(ids=" ".join(unknown)))
    return wanted


def _rooms(settings: InterviewSettings, lang: str, rules_sheet: str) -> tuple[str, ...]:
    rooms = settings.rooms_for(lang)
    bad = [r for r in rooms if office_like(r)]
    if bad:  # ``rooms`` is checked when read; the fallback ``places`` only here
        text = ("建议地点（places）：{bad} 像是办公室或正式会议室；面谈应在轻松的房间进行——请在规则表上设置 rooms"
                if lang == "zh" else
                "places: {bad} looks like an office or a formal meeting room; "
                "interviews take place in a relaxed room – set 'rooms' on the rules sheet")
        raise RulesError(text.format(bad=("、" if lang == "zh" else ", ").join(bad)),
                         cell=settings.cell("places") or f"{sheet_ref(rules_sheet)}!K")
    return rooms


def requests_from_table(table: EmployeeTable, settings: InterviewSettings, notes: list[str],
                        hold: HeldBack | None = None) -> tuple[list[Request], dict[str, str]]:
    """One request per employee ID (the first row), and e-mail by name; none for an
    employee ``hold`` holds back (listed in ``notes``)."""
    frame, lang = table.frame, table.language
    emails = emails_of(frame)
    requests = []
    chosen = first_rows(table, None, notes)
    notes += [TEXTS[lang]["held"].format(line=line) for line in hold.held_lines(chosen)] if hold else []
    for i in (i for i in chosen if not (hold and hold.held(i))):
        name, level = str(frame["name"].iat[i]), str(frame["level"].iat[i]) if "level" in frame else ""
        supervisor = str(frame["supervisor"].iat[i]).strip() if "supervisor" in frame else ""
        role, fac = facilitator(level, settings, lang)
        if not supervisor:
            notes.append(TEXTS[lang]["no_supervisor"].format(name=name))
        requests.append(Request(str(frame["employee_id"].iat[i]), name, supervisor or None, fac or role))
    return requests, emails


def _blocked_sheet(reader: Any) -> str | None:
    names = {n.casefold(): n for n in reader.sheet_names}
    return next((names[s.casefold()] for s in BLOCKED_SHEETS if s.casefold() in names), None)


def read_blocked(reader: Any) -> dict[str, list[tuple[datetime, datetime]]]:
    """Person (or room) -> unavailable spans, from the sheet of unavailable times.

    Header in row 1 (人员/开始/结束 or person/from/to, any order). A bare date
    means the whole day; ``to`` before ``from`` is an error naming the cell."""
    sheet = _blocked_sheet(reader)
    grid = reader.grid(sheet) if sheet else None
    if not grid:
        return {}
    where = sheet_ref(sheet)
    head = [str(v).strip().casefold() if v is not None else "" for v in grid[0]]
    cols = {}
    for key, aliases in _BLOCKED_HEADERS.items():
        found = [c for c, h in enumerate(head) if h in {a.casefold() for a in aliases}]
        if not found:
            raise ScheduleError(f"{where}!1: no '{'/'.join(aliases[:1] + aliases[2:3])}' column in the header "
                                "(person | from | to)")
        cols[key] = found[0]
    out: dict[str, list[tuple[datetime, datetime]]] = {}
    for r, row in enumerate(grid[1:], start=1):
        cell = (lambda k: row[cols[k]] if cols[k] < len(row) else None)
        person = "" if cell("person") is None else str(cell("person")).strip()
        if not person:
            continue
        start = _when(cell("from"), False, f"{where}!{a1(r, cols['from'])}")
        end = _when(cell("to"), True, f"{where}!{a1(r, cols['to'])}")
        if end <= start:
            raise ScheduleError(f"{where}!{a1(r, cols['to'])}: ends at {end} before it starts ({start})")
        out.setdefault(person, []).append((start, end))
    return out


def _when(value: Any, end: bool, where: str) -> datetime:
    """A cell as a datetime; a date alone is the start (or, for ``to``, the end) of that day."""
    if isinstance(value, str):
        text = value.strip().replace("/", "-")
        try:
            value = date.fromisoformat(text) if len(text) <= 10 else datetime.fromisoformat(text)
        except ValueError:
            raise ScheduleError(f"{where}: {value!r} is not a date and time like 2026-03-02 09:00") from None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value + timedelta(days=1) if end else value, time())
    raise ScheduleError(f"{where}: {value!r} is not a date and time like 2026-03-02 09:00")



# ------------------------------------------------------------------ the plan the workbook holds

_WHEN = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*"
                   r"(?:\(?(?:周|星期)?[一二三四五六日天]\)?|[A-Za-z]{3}\.?)?\s*"
                   r"(\d{1,2})\s*[:：]\s*(\d{2})(?:\s*[:：]\s*\d{2})?"
                   r"(?:\s*[-–~至到]\s*(\d{1,2})\s*[:：]\s*(\d{2}))?\s*$")


def when_text(booking: Booking) -> str:
    """What goes into ``meeting.when``: ``2026-03-02 09:00-10:00``."""
    return f"{booking.start:%Y-%m-%d %H:%M}-{booking.end:%H:%M}"


def parse_when(text: str, minutes: int) -> tuple[datetime, datetime] | None:
    """``2026-03-02 09:00-10:00`` (also ``2026/3/2 9:00``, a weekday after the date, or a
    start alone, which lasts ``minutes``) -> (start, end); None when it is not that."""
    m = _WHEN.match(text or "")
    if not m:
        return None
    y, mo, d, h, mi, h2, mi2 = (int(g) if g else None for g in m.groups())
    try:
        start = datetime(y, mo, d, h, mi)
        end = datetime(y, mo, d, h2, mi2) if h2 is not None else start + timedelta(minutes=minutes)
    except ValueError:
        return None
    return (start, end) if end > start else None


def _id(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return "" if value is None else _id(value)


def _previous_schedule(book: Workbook, reader: Any) -> dict[str, Prior]:
    """Employee ID -> the interview as the previous schedule tab recorded it."""
    name = next((n for n in book.sheet_names if book.owner_kind(n) == KIND), None)
    grid = reader.grid(name) if name else None
    typed_words = tuple(TEXTS[lang]["typed"] for lang in TEXTS)
    id_heads = {TEXTS[lang]["head"][3] for lang in TEXTS}
    grid = grid or []
    start = next((i + 1 for i, row in enumerate(grid[:5]) if len(row) > 3 and row[3] in id_heads), 2)
    out: dict[str, Prior] = {}
    for row in grid[start:]:
        row = list(row) + [None] * (len(COLUMNS) - len(row))
        if row[0] == "✗" or not _text(row[3]):  # the first layout listed the unplaced as ✗ | ID | …
            continue
        key = _id(row[3])
        day = row[0].date() if isinstance(row[0], datetime) else row[0]
        note = _text(row[8])
        typed = any(w in note for w in typed_words)
        if isinstance(day, date):
            when = f"{day:%Y-%m-%d} {_text(row[1])}"
        else:
            when = _text(row[1]) if typed else ""
        seq = row[9] if isinstance(row[9], (int, float)) and not isinstance(row[9], bool) else None
        out.setdefault(key, Prior(when, _text(row[2]) if when else "", typed,
                                  None if seq is None else int(seq), _text(row[10]),
                                  (_text(row[4]), _text(row[5]), _text(row[6])),
                                  "" if row[NOTES_COLUMN] is None else str(row[NOTES_COLUMN])))
    return out


def _tab_values(book: Workbook, reader: Any, tabs: dict[str, str], notes: list[str], lang: str,
                done: set[str] | None = None) -> dict[str, tuple[str, str, dict[str, str]]]:
    """Employee ID -> (when, place, their cells) as the interview tab holds them now.
    The cells depend on the layout only, so they are computed once per layout (building
    a form per tab would be most of a 2,000-tab run). ``done`` receives the IDs whose
    tab already holds results (``RESULT_FIELDS``): that interview has taken place."""
    out, layouts = {}, {}
    for key, tab in tabs.items():
        kind = parse_kind(book.owner_kind(tab))
        try:
            layout = (kind.version, kind.remedies)
            if layout not in layouts:
                layouts[layout] = input_cells(*layout)
            cells = layouts[layout]
        except ValueError as exc:
            notes.append(TEXTS[lang]["bad_tab"].format(tab=tab, error=exc))
            continue
        grid = reader.grid(tab)
        refs = {"when": cells["meeting.when"], "place": cells["meeting.place"]}
        out[key] = (_cell_text(grid, refs["when"]), _cell_text(grid, refs["place"]), refs)
        if done is not None and any(_cell_text(grid, ref) for fid, ref in cells.items()
                                    if fid.startswith(RESULT_FIELDS)):
            done.add(key)
    return out


def _cell_text(grid: Sequence[Sequence[Any]] | None, ref: str) -> str:
    from perf_addin.xlsx.refs import parse_cell
    row, col = (n - 1 for n in parse_cell(ref))
    value = grid[row][col] if grid and row < len(grid) and col < len(grid[row]) else None
    return _text(value)


def _current_plan(requests: Sequence[Request], current: dict, prior: dict[str, Prior],
                  replan: set[str] | str, minutes: int, lang: str, held: set[str] = frozenset(),
                  done: set[str] = frozenset()) -> tuple[list[Entry], dict[str, Booking]]:
    """Each employee's entry before placing: kept, typed by hand, or to place (``new``).
    Returns the entries and the old bookings of those released by ``replan``. A held-back
    employee keeps what they have and gets nothing new. An interview already held
    (``done``: its tab holds results) is moved only when ``replan`` names it."""
    entries, released = [], {}
    for r in requests:
        p = prior.get(r.key, Prior())
        when, place, _ = current.get(r.key, ("", "", {}))
        own_when, own_place = ("", "") if p.typed else (p.when, p.place)
        if p.typed:
            hand_when, hand_place = when or p.when, place or p.place
        else:
            hand_when = when if when not in ("", own_when) else ""
            hand_place = place if place not in ("", own_place) else ""
        own_slot = parse_when(own_when, minutes)
        asked = (replan == ALL and r.key not in done) or (replan != ALL and r.key in replan)
        if hand_when or (hand_place and own_slot):
            slot = parse_when(hand_when, minutes) if hand_when else own_slot
            where = hand_place or own_place
            if slot is None:
                entries.append(Entry(r, None, "typed_text", text=hand_when, note=TEXTS[lang]["typed_text"]))
            else:
                entries.append(Entry(r, Booking(r, *slot, where), "typed", text=hand_when, note=TEXTS[lang]["typed"]))
            if asked:
                entries[-1].reason = TEXTS[lang]["typed_stays"]
        elif own_slot is not None and (not asked or r.key in held):
            entries.append(Entry(r, Booking(r, *own_slot, own_place), "kept"))
            if replan == ALL and r.key in done:
                entries[-1].reason = TEXTS[lang]["held_stays"].format(key=r.key)
        elif r.key in held:
            continue
        else:
            if own_slot is not None:
                released[r.key] = Booking(r, *own_slot, own_place)
            entries.append(Entry(r, None, "new", place=hand_place))
    return entries, released


def _place(entries: list[Entry], released: dict[str, Booking], rooms: Sequence[str], calendar: Calendar,
           blocked: dict, lang: str) -> tuple[Plan, int]:
    """Place the ``new`` entries around the others. A released interview that finds no
    place gets its old one back; the rest is planned again around it."""
    todo = [e.request for e in entries if e.kind == "new"]
    fixed = [e.booking for e in entries if e.booking is not None]
    count = len(todo)
    back: dict[str, str] = {}
    while True:
        result = plan(todo, rooms, calendar, blocked, fixed=fixed, lang=lang)
        lost = [u for u in result.unplaced if u.request.key in released]
        if not lost:
            break
        for u in lost:
            fixed.append(released[u.request.key])
            back[u.request.key] = u.reason
        todo = [r for r in todo if r.key not in back]
    placed = {b.request.key: b for b in result.bookings}
    unplaced = {u.request.key: u.reason for u in result.unplaced}
    for e in entries:
        key = e.request.key
        if e.kind != "new":
            continue
        if key in back:
            e.booking, e.kind, e.reason = released[key], "kept", back[key]
        elif key in placed and e.place:  # the time is planned, the place is the one typed
            b = placed[key]
            e.booking, e.kind, e.note = Booking(b.request, b.start, b.end, e.place), "typed", TEXTS[lang]["typed"]
        elif key in placed:
            e.booking = placed[key]
            old = released.get(key)
            if old is not None:
                same = (old.start, old.end, old.room) == (e.booking.start, e.booking.end, e.booking.room)
                e.kind = "kept" if same else "moved"
                e.note = "" if same else TEXTS[lang]["moved"]
        else:
            e.kind, e.reason = "unplaced", unplaced.get(key, "")
    return result, count


def _clashes(entries: list[Entry], blocked: dict, calendar: Calendar, lang: str) -> list[str]:
    """Kept and typed bookings that clash now: outside the working time, with an
    unavailable time, or with another booking of a person or room. Not moved: listed."""
    t = TEXTS[lang]
    held = [e for e in entries if e.booking is not None and e.kind in ("kept", "typed")]
    clash = _double_bookings(entries)
    out = []
    for e in held:
        b, r = e.booking, e.request
        names = [n for n in (r.employee, r.supervisor, r.facilitator) if n]
        what = []
        if not calendar.working(b.start, b.end):
            what.append(t["c_time"])
        for who in [*names, b.room]:
            if any(s < b.end and b.start < end for s, end in blocked.get(who, ())):
                what.append(t["c_blocked"].format(who=who))
        for other, shared in clash.get(id(e), ()):
            what.append(t["c_double"].format(who=("、" if lang == "zh" else ", ").join(sorted(shared)),
                                             other=other.request.employee))
        if what:
            sep = "；" if lang == "zh" else "; "
            out.append(t["conflict"].format(name=r.employee, key=r.key, when=when_text(b), what=sep.join(what)))
            e.note = sep.join(filter(None, [e.note, *what]))
    return out


def _double_bookings(entries: list[Entry]) -> dict[int, list[tuple[Entry, set[str]]]]:
    """id(entry) -> (other entry, shared people and rooms) for every two bookings that
    overlap and share someone: one sweep per person and room, by start time."""
    by_name: dict[str, list[Entry]] = {}
    for e in entries:
        if e.booking is not None:
            r = e.request
            for name in {r.employee, r.supervisor, r.facilitator, e.booking.room} - {None, ""}:
                by_name.setdefault(name, []).append(e)
    pairs: dict[tuple[int, int], tuple[Entry, Entry, set[str]]] = {}
    for name, items in by_name.items():
        items.sort(key=lambda x: x.booking.start)
        active: list[Entry] = []
        for e in items:
            active = [x for x in active if x.booking.end > e.booking.start]
            for x in active:
                pairs.setdefault((id(x), id(e)), (x, e, set()))[2].add(name)
            active.append(e)
    out: dict[int, list[tuple[Entry, set[str]]]] = {}
    for x, e, names in pairs.values():
        out.setdefault(id(x), []).append((e, names))
        out.setdefault(id(e), []).append((x, names))
    return out


def _holiday_block(book: Workbook, sheet: str, grid: Any, lang: str, report: ScheduleReport) -> None:
    """Write the default holidays onto the rules sheet when it has no block, so HR sees
    and edits what is kept free; leave cells a person filled alone."""
    if has_block(grid):
        return
    cells = default_block(lang)
    rows = max(int(ref[1:]) for ref in cells)
    where = f"{sheet_ref(sheet)}!N1:P{rows}"
    if sheet not in book.sheet_names:
        return  # no rules sheet: every rule is a default, so are the holidays
    if not block_is_free(grid, rows):
        report.notes.append(TEXTS[lang]["holiday_default"].format(where=where))
        return
    try:
        book.set_cells(sheet, cells)
    except WorkbookError:
        report.notes.append(TEXTS[lang]["holiday_default"].format(where=where))
        return
    report.notes.append(TEXTS[lang]["holiday_written"].format(where=where))


# ------------------------------------------------------------------ interview tabs


def _fill_tabs(book: Workbook, entries: list[Entry], prior: dict[str, Prior], current: dict,
               tabs: dict[str, str], report: ScheduleReport) -> None:
    """Type the plan into each tab's time and place where the cell is empty or holds what
    this tool wrote there; a value a person typed is kept and listed."""
    t = TEXTS[report.lang]
    wanted: dict[str, tuple[str | None, str | None]] = {}
    for e in entries:
        b = e.booking
        if b is not None:
            wanted[e.request.key] = (e.text if e.kind == "typed" and e.text else when_text(b), b.room)
        else:
            wanted[e.request.key] = (None, None) if e.kind == "typed_text" else ("", "")
    for key in prior:  # employees who left the table: the time this tool gave them goes
        wanted.setdefault(key, ("", ""))
    missing = sorted(e.request.key for e in entries if e.booking is not None and e.request.key not in tabs)
    if missing:
        report.notes.append(t["no_tab"].format(n=len(missing), ids=", ".join(missing[:5])
                                               + (" …" if len(missing) > 5 else "")))
    for key in sorted(set(wanted) & set(current)):
        when, place, refs = current[key]
        p = prior.get(key, Prior())
        own = ("", "") if p.typed else (p.when, p.place)
        changes: dict[str, Any] = {}
        for fid, now, mine, new in zip(("when", "place"), (when, place), own, wanted[key]):
            if now in ("", mine):
                if new is not None and now != new:
                    changes[refs[fid]] = new or None
            else:
                extra = t["planned"].format(new=new) if new and new != now else ""
                report.kept.append(t["kept_cell"].format(tab=tabs[key], cell=refs[fid], value=now) + extra)
        if changes:
            book.fill_unlocked(tabs[key], changes)
            report.filled.append(tabs[key])


# ------------------------------------------------------------------ invitations


Record = tuple[int | None, str]  # (SEQUENCE of the last invitation written, the slot it was for)


def _slot(booking: Booking | None) -> str:
    return f"{when_text(booking)} | {booking.room}" if booking is not None else ""


def _invitations(entries: list[Entry], prior: dict[str, Prior], emails: dict[str, str], ics_dir: Path | None,
                 lang: str, cycle: str, minutes: int) -> tuple[dict[str, Record], list[tuple[Path, bytes, bool]]]:
    """The invitation record after the run, and the files to write: a request for each
    new slot, a cancellation for each slot invited before that is no longer the plan."""
    records: dict[str, Record] = {k: (p.seq, p.invited) for k, p in prior.items()}
    if ics_dir is None:
        return records, []
    folder, stamp, jobs = Path(ics_dir), datetime.now().replace(microsecond=0), []
    people = {e.request.key: (e.request, e.booking) for e in entries}
    for key, p in prior.items():
        if key not in people and p.invited:  # left the table
            people[key] = (Request(key, p.names[0], p.names[1] or None, p.names[2]), None)
    for key, (request, booking) in people.items():
        seq, invited = records.get(key, (None, ""))
        slot = _slot(booking)
        if slot == invited:
            continue
        name = pdf_name(f"{request.employee}-{key}").removesuffix(".pdf")
        if invited:
            old_when, _, old_place = invited.partition(" | ")
            span = parse_when(old_when, minutes)
            seq = (seq or 0) + 1
            if span is not None:
                data = invite(Booking(request, *span, old_place), emails, lang, cycle, stamp, seq, cancel=True)
                jobs.append((folder / f"{name}-{TEXTS[lang]['cancel_file']}.ics", data, True))
        if booking is not None:
            seq = 0 if seq is None else seq + 1
            jobs.append((folder / f"{name}.ics", invite(booking, emails, lang, cycle, stamp, seq), False))
        records[key] = (seq, slot)
    return records, jobs


def _write_invites(jobs: list[tuple[Path, bytes, bool]], report: ScheduleReport) -> None:
    for target, data, cancel in jobs:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        (report.cancels if cancel else report.invites).append(target)


# ------------------------------------------------------------------ the schedule tab


def _schedule_name(book: Workbook, lang: str) -> str:
    own = next((n for n in book.sheet_names if book.owner_kind(n) == KIND), None)
    return own or SHEET[lang]


def _lines(text: str, width: float) -> int:
    """Lines a wrapped cell needs, generously (a clipped reason is worse than a tall row):
    a CJK character is about 1.65 column units wide as LibreOffice and Excel render the
    default fonts, and wrapping at word ends leaves up to a quarter of a line empty."""
    units = sum(1.65 if ord(ch) > 0x2E80 else 1.0 for ch in text)
    if units <= width - 1:
        return 1
    return math.ceil(units / (width * 0.75))


def schedule_sheet(name: str, entries: list[Entry], records: dict[str, Record], minutes: int,
                   tabs: dict[str, str], lang: str, flagged: dict[str, str] | None = None,
                   notes: dict[str, str] | None = None, names: dict[str, str] | None = None) -> SheetSpec:
    """The schedule tab: every booking by time, then what is arranged in words, then
    what could not be placed and why; A4, header rows repeated on every page.
    ``flagged`` (employee ID -> cells) marks interviews of employees with input errors.

    The tab is protected without a password: a time is changed on the interview tab or
    with ``--replan``, never here, where the next run would revert it. Only the Notes
    column is unlocked; ``notes`` (employee ID -> text) are what people typed there,
    written back in each one's row, those of employees no longer listed in rows at the
    end (``names`` gives their names), so a note is never dropped."""
    t = TEXTS[lang]
    booked = sorted((e for e in entries if e.booking is not None),
                    key=lambda e: (e.booking.start, e.booking.room, e.request.key))
    days = [e.booking.start.date() for e in booked]
    span = t["span"].format(a=date_text(min(days), lang), b=date_text(max(days), lang)) if days else ""
    cells: dict[str, Any] = {"A1": Cell(t["title"].format(m=minutes, span=span), TITLE),
                             "A2": Cell(t["how"], HOW)}
    for c, text in enumerate(t["head"]):
        cells[f"{COLUMNS[c]}3"] = Cell(text, HEAD)
    heights: dict[int, float] = {3: 30}
    rows = [*booked, *(e for e in entries if e.kind == "typed_text"), *(e for e in entries if e.kind == "unplaced")]
    notes = dict(notes or {})
    for row, e in enumerate(rows, start=4):
        r, b = e.request, e.booking
        seq, invited = records.get(r.key, (None, ""))
        note = e.reason if e.kind == "unplaced" else e.note
        if r.key in (flagged or {}):
            note = ("；" if lang == "zh" else "; ").join(filter(None, [t["flag"].format(cells=flagged[r.key]), note]))
        if b is not None:
            head = [Cell(b.start.date(), _date_style(b.start.date(), lang)), f"{b.start:%H:%M}-{b.end:%H:%M}", b.room]
        elif e.kind == "typed_text":
            head = ["", e.text, ""]
        else:
            head = [Cell(t["unplaced"], WARN), "", ""]
        values = [*head, r.key, r.employee, r.supervisor or "", r.facilitator, tabs.get(r.key, ""), note]
        for c, v in enumerate(values):
            style = WARN if c == 8 and (e.kind == "unplaced" or "--replan" in note or r.key in (flagged or {})) \
                else TEXT
            cells[f"{COLUMNS[c]}{row}"] = v if isinstance(v, Cell) else Cell(v, style)
        if seq is not None:
            cells[f"J{row}"], cells[f"K{row}"] = Cell(seq, BOOK), Cell(invited, BOOK)
        cells[f"L{row}"] = Cell(notes.pop(r.key, None), NOTE)
        lines = max(_lines(str(v.value if isinstance(v, Cell) else v), WIDTHS[c + 1]) for c, v in enumerate(values))
        heights[row] = max(ROW_HEIGHT, LINE_HEIGHT * lines)
    last = 3 + len(rows)
    for key, text in sorted(notes.items()):  # employees no longer listed: their notes stay
        last += 1
        cells[f"D{last}"], cells[f"E{last}"] = Cell(key, TEXT), Cell((names or {}).get(key, ""), TEXT)
        cells[f"L{last}"] = Cell(text, NOTE)
    printed = sum(WIDTHS[c] for c in range(1, PRINTED + 1))
    setup = PrintSetup(paper="A4", landscape=printed > PORTRAIT_WIDTH, fit_width=1, fit_height=0,
                       print_area=f"A1:{COLUMNS[PRINTED - 1]}{max(last, 3)}", repeat_rows=(1, 3),
                       footer="&C&P / &N")
    return SheetSpec(name, cells, col_widths=WIDTHS, row_heights=heights, print_setup=setup,
                     freeze="A4", kind=KIND, protection=Protection(format_columns=True, format_rows=True))


__all__ = ["ALL", "Entry", "Prior", "ScheduleError", "ScheduleReport", "date_text", "parse_when", "read_blocked",
           "requests_from_table", "schedule_sheet", "schedule_workbook", "summary_lines", "when_text"]
