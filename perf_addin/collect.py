"""Collect and track: read back the interview tabs, merge copies, follow up (DOMAIN.md §6).

``collect_workbook(book, returned, today)`` reads the input fields of every
interview tab – in the master workbook and in copies that came back by e-mail –
and, in one writer session and one atomic save,

* types into the master's empty input fields what a returned copy filled in
  (``Workbook.fill_unlocked``: the tabs stay protected). A field both hold with
  different values keeps the master's value; both values, with file, tab and
  cell, go to the conflicts list – nothing is dropped silently;
* regenerates the tracking tab (``跟踪`` / ``Follow-up``, kind ``tracking``):
  per employee signed / disputed / committee pending / open remedies, the
  remedies with owner and due date (overdue ones in red), a monthly follow-up
  meeting list with the person who chases, and the conflicts.

Returned copies are full workbooks (tabs matched by the employee ID of their
kind marker) or the per-employee packs of ``share.py``. Packs carry no marker:
their tab is found by the employee ID in ``ID_CELL`` and its remedy lines by
the item labels in column A. Encrypted packs are opened with ``password``;
without it (or with a wrong one) they are skipped with a note.

Three columns of the tracking tab are for people and survive regeneration,
because v1 interview tabs have no field for them: ``委员会裁定 / Committee
ruling`` per employee, ``已完成 / Done`` per remedy and ``已处理 / Resolved`` per
conflict. A conflict also ends when the master's field is changed to the
returned value. Conflicts of earlier runs are carried over until then.

With ``reminders`` it writes one unsent e-mail draft (.eml) per remedy owner
(``reminders.py``).
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from .department import EmployeeTable, read_employees, sheet_ref
from .errors import UserError
from .interview import ID_CELL, ITEM_KEYS, OTHER, TEXTS, facilitator, input_cells, parse_kind
from .interview_settings import InterviewSettings, settings_from_grid
from .interviews import _calamine, _grid, _rules_sheet, existing_tabs, filled_fields
from .xlsx import Cell, SheetSpec, Style, Workbook, WorkbookError
from .xlsx.refs import parse_cell

Progress = Callable[[str], None]
KIND = "tracking"
SHEET = {"zh": "跟踪", "en": "Follow-up"}
PACK_TABS = ("绩效反馈面谈", "Feedback interview")
OVERDUE_FILL = "FFC7CE"
YES = {TEXTS["zh"]["yes_no"][0], TEXTS["en"]["yes_no"][0]}
NO = {TEXTS["zh"]["yes_no"][1], TEXTS["en"]["yes_no"][1]}
SIGNERS = ("sign.employee", "sign.supervisor", "sign.facilitator")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


class CollectError(UserError, ValueError):
    """A returned file that cannot be used at all (not a workbook, no interview tab)."""


# ------------------------------------------------------------------ reading tabs


@dataclass(frozen=True)
class TabFields:
    """The filled input fields of one interview tab in one file."""

    source: str  # file name
    tab: str
    cells: dict[str, str]  # field id -> address
    values: dict[str, Any]  # field id -> value (filled fields only)


def clean(value: Any) -> Any:
    """A cell value in the form compared and written: text stripped, whole floats as
    int, midnight datetimes as dates – so 3.0 from one file equals 3 from another."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    return value


def shown(value: Any) -> str:
    """A value as the tracking tab and the CLI show it."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


def _fields(grid: list[list[Any]] | None, source: str, tab: str, version: str,
            remedies: tuple[str, ...]) -> TabFields:
    values = {fid: clean(v) for fid, v in filled_fields(grid, version, remedies).items()}
    return TabFields(source, tab, input_cells(version, remedies), {k: v for k, v in values.items() if v != ""})


def master_tabs(book: Workbook, reader: Any, notes: list[str]) -> dict[str, TabFields]:
    """Employee ID -> the master's interview tab and its filled fields."""
    out = {}
    for eid, tab in existing_tabs(book).items():
        kind = parse_kind(book.owner_kind(tab))
        try:
            out[eid] = _fields(_grid(reader, tab), book.path.name, tab, kind.version, kind.remedies)
        except ValueError as exc:
            notes.append(f"{tab}: {exc}; not collected")
    return out


def _cell(grid: list[list[Any]] | None, ref: str) -> Any:
    row, col = (n - 1 for n in parse_cell(ref))
    return grid[row][col] if grid and row < len(grid) and col < len(grid[row]) else None


