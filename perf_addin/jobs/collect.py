"""Collect and track: read back the interview tabs, merge copies, follow up (DOMAIN.md §6).

``collect_workbook(book, returned, today)`` reads the input fields of every
interview tab – in the master workbook and in copies that came back by e-mail –
and, in one writer session and one atomic save,

* types into the master's empty input fields what a returned copy filled in
  (``Workbook.fill_unlocked``: the tabs stay protected). A field both hold with
  different values keeps the master's value; both values, with file, tab and
  cell, go to the conflicts list – nothing is dropped silently;
* gives every formula of a tab that reads its inputs (the outcome line under
  达成一致 / Agreed) the cached value the form computes from what the inputs
  now hold (``tabs.refresh_dependent_cells``, built by the form's own builder):
  a reader that does not calculate (pandas, a preview) would otherwise miss a
  committee referral. Collect does not score, so the result cells are left as
  they are; an outcome an earlier run left stale is put right too;
* regenerates the tracking tab (``跟踪`` / ``Follow-up``, kind ``tracking``):
  per employee signed / disputed / committee pending / open remedies, the
  remedies with owner and due date (overdue ones in red), a monthly follow-up
  meeting list with the person who chases, and the conflicts.

Returned copies are full workbooks (tabs matched by the employee ID of their
kind marker) or the per-employee packs of ``share.py``. Packs carry no marker:
their tab is found by the employee ID in ``ID_CELL`` and its remedy lines by
the item labels in column A. Encrypted packs are opened with the passwords
``share`` listed (``returned.py``).

Only the interview tabs' input fields are merged: the employee table is HR's. A
value of a returned copy's table (a portable copy's 员工, a pack's 结果) that
differs from the master's is listed in ``CollectReport.unmerged`` for HR to
change by hand (``unmerged.py``), and the CLI exits non-zero.

A returned file that cannot be read – no password, a wrong one, not a workbook,
refused by the writer's checks (``Workbook.open``: an old .xls, a damaged
package …), no interview tab – is listed in ``CollectReport.unreadable`` with
the reason; every other file is still merged, and the CLI exits non-zero.

The tracking tab is protected without a password, so a note typed anywhere else
cannot be wiped by the next run; four columns are unlocked for people and survive
regeneration, because v1 interview tabs have no field for them: ``委员会裁定 /
Committee ruling`` and ``备注 / Notes`` per employee, ``已完成 / Done`` per remedy
and ``已处理 / Resolved`` per conflict. A conflict – resolved or not, both values
shown – is carried over until the master's field holds the returned value.

With ``reminders`` it writes one unsent e-mail draft (.eml) per remedy owner
(``reminders.py``).
"""

from __future__ import annotations

import tempfile
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from perf_addin.book.department import EmployeeTable
from perf_addin.book.session import DepartmentBook, open_book
from perf_addin.book.source import BookSource
from perf_addin.errors import UserError
from perf_addin.forms.interview_form import ID_CELL, ITEM_KEYS, OTHER, TEXTS, facilitator, input_cells, parse_kind
from perf_addin.domain.holidays import holiday_dates, holidays_from_grid
from perf_addin.domain.interview_settings import InterviewSettings
from perf_addin.labels import form_field_key, label as field_label
from perf_addin.jobs.interviews import existing_tabs, filled_fields
from perf_addin.jobs.tabs import refresh_dependent_cells
from perf_addin.book.returned import Passwords, UnreadableFile, readable_copies, returned_files
from perf_addin.jobs.unmerged import Unmerged, differences, table_values
from perf_addin.xlsx import Cell, Margins, PrintSetup, Protection, SheetSpec, Style, Workbook, WorkbookError
from perf_addin.xlsx.refs import parse_cell

Progress = Callable[[str], None]
KIND = "tracking"
SHEET = {"zh": "跟踪", "en": "Follow-up"}
PACK_TABS = ("绩效反馈面谈", "Feedback interview")
OVERDUE_FILL = "FFC7CE"
YES = {TEXTS["zh"]["yes_no"][0], TEXTS["en"]["yes_no"][0]}
NO = {TEXTS["zh"]["yes_no"][1], TEXTS["en"]["yes_no"][1]}
SIGNERS = ("sign.employee", "sign.supervisor", "sign.facilitator")

