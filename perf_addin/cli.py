"""The command line: everything the ribbon does, headless, on a workbook file.

    perf-addin demo                 score a copy of the bundled sample department
    perf-addin score BOOK.xlsx      score everyone in place
    perf-addin interviews BOOK.xlsx [--only ID ...] [--pdf DIR]
                                    one feedback-interview tab per employee (and PDFs)
    perf-addin schedule BOOK.xlsx --from DATE --to DATE [--ics DIR] [--replan [ID ...]]
                                    keep what is planned, place the other interviews:
                                    schedule tab, time and place in each interview tab,
                                    calendar invitations and cancellations
    perf-addin collect BOOK.xlsx [RETURNED.xlsx ...] [--passwords FILE] [--today DATE]
                     [--reminders DIR [--pdf]]
                                    merge filled-in interview tabs from returned copies,
                                    the tracking tab (跟踪), reminder e-mail drafts;
                                    exit 1 when a returned file could not be read
    perf-addin addin build|udfs|install|uninstall|press
                                    the Excel add-in: build it from vba_shim/, install
                                    it, or press one of its ribbon buttons on a file
    perf-addin reconcile BOOK.xlsx [--budget AMOUNT] [--fit-budget] [--diff OLD.xlsx] [--key-file F]
                     [--pdf FILE]   finance's 对账 tab: recompute, compare, totals, budget;
                                    --fit-budget: the bonuses scaled to the pool, to the cent
    perf-addin seal BOOK.xlsx [--key-file F] [--create-key]
                                    sign every employee's bonus-relevant values
    perf-addin share BOOK.xlsx [--portable OUT.xlsx [--values]] [--packs DIR [--only ID ...]
                     [--password-column H | --generate-passwords] [--pdf]]
                                    a copy safe to email, and per-employee packs

Errors are one clear line (exit status 2), never a traceback.  ``--lang zh|en`` on a
command that writes sets the workbook's language (remembered on its rules sheet);
everything the tool says about a workbook is in that language.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from rich.console import Console
from rich.markup import escape

from perf_addin import __version__
from perf_addin.errors import USER_ERRORS, message_in
from perf_addin.labels import DEFAULT_LANGUAGE, LANGUAGES, label, shown

# The jobs (and through them pandas, numpy, lxml) are imported by the command that
# runs them, not here: every ribbon press starts this program, and --help or a
# mistyped argument should answer at once.
if TYPE_CHECKING:
    from perf_addin.jobs.collect import CollectReport
    from perf_addin.jobs.interviews import InterviewReport
    from perf_addin.jobs.schedule import ScheduleReport
    from perf_addin.jobs.score import ScoreReport

SAMPLE = Path(__file__).resolve().parents[1] / "workbook" / "sample_department.xlsx"
MAX_PROBLEMS_SHOWN = 30
INCLUDE_ERRORS_HELP = "also employees whose inputs have errors, each marked on every output"

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False, soft_wrap=True)

# The CLI's own lines, in the workbook's language (the commands' reports say which).
TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "error": "错误：", "interrupted": "已中断；工作簿未改动",
        "saved": "已保存。上一版本在 [bold]{path}[/]", "more": "… 另有 {n} 条",
        "language": "工作簿语言：中文（记在规则表 {sheet} 上，以后每次运行都用中文）",
        "report_title": "{file} – 工作表 {sheet}", "grade": "等级", "employees": "人数",
        "input_errors": "输入错误", "total": "合计", "total_bonus": "奖金合计：[bold]{amount}[/]",
        "overrides_in_total": "（含 {n} 个手工填写的结果单元格）",
        "only_held": "--only 指定的员工都因输入错误暂不生成面谈表，未生成任何面谈表（改正输入，或加 --include-errors）",
        "problems": "输入错误（改正前该行不计分；只有奖金基数有误时照常计分，只空出奖金）",
        "to_complete": "待补充（该行照常计分）", "converted": "以文字输入的数字，已转换为数字",
        "kept": "结果单元格中手工填写的值，已保留", "tabs_updated": "随新结果更新的面谈表", "tab_notes": "面谈表",
        "stale": "[bold red]{tabs} 表是按改动前的结果对的账，已标成红色：请重新运行 perf-addin reconcile[/]",
        "stale_calibration": "[bold red]{tabs} 表是按改动前的结果校准的，已标成红色：请重新运行 perf-addin calibrate[/]",
        "unchanged_results": "没有变化：工作簿中已是这些结果。",
        "unchanged_tabs": "没有变化：工作簿中已是这些面谈表。",
        "tabs_up_to_date": "面谈表：[bold]{n}[/] 张，均已是最新（保留已填写的字段 {kept} 个）", "unchanged_all": "没有变化：工作簿中已包含以上全部内容。",
        "demo_copied": "已将示例部门复制到 [bold]{path}[/]",
        "demo_kept": "之前的演示工作簿已保存在 [bold]{path}[/]",
        "no_soffice": "未安装 LibreOffice，因此不打印 PDF",
        "sample_missing": "示例工作簿 {name} 不存在；请在源代码目录中用 `pip install -e .` 重新安装",
        "tabs_written": "面谈表：已写入 [bold]{n}[/] 张（新建 {new} 张，重新生成 {old} 张{others}；保留已填写的字段 {kept} 个）",
        "tabs_others": "，另刷新了 {n} 张已有的表", "tabs_current": "随当前结果更新的面谈表",
        "held": "[red]因输入错误暂缓[/]（不生成新面谈表、时段、邀请或文件包；请改正单元格，或用 --include-errors）",
        "tabs_left": "已不在员工表中的员工，其面谈表已保留（标为红色）", "not_written": "未写入",
        "tab_pdfs": "单页 PDF：[bold]{n}[/] 个，在 [bold]{folder}[/]",
        "key_file_needed": "--create-key 需要 --key-file F（新密钥写在哪里）",
        "calibrated": "校准表 [bold]{sheet}[/]：{groups} 个校准组，建议调整 {moved} 人，并列 {ties} 组，新增校准记录 {audit} 条",
        "no_quotas": "规则表没有强制分布（U 列）：只写出现有分布、九宫格和评分偏差",
        "flags": "不符合配额的组", "gave_way": "人数太少而放宽的配额", "columns_added": "已在员工表旁加上的列",
    },
    "en": {
        "error": "error:", "interrupted": "interrupted; the workbook was not changed",
        "saved": "Saved. The previous version is in [bold]{path}[/]", "more": "… and {n} more",
        "language": "Workbook language: English (kept on the rules sheet {sheet} for every later run)",
        "report_title": "{file} – sheet {sheet}", "grade": "grade", "employees": "employees",
        "input_errors": "input errors", "total": "total", "total_bonus": "Total bonus: [bold]{amount}[/]",
        "overrides_in_total": " (including {n} typed result cells)",
        "only_held": "every employee named by --only is held back for input errors; no tab was written "
                     "(fix the inputs, or add --include-errors)",
        "to_complete": "To complete (the row is scored as shown)",
        "problems": "Input errors (until fixed the row gets no score; a bad base bonus alone blanks only "
                    "the bonus)", "converted": "Numbers typed as text, converted",
        "kept": "Kept values typed into result cells", "tabs_updated": "Interview tabs updated to the new results",
        "stale_calibration": "[bold red]The {tabs} tab calibrates the results before this change and is now "
                             "red: run perf-addin calibrate again[/]",
        "stale": "[bold red]The {tabs} tab reconciles the results before this change and is now red: "
                 "run perf-addin reconcile again[/]",
        "tab_notes": "Interview tabs",
        "unchanged_results": "Nothing changed: the workbook already held these results.",
        "unchanged_tabs": "Nothing changed: the workbook already held these tabs.",
        "tabs_up_to_date": "Interview tabs: [bold]{n}[/], all up to date ({kept} filled fields kept)",
        "unchanged_all": "Nothing changed: the workbook already held all of this.",
        "demo_copied": "Copied the sample department to [bold]{path}[/]",
        "demo_kept": "The earlier demo workbook is kept in [bold]{path}[/]",
        "no_soffice": "LibreOffice is not installed, so no PDFs are printed",
        "sample_missing": "the sample workbook {name} is missing; reinstall with `pip install -e .` from a checkout",
        "tabs_written": "Interview tabs: [bold]{n}[/] written ({new} new, {old} regenerated{others}; "
                        "{kept} filled-in fields kept)",
        "tabs_others": ", {n} other existing tabs refreshed", "tabs_current": "Tabs updated to the current results",
        "held": "[red]Held back for input errors[/] (no new tab, slot, invitation or pack; fix the cell, "
                "or --include-errors)",
        "tabs_left": "Tabs kept for employees no longer in the table (tab coloured red)", "not_written": "Not written",
        "tab_pdfs": "One-page PDFs: [bold]{n}[/] in [bold]{folder}[/]",
        "key_file_needed": "--create-key needs --key-file F (where the new key is written)",
        "calibrated": "Calibration tab [bold]{sheet}[/]: groups {groups}, proposed moves {moved}, ties {ties}, "
                      "new calibration records {audit}",
        "no_quotas": "The rules sheet has no quota block (column U): only the distribution, the 9-box and the "
                     "rater bias are written",
        "flags": "Groups off their quotas", "gave_way": "Quotas relaxed for too few people",
        "columns_added": "Columns added beside the employee table",
    },
}
# The language of the workbook at hand, once known (``--lang`` or a command's report).
_LANGUAGE: dict[str, str | None] = {"current": None}


def _use_language(lang: str | None) -> str:
    """Make ``lang`` the language of the lines that follow; returns the one in force."""
    if lang in LANGUAGES:
        _LANGUAGE["current"] = lang
    return _LANGUAGE["current"] or DEFAULT_LANGUAGE


def _t(key: str, lang: str | None = None, **values: object) -> str:
    """One of the CLI's own lines in the workbook's language."""
    return TEXTS[lang or _use_language(None)][key].format(**values)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _LANGUAGE["current"] = getattr(args, "lang", None)
    args.session = None
    try:
        with _session(args):
            _remember(args)
            status = args.run(args)
            _save_language(args)
            return status
    except USER_ERRORS as exc:
        lang = _book_language(args, str(exc))
        errors.print(f"[bold red]{_t('error', lang)}[/] {escape(message_in(exc, lang))}")
        return 2
    except KeyboardInterrupt:
        errors.print(_t("interrupted", _book_language(args)))
        return 130


# The commands that work on one department workbook: each reads it once and saves it
# at most once, through one ``DepartmentBook`` (``args.session``).
_ON_A_BOOK = ("run_score", "run_interviews", "run_schedule", "run_collect", "run_reconcile", "run_seal",
              "run_share", "run_calibrate")


@contextmanager
def _session(args: argparse.Namespace) -> Iterator[None]:
    """Open the command's workbook once, for every job of the command."""
    book = getattr(args, "book", None)
    if book is None or getattr(args.run, "__name__", "") not in _ON_A_BOOK:
        yield
        return
    from perf_addin.book.session import open_book
    with open_book(book) as session:
        args.session = session
        yield


