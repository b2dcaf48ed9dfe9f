"""The Performance tab's buttons: one thin handler per button id.

Excel calls ``dispatch(button_id)`` through the add-in's one VBA callback
(``vba_shim/PerfRibbon.bas``). A handler never touches cells one by one: it
runs the same core function the CLI runs (``score_workbook``,
``write_interviews``, ``print_tabs`` …) on the workbook's **file**, and talks
to the user through a small ``Host``:

* ``XlwingsHost`` – live Excel: status-bar progress, screen updating off, the
  selection, message boxes. Because the core edits the file in place (and
  Excel locks an open file), a job that writes saves the workbook, closes it,
  runs, and opens it again at the sheet that was active; Excel's undo history
  does not survive that. A workbook Excel opened from OneDrive or SharePoint (its
  name there is a web address) runs on its synced local copy (``synced.py``); one
  with no local copy, or never saved, is refused with what to do.
* ``FileHost`` – a workbook file and no Excel: what the tests and
  ``perf-addin addin press`` use, so every button runs headless too.

Every failure reaches the user as one message with the reason, never a
traceback (unexpected errors are logged to ``perf-addin-ribbon.log`` in the
temp folder for support).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

from perf_addin.book.department import Problem, all_problems, read_employees
from perf_addin.book.session import DepartmentBook, open_book, opened
from perf_addin.errors import USER_ERRORS, UserError, message_in
from perf_addin.jobs.interviews import existing_tabs, interviews_book, print_tabs
from perf_addin.labels import label
from perf_addin.excel.synced import SyncPlaces, local_workbook, read_settings
from perf_addin.language import decide_language, text_language
from perf_addin.jobs.reconcile import reconcile_book, seal_lines
from perf_addin.jobs.score import ensure_rules_sheet, score_workbook
from perf_addin.domain.scoring import score_table
from perf_addin.jobs.seal import ENV_KEY, load_key
from perf_addin.jobs.share import share_workbook
from perf_addin.xlsx import Cell, Formula, SheetSpec, Style

TITLE = "Performance 绩效"
LOG_FILE = Path(tempfile.gettempdir()) / "perf-addin-ribbon.log"
INPUT_ERRORS_SHEET = {"zh": "输入错误", "en": "Input errors"}
INPUT_ERRORS_KIND = "input-errors"
INPUT_ERRORS_HEADERS = {"zh": ("单元格", "字段", "问题", "输入值"),
                        "en": ("Cell", "Field", "Problem", "Value")}
HEADER = Style(bold=True, fill="E2EFDA", border="thin")
# The buttons' messages, in the workbook's language (``EmployeeTable.language``).
TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "scored": "已为 {employees} 名员工中的 {scored} 名评分（{grades}）。",
        "problems": "{n} 处输入错误：点击“检查输入”查看清单。",
        "tabs_updated": "随新结果更新的反馈表：{tabs}",
        "stale": "{tabs} 表是按改动前的结果对的账，已标成红色：请点击“对账”重新对账。",
        "stale_calibration": "{tabs} 表是按改动前的结果校准的，已标成红色：请点击“校准”重新校准。", "held": "暂缓（输入有误，未生成反馈表）：{what}",
        "select_rows": "请先在 {sheet} 表中选择员工所在的行。", "no_rows": "选中的行中没有员工。",
        "written": "已写入 {n} 张反馈表（新建 {new} 张）。", "not_written": "未写入：{what}",
        "left": "已离开员工表的员工，其反馈表已保留：{tabs}",
        "no_tabs": "还没有反馈表：请先点击“反馈表”。", "printing": "正在把 {n} 张表打印为 PDF",
        "pdfs": "{n} 个 PDF 在 {folder}",
        "followed": "{n} 名员工：{signed} 人已签字，{committee} 人待委员会裁定；{open} 项措施未完成，{overdue} 项逾期。",
        "reminders": "{n} 份提醒邮件草稿在 {folder}（未发送）。",
        "conflict": "冲突：{tab} {field}：{master!r} / {other!r}",
        "calibrated": "校准表 {sheet}：{groups} 个校准组，建议调整 {moved} 人，并列 {ties} 组。",
        "calibrate_flags": "不符合配额：{flags}", "no_quotas": "规则表没有强制分布（U 列），只显示现有分布。",
        "paid": "为 {n} 名员工发放 {amount}。", "budget": "与预算相比：{amount}。",
        "differences": "{n} 处差异，{problems} 处输入错误。",
        "email": "在 {folder} 中：一份可发送的副本和 {n} 个加密数据包；给人事的密码清单在 {passwords}。",
        "email_leftover": "\n另有 {n} 个文件包属于已不在员工表中的员工，本次未发送（删除或保留，群发前请移走）：{who}",
        "listed": "{n} 处输入错误，已列在 {sheet} 表中。", "no_problems": "没有输入错误。",
        "unexpected": "意外错误（{kind}）：{error}\n详情：{log}",
        "save_first": "请先把工作簿保存到本机文件夹（或由 OneDrive 同步的文件夹），然后再点此按钮。",
        "no_button": "此加载项没有按钮 {button!r} 的操作；按钮有 {buttons}。请安装同一版本的加载项和 Python 包。",
    },
    "en": {
        "scored": "Scored {scored} of {employees} employees ({grades}).",
        "problems": "{n} input error(s): click Check inputs for the list.",
        "tabs_updated": "Feedback sheets updated to the new results: {tabs}",
        "stale": "The {tabs} sheet reconciles the results before this change and is now red: click Reconcile again.",
        "stale_calibration": "The {tabs} sheet calibrates the results before this change and is now red: "
                             "click Calibrate again.",
        "held": "Held back (input errors, no sheet): {what}",
        "select_rows": "Select employee rows on the sheet {sheet} first.",
        "no_rows": "The selection holds no employee rows.",
        "written": "{n} feedback sheet(s) written ({new} new).", "not_written": "Not written: {what}",
        "left": "Kept for employees no longer in the table: {tabs}",
        "no_tabs": "There are no feedback sheets yet: click Feedback sheets first.",
        "printing": "printing {n} sheets to PDF", "pdfs": "{n} PDF(s) in {folder}",
        "followed": "{n} employee(s): {signed} signed, {committee} awaiting the committee; {open} open remedies, "
                    "{overdue} overdue.",
        "reminders": "{n} reminder draft(s) in {folder} (not sent).",
        "conflict": "Conflict: {tab} {field}: {master!r} / {other!r}",
        "calibrated": "Calibration sheet {sheet}: {groups} group(s), {moved} proposed move(s), {ties} tie(s).",
        "calibrate_flags": "Off their quotas: {flags}",
        "no_quotas": "The rules sheet has no quota block (column U): the distribution is shown as it is.",
        "paid": "Paid {amount} for {n} employees.", "budget": "Against the budget: {amount}.",
        "differences": "{n} difference(s), {problems} input error(s).",
        "email": "In {folder}: a portable copy and {n} encrypted pack(s); passwords for HR in {passwords}.",
        "email_leftover": "\n{n} more pack(s) belong to employees no longer in the table and were not sent by "
                          "this run (delete or keep; move them out before mailing the folder): {who}",
        "listed": "{n} input error(s) listed on the sheet {sheet}.", "no_problems": "No input errors.",
        "unexpected": "Unexpected error ({kind}): {error}\nDetails: {log}",
        "save_first": "Save the workbook to a folder on this computer (or one that OneDrive syncs) first, then "
                      "press the button again.",
        "no_button": "This add-in has no action for the button {button!r}; the buttons are {buttons}. Install "
                     "the add-in and the Python package from the same version.",
    },
}


def _t(lang: str, key: str, **values: Any) -> str:
    return TEXTS[lang][key].format(**values)
LINK = Style(font_color="0563C1")


class RibbonError(UserError):
    """A reason to stop that the user can act on; shown as it is."""


class Host(Protocol):
    """What a handler may ask of wherever the workbook is open."""

    path: Path

    def file_job(self) -> Any:
        """Context manager: the workbook's file may be rewritten inside it."""

    def status(self, text: str | None) -> None: ...

    def message(self, text: str, error: bool = False) -> None: ...

    def screen_updating(self, on: bool) -> None: ...

    def selected_rows(self) -> tuple[str, list[int]]:
        """The active sheet's name and the 1-based rows of the selection."""

    def activate(self, sheet: str, cell: str = "A1") -> None: ...