#: what collect says, in the workbook's language (notes, reasons, the CLI's lines)
MESSAGES: dict[str, dict[str, str]] = {
    "zh": {
        "no_tab": "其中没有面谈表",
        "unknown_form": "{file} / {tab}：不是本版本认识的面谈表，已跳过",
        "bad_layout": "{tab}：面谈表版式未知（{error}），未收集",
        "no_master_tab": "{file} / {tab}：员工 {eid} 在主表中还没有面谈表；请先生成面谈表——此份未合并",
        "no_interviews": "{name} 中还没有面谈表：请先生成面谈表",
        "foreign_tab": "{name}：已有一个名为“{tab}”的工作表不是本工具生成的；请改名，以便写入跟踪表",
        "pdf_needs_reminders": "--pdf 是给提醒邮件附 PDF 的：请同时给出 --reminders DIR",
        "summary": "跟踪表 [bold]{tab}[/]：{n} 名员工，{signed} 人已签字，{disputed} 人有异议，"
                   "{pending} 人待委员会裁定；未完成措施 {open} 项",
        "taken": "{cell}（{field}）= {value!r}，来自 {where}",
        "merged": "从返回的文件合并", "conflicts": "冲突（两个值都保留；主表保留自己的值）",
        "conflict": "{tab}!{cell} {field}：主表 {master!r}，{source}：{other!r}",
        "overdue": "已逾期", "overdue_line": "{name}（{eid}）{item}：{action}——{owner}，完成日期 {due}",
        "notes": "说明", "unreadable": "无法读取的返回文件（其余已合并）",
        "unmerged": "未合并：只合并面谈表的填写项，员工表和结果以主表为准",
        "reminders": "提醒邮件草稿（未发送）：[bold]{n}[/] 封 .eml，在 [bold]{folder}[/]",
        "unchanged": "没有变化：工作簿已包含这些内容。",
        "saved": "已保存。之前的版本在 [bold]{backup}[/]",
        "p_read": "读取返回的文件", "p_merge": "合并到面谈表", "p_save": "保存", "p_remind": "写出提醒邮件",
    },
    "en": {
        "no_tab": "no interview tab in it",
        "unknown_form": "{file} / {tab}: not an interview form this version knows; skipped",
        "bad_layout": "{tab}: unknown interview layout ({error}); not collected",
        "no_master_tab": "{file} / {tab}: employee {eid} has no interview tab in the master; run interviews "
                         "first – nothing of it was merged",
        "no_interviews": "{name} has no interview tabs yet: run interviews first",
        "foreign_tab": "{name}: a sheet named {tab!r} exists that this tool did not make; rename it so the "
                       "tracking tab can be written",
        "pdf_needs_reminders": "--pdf attaches PDFs to the reminders: give --reminders DIR too",
        "summary": "Tracking tab [bold]{tab}[/]: {n} employees, {signed} signed, {disputed} disputed, "
                   "{pending} awaiting the committee; {open} open remedies",
        "taken": "{cell} ({field}) = {value!r} from {where}",
        "merged": "Merged from returned copies", "conflicts": "Conflicts (both values kept; the master keeps "
                                                              "its own)",
        "conflict": "{tab}!{cell} {field}: master {master!r}, {source}: {other!r}",
        "overdue": "Overdue", "overdue_line": "{name} ({eid}) {item}: {action} – {owner}, due {due}",
        "notes": "Notes", "unreadable": "Returned files that could not be read (the others were merged)",
        "unmerged": "Not merged: only the interview tabs' fields are merged; the employee table and results "
                    "are the master's",
        "reminders": "Reminder drafts (not sent): [bold]{n}[/] .eml in [bold]{folder}[/]",
        "unchanged": "Nothing changed: the workbook already held all of this.",
        "saved": "Saved. The previous version is in [bold]{backup}[/]",
        "p_read": "reading the returned copies", "p_merge": "merging into the interview tabs", "p_save": "saving",
        "p_remind": "writing reminder e-mails",
    },
}


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


def master_tabs(book: Workbook, reader: Any, notes: list[str], lang: str = "en") -> dict[str, TabFields]:
    """Employee ID -> the master's interview tab and its filled fields."""
    out = {}
    for eid, tab in existing_tabs(book).items():
        kind = parse_kind(book.owner_kind(tab))
        try:
            out[eid] = _fields(reader.grid(tab), book.path.name, tab, kind.version, kind.remedies)
        except ValueError as exc:
            notes.append(MESSAGES[lang]["bad_layout"].format(tab=tab, error=exc))
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