def _remember(args: argparse.Namespace) -> None:
    """``--lang`` given: write it on the workbook's rules sheet, in the command's own
    session (saved with the command's changes, one backup)."""
    session = getattr(args, "session", None)
    if getattr(args, "lang", None) and session is not None:
        if session.remember_language(args.lang):
            console.print(_t("language", args.lang, sheet=session.rules_sheet))


def _save_language(args: argparse.Namespace) -> None:
    """A command that does not save the workbook itself (share) still keeps ``--lang``'s row."""
    session = getattr(args, "session", None)
    if session is not None and not session.saved and getattr(args, "lang", None):
        session.save()


def _book_language(args: argparse.Namespace, message: str = "") -> str:
    """The workbook's language for an error line: known, or read from the workbook if it can be;
    when it cannot (the error is that it cannot be read), the message's own language."""
    from perf_addin.language import text_language
    if _LANGUAGE["current"]:
        return _LANGUAGE["current"]
    if getattr(args, "lang", None):
        return args.lang
    if getattr(args, "run", None) is run_demo:
        return DEFAULT_LANGUAGE  # the bundled sample's language
    session = getattr(args, "session", None)
    book = getattr(args, "book", None)
    if book is not None:
        try:
            if session is not None:
                return session.language
            from perf_addin.book.department import read_employees
            return read_employees(book).language
        except Exception:  # noqa: BLE001 - only choosing the language of an error line
            pass
    return text_language(message)