# ------------------------------------------------------------------ hosts


@dataclass
class FileHost:
    """A workbook file with no Excel around it; records what Excel would show."""

    path: Path
    selection: tuple[str, list[int]] = ("", [])
    messages: list[tuple[str, bool]] = field(default_factory=list)
    statuses: list[str | None] = field(default_factory=list)
    active: tuple[str, str] | None = None
    echo: Callable[[str, bool], None] | None = None

    @contextmanager
    def file_job(self) -> Iterator[Path]:
        yield self.path

    def status(self, text: str | None) -> None:
        self.statuses.append(text)

    def message(self, text: str, error: bool = False) -> None:
        self.messages.append((text, error))
        if self.echo:
            self.echo(text, error)

    def screen_updating(self, on: bool) -> None:
        pass

    def selected_rows(self) -> tuple[str, list[int]]:
        return self.selection

    def activate(self, sheet: str, cell: str = "A1") -> None:
        self.active = (sheet, cell)


class XlwingsHost:
    """Live Excel through xlwings; only Excel can exercise this class."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self._path: Path | None = None

    @property
    def path(self) -> Path:
        """The workbook's file. Excel names a workbook opened from OneDrive or SharePoint
        by its web address; the jobs need the synced local copy (``synced.local_workbook``),
        and without one the button stops with what to do, in the workbook's language."""
        if self._path is None:
            self._path = local_workbook(_excel_full_name(self.book), this_computer(), _sheets_language(self.book))
        return self._path

    @contextmanager
    def file_job(self) -> Iterator[Path]:
        if not self.path.is_file():
            raise RibbonError(_t(_sheets_language(self.book), "save_first"))
        app, sheet = self.book.app, self.book.sheets.active.name
        self.book.save()
        self.book.close()  # Excel locks an open file; the core replaces it
        try:
            yield self.path
        finally:
            self.book = app.books.open(str(self.path))
            self.book.sheets[sheet].activate()

    def status(self, text: str | None) -> None:
        self.book.app.status_bar = text if text else False

    def message(self, text: str, error: bool = False) -> None:
        self.book.app.alert(text, title=TITLE, mode="critical" if error else "info")

    def screen_updating(self, on: bool) -> None:
        self.book.app.screen_updating = on

    def selected_rows(self) -> tuple[str, list[int]]:
        selection = self.book.selection
        if selection is None:
            return self.book.sheets.active.name, []
        rows: set[int] = set()
        for area in selection.areas:
            rows.update(range(area.row, area.row + area.rows.count))
        return selection.sheet.name, sorted(rows)

    def activate(self, sheet: str, cell: str = "A1") -> None:
        target = self.book.sheets[sheet]
        target.activate()
        target.range(cell).select()