def pack_remedies(grid: list[list[Any]]) -> tuple[str, ...] | None:
    """The remedy lines of a pack's tab, told by the item labels in column A; None when
    no layout fits (not an interview tab of a version this code knows)."""
    labels = {key: {TEXTS[lang]["items"][key] for lang in TEXTS} for key in (*ITEM_KEYS, OTHER)}
    for n in range(2 ** len(ITEM_KEYS)):
        keys = tuple(k for i, k in enumerate(ITEM_KEYS) if n >> i & 1)
        cells = input_cells("v1", (*keys, OTHER))
        fits = all(str(_cell(grid, "A" + cells[f"remedy.{k}.kind"][1:]) or "").startswith(tuple(labels[k]))
                   for k in (*keys, OTHER))
        accept = str(_cell(grid, "A" + cells["confirm.agreed"][1:]) or "")
        if fits and accept in {TEXTS[lang]["accept"] for lang in TEXTS}:
            return (*keys, OTHER)
    return None


def _id(value: Any) -> str:
    value = clean(value)
    return "" if value is None else str(value)


def returned_tabs(path: Path, password: str | None, notes: list[str]) -> dict[str, TabFields]:
    """Employee ID -> tab fields of one returned file (full workbook or pack)."""
    with _readable(path, password, notes) as local:
        if local is None:
            return {}
        out: dict[str, TabFields] = {}
        with Workbook.open(local) as book, _calamine(local) as reader:
            out.update({eid: replace_source(t, path.name) for eid, t in master_tabs(book, reader, notes).items()})
            for name in book.sheet_names:
                if name not in PACK_TABS or book.owner_kind(name) is not None:
                    continue
                grid = _grid(reader, name)
                remedies = pack_remedies(grid or [])
                eid = _id(_cell(grid, ID_CELL))
                if remedies is None or not eid:
                    notes.append(f"{path.name} / {name}: not an interview form this version knows; skipped")
                    continue
                out.setdefault(eid, _fields(grid, path.name, name, "v1", remedies))
        if not out:
            notes.append(f"{path.name}: no interview tab found; skipped")
        return out


def replace_source(tab: TabFields, source: str) -> TabFields:
    return TabFields(source, tab.tab, tab.cells, tab.values)


class _readable:
    """The file itself, or a decrypted temporary copy of an encrypted one; None (with
    a note) when it cannot be opened."""

    def __init__(self, path: Path, password: str | None, notes: list[str]) -> None:
        self.path, self.password, self.notes = path, password, notes
        self.tmp: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> Path | None:
        with self.path.open("rb") as handle:
            encrypted = handle.read(4) == _OLE_MAGIC
        if not encrypted:
            return self.path
        if not self.password:
            self.notes.append(f"{self.path.name}: encrypted; give --password to collect it; skipped")
            return None
        return self._decrypt()

    def _decrypt(self) -> Path | None:
        import msoffcrypto
        out = io.BytesIO()
        try:
            with self.path.open("rb") as handle:
                office = msoffcrypto.OfficeFile(handle)
                office.load_key(password=self.password)
                office.decrypt(out)
        except Exception as exc:  # msoffcrypto raises several types for a wrong password
            self.notes.append(f"{self.path.name}: cannot decrypt ({type(exc).__name__}); skipped")
            return None
        self.tmp = tempfile.TemporaryDirectory(prefix="perf-addin-collect-")
        target = Path(self.tmp.name) / (self.path.stem + ".xlsx")
        target.write_bytes(out.getvalue())
        return target

    def __exit__(self, *exc: object) -> None:
        if self.tmp is not None:
            self.tmp.cleanup()


# ------------------------------------------------------------------ merging


@dataclass(frozen=True)
class Conflict:
    """One field two copies filled differently; the master keeps its value."""

    employee_id: str
    tab: str
    field: str
    cell: str
    master: str
    other: str
    source: str  # "file / tab!cell" of the other value

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.employee_id, self.field, self.other, self.source


@dataclass
class Merge:
    """What merging the returned copies into the master found."""

    values: dict[str, dict[str, Any]]  # employee ID -> field id -> merged value
    fills: dict[str, dict[str, Any]] = field(default_factory=dict)  # master tab -> cell -> value
    taken: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def merge(master: dict[str, TabFields], returned: Sequence[dict[str, TabFields]]) -> Merge:
    """Fill the master's empty fields from the returned copies, in the order given;
    list every differing value as a conflict. Pure."""
    result = Merge({eid: dict(t.values) for eid, t in master.items()})
    for copy in returned:
        for eid, theirs in copy.items():
            mine = master.get(eid)
            if mine is None:
                result.notes.append(f"{theirs.source} / {theirs.tab}: employee {eid} has no interview tab in "
                                    "the master; run interviews first – nothing of it was merged")
                continue
            _merge_tab(eid, mine, theirs, result)
    return result