def _lang_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=LANGUAGES,
                        help="the workbook's language for everything written (remembered on its rules "
                             "sheet; default: the remembered one, else the headers')")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="perf-addin", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"perf-addin {__version__}")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", help="copy the sample department workbook and score it")
    demo.add_argument("--dir", type=Path, default=Path("perf-addin-demo"),
                      help="folder for the demo copy (default: ./perf-addin-demo)")
    _lang_option(demo)
    demo.set_defaults(run=run_demo)
    score = sub.add_parser("score", help="score every employee of a workbook in place")
    score.add_argument("book", type=Path, help="the department workbook (.xlsx or .xlsm)")
    _lang_option(score)
    score.set_defaults(run=run_score)
    interviews = sub.add_parser("interviews", help="write a feedback-interview tab per employee")
    interviews.add_argument("book", type=Path, help="the department workbook (.xlsx or .xlsm)")
    interviews.add_argument("--only", nargs="+", metavar="ID", help="only these employee IDs")
    interviews.add_argument("--pdf", type=Path, metavar="DIR",
                            help="also print each tab to a one-page A4 PDF in DIR")
    interviews.add_argument("--include-errors", action="store_true", help=INCLUDE_ERRORS_HELP)
    _lang_option(interviews)
    interviews.set_defaults(run=run_interviews)
    schedule = sub.add_parser("schedule", help="plan the interviews: schedule tab, tabs, invitations")
    schedule.add_argument("book", type=Path, help="the department workbook (.xlsx or .xlsm)")
    schedule.add_argument("--from", dest="first", type=_date, required=True, metavar="DATE",
                          help="first day of the period (YYYY-MM-DD)")
    schedule.add_argument("--to", dest="last", type=_date, required=True, metavar="DATE",
                          help="last day of the period (YYYY-MM-DD)")
    schedule.add_argument("--ics", type=Path, metavar="DIR",
                          help="folder for the .ics invitations (default: '<book> invitations' beside it)")
    schedule.add_argument("--include-errors", action="store_true", help=INCLUDE_ERRORS_HELP)
    schedule.add_argument("--replan", nargs="*", metavar="ID",
                          help="move interviews already planned: all of them, or those of these employee IDs "
                               "(without it, planned interviews stay and only the others are placed)")
    _lang_option(schedule)
    schedule.set_defaults(run=run_schedule)
    _collect_parser(sub)
    _calibrate_parser(sub)
    _finance_parsers(sub)
    _addin_parser(sub)
    return parser


def _calibrate_parser(sub: argparse._SubParsersAction) -> None:
    calibrate = sub.add_parser("calibrate", help="the calibration meeting's tab (校准): quotas, proposals, 9-box")
    calibrate.add_argument("book", type=Path, help="the department workbook (.xlsx or .xlsm)")
    calibrate.add_argument("--today", type=_date, metavar="DATE",
                           help="the date a new calibrated grade is recorded with (default: today)")
    _lang_option(calibrate)
    calibrate.set_defaults(run=run_calibrate)