def _excel_full_name(book: Any) -> str:
    """Excel's own name of the workbook, a web address for one opened from OneDrive or
    SharePoint (xlwings' ``book.fullname`` would resolve it itself, and fail where it
    cannot, before the button could say what to do)."""
    return book.api.FullName if sys.platform == "win32" else book.api.full_name.get()


def _sheets_language(book: Any) -> str:
    """The workbook's language from its sheet names (员工, 规则 …), for the messages
    given before its file can be read."""
    return decide_language(sheet.name for sheet in book.sheets)


def this_computer() -> SyncPlaces:
    """Where OneDrive and SharePoint sync to here: the OneDrive client's environment
    variables and registered folders (xlwings reads the registry), and the settings
    ONEDRIVE_CONSUMER_WIN, ONEDRIVE_COMMERCIAL_WIN, SHAREPOINT_WIN (``_MAC`` on macOS)
    from ``perf_addin.conf``, else from xlwings' own ``xlwings.conf``."""
    from xlwings.utils import get_url_to_mount, read_user_config

    from perf_addin.excel.addin_install import user_config_file

    settings = {k.upper(): v for k, v in read_user_config().items() if isinstance(v, str)}
    config = user_config_file()
    if config.is_file():
        settings.update(read_settings(config.read_text(encoding="utf-8", errors="replace")))
    return SyncPlaces.of(os.environ, Path.home(), settings, get_url_to_mount().items())