def returned_tabs(path: Path, password: Passwords | str | None, notes: list[str],
                  lang: str = "en") -> dict[str, TabFields]:
    """Employee ID -> tab fields of one returned file (full workbook or pack).

    Raises ``UnreadableFile`` (with the reason, in ``lang``) for a file that cannot
    be read: the writer's own refusals apply, as for every command."""
    keys = password if isinstance(password, Passwords) else Passwords(single=password)
    with tempfile.TemporaryDirectory(prefix="perf-addin-collect-") as tmp:
        local = readable_copies([path], keys, lang, Path(tmp))[path]
        if isinstance(local, UnreadableFile):
            raise local
        return read_returned(path, local, notes, lang)


def read_returned(path: Path, local: Path, notes: list[str], lang: str) -> dict[str, TabFields]:
    """The tabs of returned file ``path``, read from ``local`` (itself or its decrypted copy)."""
    try:
        out = _tabs_of(path, local, notes, lang)
    except UserError as exc:  # the writer's refusal, or calamine's, for this one file
        reason = exc.in_language(lang)
        for prefix in (f"{local.name}: ", f"{local.name}："):
            reason = reason.removeprefix(prefix)
        raise UnreadableFile(reason) from None
    if not out:
        raise UnreadableFile(MESSAGES[lang]["no_tab"])
    return out


def _tabs_of(path: Path, local: Path, notes: list[str], lang: str) -> dict[str, TabFields]:
    out: dict[str, TabFields] = {}
    with Workbook.open(local) as book, BookSource.open(local) as reader:
        out.update({eid: replace_source(t, path.name) for eid, t in master_tabs(book, reader, notes, lang).items()})
        for name in book.sheet_names:
            if name not in PACK_TABS or book.owner_kind(name) is not None:
                continue
            grid = reader.grid(name)
            remedies = pack_remedies(grid or [])
            eid = _id(_cell(grid, ID_CELL))
            if remedies is None or not eid:
                notes.append(MESSAGES[lang]["unknown_form"].format(file=path.name, tab=name))
                continue
            out.setdefault(eid, _fields(grid, path.name, name, "v1", remedies))
    return out


def replace_source(tab: TabFields, source: str) -> TabFields:
    return TabFields(source, tab.tab, tab.cells, tab.values)


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
    resolved: str = ""  # what a person typed into 已处理 / Resolved

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


def merge(master: dict[str, TabFields], returned: Sequence[dict[str, TabFields]], lang: str = "en") -> Merge:
    """Fill the master's empty fields from the returned copies, in the order given;
    list every differing value as a conflict. Pure."""
    result = Merge({eid: dict(t.values) for eid, t in master.items()})
    for copy in returned:
        for eid, theirs in copy.items():
            mine = master.get(eid)
            if mine is None:
                result.notes.append(MESSAGES[lang]["no_master_tab"].format(file=theirs.source, tab=theirs.tab,
                                                                            eid=eid))
                continue
            _merge_tab(eid, mine, theirs, result, lang)
    return result


def _merge_tab(eid: str, mine: TabFields, theirs: TabFields, result: Merge, lang: str) -> None:
    merged = result.values[eid]
    for fid, value in theirs.values.items():
        where = f"{theirs.source} / {theirs.tab}!{theirs.cells[fid]}"
        if fid not in mine.cells:
            result.conflicts.append(Conflict(eid, mine.tab, fid, "", "", shown(value), where))
            continue
        if fid not in merged:
            merged[fid] = value
            result.fills.setdefault(mine.tab, {})[mine.cells[fid]] = value
            result.taken.append(MESSAGES[lang]["taken"].format(cell=f"{mine.tab}!{mine.cells[fid]}",
                                                               field=field_label(fid, lang), value=shown(value),
                                                               where=where))
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
    note: str = ""  # typed into 备注 / Notes

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


def first_work_day(year: int, month: int, work_days: Sequence[int],
                   holidays: frozenset[date] = frozenset()) -> date:
    """The month's first day that is a work day and no holiday (the rules sheet's, ``holidays.py``)."""
    day = date(year, month, 1)
    while day.weekday() not in work_days or day in holidays:
        day += timedelta(days=1)
    return day