def run_calibrate(args: argparse.Namespace) -> int:
    from perf_addin.jobs.calibrate import calibrate_book  # loaded only by this command

    with _progress() as step:
        report = calibrate_book(args.session, args.today, step)
    show_report(report.score, saved=False)
    show_calibrate(report)
    return 0


def show_calibrate(report) -> None:  # noqa: ANN001 - calibrate.CalibrateReport
    lang = _use_language(report.language)
    console.print()
    if not report.quotas:
        console.print(_t("no_quotas"))
    console.print(_t("calibrated", sheet=escape(report.sheet), groups=report.groups, moved=report.moved,
                     ties=report.ties, audit=report.audit_added))
    _show_list(_t("columns_added"), report.added_columns)
    _show_list(_t("flags"), report.flags)
    _show_list(_t("gave_way"), report.gave_way)
    _show_saved(report.backup, report.unchanged and _t("unchanged_all", lang))


def _finance_parsers(sub: argparse._SubParsersAction) -> None:
    reconcile = sub.add_parser("reconcile", help="write the reconciliation tab (对账) for finance")
    reconcile.add_argument("book", type=Path, help="the department workbook (.xlsx or .xlsm)")
    reconcile.add_argument("--budget", metavar="AMOUNT",
                           help="bonus budget of the whole workbook (500000, 500,000, 50万, 0.5亿); "
                                "remembered on the rules sheet for later runs")
    reconcile.add_argument("--fit-budget", action="store_true",
                           help="also scale every bonus to the pool (k = pool / sum of base x multiplier, "
                                "cents by largest remainder, per department when every department has a "
                                "budget, else company-wide) in a fitted-bonus column on the reconciliation "
                                "tab; the employee table is not changed. An action of this run only: unlike "
                                "--budget it is not remembered, and a run without it writes no fit")
    reconcile.add_argument("--diff", type=Path, metavar="OLD", help="list what changed since OLD.xlsx")
    reconcile.add_argument("--key-file", type=Path, metavar="F",
                           help="finance's seal key (default: $PERF_ADDIN_SEAL_KEY)")
    reconcile.add_argument("--pdf", type=Path, metavar="FILE",
                           help="also print the reconciliation tab to FILE (A4 landscape, LibreOffice)")
    _lang_option(reconcile)
    reconcile.set_defaults(run=run_reconcile)
    seal = sub.add_parser("seal", help="sign each employee's bonus-relevant values (HMAC-SHA256)")
    seal.add_argument("book", type=Path, help="the department workbook (.xlsx or .xlsm)")
    seal.add_argument("--key-file", type=Path, metavar="F",
                      help="finance's seal key (default: $PERF_ADDIN_SEAL_KEY)")
    seal.add_argument("--create-key", action="store_true", help="first create a new key in --key-file")
    _lang_option(seal)
    seal.set_defaults(run=run_seal)
    share = sub.add_parser("share", help="a copy safe to email, and per-employee packs")
    share.add_argument("book", type=Path, help="the department workbook (.xlsx or .xlsm)")
    share.add_argument("--portable", type=Path, metavar="OUT", help="write a copy with no PERF_* formula")
    share.add_argument("--values", action="store_true", help="in the copy, use values, not native formulas")
    share.add_argument("--packs", type=Path, metavar="DIR", help="one file per employee in DIR")
    share.add_argument("--only", nargs="+", metavar="ID", help="only these employee IDs")
    group = share.add_mutually_exclusive_group()
    group.add_argument("--password-column", metavar="HEADER", help="encrypt with the password in this column")
    group.add_argument("--generate-passwords", action="store_true",
                       help="encrypt with generated passwords, listed in DIR/passwords.csv")
    share.add_argument("--pdf", action="store_true", help="also a PDF of each pack (not encrypted)")
    share.add_argument("--include-errors", action="store_true", help=INCLUDE_ERRORS_HELP)
    _lang_option(share)
    share.set_defaults(run=run_share)


def _key(args: argparse.Namespace, required: bool) -> bytes | None:
    from perf_addin.jobs.seal import ENV_KEY, load_key
    if args.key_file is None and not os.environ.get(ENV_KEY) and not required:
        return None
    return load_key(args.key_file, _book_language(args))


FINANCE_TEXTS = {
    "zh": {"columns": ("部门", "人数", "奖金基数合计", "实发奖金合计", "预算", "超支(+)/结余(−)"), "total": "合计",
           "differences": "差异与手工调整", "errors": "输入错误（不发放）", "to_complete": "待补充（照常发放）", "changes": "与 {old} 相比的变化",
           "added": "新增", "removed": "删除", "seal": "封存", "sealed_changes": "封存后的改动",
           "workbook": "工作簿", "recomputed": "重算", "blank": "空", "printed": "对账表已打印：{pdf}",
           "saved": "已保存。上一版本在 {backup}", "sealed": "已封存 {file} 的 {n} 名员工",
           "new_key": "新的封存密钥在 {file}——由财务保管，切勿放进工作簿", "sep": "："},
    "en": {"columns": ("department", "head count", "base bonus", "paid bonus", "budget", "over/under"),
           "total": "total", "differences": "Differences and overrides", "errors": "Input errors (not paid)", "to_complete": "To complete (paid as shown)",
           "changes": "Changes since {old}", "added": "added", "removed": "removed", "seal": "Seal",
           "sealed_changes": "Changed after sealing", "workbook": "workbook", "recomputed": "recomputed",
           "blank": "blank", "printed": "The reconciliation tab is printed to {pdf}",
           "saved": "Saved. The previous version is in {backup}", "sealed": "Sealed {n} employees of {file}",
           "new_key": "New seal key in {file} – keep it with finance, never in the workbook", "sep": ": "},
}


