"""The schedule job: plan every interview, write the schedule tab, fill the tabs, write .ics.

``schedule_workbook(path, first, last)`` reads the employee table, the interview
settings (J:L of the rules sheet: minutes, work_days, work_hours, break_minutes,
rooms) and the optional sheet of unavailable times (``不可用时间`` / ``Unavailable``:
person | from | to), plans with ``schedule.plan`` and, in one writer session and
one atomic save,

* regenerates the schedule tab (``面谈安排`` / ``Interview schedule``, kind
  ``schedule``), sorted by time, with the interviews it could not place and why;
* types time and place into ``meeting.when``/``meeting.place`` of each
  interview tab (``Workbook.fill_unlocked``: the tab stays protected). A value
  a person typed there is kept and reported; a value that is exactly what the
  previous schedule tab planned is this tool's own and is replaced.

With ``ics_dir`` it also writes one invitation per interview (``invites.py``).
People are identified by name, as in the table's 姓名/直接上级 columns and the
facilitator names of the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Callable, Sequence

from .department import EmployeeTable, HeldBack, held_back, read_employees, read_rules, sheet_ref
from .errors import UserError
from .interview import facilitator, input_cells, parse_kind
from .interview_settings import InterviewSettings, office_like, settings_from_grid
from .interviews import _calamine, _choose, _grid, _rules_sheet, existing_tabs, pdf_name
from .invites import invite
from .rules import RulesError, a1
from .schedule import Booking, Calendar, Plan, Request, plan
from .xlsx import Cell, SheetSpec, Style, Workbook

Progress = Callable[[str], None]
KIND = "schedule"
SHEET = {"zh": "面谈安排", "en": "Interview schedule"}
BLOCKED_SHEETS = ("不可用时间", "Unavailable")
_BLOCKED_HEADERS = {"person": ("人员", "姓名", "person", "name"), "from": ("开始", "从", "from", "start"),
                    "to": ("结束", "至", "to", "end")}
_HEAD = {"zh": ("日期", "时间", "地点", "工号", "被考核者", "直接上级", "面谈主导人", "面谈表"),
         "en": ("Date", "Time", "Place", "Employee ID", "Employee", "Supervisor", "Facilitator", "Interview tab")}
_UNPLACED = {"zh": ("未能安排", "工号", "被考核者", "原因"), "en": ("Not placed", "Employee ID", "Employee", "Reason")}
_FLAG = {"zh": "输入有误：{cells}", "en": "input error: {cells}"}
_TITLE = {"zh": "面谈安排 {a} 至 {b}（每场 {m} 分钟）", "en": "Interviews {a} to {b} ({m} minutes each)"}
TITLE = Style(bold=True, font_size=13)
HEAD = Style(bold=True, fill="DDEBF7", border="thin", wrap=True)
DATE = Style(num_format="yyyy-mm-dd", border="thin", halign="center")
TEXT = Style(border="thin")
WARN = Style(font_color="C00000", border="thin", wrap=True)


class ScheduleError(UserError, ValueError):
    """A problem with the inputs of planning, naming the cell when there is one."""


@dataclass
class ScheduleReport:
    """What a schedule run did, for the CLI and the ribbon."""

    path: Path
    plan: Plan
    tab: str = ""
    filled: list[str] = field(default_factory=list)  # interview tabs given time and place
    kept: list[str] = field(default_factory=list)  # one line each: a typed value left alone
    notes: list[str] = field(default_factory=list)  # no tab yet, no supervisor, ...
    invites: list[Path] = field(default_factory=list)
    backup: Path | None = None


def schedule_workbook(path: str | Path, first: date, last: date, ics_dir: str | Path | None = None,
                      progress: Progress = lambda step: None, include_errors: bool = False) -> ScheduleReport:
    """Plan, write and invite; see the module docstring."""
    path = Path(path)
    if last < first:
        raise ScheduleError(f"the period ends ({last}) before it starts ({first})")
    progress("reading the table, the settings and the unavailable times")
    table = read_employees(path)
    lang = table.language
    with Workbook.open(path) as book, _calamine(path) as reader:
        rules_sheet = _rules_sheet(book)
        settings = settings_from_grid(_grid(reader, rules_sheet), sheet_ref(rules_sheet))
        rooms = _rooms(settings, lang, rules_sheet)
        blocked = read_blocked(reader)
        notes: list[str] = []
        hold = held_back(table, read_rules(path), include_errors)
        requests, emails = requests_from_table(table, settings, notes, hold)
        calendar = Calendar(first, last, settings.work_days, settings.work_hours, settings.minutes,
                            settings.break_minutes)
        progress(f"planning {len(requests)} interviews")
        result = plan(requests, rooms, calendar, blocked)
        report = ScheduleReport(path, result, notes=notes)
        tabs = existing_tabs(book)
        previous = _previous_schedule(book, reader)
        progress("filling time and place into the interview tabs")
        _fill_tabs(book, reader, result, tabs, previous, report)
        report.tab = _schedule_name(book, lang)
        flagged = {table.frame["employee_id"].iat[i]: "、".join(hold.cells(i)) for i in hold.problems}
        book.add_sheet(schedule_sheet(report.tab, result, calendar, tabs, lang, flagged), replace=True)
        progress("saving")
        report.backup = book.save()
    if ics_dir is not None:
        progress(f"writing {len(result.bookings)} invitations")
        report.invites = write_invites(result.bookings, emails, Path(ics_dir), lang, settings.cycle)
    return report


# ------------------------------------------------------------------ inputs


def _rooms(settings: InterviewSettings, lang: str, rules_sheet: str) -> tuple[str, ...]:
    rooms = settings.rooms_for(lang)
    bad = [r for r in rooms if office_like(r)]
    if bad:  # ``rooms`` is checked when read; the fallback ``places`` only here
        raise RulesError(f"places: {', '.join(bad)} looks like an office or a formal meeting room; "
                         "interviews take place in a relaxed room – set 'rooms' on the rules sheet",
                         cell=settings.cell("places") or f"{sheet_ref(rules_sheet)}!K")
    return rooms


def requests_from_table(table: EmployeeTable, settings: InterviewSettings, notes: list[str],
                        hold: HeldBack | None = None) -> tuple[list[Request], dict[str, str]]:
    """One request per employee ID (the first row), and e-mail by name."""
    frame, lang = table.frame, table.language
    emails: dict[str, str] = {}
    if "email" in frame:
        emails = {n: e for n, e in zip(frame["name"], frame["email"]) if n and e}
    requests = []
    chosen = _choose(table, None, notes)
    notes += [f"not planned, input errors: {line}" for line in hold.held_lines(chosen)] if hold else []
    for i in (i for i in chosen if not (hold and hold.held(i))):
        name, level = str(frame["name"].iat[i]), str(frame["level"].iat[i]) if "level" in frame else ""
        supervisor = str(frame["supervisor"].iat[i]).strip() if "supervisor" in frame else ""
        role, fac = facilitator(level, settings, lang)
        if not supervisor:
            notes.append(f"{name}: no direct supervisor in the table; planned with the facilitator only")
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
    grid = _grid(reader, sheet) if sheet else None
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


# ------------------------------------------------------------------ interview tabs


def when_text(booking: Booking) -> str:
    """What goes into ``meeting.when``: ``2026-03-02 09:00-10:00``."""
    return f"{booking.start:%Y-%m-%d %H:%M}-{booking.end:%H:%M}"


def _previous_schedule(book: Workbook, reader: Any) -> dict[str, tuple[str, str]]:
    """Employee ID -> (when, place) as the previous schedule tab planned them."""
    name = next((n for n in book.sheet_names if book.owner_kind(n) == KIND), None)
    grid = _grid(reader, name) if name else None
    out: dict[str, tuple[str, str]] = {}
    for row in (grid or [])[2:]:
        if len(row) < 4 or not isinstance(row[0], (date, datetime)) or not row[3]:
            continue
        day = row[0].date() if isinstance(row[0], datetime) else row[0]
        out[_id(row[3])] = (f"{day:%Y-%m-%d} {row[1]}", str(row[2]))
    return out


def _id(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()


def _fill_tabs(book: Workbook, reader: Any, result: Plan, tabs: dict[str, str],
               previous: dict[str, tuple[str, str]], report: ScheduleReport) -> None:
    planned = {b.request.key: (when_text(b), b.room) for b in result.bookings}
    missing = sorted(set(planned) - set(tabs))
    if missing:
        report.notes.append(f"{len(missing)} planned employee(s) have no interview tab yet ({', '.join(missing[:5])}"
                            f"{' …' if len(missing) > 5 else ''}): run interviews, then schedule again")
    for key in sorted((set(planned) | set(previous)) & set(tabs)):
        tab = tabs[key]
        kind = parse_kind(book.owner_kind(tab))
        try:
            cells = input_cells(kind.version, kind.remedies)
        except ValueError as exc:
            report.notes.append(f"{tab}: {exc}; time and place not filled in")
            continue
        wanted = planned.get(key, (None, None))
        changes = {}
        for fid, new, old in zip(("meeting.when", "meeting.place"), wanted, previous.get(key, ("", ""))):
            current = _cell_text(_grid(reader, tab), cells[fid])
            if current in ("", old):
                if current != (new or ""):
                    changes[cells[fid]] = new
            elif current != new:
                report.kept.append(f"{tab} {cells[fid]}: kept {current!r} typed there"
                                   + (f" (planned: {new})" if new else ""))
        if changes:
            book.fill_unlocked(tab, changes)
            report.filled.append(tab)


def _cell_text(grid: Sequence[Sequence[Any]] | None, ref: str) -> str:
    from .xlsx.refs import parse_cell
    row, col = (n - 1 for n in parse_cell(ref))
    value = grid[row][col] if grid and row < len(grid) and col < len(grid[row]) else None
    return "" if value is None else str(value).strip()


# ------------------------------------------------------------------ the schedule tab


def _schedule_name(book: Workbook, lang: str) -> str:
    own = next((n for n in book.sheet_names if book.owner_kind(n) == KIND), None)
    return own or SHEET[lang]


def schedule_sheet(name: str, result: Plan, calendar: Calendar, tabs: dict[str, str], lang: str,
                   flagged: dict[str, str] | None = None) -> SheetSpec:
    """The schedule tab: one row per interview, sorted by time, then what could not be placed.
    ``flagged`` (employee ID -> cells) marks interviews of employees with input errors."""
    cells: dict[str, Any] = {"A1": Cell(_TITLE[lang].format(a=calendar.first, b=calendar.last,
                                                             m=calendar.minutes), TITLE)}
    for c, text in enumerate(_HEAD[lang]):
        cells[f"{'ABCDEFGH'[c]}2"] = Cell(text, HEAD)
    row = 2
    for b in result.bookings:
        row += 1
        r = b.request
        values = (Cell(b.start.date(), DATE), f"{b.start:%H:%M}-{b.end:%H:%M}", b.room, r.key, r.employee,
                  r.supervisor or "", r.facilitator, tabs.get(r.key, ""))
        for c, v in enumerate(values):
            cells[f"{'ABCDEFGH'[c]}{row}"] = v if isinstance(v, Cell) else Cell(v, TEXT)
        if r.key in (flagged or {}):
            cells[f"I{row}"] = Cell(_FLAG[lang].format(cells=flagged[r.key]), WARN)
    if result.unplaced:
        row += 2
        for c, text in enumerate(_UNPLACED[lang]):
            cells[f"{'ABCD'[c]}{row}"] = Cell(text, HEAD)
        for u in result.unplaced:
            row += 1
            cells[f"B{row}"], cells[f"C{row}"] = Cell(u.request.key, TEXT), Cell(u.request.employee, TEXT)
            cells[f"A{row}"], cells[f"D{row}"] = Cell("✗", WARN), Cell(u.reason, WARN)
    return SheetSpec(name, cells, col_widths={1: 12, 2: 13, 3: 14, 4: 11, 5: 12, 6: 12, 7: 14, 8: 22},
                     freeze="A3", kind=KIND)


# ------------------------------------------------------------------ invitations


def write_invites(bookings: Sequence[Booking], emails: dict[str, str], outdir: Path, lang: str,
                  cycle: str = "") -> list[Path]:
    """One .ics per interview in ``outdir``, named after the employee."""
    outdir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().replace(microsecond=0)
    written = []
    for b in bookings:
        target = outdir / pdf_name(f"{b.request.employee}-{b.request.key}").removesuffix(".pdf")
        target = target.with_name(target.name + ".ics")
        target.write_bytes(invite(b, emails, lang, cycle, stamp))
        written.append(target)
    return written


__all__ = ["ScheduleError", "ScheduleReport", "read_blocked", "requests_from_table", "schedule_sheet",
           "schedule_workbook", "when_text", "write_invites"]