# ------------------------------------------------------------------ dispatch


def dispatch(button_id: str, host: Host | None = None) -> bool:
    """Run the handler of one ribbon button; True when it succeeded.

    Called by the add-in's VBA as ``dispatch('<button id>')``; without a host
    it works on ``xw.Book.caller()``.
    """
    if host is None:
        import xlwings as xw

        host = XlwingsHost(xw.Book.caller())
    handler = HANDLERS.get(button_id)
    if handler is None:
        host.message(_t(_host_language(host, ""), "no_button", button=button_id, buttons=", ".join(HANDLERS)),
                     error=True)
        return False
    host.screen_updating(False)
    try:
        handler(host)
        return True
    except USER_ERRORS as exc:
        host.message(message_in(exc, _host_language(host, str(exc))), error=True)
    except Exception as exc:  # the user gets the reason, support gets the traceback
        logging.basicConfig(filename=LOG_FILE, level=logging.ERROR)
        logging.getLogger(__name__).exception("ribbon button %s", button_id)
        host.message(_t(_host_language(host, str(exc)), "unexpected", kind=type(exc).__name__, error=exc,
                        log=LOG_FILE), error=True)
    finally:
        host.status(None)
        host.screen_updating(True)
    return False


def _host_language(host: Host, message: str) -> str:
    """The language of an error box: the workbook's when it can be read, else the message's."""
    try:
        return read_employees(host.path).language
    except Exception:  # noqa: BLE001 - only choosing the language of an error box
        return text_language(message)


# ------------------------------------------------------------------ handlers


def score(host: Host) -> None:
    """Score: writes the Score, Grade, Multiplier, Bonus and Input-check columns
    (``jobs.score.score_workbook``, as ``perf-addin score``); the feedback
    sheets already written are brought up to the new numbers in the same save."""
    with host.file_job() as path:
        report = score_workbook(path, host.status)
    lang = report.language
    grades = ", ".join(f"{code} {n}" for code, n in report.by_grade.items())
    lines = [_t(lang, "scored", scored=report.scored, employees=report.employees, grades=grades)]
    if report.problems:
        lines.append(_t(lang, "problems", n=len(report.problems)))
    if report.tabs_updated:
        lines.append(_t(lang, "tabs_updated", tabs=", ".join(report.tabs_updated[:10])))
    if report.stale:
        lines.append(_t(lang, "stale", tabs=", ".join(report.stale)))
    if report.stale_calibration:
        lines.append(_t(lang, "stale_calibration", tabs=", ".join(report.stale_calibration)))
    host.message("\n".join(lines))


def feedback_all(host: Host) -> None:
    """Feedback sheets: one feedback-interview sheet per employee, filled-in fields
    kept (``jobs.interviews.write_interviews``, as ``perf-addin interviews``)."""
    _feedback(host, None)