def run_reconcile(args: argparse.Namespace) -> int:
    from perf_addin.engines.libreoffice import require_soffice
    from perf_addin.jobs.reconcile import print_reconciliation, reconcile_book
    key = _key(args, required=False)
    if getattr(args, "pdf", None) is not None:
        require_soffice()  # refuse before writing anything
    with _progress() as step:
        report = reconcile_book(args.session, args.budget, args.diff, key, step,
                                fit_budget=getattr(args, "fit_budget", False))
        if getattr(args, "pdf", None) is not None:
            step("printing the reconciliation tab")
            print_reconciliation(args.session, report.sheet, args.pdf)
    status = show_reconcile(report)
    if getattr(args, "pdf", None) is not None:
        console.print(FINANCE_TEXTS[report.rec.snapshot.table.language]["printed"].format(pdf=args.pdf))
    return status


def _amount(value, what: str, t: dict) -> str:  # noqa: ANN001 - a number or None
    """A compared value as finance reads it: money with cents, a multiplier as is."""
    if value is None:
        return t["blank"]
    if what == "bonus":
        return f"{value:,.2f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def show_reconcile(report) -> int:  # noqa: ANN001 - reconcile.ReconcileReport
    from rich.table import Table

    from perf_addin.jobs.reconcile import TEXTS, fit_lines, seal_lines, sealed_change_lines, what_label
    rec = report.rec
    lang = _use_language(rec.snapshot.table.language)
    t, tab = FINANCE_TEXTS[lang], TEXTS[lang]
    table = Table(title=f"{rec.snapshot.path.name} – {report.sheet}", title_justify="left")
    for i, column in enumerate(t["columns"]):
        table.add_column(column, justify="left" if i == 0 else "right")
    money = lambda c: "" if c is None else f"{c / 100:,.2f}"  # noqa: E731
    for g in rec.by_department:
        table.add_row(g.label, str(g.head_count), money(g.base_cents), money(g.paid_cents),
                      money(g.budget_cents), money(g.over_cents))
    table.add_row(f"[bold]{t['total']}[/]", str(len(rec.ids)), f"{rec.base_total:,.2f}", f"{rec.paid_total:,.2f}",
                  money(rec.budget_cents), money(rec.over_cents))
    console.print(table)
    if rec.budget_source:
        console.print(rec.budget_source)
    for line in fit_lines(rec, lang):
        console.print(escape(line))
    sep = t["sep"]
    _show_list(t["differences"], [
        f"{d.cell} {d.employee_id} {d.name}{sep}{what_label(d.what, lang)} {t['workbook']} "
        f"{_amount(d.workbook, d.what, t)} / {t['recomputed']} {_amount(d.recomputed, d.what, t)} "
        f"({tab['status'].get(d.status, d.status)}{sep + d.reason if d.reason else ''})" for d in rec.differences])
    _show_list(t["errors"], [str(p) for p in rec.problems if p.voids_result])
    _show_list(t["to_complete"], [str(p) for p in rec.problems if not p.voids_result])
    if rec.diff is not None:
        _show_list(t["changes"].format(old=rec.diff.old_path.name),
                   [f"{c.employee_id} {c.name}{sep}{label(c.field, lang)} "
                    f"{_amount(c.old, c.field, t)} → {_amount(c.new, c.field, t)}" for c in rec.diff.changes]
                   + [f"{i} {n}{sep}{t['added']}" for i, n in rec.diff.added]
                   + [f"{i} {n}{sep}{t['removed']}" for i, n in rec.diff.removed])
    for line in seal_lines(rec.seal, lang):
        console.print(f"{t['seal']}{sep}{'[bold red]' if rec.seal.problems else ''}{line}")
    _show_list(t["sealed_changes"], [f"{eid} {name}{sep}{what}".strip() for _, eid, name, what
                                     in sealed_change_lines(rec)])
    if report.backup:
        console.print(t["saved"].format(backup=f"[bold]{report.backup}[/]"))
    return 1 if rec.seal.problems else 0


def run_seal(args: argparse.Namespace) -> int:
    from perf_addin.jobs.seal import SealError, check_sealable, create_key_file, load_key, seal_book
    lang = _use_language(args.session.language)
    t = FINANCE_TEXTS[lang]
    if args.create_key:
        if args.key_file is None:
            raise SealError(_t("key_file_needed"))
        check_sealable(args.session)  # a refused seal must not leave a new key behind
        create_key_file(args.key_file, lang)
        console.print(t["new_key"].format(file=f"[bold]{args.key_file}[/]"))
    report = seal_book(args.session, load_key(args.key_file, lang))
    console.print(t["sealed"].format(n=f"[bold]{report.employees}[/]", file=report.path.name))
    return 0