def _merge_tab(eid: str, mine: TabFields, theirs: TabFields, result: Merge) -> None:
    merged = result.values[eid]
    for fid, value in theirs.values.items():
        where = f"{theirs.source} / {theirs.tab}!{theirs.cells[fid]}"
        if fid not in mine.cells:
            result.conflicts.append(Conflict(eid, mine.tab, fid, "", "", shown(value), where))
            continue
        if fid not in merged:
            merged[fid] = value
            result.fills.setdefault(mine.tab, {})[mine.cells[fid]] = value
            result.taken.append(f"{mine.tab}!{mine.cells[fid]} ({fid}) = {shown(value)!r} from {where}")
        elif merged[fid] != value:
            result.conflicts.append(Conflict(eid, mine.tab, fid, mine.cells[fid], shown(merged[fid]),
                                             shown(value), where))


# ------------------------------------------------------------------ tracking


@dataclass(frozen=True)
class Remedy:
    """An agreed remedy of one employee, open until marked done on the tracking tab."""

    employee_id: str
    name: str
    item: str
    action: str
    owner: str
    due: date | None
    tab: str
    done: bool = False

    def overdue(self, today: date) -> bool:
        return not self.done and self.due is not None and self.due < today


@dataclass(frozen=True)
class Status:
    """One employee's follow-up line."""

    employee_id: str
    name: str
    tab: str
    signed: bool
    disputed: bool
    ruling: str
    chaser: str

    @property
    def committee_pending(self) -> bool:
        return self.disputed and not self.ruling


def as_date(value: Any) -> date | None:
    """A due date typed as a date or as text like 2026-04-30 / 2026/4/30; else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return datetime.strptime(value.strip().replace("/", "-"), "%Y-%m-%d").date()
        except ValueError:
            return None
    return None


def remedies_of(eid: str, name: str, tab: str, values: dict[str, Any], done: set[tuple[str, str]]) -> list[Remedy]:
    """The agreed remedies (达成一致 = 是/Yes) with an action or owner."""
    keys = dict.fromkeys(fid.split(".")[1] for fid in values if fid.startswith("remedy."))
    out = []
    for key in keys:
        get = (lambda part: values.get(f"remedy.{key}.{part}"))
        if get("agreed") not in YES or not (get("action") or get("owner")):
            continue
        out.append(Remedy(eid, name, key, shown(get("action")), shown(get("owner")), as_date(get("due")), tab,
                          (eid, key) in done))
    return out


def chaser_of(level: str, settings: InterviewSettings, lang: str) -> str:
    """The named person who chases open items: the employee's facilitator (DOMAIN.md §4, §6)."""
    role, name = facilitator(level, settings, lang)
    return name or role


def status_of(eid: str, name: str, tab: str, values: dict[str, Any], ruling: str, chaser: str) -> Status:
    signed = all(values.get(s) not in (None, "") for s in SIGNERS)
    disputed = values.get("confirm.agreed") in NO or bool(values.get("confirm.objection"))
    return Status(eid, name, tab, signed, disputed, ruling, chaser)


def first_work_day(year: int, month: int, work_days: Sequence[int]) -> date:
    day = date(year, month, 1)
    while day.weekday() not in work_days:
        day += timedelta(days=1)
    return day


def monthly_meetings(remedies: Sequence[Remedy], today: date, work_days: Sequence[int]
                     ) -> list[tuple[date, list[Remedy]]]:
    """Monthly follow-up meetings on the first working day of each month, from the next
    one on or after ``today`` to the month of the last due date. Each lists the open
    remedies due that month; overdue ones and those without a date go to the first."""
    open_ = [r for r in remedies if not r.done]
    if not open_:
        return []
    year, month = today.year, today.month
    if first_work_day(year, month, work_days) < today:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    last = max((r.due for r in open_ if r.due), default=today)
    meetings: list[tuple[date, list[Remedy]]] = []
    while (year, month) <= (last.year, last.month) or not meetings:
        day = first_work_day(year, month, work_days)
        due = [r for r in open_ if (r.due is None or (r.due.year, r.due.month) <= (year, month))
               and not any(r in items for _, items in meetings)]
        meetings.append((day, sorted(due, key=lambda r: (r.due or date.min, r.employee_id))))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return meetings