def feedback_selected(host: Host) -> None:
    """Feedback sheets for the selected rows: only the employees whose rows are
    selected in the employee table (``perf-addin interviews --only ID …``)."""
    sheet, rows = host.selected_rows()
    with open_book(host.path) as book:
        table = book.table
        if sheet != table.sheet:
            raise RibbonError(_t(table.language, "select_rows", sheet=table.sheet))
        position = {row: i for i, row in enumerate(table.rows)}
        ids = [table.frame["employee_id"].iat[position[r]] for r in rows if r in position]
        ids = list(dict.fromkeys(i for i in ids if i))
        if not ids:
            raise RibbonError(_t(table.language, "no_rows"))
    _feedback(host, ids)


def _feedback(host: Host, only: list[str] | None) -> None:
    with host.file_job() as path, open_book(path) as book:
        report = interviews_book(book, only=only, progress=host.status)
    lang = report.score.language
    lines = [_t(lang, "written", n=len(report.tabs), new=sum(t.new for t in report.tabs))]
    lines += [_t(lang, "not_written", what=s) for s in report.skipped[:10]]
    lines += [_t(lang, "held", what=s) for s in report.held[:10]]
    if report.left:
        lines.append(_t(lang, "left", tabs=", ".join(report.left)))
    host.message("\n".join(lines))
    if report.tabs:
        host.activate(report.tabs[0].tab)


def pdf_folder(path: Path) -> Path:
    """Where Print PDFs puts the files: beside the workbook, named after it."""
    return path.with_name(f"{path.stem} PDFs")


def print_pdfs(host: Host) -> None:
    """Print PDFs: each feedback sheet to a one-page A4 PDF in the folder
    '<workbook> PDFs' beside the workbook (``jobs.interviews.print_tabs``, LibreOffice)."""
    with open_book(host.path) as book:
        tabs = list(existing_tabs(book.writer).values())
        lang = book.language
        if not tabs:
            raise RibbonError(_t(lang, "no_tabs"))
        host.status(_t(lang, "printing", n=len(tabs)))
        pdfs = print_tabs(book, tabs, pdf_folder(host.path))
    host.message(_t(lang, "pdfs", n=len(pdfs), folder=pdf_folder(host.path)))


def invite_folder(path: Path) -> Path:
    """Where Schedule puts the .ics invitations: beside the workbook, named after it."""
    return Path(path).with_name(f"{Path(path).stem} invitations")


def schedule(host: Host) -> None:
    """Schedule: keeps every interview already planned and places the others over the
    next two weeks from tomorrow; writes the schedule tab, time and place into the
    feedback sheets, and .ics invitations (and cancellations) in '<workbook> invitations'
    (``jobs.schedule.schedule_workbook``, as ``perf-addin schedule``)."""
    from datetime import date, timedelta
    from perf_addin.jobs.schedule import schedule_workbook, summary_lines
    first = date.today() + timedelta(days=1)
    with host.file_job() as path:
        report = schedule_workbook(path, first, first + timedelta(days=13), invite_folder(path), host.status)
    head, sections, closing = summary_lines(report)
    lines = [head]
    for title, items in sections:
        lines += [f"{title}: {item}" for item in items[:5]]
    host.message("\n".join(lines + closing), error=report.failed)
    host.activate(report.tab)


def reminder_folder(path: Path) -> Path:
    """Where Follow-up puts the reminder drafts: beside the workbook, named after it."""
    return Path(path).with_name(f"{Path(path).stem} reminders")