def run_share(args: argparse.Namespace) -> int:
    from perf_addin.jobs.share import MESSAGES, share_book
    with _progress() as step:
        report = share_book(args.session, args.portable, args.values, args.packs, args.only,
                                args.password_column, args.generate_passwords, args.pdf, step,
                                args.include_errors)
    m = MESSAGES[report.language]
    if report.portable:
        p = report.portable
        console.print(m["portable"].format(path=p.path, native=len(p.native), values=len(p.values)))
    if report.packs:
        k = report.packs
        console.print(m["packs"].format(n=len(k.packs), folder=k.folder,
                                        how=m["encrypted"] if k.encrypted else m["not_encrypted"]))
        if k.passwords:
            console.print(m["passwords"].format(path=k.passwords))
        if k.pdfs:
            console.print(m["pdfs"].format(n=len(k.pdfs)))
        _show_list(m["held"], k.held)
        _show_list(m["leftover"], k.leftover_lines(report.language))
    return 0


def run_demo(args: argparse.Namespace) -> int:
    if not SAMPLE.exists():
        raise OSError(_t("sample_missing", name=SAMPLE.name))
    args.dir.mkdir(parents=True, exist_ok=True)
    book = args.dir / SAMPLE.name
    kept = _fresh_demo(book)
    from perf_addin.book.session import open_book
    with open_book(book) as session:
        demo = argparse.Namespace(book=book, lang=getattr(args, "lang", None), run=run_score, session=session)
        if demo.lang is None:
            _use_language(session.language)
        console.print(_t("demo_copied", path=book))
        if kept is not None:
            console.print(_t("demo_kept", path=kept))
        _remember(demo)
        return run_interviews(argparse.Namespace(book=book, only=None, pdf=args.dir / "interviews",
                                                 pdf_optional=True, show_score=True, session=session))


def _fresh_demo(book: Path) -> Path | None:
    """Put a fresh copy of the sample at ``book``; an earlier demo workbook there may
    hold a person's work, so it is refused while open or read-only, else kept aside
    in the writer's backups folder (returned)."""
    from perf_addin.xlsx.atomic import atomic_write
    return atomic_write(book, lambda out: out.write(SAMPLE.read_bytes()))


def run_interviews(args: argparse.Namespace) -> int:
    from perf_addin.engines.libreoffice import LibreOfficeError, require_soffice
    from perf_addin.jobs.interviews import interviews_book
    pdf = args.pdf
    if pdf is not None:
        try:
            require_soffice()  # refuse before writing anything
        except LibreOfficeError:
            if not getattr(args, "pdf_optional", False):
                raise
            errors.print(_t("no_soffice"))
            pdf = None
    with _progress() as step:
        report = interviews_book(args.session, only=args.only, pdf_dir=pdf, progress=step,
                                 include_errors=getattr(args, "include_errors", False))
    if getattr(args, "show_score", False):
        show_report(report.score, saved=False)
    show_interviews(report)
    if args.only and not report.tabs and report.held:
        errors.print(_t("only_held", report.score.language))
        return 1
    return 0


def _date(text: str):
    """A day as typed: 2026-12-07, 2026-12-7, 2026/12/7, 2026年12月7日."""
    from perf_addin.domain.holidays import day_from_text
    day = day_from_text(text)
    if day is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-03-02 (2026-3-2, 2026/3/2, "
                                         "2026年3月2日)")
    return day


def run_schedule(args: argparse.Namespace) -> int:
    """Exit 1 when there was something to place and nothing new was placed."""
    from perf_addin.jobs.schedule import schedule_book
    from perf_addin.excel.ribbon import invite_folder
    from perf_addin.jobs.schedule import ALL
    replan = () if args.replan is None else (args.replan or ALL)
    with _progress() as step:
        report = schedule_book(args.session, args.first, args.last, args.ics or invite_folder(args.book), step,
                               include_errors=args.include_errors, replan=replan)
    show_schedule(report)
    return 1 if report.failed else 0


def _collect_parser(sub: argparse._SubParsersAction) -> None:
    collect = sub.add_parser("collect", help="merge returned interview tabs, write the tracking tab, reminders")
    collect.add_argument("book", type=Path, help="the department workbook (the master)")
    collect.add_argument("returned", type=Path, nargs="*", metavar="RETURNED",
                         help="copies that came back: full workbooks or per-employee packs (a folder: "
                              "the workbooks in it)")
    collect.add_argument("--today", type=_date, metavar="DATE", help="the day overdue is counted from")
    collect.add_argument("--reminders", type=Path, metavar="DIR", help="write .eml drafts per owner to DIR")
    collect.add_argument("--pdf", action="store_true", help="attach the employee's tab as a PDF (LibreOffice)")
    collect.add_argument("--passwords", type=Path, action="append", default=[], metavar="FILE",
                         help="the passwords.csv share wrote (default: the one beside each returned pack)")
    collect.add_argument("--password", help="password of encrypted packs no password list names")
    _lang_option(collect)
    collect.set_defaults(run=run_collect)