# ------------------------------------------------------------------ the tracking tab

_T = {
    "zh": {"title": "绩效跟踪（截至 {today}）", "s1": "一、每位员工", "s2": "二、改进措施（已商定）",
           "s3": "三、月度绩效跟进会", "s4": "四、冲突：两份填写不同，均保留（主表保留原值）",
           "h1": ("工号", "姓名", "面谈表", "已签字", "有异议", "待委员会裁定", "委员会裁定", "未完成措施",
                  "跟进人"),
           "h2": ("工号", "姓名", "项目", "具体措施", "负责人", "完成日期", "状态", "已完成"),
           "h3": ("会议日期", "工号", "姓名", "项目", "具体措施", "负责人", "完成日期", "跟进人"),
           "h4": ("工号", "面谈表", "字段", "单元格", "主表中的值", "另一份的值", "来源", "已处理"),
           "yes": "是", "no": "否", "open": "进行中", "overdue": "已逾期", "done": "已完成",
           "no_due": "无完成日期", "none": "（无）",
           "legend": "“委员会裁定”“已完成”“已处理”三列由人填写，重新生成时保留；逾期项红色标出。"},
    "en": {"title": "Follow-up (as of {today})", "s1": "1. Employees", "s2": "2. Agreed remedies",
           "s3": "3. Monthly follow-up meetings",
           "s4": "4. Conflicts: two copies differ, both kept (the master keeps its value)",
           "h1": ("Employee ID", "Name", "Interview tab", "Signed", "Disputed", "Committee pending",
                  "Committee ruling", "Open remedies", "Chaser"),
           "h2": ("Employee ID", "Name", "Item", "Action", "Owner", "Due", "Status", "Done"),
           "h3": ("Meeting", "Employee ID", "Name", "Item", "Action", "Owner", "Due", "Chaser"),
           "h4": ("Employee ID", "Interview tab", "Field", "Cell", "Master value", "Other value", "Source",
                  "Resolved"),
           "yes": "Yes", "no": "No", "open": "open", "overdue": "overdue", "done": "done",
           "no_due": "no due date", "none": "(none)",
           "legend": "Committee ruling, Done and Resolved are filled in by people and kept when the tab is "
                     "regenerated; overdue items are red."},
}
TITLE = Style(bold=True, font_size=13)
NOTE = Style(italic=True, font_size=9, font_color="595959")
SECTION = Style(bold=True, font_color="FFFFFF", fill="1F4E79")
HEAD = Style(bold=True, fill="DDEBF7", border="thin", wrap=True)
TEXT = Style(border="thin", wrap=True)
DATE = Style(border="thin", num_format="yyyy-mm-dd", halign="center")
RED = Style(border="thin", wrap=True, fill=OVERDUE_FILL, font_color="9C0006")
RED_DATE = Style(border="thin", num_format="yyyy-mm-dd", halign="center", fill=OVERDUE_FILL, font_color="9C0006")
MARK = Style(border="thin", fill="FFF2CC", halign="center")


@dataclass(frozen=True)
class Marks:
    """What people typed into the tracking tab's own columns."""

    rulings: dict[str, str] = field(default_factory=dict)  # employee ID -> ruling
    done: set[tuple[str, str]] = field(default_factory=set)  # (employee ID, item key)
    resolved: set[tuple[str, str, str, str]] = field(default_factory=set)  # Conflict.key
    conflicts: list[Conflict] = field(default_factory=list)  # the earlier list


def _rows_after(grid: list[list[Any]], header: tuple[str, ...]) -> Iterator[list[str]]:
    """The rows under a header of the tracking tab, as text, until the first blank one."""
    for r, row in enumerate(grid):
        if tuple(shown(clean(v)) for v in row[:len(header)]) == header:
            for line in grid[r + 1:]:
                text = [shown(clean(v)) for v in line] + [""] * len(header)
                if not text[0] or text[0] in _NONE:
                    return
                yield text
            return


_NONE = {t["none"] for t in _T.values()}


def _item_key(label: str) -> str:
    return next((k for lang in TEXTS for k, v in TEXTS[lang]["items"].items() if v == label), label)