def collect(host: Host) -> None:
    """Follow-up: reads what was filled into this workbook's feedback sheets, writes the
    tracking tab (跟踪) and unsent reminder drafts (.eml) in '<workbook> reminders'
    (``jobs.collect.collect_workbook``, as ``perf-addin collect BOOK --reminders DIR``).
    Returned copies are merged with the CLI, which takes their file names."""
    from datetime import date
    from perf_addin.jobs.collect import collect_workbook
    with host.file_job() as path:
        report = collect_workbook(path, reminders=reminder_folder(path), progress=host.status)
    lang, overdue = report.language, report.overdue(date.today())
    lines = [_t(lang, "followed", n=len(report.statuses), signed=sum(s.signed for s in report.statuses),
                committee=sum(s.committee_pending for s in report.statuses),
                open=sum(not r.done for r in report.remedies), overdue=len(overdue)),
             _t(lang, "reminders", n=len(report.reminders), folder=reminder_folder(path))]
    lines += [_t(lang, "conflict", tab=c.tab, field=label(c.field, lang), master=c.master, other=c.other)
              for c in report.conflicts[:5]]
    host.message("\n".join(lines))
    host.activate(report.tab)


def reconcile(host: Host) -> None:
    """Reconcile: finance's 对账 tab – every multiplier and bonus recomputed and
    compared, totals against the budget, the seal checked when a key is set in
    ``$PERF_ADDIN_SEAL_KEY`` (``jobs.reconcile.reconcile_book``, as ``perf-addin reconcile``)."""
    with host.file_job() as path, open_book(path) as book:
        key = load_key(lang=book.language) if os.environ.get(ENV_KEY) else None
        report = reconcile_book(book, key=key, progress=host.status)
    rec = report.rec
    lang = rec.snapshot.table.language
    lines = [_t(lang, "paid", amount=f"{rec.paid_total:,.2f}", n=len(rec.ids))]
    if rec.over_cents is not None:
        lines.append(_t(lang, "budget", amount=f"{rec.over_cents / 100:+,.2f}"))
    lines.append(_t(lang, "differences", n=len(rec.differences), problems=len(rec.problems)))
    lines += seal_lines(rec.seal, lang)
    host.activate(report.sheet)
    host.message("\n".join(lines), error=bool(rec.seal and rec.seal.problems))


def calibrate(host: Host) -> None:
    """Calibrate: the 校准 tab – counts per group against the quotas, who must move,
    ties, the record of calibrated grades, rater bias, the 9-box
    (``jobs.calibrate.calibrate_book``, as ``perf-addin calibrate``)."""
    from perf_addin.jobs.calibrate import calibrate_book  # loaded only by this button

    with host.file_job() as path, open_book(path) as book:
        report = calibrate_book(book, progress=host.status)
    lang = report.language
    lines = [] if report.quotas else [_t(lang, "no_quotas")]
    lines.append(_t(lang, "calibrated", sheet=report.sheet, groups=report.groups, moved=report.moved,
                    ties=report.ties))
    if report.flags:
        lines.append(_t(lang, "calibrate_flags", flags="；".join(report.flags) if lang == "zh"
                        else "; ".join(report.flags)))
    if report.problems:
        lines.append(_t(lang, "problems", n=len(report.problems)))
    host.activate(report.sheet)
    host.message("\n".join(lines))


def email_folder(path: Path) -> Path:
    """Where Prepare for email puts its files: beside the workbook, named after it."""
    return path.with_name(f"{path.stem} email")


def prepare_email(host: Host) -> None:
    """Prepare for email: in the folder '<workbook> email' beside the workbook, a
    portable copy (no PERF_* formulas) and one encrypted pack per employee with a
    password list for HR (``jobs.share.share_workbook``, as ``perf-addin share``)."""
    folder = email_folder(host.path)
    folder.mkdir(exist_ok=True)
    with host.file_job() as path:
        report = share_workbook(path, portable=folder / f"{path.stem} (portable){path.suffix}",
                                packs=folder / "packs", generate=True, progress=host.status)
    packs = report.packs
    text = _t(report.language, "email", folder=folder, n=len(packs.packs), passwords=packs.passwords.name)
    if packs.leftover:
        text += _t(report.language, "email_leftover", n=len(packs.leftover),
                   who=", ".join(f"{x.employee_id} {x.name}" for x in packs.leftover))
    host.message(text)