def run_collect(args: argparse.Namespace) -> int:
    """Exit 1 when a returned file could not be read (the others are merged and saved), or
    a copy changed employee-table values collect does not merge (listed)."""
    from perf_addin.jobs.collect import CollectError, collect_book
    if args.pdf and args.reminders is None:
        from perf_addin.jobs.collect import MESSAGES
        raise CollectError(MESSAGES[args.session.language]["pdf_needs_reminders"])
    with _progress() as step:
        report = collect_book(args.session, args.returned, args.today, args.reminders, args.pdf,
                                  args.password, step, passwords=args.passwords)
    show_collect(report, args.today)
    return 1 if report.unreadable or report.unmerged else 0


def show_collect(report: CollectReport, today=None) -> None:  # noqa: ANN001 - date | None
    from datetime import date
    from perf_addin.jobs.collect import MESSAGES
    from perf_addin.forms.interview_form import TEXTS
    today = today or date.today()
    m, lang = MESSAGES[report.language], report.language
    _use_language(lang)
    items = TEXTS[lang]["items"]
    open_ = [r for r in report.remedies if not r.done]
    console.print("\n" + m["summary"].format(tab=report.tab, n=len(report.statuses),
                                             signed=sum(s.signed for s in report.statuses),
                                             disputed=sum(s.disputed for s in report.statuses),
                                             pending=sum(s.committee_pending for s in report.statuses),
                                             open=len(open_)))
    _show_list(m["merged"], report.taken)
    _show_list(m["conflicts"], [m["conflict"].format(tab=c.tab, cell=c.cell or "?", field=label(c.field, lang),
                                                     master=c.master, source=c.source, other=c.other)
                                for c in report.conflicts])
    _show_list(m["overdue"], [m["overdue_line"].format(name=r.name, eid=r.employee_id, item=items.get(r.item, r.item),
                                                       action=r.action, owner=r.owner, due=r.due)
                              for r in report.overdue(today)])
    _show_list(m["notes"], report.notes)
    _show_list(m["unmerged"], [u.line(lang) for u in report.unmerged])
    if report.no_address:
        from perf_addin.domain.addresses import warning
        console.print(f"\n[bold yellow]{warning(report.no_address, lang)}[/]")
    if report.reminders:
        console.print(m["reminders"].format(n=len(report.reminders), folder=report.reminders[0].parent))
    if report.unchanged:
        console.print(m["unchanged"])
    elif report.backup:
        console.print(m["saved"].format(backup=report.backup))
    if report.unreadable:
        errors.print(f"\n[bold red]{m['unreadable']}[/] ({len(report.unreadable)}):")
        for name, why in report.unreadable:
            errors.print(f"  • {name}: {why}")


def show_schedule(report: ScheduleReport) -> None:
    """The run in the workbook's language (``scheduling.summary_lines``)."""
    _use_language(report.lang)
    from perf_addin.jobs.schedule import summary_lines
    head, sections, closing = summary_lines(report)
    console.print(f"\n[bold]{head}[/]")
    for title, lines in sections:
        _show_list(title, lines)
    for line in closing:
        console.print(line)


def show_interviews(report: InterviewReport) -> None:
    _use_language(report.score.language if report.score else None)
    new = sum(t.new for t in report.tabs)
    kept = sum(t.kept for t in (*report.tabs, *report.refreshed))
    others = _t("tabs_others", n=len(report.refreshed)) if report.refreshed else ""
    if report.unchanged:
        console.print("\n" + _t("tabs_up_to_date", n=len(report.tabs) + len(report.refreshed), kept=kept))
    else:
        console.print("\n" + _t("tabs_written", n=len(report.tabs), new=new, old=len(report.tabs) - new,
                                 others=others, kept=kept))
    _show_list(_t("tabs_current"), report.updated)
    _show_list(_t("held"), report.held)
    _show_list(_t("tabs_left"), report.left)
    _show_list(_t("not_written"), report.skipped)
    if report.pdfs:
        console.print(_t("tab_pdfs", n=len(report.pdfs), folder=report.pdfs[0].parent))
    _show_saved(report.backup, report.unchanged and _t("unchanged_tabs"))


def run_score(args: argparse.Namespace) -> int:
    from perf_addin.jobs.score import score_book
    with _progress() as step:
        report = score_book(args.session, step)
    show_report(report)
    return 0


@contextmanager
def _progress() -> Iterator:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("…", total=None)
        yield lambda text: progress.update(task, description=text)