def read_marks(grid: list[list[Any]] | None) -> Marks:
    """The people's columns of an earlier tracking tab (either language)."""
    marks = Marks()
    for t in _T.values():
        for row in _rows_after(grid or [], t["h1"]):
            if row[6]:
                marks.rulings[row[0]] = row[6]
        for row in _rows_after(grid or [], t["h2"]):
            if row[7]:
                marks.done.add((row[0], _item_key(row[2])))
        for row in _rows_after(grid or [], t["h4"]):
            conflict = Conflict(row[0], row[1], row[2], row[3], row[4], row[5], row[6])
            if row[7]:
                marks.resolved.add(conflict.key)
            else:
                marks.conflicts.append(conflict)
    return marks


def open_conflicts(found: Sequence[Conflict], marks: Marks, values: dict[str, dict[str, Any]]) -> list[Conflict]:
    """This run's conflicts plus the earlier unresolved ones, each once, without those
    marked resolved or whose master field now holds the other value."""
    out: dict[tuple[str, str, str, str], Conflict] = {}
    for c in [*marks.conflicts, *found]:
        current = shown(values.get(c.employee_id, {}).get(c.field)) if c.cell else c.master
        if c.key in marks.resolved or (c.cell and current == c.other):
            continue
        out[c.key] = Conflict(c.employee_id, c.tab, c.field, c.cell, current, c.other, c.source)
    return list(out.values())


class _Rows:
    """Appends rows of cells to a sheet description."""

    def __init__(self) -> None:
        self.cells: dict[str, Cell] = {}
        self.row = 0

    def add(self, values: Sequence[Any], styles: Sequence[Style] | Style = TEXT) -> None:
        self.row += 1
        for c, value in enumerate(values):
            style = styles if isinstance(styles, Style) else styles[c]
            blank = value is None or value == ""
            if not blank or style is not TEXT:
                self.cells[f"{chr(65 + c)}{self.row}"] = Cell(None if blank else value, style)

    def gap(self) -> None:
        self.row += 1


def tracking_sheet(name: str, statuses: Sequence[Status], remedies: Sequence[Remedy],
                   conflicts: Sequence[Conflict], today: date, work_days: Sequence[int], lang: str) -> SheetSpec:
    """The tracking tab as a sheet description. Pure."""
    t = _T[lang]
    yn = (lambda flag: t["yes"] if flag else t["no"])
    items = TEXTS[lang]["items"]
    out = _Rows()
    out.add([t["title"].format(today=today.isoformat())], TITLE)
    out.add([t["legend"]], NOTE)
    out.gap()
    open_count = {s.employee_id: sum(not r.done for r in remedies if r.employee_id == s.employee_id)
                  for s in statuses}
    out.add([t["s1"]], SECTION)
    out.add(t["h1"], HEAD)
    for s in statuses:
        out.add([s.employee_id, s.name, s.tab, yn(s.signed), yn(s.disputed), yn(s.committee_pending), s.ruling,
                 open_count[s.employee_id], s.chaser], [TEXT] * 6 + [MARK, TEXT, TEXT])
    out.gap()
    out.add([t["s2"]], SECTION)
    out.add(t["h2"], HEAD)
    for r in sorted(remedies, key=lambda r: (r.due or date.max, r.employee_id, r.item)):
        late = r.overdue(today)
        state = t["done"] if r.done else t["overdue"] if late else t["open"] if r.due else t["no_due"]
        text, day = (RED, RED_DATE) if late else (TEXT, DATE)
        out.add([r.employee_id, r.name, items.get(r.item, r.item), r.action, r.owner, r.due, state,
                 t["done"] if r.done else ""], [text] * 5 + [day, text, MARK])
    if not remedies:
        out.add([t["none"]], TEXT)
    out.gap()
    out.add([t["s3"]], SECTION)
    out.add(t["h3"], HEAD)
    chasers = {s.employee_id: s.chaser for s in statuses}
    for day, due in monthly_meetings(remedies, today, work_days):
        if not due:
            out.add([day], [DATE])
        for r in due:
            text, when = (RED, RED_DATE) if r.overdue(today) else (TEXT, DATE)
            out.add([day, r.employee_id, r.name, items.get(r.item, r.item), r.action, r.owner, r.due,
                     chasers.get(r.employee_id, "")], [DATE, text, text, text, text, text, when, text])
    out.gap()
    out.add([t["s4"]], SECTION)
    out.add(t["h4"], HEAD)
    for c in conflicts:
        out.add([c.employee_id, c.tab, c.field, c.cell, c.master, c.other, c.source, ""], [RED] * 7 + [MARK])
    if not conflicts:
        out.add([t["none"]], TEXT)
    return SheetSpec(name, out.cells, col_widths={1: 12, 2: 12, 3: 16, 4: 24, 5: 16, 6: 16, 7: 30, 8: 12, 9: 12},
                     freeze="A2", kind=KIND)