def monthly_meetings(remedies: Sequence[Remedy], today: date, work_days: Sequence[int],
                     holidays: frozenset[date] = frozenset()) -> list[tuple[date, list[Remedy]]]:
    """Monthly follow-up meetings on the first working day (no holiday) of each month, from the next
    one on or after ``today`` to the month of the last due date. Each lists the open
    remedies due that month; overdue ones and those without a date go to the first."""
    open_ = [r for r in remedies if not r.done]
    if not open_:
        return []
    year, month = today.year, today.month
    if first_work_day(year, month, work_days, holidays) < today:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    last = max((r.due for r in open_ if r.due), default=today)
    meetings: list[tuple[date, list[Remedy]]] = []
    while (year, month) <= (last.year, last.month) or not meetings:
        day = first_work_day(year, month, work_days, holidays)
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
                  "跟进人", "备注"),
           "h2": ("工号", "姓名", "项目", "具体措施", "负责人", "完成日期", "状态", "已完成"),
           "h3": ("会议日期", "工号", "姓名", "项目", "具体措施", "负责人", "完成日期", "跟进人"),
           "h4": ("工号", "面谈表", "字段", "单元格", "主表中的值", "另一份的值", "来源", "已处理"),
           "yes": "是", "no": "否", "open": "进行中", "overdue": "已逾期", "done": "已完成",
           "no_due": "无完成日期", "none": "（无）",
           "legend": "黄色的“委员会裁定”“备注”“已完成”“已处理”由人填写，重新生成时保留（其余受保护，无密码）；"
                     "已处理的冲突保留到主表的值与另一份相同；逾期项红色标出。",
           "footer": "&L&A&R第 &P 页，共 &N 页"},
    "en": {"title": "Follow-up (as of {today})", "s1": "1. Employees", "s2": "2. Agreed remedies",
           "s3": "3. Monthly follow-up meetings",
           "s4": "4. Conflicts: two copies differ, both kept (the master keeps its value)",
           "h1": ("Employee ID", "Name", "Interview tab", "Signed", "Disputed", "Committee pending",
                  "Committee ruling", "Open remedies", "Chaser", "Notes"),
           "h2": ("Employee ID", "Name", "Item", "Action", "Owner", "Due", "Status", "Done"),
           "h3": ("Meeting", "Employee ID", "Name", "Item", "Action", "Owner", "Due", "Chaser"),
           "h4": ("Employee ID", "Interview tab", "Field", "Cell", "Master value", "Other value", "Source",
                  "Resolved"),
           "yes": "Yes", "no": "No", "open": "open", "overdue": "overdue", "done": "done",
           "no_due": "no due date", "none": "(none)",
           "legend": "The yellow Committee ruling, Notes, Done and Resolved cells are filled in by people and "
                     "kept when the tab is regenerated (the rest is protected, no password); a resolved conflict "
                     "stays listed until the master holds the other value; overdue items are red.",
           "footer": "&L&A&RPage &P of &N"},
}
TITLE = Style(bold=True, font_size=13, valign="center")
NOTE = Style(italic=True, font_size=9, font_color="595959", wrap=True, valign="top")
SECTION = Style(bold=True, font_color="FFFFFF", fill="1F4E79")
HEAD = Style(bold=True, fill="DDEBF7", border="thin", wrap=True)
TEXT = Style(border="thin", wrap=True, valign="top")
DATE = Style(border="thin", num_format="yyyy-mm-dd", halign="center")
RED = Style(border="thin", wrap=True, valign="top", fill=OVERDUE_FILL, font_color="9C0006")
RED_DATE = Style(border="thin", num_format="yyyy-mm-dd", halign="center", fill=OVERDUE_FILL, font_color="9C0006")
MARK = Style(border="thin", fill="FFF2CC", halign="center", locked=False)
NOTE_INPUT = Style(border="thin", fill="FFF2CC", wrap=True, valign="top", locked=False)
#: the columns of the employees' section before 备注 / Notes: a tab written before it
#: existed is still read
KEPT_H1 = 9


@dataclass(frozen=True)
class Marks:
    """What people typed into the tracking tab's own columns."""

    rulings: dict[str, str] = field(default_factory=dict)  # employee ID -> ruling
    done: set[tuple[str, str]] = field(default_factory=set)  # (employee ID, item key)
    notes: dict[str, str] = field(default_factory=dict)  # employee ID -> note
    conflicts: list[Conflict] = field(default_factory=list)  # the earlier list, resolved marks included


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