def rules(host: Host) -> None:
    """Rules: opens the rules sheet, first adding one with the default rules when
    the workbook has none (``jobs.score.ensure_rules_sheet``)."""
    with open_book(host.path) as book:
        sheet = book.rules_sheet  # the one lookup the formulas use
    if sheet is None:
        with host.file_job() as path:
            sheet, _ = ensure_rules_sheet(path)
    host.activate(sheet)


def check_inputs(host: Host) -> None:
    """Check inputs: lists every input error of the employee table on the sheet
    输入错误 / Input errors, each with a link to its cell (``department`` reader
    and scoring engine, as ``perf-addin score`` reports them)."""
    with host.file_job() as path, open_book(path) as book:
        table = book.table
        problems = input_problems(book)
        sheet = INPUT_ERRORS_SHEET[table.language]
        book.check_writable()
        book.writer.add_sheet(input_errors_sheet(sheet, problems, table.language), replace=True)
        book.save()
    host.activate(sheet, "A2" if problems else "A1")
    host.message(_t(table.language, "listed", n=len(problems), sheet=sheet) if problems
                 else _t(table.language, "no_problems"))


def input_problems(path: Path | DepartmentBook) -> list[Problem]:
    """Every input error, in sheet order: the reader's and the engine's."""
    with opened(path) as book:
        table, rules = book.table, book.rules
    scores = score_table(table.frame, rules)
    return all_problems(table, scores, rules)


def link_formula(cell: str) -> Formula:
    """``=HYPERLINK("#'员工'!G18","员工!G18")`` for a problem cell; a whole-row
    problem (``员工!7:7``) links to the row's first cell."""
    sheet, _, address = cell.rpartition("!")
    name = sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet
    target = f"A{address.split(':')[0]}" if ":" in address else address
    link = f"#'{name.replace(chr(39), chr(39) * 2)}'!{target}"
    return Formula(f'HYPERLINK("{_quoted(link)}","{_quoted(cell)}")', cached=cell)


def _quoted(text: str) -> str:
    return text.replace('"', '""')


def input_errors_sheet(name: str, problems: list[Problem], language: str) -> SheetSpec:
    """The Check-inputs sheet: a header row and one linked row per problem."""
    cells: dict[str, Any] = {f"{col}1": Cell(text, HEADER)
                             for col, text in zip("ABCD", INPUT_ERRORS_HEADERS[language])}
    for r, p in enumerate(problems, start=2):
        cells[f"A{r}"] = Cell(link_formula(p.cell), LINK)
        cells[f"B{r}"] = label(p.field, language)
        cells[f"C{r}"] = p.message
        cells[f"D{r}"] = _shown(p.value)
    if not problems:
        cells["A2"] = "没有输入错误" if language == "zh" else "No input errors"
    return SheetSpec(name, cells=cells, col_widths={1: 16, 2: 16, 3: 60, 4: 20}, freeze="A2",
                     kind=INPUT_ERRORS_KIND)


def _shown(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value if isinstance(value, (int, float, str)) else str(value)


HANDLERS: dict[str, Callable[[Host], None]] = {
    "perfScore": score,
    "perfFeedbackAll": feedback_all,
    "perfFeedbackSelected": feedback_selected,
    "perfPrintPdfs": print_pdfs,
    "perfSchedule": schedule,
    "perfCollect": collect,
    "perfCalibrate": calibrate,
    "perfReconcile": reconcile,
    "perfEmail": prepare_email,
    "perfRules": rules,
    "perfCheckInputs": check_inputs,
}

__all__ = ["FileHost", "HANDLERS", "Host", "RibbonError", "XlwingsHost", "dispatch", "input_errors_sheet",
           "input_problems", "invite_folder", "link_formula", "pdf_folder",
           "reminder_folder"]