# ------------------------------------------------------------------ the job


@dataclass
class CollectReport:
    """What a collect run did, for the CLI and the ribbon."""

    path: Path
    tab: str = ""
    sources: list[str] = field(default_factory=list)
    taken: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    remedies: list[Remedy] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reminders: list[Path] = field(default_factory=list)
    backup: Path | None = None
    unchanged: bool = False

    def overdue(self, today: date) -> list[Remedy]:
        return [r for r in self.remedies if r.overdue(today)]


def collect_workbook(path: str | Path, returned: Sequence[str | Path] = (), today: date | None = None,
                     reminders: str | Path | None = None, pdf: bool = False, password: str | None = None,
                     progress: Progress = lambda step: None, office: Any = None) -> CollectReport:
    """Merge, track and (optionally) remind; see the module docstring."""
    path, today = Path(path), today or date.today()
    report = CollectReport(path)
    progress("reading the returned copies")
    copies = []
    for other in map(Path, returned):
        if other.resolve() == path.resolve():
            continue
        copies.append(returned_tabs(other, password, report.notes))
        report.sources.append(other.name)
    table = read_employees(path)
    lang = table.language
    progress("merging into the interview tabs")
    with Workbook.open(path) as book, _calamine(path) as reader:
        settings = settings_from_grid(_grid(reader, _rules_sheet(book)), sheet_ref(_rules_sheet(book)))
        master = master_tabs(book, reader, report.notes)
        if not master:
            raise CollectError(f"{path.name} has no interview tabs yet: run interviews first")
        merged = merge(master, copies)
        report.taken, report.notes = merged.taken, report.notes + merged.notes
        for tab, cells in merged.fills.items():
            book.fill_unlocked(tab, cells)
        report.tab = _tracking_name(book, lang)
        marks = read_marks(_grid(reader, report.tab) if report.tab in book.sheet_names else None)
        report.conflicts = open_conflicts(merged.conflicts, marks, merged.values)
        report.statuses, report.remedies = _track(table, master, merged.values, marks, settings, lang)
        book.add_sheet(tracking_sheet(report.tab, report.statuses, report.remedies, report.conflicts, today,
                                      settings.work_days, lang), replace=True)
        progress("saving")
        report.backup = book.save()
        report.unchanged = book.unchanged
    if reminders is not None:
        from .reminders import write_reminders
        progress("writing reminder e-mails")
        report.reminders = write_reminders(path, report.remedies, table, settings, today, Path(reminders), pdf,
                                           office)
    return report


def _tracking_name(book: Workbook, lang: str) -> str:
    own = next((n for n in book.sheet_names if book.owner_kind(n) == KIND), None)
    if own:
        return own
    if SHEET[lang] in book.sheet_names:
        raise WorkbookError(f"{book.path.name}: a sheet named {SHEET[lang]!r} exists that this tool did not "
                            "make; rename it so the tracking tab can be written")
    return SHEET[lang]


def _track(table: EmployeeTable, master: dict[str, TabFields], values: dict[str, dict[str, Any]], marks: Marks,
           settings: InterviewSettings, lang: str) -> tuple[list[Status], list[Remedy]]:
    frame = table.frame
    people = {str(e): (str(n), str(lv)) for e, n, lv in zip(frame["employee_id"], frame["name"],
                                                            frame["level"] if "level" in frame else [""] * len(frame))}
    statuses, remedies = [], []
    for eid, tab in master.items():
        name, level = people.get(eid, ("", ""))
        statuses.append(status_of(eid, name, tab.tab, values[eid], marks.rulings.get(eid, ""),
                                  chaser_of(level, settings, lang)))
        remedies += remedies_of(eid, name, tab.tab, values[eid], marks.done)
    order = {str(e): i for i, e in enumerate(frame["employee_id"])}
    statuses.sort(key=lambda s: (order.get(s.employee_id, len(order)), s.employee_id))
    return statuses, remedies


__all__ = ["CollectError", "CollectReport", "Conflict", "Remedy", "Status", "collect_workbook", "merge",
           "monthly_meetings", "read_marks", "returned_tabs", "tracking_sheet"]