def _field_id(text: str) -> str:
    """The field id a conflict's label (either language) stands for; the check-item
    labels of earlier versions carried the section name first (自查清单·…)."""
    fid = form_field_key(text)
    if fid == text and ("·" in text or " – " in text):
        fid = form_field_key(text.split("·" if "·" in text else " – ", 1)[1])
    return fid


def _item_key(label: str) -> str:
    return next((k for lang in TEXTS for k, v in TEXTS[lang]["items"].items() if v == label), label)


def read_marks(grid: list[list[Any]] | None) -> Marks:
    """The people's columns of an earlier tracking tab (either language)."""
    marks = Marks()
    for t in _T.values():
        for row in _rows_after(grid or [], t["h1"][:KEPT_H1]):
            if row[6]:
                marks.rulings[row[0]] = row[6]
            if row[KEPT_H1]:
                marks.notes[row[0]] = row[KEPT_H1]
        for row in _rows_after(grid or [], t["h2"]):
            if row[7]:
                marks.done.add((row[0], _item_key(row[2])))
        for row in _rows_after(grid or [], t["h4"]):
            marks.conflicts.append(Conflict(row[0], row[1], _field_id(row[2]), row[3], row[4],
                                            row[5], row[6], row[7]))
    return marks


def open_conflicts(found: Sequence[Conflict], marks: Marks, values: dict[str, dict[str, Any]]) -> list[Conflict]:
    """This run's conflicts plus the earlier ones, each once, with the resolved mark a
    person typed (a resolved conflict stays listed, both values shown), without those
    whose master field now holds the other value."""
    marked = {c.key: c.resolved for c in marks.conflicts if c.resolved}
    out: dict[tuple[str, str, str, str], Conflict] = {}
    for c in [*marks.conflicts, *found]:
        current = shown(values.get(c.employee_id, {}).get(c.field)) if c.cell else c.master
        if c.cell and current == c.other:
            continue
        out[c.key] = Conflict(c.employee_id, c.tab, c.field, c.cell, current, c.other, c.source,
                              marked.get(c.key, ""))
    return list(out.values())


COL_WIDTHS = {1: 12, 2: 12, 3: 16, 4: 24, 5: 16, 6: 16, 7: 30, 8: 12, 9: 12, 10: 24}
WIDTH = len(COL_WIDTHS)
LINE_HEIGHT = 15.0  # points per line of 11-point text, CJK fonts included
_PAD = 3.0