def show_report(report: ScoreReport, saved: bool = True) -> None:
    from rich.table import Table
    lang = _use_language(report.language)
    labels = {b.code: f"{b.code} {b.label_zh if lang == 'zh' else b.label_en}" for b in report.rules.bands}
    table = Table(title=_t("report_title", file=report.path.name, sheet=report.sheet), title_justify="left")
    table.add_column(_t("grade"))
    table.add_column(_t("employees"), justify="right")
    for code, count in report.by_grade.items():
        table.add_row(labels.get(code, code), str(count))
    table.add_row(f"[red]{_t('input_errors')}[/]", str(report.employees - report.scored), end_section=True)
    table.add_row(f"[bold]{_t('total')}[/]", str(report.employees))
    console.print(table)
    if report.total_bonus is not None:
        note = _t("overrides_in_total", n=report.overrides_in_total) if report.overrides_in_total else ""
        console.print(_t("total_bonus", amount=f"{report.total_bonus:,.2f}") + note)
    _show_list(_t("problems"), [str(p) for p in report.problems if p.voids_result])
    _show_list(_t("to_complete"), [str(p) for p in report.problems if not p.voids_result])
    _show_list(_t("converted"), [f"{c}: {t!r} → {shown(v, lang)}" for c, t, v in report.converted])
    _show_list(_t("kept"), [f"{c}: {t}" for c, t in report.kept])
    _show_list(_t("tabs_updated"), report.tabs_updated)
    _show_list(_t("tab_notes"), report.tab_notes)
    if report.stale:
        console.print(_t("stale", tabs="、".join(report.stale) if lang == "zh" else ", ".join(report.stale)))
    if report.stale_calibration:
        console.print(_t("stale_calibration", tabs=("、" if lang == "zh" else ", ").join(report.stale_calibration)))
    if saved:
        _show_saved(report.backup, report.unchanged and _t("unchanged_results"))


def _show_saved(backup: Path | None, unchanged: str | bool = False) -> None:
    """The closing line of a command that writes: nothing changed, or where the previous
    version is kept."""
    if unchanged:
        console.print(unchanged)
    elif backup:
        console.print(_t("saved", path=backup))


def _show_list(title: str, lines: list[str]) -> None:
    if not lines:
        return
    console.print(f"\n[bold]{title}[/] ({len(lines)}):")
    for line in lines[:MAX_PROBLEMS_SHOWN]:
        console.print(f"  • {line}")
    if len(lines) > MAX_PROBLEMS_SHOWN:
        console.print(f"  {_t('more', n=len(lines) - MAX_PROBLEMS_SHOWN)}")


# ------------------------------------------------------------------ the Excel add-in


def _addin_parser(sub: argparse._SubParsersAction) -> None:
    addin = sub.add_parser("addin", help="the Excel add-in: build, install, or press a ribbon button on a file")
    commands = addin.add_subparsers(required=True, metavar="ADDIN_COMMAND")
    build = commands.add_parser("build", help="build perf_addin.xlam from vba_shim/ (no Excel needed)")
    build.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default: ./dist)")
    build.set_defaults(run=run_addin_build)
    udfs = commands.add_parser("udfs", help="regenerate vba_shim/PerfUdfs.bas from perf_addin/excel/udfs.py")
    udfs.set_defaults(run=run_addin_udfs)
    install = commands.add_parser("install", help="install the add-in into Excel (Windows, macOS)")
    install.add_argument("--xlam", type=Path, help="an add-in built earlier (default: build one now)")
    install.set_defaults(run=run_addin_install)
    uninstall = commands.add_parser("uninstall", help="remove the add-in from Excel (Windows, macOS)")
    uninstall.set_defaults(run=run_addin_uninstall)
    press = commands.add_parser("press", help="run a ribbon button on a workbook file, without Excel")
    press.add_argument("button", help="button id, e.g. perfCheckInputs")
    press.add_argument("book", type=Path, help="the department workbook")
    press.add_argument("--rows", type=int, nargs="+", default=[], metavar="ROW",
                       help="selected sheet rows of the employee table (for perfFeedbackSelected)")
    press.set_defaults(run=run_addin_press)


def run_addin_build(args: argparse.Namespace) -> int:
    from perf_addin.excel.addin_build import build_xlam

    with console.status("building the add-in"):
        xlam = build_xlam(args.out)
    console.print(f"Built [bold]{xlam}[/] ({xlam.stat().st_size:,} bytes)")
    return 0


def run_addin_udfs(args: argparse.Namespace) -> int:
    from perf_addin.excel.addin_build import SHIM_DIR
    from perf_addin.excel.vba_udfs import write_module

    console.print(f"Wrote [bold]{write_module(SHIM_DIR)}[/]")
    return 0


def run_addin_install(args: argparse.Namespace) -> int:
    from perf_addin.excel.addin_install import install

    config = install(args.xlam)
    console.print(f"Installed the add-in; Excel will run {sys.executable} (set in {config}). "
                  "Restart Excel to see the Performance tab.")
    return 0


def run_addin_uninstall(args: argparse.Namespace) -> int:
    from perf_addin.excel.addin_install import uninstall

    uninstall()
    console.print("Removed the add-in. Restart Excel.")
    return 0


def run_addin_press(args: argparse.Namespace) -> int:
    from perf_addin.book.department import read_employees
    from perf_addin.excel.ribbon import FileHost, dispatch

    def echo(text: str, error: bool) -> None:
        if error:
            from perf_addin.language import text_language
            errors.print(f"[bold red]{_t('error', text_language(text))}[/] {escape(text)}")
        else:
            console.print(text)

    sheet = read_employees(args.book).sheet if args.rows else ""
    host = FileHost(args.book, selection=(sheet, args.rows), echo=echo)
    return 0 if dispatch(args.button, host) else 2


if __name__ == "__main__":
    sys.exit(main())