def text_units(text: str) -> int:
    """Width of a text in column-width units: a CJK or full-width character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def lines_needed(value: Any, width: float) -> int:
    """Lines a wrapped cell of ``width`` characters needs for ``value`` (an upper bound:
    a row a little too tall is better than a line cut off in print)."""
    room = max(int(width), 1)
    text = shown(value)
    return sum(max(1, -(-text_units(part) // room)) for part in text.split("\n")) if text else 1


class _Rows:
    """Appends rows of cells to a sheet description, each row as tall as its wrapped
    text needs (LibreOffice and Excel keep a row's stored height when printing, so a
    row left at the default height would draw its second line over the row above)."""

    def __init__(self) -> None:
        self.cells: dict[str, Cell] = {}
        self.heights: dict[int, float] = {}
        self.merges: list[str] = []
        self.row = 0

    def add(self, values: Sequence[Any], styles: Sequence[Style] | Style = TEXT) -> None:
        self.row += 1
        lines = 1
        for c, value in enumerate(values):
            style = styles if isinstance(styles, Style) else styles[c]
            blank = value is None or value == ""
            if not blank or style is not TEXT:
                self.cells[f"{chr(65 + c)}{self.row}"] = Cell(None if blank else value, style)
            if not blank and style.wrap:
                lines = max(lines, lines_needed(value, COL_WIDTHS[c + 1]))
        self.heights[self.row] = lines * LINE_HEIGHT + _PAD

    def banner(self, text: str, style: Style, font: float = 11) -> None:
        """One text across the whole width (title, legend, section)."""
        self.row += 1
        self.cells[f"A{self.row}"] = Cell(text, style)
        self.merges.append(f"A{self.row}:{chr(64 + WIDTH)}{self.row}")
        lines = lines_needed(text, sum(COL_WIDTHS.values()) * 11 / font) if style.wrap else 1
        self.heights[self.row] = lines * LINE_HEIGHT * font / 11 + _PAD

    def gap(self) -> None:
        self.row += 1


def tracking_sheet(name: str, statuses: Sequence[Status], remedies: Sequence[Remedy],
                   conflicts: Sequence[Conflict], today: date, work_days: Sequence[int], lang: str,
                   holidays: frozenset[date] = frozenset()) -> SheetSpec:
    """The tracking tab as a sheet description. Pure.

    Printed on A4 landscape, fitted to the page width and as many pages down as it
    needs, the title rows repeated on every page, page numbers in the footer."""
    t = _T[lang]
    yn = (lambda flag: t["yes"] if flag else t["no"])
    items = TEXTS[lang]["items"]
    out = _Rows()
    out.banner(t["title"].format(today=today.isoformat()), TITLE, 13)
    out.banner(t["legend"], NOTE, 9)
    out.gap()
    open_count = {s.employee_id: sum(not r.done for r in remedies if r.employee_id == s.employee_id)
                  for s in statuses}
    out.banner(t["s1"], SECTION)
    out.add(t["h1"], HEAD)
    for s in statuses:
        out.add([s.employee_id, s.name, s.tab, yn(s.signed), yn(s.disputed), yn(s.committee_pending), s.ruling,
                 open_count[s.employee_id], s.chaser, s.note], [TEXT] * 6 + [MARK, TEXT, TEXT, NOTE_INPUT])
    out.gap()
    out.banner(t["s2"], SECTION)
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
    out.banner(t["s3"], SECTION)
    out.add(t["h3"], HEAD)
    chasers = {s.employee_id: s.chaser for s in statuses}
    for day, due in monthly_meetings(remedies, today, work_days, holidays):
        if not due:
            out.add([day], [DATE])
        for r in due:
            text, when = (RED, RED_DATE) if r.overdue(today) else (TEXT, DATE)
            out.add([day, r.employee_id, r.name, items.get(r.item, r.item), r.action, r.owner, r.due,
                     chasers.get(r.employee_id, "")], [DATE, text, text, text, text, text, when, text])
    out.gap()
    out.banner(t["s4"], SECTION)
    out.add(t["h4"], HEAD)
    for c in conflicts:
        out.add([c.employee_id, c.tab, field_label(c.field, lang), c.cell, c.master, c.other, c.source,
                 c.resolved], [TEXT if c.resolved else RED] * 7 + [MARK])
    if not conflicts:
        out.add([t["none"]], TEXT)
    setup = PrintSetup(paper="A4", landscape=True, fit_width=1, fit_height=0, repeat_rows=(1, 2),
                       margins=Margins(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.25, footer=0.3),
                       print_area=f"A1:{chr(64 + WIDTH)}{out.row}", center_horizontally=True,
                       footer=t["footer"])
    return SheetSpec(name, out.cells, merges=out.merges, col_widths=COL_WIDTHS, row_heights=out.heights,
                     print_setup=setup, freeze="A3", kind=KIND, protection=Protection(format_rows=True))


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
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (file, why) of files not read
    unmerged: list[Unmerged] = field(default_factory=list)  # employee-table values a copy changed
    reminders: list[Path] = field(default_factory=list)
    no_address: list[str] = field(default_factory=list)  # reminder owners without an e-mail address
    backup: Path | None = None
    unchanged: bool = False
    language: str = "en"

    def overdue(self, today: date) -> list[Remedy]:
        return [r for r in self.remedies if r.overdue(today)]


def collect_workbook(path: str | Path, returned: Sequence[str | Path] = (), today: date | None = None,
                     reminders: str | Path | None = None, pdf: bool = False, password: str | None = None,
                     progress: Progress = lambda step: None, office: Any = None,
                     passwords: Sequence[str | Path] = ()) -> CollectReport:
    """Merge, track and (optionally) remind; see the module docstring.

    ``passwords`` are password lists written by ``share`` (default: the
    ``passwords.csv`` beside each returned file); ``password`` is tried for an
    encrypted file none of them lists."""
    with open_book(path) as book:
        return collect_book(book, returned, today, reminders, pdf, password, progress, office, passwords)


def collect_book(session: DepartmentBook, returned: Sequence[str | Path] = (), today: date | None = None,
                 reminders: str | Path | None = None, pdf: bool = False, password: str | None = None,
                 progress: Progress = lambda step: None, office: Any = None,
                 passwords: Sequence[str | Path] = ()) -> CollectReport:
    """``collect_workbook`` on a workbook a command has open (read once, saved once)."""
    path, today = session.path, today or date.today()
    book = session.writer  # the writer's refusals, before anything else is read
    table = session.table
    lang = table.language
    report = CollectReport(path, language=lang)
    keys = Passwords([Path(p) for p in passwords], password)
    progress(MESSAGES[lang]["p_read"])
    files = [f for f in returned_files(returned) if not (f.exists() and f.resolve() == path.resolve())]
    copies, ours = [], table_values(session) if files else {}
    with tempfile.TemporaryDirectory(prefix="perf-addin-collect-") as tmp:
        for other, local in readable_copies(files, keys, lang, Path(tmp)).items():
            try:
                if isinstance(local, UnreadableFile):
                    raise local
                copies.append(read_returned(other, local, report.notes, lang))
            except UnreadableFile as exc:
                report.unreadable.append((other.name, str(exc).removeprefix(f"{other.name}: ")))
                continue
            report.sources.append(other.name)
            report.unmerged += differences(ours, table_values(local), other.name)
    progress(MESSAGES[lang]["p_merge"])
    reader = session
    rules_grid, rules_ref = session.rules_grid, session.rules_ref
    settings = session.settings
    holidays = holiday_dates(holidays_from_grid(rules_grid, rules_ref, lang))
    master = master_tabs(book, reader, report.notes, lang)
    if not master:
        raise CollectError(MESSAGES[lang]["no_interviews"].format(name=path.name))
    merged = merge(master, copies, lang)
    report.taken, report.notes = merged.taken, report.notes + merged.notes
    for tab, cells in merged.fills.items():
        book.fill_unlocked(tab, cells)
    for eid, tab in master.items():  # the formulas reading those inputs cache what they now compute
        refresh_dependent_cells(session, tab.tab, merged.values[eid])
    report.tab = _tracking_name(book, lang)
    marks = read_marks(reader.grid(report.tab) if report.tab in book.sheet_names else None)
    listed = open_conflicts(merged.conflicts, marks, merged.values)
    report.conflicts = [c for c in listed if not c.resolved]
    report.statuses, report.remedies = _track(table, master, merged.values, marks, settings, lang)
    book.add_sheet(tracking_sheet(report.tab, report.statuses, report.remedies, listed, today,
                                  settings.work_days, lang, holidays), replace=True)
    progress(MESSAGES[lang]["p_save"])
    report.backup = session.save()
    report.unchanged = session.unchanged
    if reminders is not None:
        from perf_addin.jobs.reminders import write_reminders
        progress(MESSAGES[lang]["p_remind"])
        report.reminders, report.no_address = write_reminders(session, report.remedies, table, settings, today,
                                                              Path(reminders), pdf, office)
    return report


def _tracking_name(book: Workbook, lang: str) -> str:
    own = next((n for n in book.sheet_names if book.owner_kind(n) == KIND), None)
    if own:
        return own
    if SHEET[lang] in book.sheet_names:
        raise WorkbookError(MESSAGES[lang]["foreign_tab"].format(name=book.path.name, tab=SHEET[lang]))
    return SHEET[lang]


def _track(table: EmployeeTable, master: dict[str, TabFields], values: dict[str, dict[str, Any]], marks: Marks,
           settings: InterviewSettings, lang: str) -> tuple[list[Status], list[Remedy]]:
    frame = table.frame
    people = {str(e): (str(n), str(lv)) for e, n, lv in zip(frame["employee_id"], frame["name"],
                                                            frame["level"] if "level" in frame else [""] * len(frame))}
    statuses, remedies = [], []
    for eid, tab in master.items():
        name, level = people.get(eid, ("", ""))
        statuses.append(replace(status_of(eid, name, tab.tab, values[eid], marks.rulings.get(eid, ""),
                                          chaser_of(level, settings, lang)), note=marks.notes.get(eid, "")))
        remedies += remedies_of(eid, name, tab.tab, values[eid], marks.done)
    order = {str(e): i for i, e in enumerate(frame["employee_id"])}
    statuses.sort(key=lambda s: (order.get(s.employee_id, len(order)), s.employee_id))
    return statuses, remedies


__all__ = ["MESSAGES", "CollectError", "CollectReport", "Conflict", "Passwords", "Remedy", "Status",
           "UnreadableFile", "collect_book", "collect_workbook", "encrypted_package", "merge", "monthly_meetings", "read_marks",
           "returned_tabs", "tracking_sheet"]
