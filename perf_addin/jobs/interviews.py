"""The interview job: one feedback-interview tab per employee, kept in step with the table.

``write_interviews(path)`` scores the workbook (``results.score_into``, so the
tabs can point at the result columns), then writes every employee's tab – or
only those given – in the same writer session and one atomic save, and
optionally prints the tabs to one-page PDFs in one LibreOffice run.

Nothing stale: a tab caches its employee's numbers and says things about them
(praise, remedy lines), so every run that scores regenerates every existing tab
(``refresh_tabs``; ``score`` calls it too), and lists the tabs whose shown
content changed. Employees with unusable inputs are held back
(``department.held_back``): no new tab, unless asked to include them, and then
their tab carries a red banner naming the cells at fault. An existing tab of such
an employee is still refreshed (banner and ``#N/A``): stale numbers would be worse.

Never overwriting what a person typed:

* A tab belongs to the employee whose ID its ``kind`` marker records (the sheet
  name may be shortened or numbered, the ID in it is only a convenience).
* Before a tab is regenerated, its input fields are read back (python-calamine,
  at the addresses ``interview.input_cells`` gives for the tab's recorded layout
  version and remedy lines); every non-empty value goes into the new tab, and a
  remedy line that holds entries survives even when its item now meets target.
* A tab whose employee left the table is neither rewritten nor deleted: its tab
  turns red and the report lists it. A tab of an unknown layout version, or one
  the writer refuses to replace (a person added comments or drawings), is left
  alone and reported.

New tabs are appended at the end of the workbook, after the employee table and
the rules sheet: inserting sheets in the middle would renumber every sheet-scoped
name (``localSheetId``) of the workbook.
"""

from __future__ import annotations

import math
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from perf_addin.book.department import (DepartmentError, EmployeeTable, Problem, first_rows, held_back,
                                        problems_from_scores, sheet_ref)
from perf_addin.book.session import DepartmentBook, open_book
from perf_addin.forms.interview_form import TEXTS as FORM_TEXTS
from perf_addin.forms.interview_form import (ITEM_KEYS, InterviewData, ItemLine, ResultCell, input_cells, interview_sheet,
                        parse_kind, tab_name)
from perf_addin.domain.interview_settings import InterviewSettings
from perf_addin.engines.libreoffice import LibreOffice, LibreOfficeError, pdf_page_count
from perf_addin.jobs.score import ScoreReport, mark_stale_reconciliation, score_into
from perf_addin.domain.rules import RULES_SHEET, Rules, rule_cell
from perf_addin.domain.scoring import excel_round, item_table, score_table
from perf_addin.xlsx import Cell, CellError, Formula, SheetSpec, Workbook, WorkbookError
from perf_addin.xlsx.refs import col_letter, parse_cell, quote_sheet

Progress = Callable[[str], None]
LEFT_COLOR = "C00000"
_UNSAFE_FILE_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


@dataclass(frozen=True)
class TabWritten:
    """One tab written in this run."""

    tab: str
    employee_id: str
    name: str
    kept: int  # filled-in fields carried over from the earlier tab
    new: bool
    updated: bool = False  # an existing tab whose numbers or generated text changed


@dataclass
class InterviewReport:
    """What an interview run did, for the CLI and the ribbon's message."""

    path: Path
    score: ScoreReport
    tabs: list[TabWritten] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # tabs of employees no longer in the table
    skipped: list[str] = field(default_factory=list)  # one line each: who got no tab, and why
    held: list[str] = field(default_factory=list)  # employees held back for input errors, with the cells
    refreshed: list[TabWritten] = field(default_factory=list)  # other existing tabs brought up to date
    pdfs: list[Path] = field(default_factory=list)
    backup: Path | None = None
    unchanged: bool = False

    @property
    def updated(self) -> list[str]:
        """Existing tabs whose shown numbers or generated text changed in this run."""
        return [t.tab for t in (*self.tabs, *self.refreshed) if t.updated]


# ------------------------------------------------------------------ the job


def write_interviews(path: str | Path, only: Sequence[str] | None = None, pdf_dir: str | Path | None = None,
                     progress: Progress = lambda step: None, office: LibreOffice | None = None,
                     include_errors: bool = False) -> InterviewReport:
    """Score, then write (or regenerate) the interview tabs; see the module docstring.

    ``only`` restricts the new or regenerated tabs to these employee IDs (unknown
    IDs are an error, before anything is written); every other existing tab is
    refreshed all the same. ``pdf_dir`` also prints the tabs of this run, one PDF
    each, named after the tab. ``include_errors`` gives employees with input
    errors a tab too, marked with a red banner.
    """
    with open_book(path) as book:
        return interviews_book(book, only, pdf_dir, progress, office, include_errors)


def interviews_book(book: DepartmentBook, only: Sequence[str] | None = None, pdf_dir: str | Path | None = None,
                    progress: Progress = lambda step: None, office: LibreOffice | None = None,
                    include_errors: bool = False) -> InterviewReport:
    """``write_interviews`` on a workbook a command has open: scores and writes the
    tabs into its writer, saves once, then prints from what was saved."""
    book.check_writable()
    score = score_into(book, progress)
    if only:
        _check_only(score.table, only)
    report = InterviewReport(book.path, score)
    chosen = first_rows(score.table, only, report.skipped)
    _write_tabs(book, score, chosen, report, include_errors, progress)
    stale = mark_stale_reconciliation(book.writer)
    progress("saving")
    report.backup = score.backup = book.save()
    report.unchanged = score.unchanged = book.unchanged
    score.stale = [] if report.unchanged else stale
    score.tabs_updated = report.updated
    if pdf_dir is not None and report.tabs:
        progress(f"printing {len(report.tabs)} tabs to PDF")
        report.pdfs = print_tabs(book, [t.tab for t in report.tabs], pdf_dir, office)
    return report


def refresh_tabs(book: DepartmentBook, score: ScoreReport, progress: Progress = lambda step: None) -> None:
    """Bring every existing interview tab in line with the results ``score_into`` just
    wrote into ``book``'s writer (same session, saved by the caller); fills
    ``score.tabs_updated`` and ``score.tab_notes``."""
    if not existing_tabs(book.writer):
        return
    report = InterviewReport(score.path, score)
    _write_tabs(book, score, [], report, False, progress)
    score.tabs_updated = report.updated
    score.tab_notes = report.skipped + [f"{tab}: the employee is no longer in the table (tab coloured red)"
                                        for tab in report.left]


def _write_tabs(session: DepartmentBook, score: ScoreReport, chosen: list[int],
                report: InterviewReport, include_errors: bool, progress: Progress) -> None:
    """New tabs for ``chosen`` (unless held back), and every existing tab regenerated."""
    table, rules, book = score.table, score.rules, session.writer
    rules_sheet = session.rules_sheet or RULES_SHEET
    settings = session.settings
    existing = existing_tabs(book)
    hold = held_back(table, rules, include_errors)
    report.held = hold.held_lines(i for i in chosen if table.frame["employee_id"].iat[i] not in existing)
    chosen = [i for i in chosen if not hold.held(i) or table.frame["employee_id"].iat[i] in existing]
    first = {eid: i for i, eid in reversed(list(enumerate(table.frame["employee_id"]))) if eid}
    new = set(chosen)
    others = sorted(first[eid] for eid in existing if eid in first and first[eid] not in new)
    data = employee_data(table, rules, rules_sheet, score.scores)
    progress(f"writing {len(chosen) + len(others)} interview tabs")
    for i in chosen:
        _write_tab(session, data[i], existing, settings, table.language, report, report.tabs)
    for i in others:
        _write_tab(session, data[i], existing, settings, table.language, report, report.refreshed)
    report.left = [tab for eid, tab in existing.items() if eid not in first]
    for tab in report.left:
        _blank_left_results(session, tab)
        book.set_tab_color(tab, LEFT_COLOR)


def _blank_left_results(session: DepartmentBook, tab: str) -> None:
    """A left employee's tab points at a table row that holds no result of theirs any
    more (blank, or someone else's): its cached money would be stale and a
    recalculation would show 0 or another person's pay, so the result cells (the
    tool's own formulas) are emptied; everything people typed stays."""
    book, grid = session.writer, session.grid(tab) or []
    labels = {FORM_TEXTS[lang][key] for lang in FORM_TEXTS for key in ("score", "grade", "multiplier", "bonus")}
    cells = {f"{col_letter(c + 2)}{r}": None for r, row in enumerate(grid, start=1)
             for c in range(0, min(len(row), 8), 2)
             if row[c] in labels and book.formula_of(tab, f"{col_letter(c + 2)}{r}") is not None}
    if cells:
        book.rewrite_own_cells(tab, cells)


def _check_only(table: EmployeeTable, only: Sequence[str]) -> None:
    ids = set(table.frame["employee_id"])
    unknown = [i for i in only if str(i).strip() not in ids]
    if unknown:
        raise DepartmentError(f"no employee with ID {', '.join(map(str, unknown))} in the table")


def existing_tabs(book: Workbook) -> dict[str, str]:
    """Employee ID -> name of the interview tab this tool made for them."""
    tabs: dict[str, str] = {}
    for name in book.sheet_names:
        kind = parse_kind(book.owner_kind(name))
        if kind is not None:
            tabs.setdefault(kind.employee_id, name)
    return tabs


def _write_tab(session: DepartmentBook, data: InterviewData,
               existing: dict[str, str], settings: InterviewSettings, lang: str,
               report: InterviewReport, written: list[TabWritten]) -> None:
    book = session.writer
    old = existing.get(data.employee_id)
    kept: dict[str, Any] = {}
    old_grid = None
    if old is not None:
        kind = parse_kind(book.owner_kind(old))
        old_grid = session.grid(old)
        try:
            kept = filled_fields(old_grid, kind.version, kind.remedies)
        except ValueError as exc:
            report.skipped.append(f"{old}: {exc}; the tab is left alone")
            return
        data = _with_kept_remedies(data, kept)
    name = old or tab_name(data.name, data.employee_id, lang, book.sheet_names)
    spec = interview_sheet(data, settings, lang, name=name, kept=kept)
    try:
        book.add_sheet(spec, replace=True)
    except WorkbookError as exc:
        report.skipped.append(f"{name}: {exc}")
        return
    updated = old is not None and shown_changed(old_grid, spec)
    written.append(TabWritten(name, data.employee_id, data.name, len(kept), old is None, updated))


def _with_kept_remedies(data: InterviewData, kept: dict[str, Any]) -> InterviewData:
    keys = {fid.split(".")[1] for fid in kept if fid.startswith("remedy.")}
    return replace(data, keep_remedies=frozenset(keys & set(ITEM_KEYS)))


def _as_shown(value: Any) -> Any:
    """A cell as a reader of the saved file sees it: the cached value of a formula,
    an error or a blank as "" (python-calamine reads both so), numbers as floats."""
    if isinstance(value, Cell):
        value = value.value
    if isinstance(value, Formula):
        value = value.cached
    if value is None or isinstance(value, CellError):
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def shown_changed(old: Sequence[Sequence[Any]] | None, spec: SheetSpec) -> bool:
    """Whether the regenerated tab shows anything other than the old one did."""
    if not old:
        return True
    for ref, cell in spec.cells.items():
        row, col = (n - 1 for n in parse_cell(ref))
        before = old[row][col] if row < len(old) and col < len(old[row]) else ""
        if _as_shown(before) != _as_shown(cell):
            return True
    return False


# ------------------------------------------------------------------ reading back


def filled_fields(grid: Sequence[Sequence[Any]] | None, version: str,
                  remedies: tuple[str, ...]) -> dict[str, Any]:
    """Input field id -> value, for every input of an earlier tab that holds something.

    Raises ``ValueError`` for a layout version this code does not know.
    """
    cells = input_cells(version, remedies)
    if not grid:
        return {}
    out = {}
    for fid, ref in cells.items():
        row, col = (n - 1 for n in parse_cell(ref))
        value = grid[row][col] if row < len(grid) and col < len(grid[row]) else None
        if value is not None and not (isinstance(value, str) and not value.strip()):
            out[fid] = value
    return out


# ------------------------------------------------------------------ building the data


def employee_data(table: EmployeeTable, rules: Rules, rules_sheet: str,
                  results: pd.DataFrame | None = None) -> list[InterviewData]:
    """One ``InterviewData`` per table row, from the table, the engine and the result columns.

    ``results`` are the result cells as written (``ScoreReport.scores``: typed
    overrides included), which the tab's formulas point at and so must cache."""
    frame = table.frame
    scores = score_table(frame, rules)
    shown = scores if results is None else results
    items = {"profit": item_table(frame["profit_actual"], frame["profit_target"], "profit", rules),
             "tasks": item_table(frame["tasks_done"], frame["tasks_target"], "tasks", rules)}
    rating_points, rating_att = _rating(frame["rating"].to_numpy(dtype=float), rules)
    raw = {(p.row, p.field): p.value for p in table.problems}
    problems = table.problems + problems_from_scores(table, scores, rules)
    checks = _check_texts(problems)
    errors: dict[int, list[str]] = {}
    for p in problems:
        if p.row is not None and p.cell not in errors.setdefault(p.row, []):
            errors[p.row].append(p.cell)
    rules_ref = quote_sheet(rules_sheet)
    label = "label_zh" if table.language == "zh" else "label_en"
    sheet = quote_sheet(table.sheet)

    def ref(name: str, i: int) -> str | None:
        column = table.columns.get(name, table.result_columns.get(name))
        return None if column is None else f"{sheet}!{col_letter(column)}{table.rows[i]}"

    def value(name: str, i: int) -> Any:
        v = frame[name].iat[i]
        if isinstance(v, float) and math.isnan(v):
            return raw.get((table.rows[i], name))
        return v

    def text(name: str, i: int) -> str:
        return str(frame[name].iat[i]) if name in frame else ""

    out = []
    for i in range(len(frame)):
        lines = [ItemLine(key, value(a, i), value(t, i), _opt(items[key]["attainment"].iat[i]),
                          getattr(rules, key).weight, _opt(items[key]["points"].iat[i]), ref(a, i), ref(t, i))
                 for key, (a, t) in (("profit", ("profit_actual", "profit_target")),
                                     ("tasks", ("tasks_done", "tasks_target")))]
        lines.append(ItemLine("rating", value("rating", i), rules.rating.maximum, _opt(rating_att[i]),
                              rules.rating.weight, _opt(rating_points[i]), ref("rating", i),
                              f"{rules_ref}!{rule_cell('rating_max')}", rules.rating.weak_threshold,
                              f"{rules_ref}!{rule_cell('rating_weak_below')}"))
        out.append(InterviewData(
            employee_id=text("employee_id", i), name=text("name", i), department=text("department", i),
            level=text("level", i), supervisor=text("supervisor", i), items=tuple(lines),
            score=ResultCell(ref("score", i), _opt(shown["score"].iat[i])),
            grade=ResultCell(ref("grade", i), shown[label].iat[i]),
            multiplier=ResultCell(ref("multiplier", i), _opt(shown["multiplier"].iat[i])),
            bonus=ResultCell(ref("bonus", i), _opt(shown["bonus"].iat[i]) if "bonus" in shown else None),
            check=ResultCell(ref("check", i), checks.get(table.rows[i], "")),
            rules_sheet=rules_sheet, errors=tuple(errors.get(table.rows[i], ()))))
    return out


def _rating(rating: np.ndarray, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """Rating points and their share of the weight in % (the rating's attainment),
    NaN where the rating is unusable; the engine's rounding steps."""
    r = rules.rating
    ok = np.isfinite(rating) & (rating >= r.minimum) & (rating <= r.maximum)
    with np.errstate(all="ignore"):
        points = excel_round((rating - r.minimum) * r.weight / (r.maximum - r.minimum), 9)
        share = excel_round(points / r.weight * 100, 0) if r.weight > 0 else np.full(rating.shape, np.nan)
    return np.where(ok, points, np.nan), np.where(ok, share, np.nan)


def _opt(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _check_texts(problems: Iterable[Problem]) -> dict[int, str]:
    """The text ``results`` writes into a row's 输入检查 cell (its cached value here)."""
    notes: dict[int, list[str]] = {}
    for p in sorted(problems, key=lambda p: (p.row or 0, p.cell)):
        if p.row is not None:
            notes.setdefault(p.row, []).append(f"{p.cell.split('!')[-1]}: {p.message}")
    return {row: "\n".join(lines) for row, lines in notes.items()}


# ------------------------------------------------------------------ PDFs


def pdf_name(tab: str) -> str:
    """A file name for a tab's PDF that every file system accepts."""
    return _UNSAFE_FILE_CHARS.sub("_", tab).strip(" .") + ".pdf"


def print_tabs(path: str | Path | DepartmentBook, tabs: Sequence[str], outdir: str | Path,
               office: LibreOffice | None = None) -> list[Path]:
    """Print each tab to its own one-page A4 PDF with one LibreOffice run.

    A temporary copy of the workbook has every other sheet hidden and without a
    print area (LibreOffice 7.4 prints a hidden sheet that has one); LibreOffice
    prints the visible sheets, one page each, into one PDF, which is split per
    tab. A page count other than the number of tabs means a tab did not fit one
    page, and is an error rather than a wrongly split set of files.
    """
    from pypdf import PdfReader, PdfWriter

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    own = office is None
    office = office or LibreOffice()
    try:
        with tempfile.TemporaryDirectory(prefix="perf-addin-pdf-") as tmp:
            ordered = stage_visible(path, set(tabs), Path(tmp) / "interviews.xlsx")
            result = office.convert([Path(tmp) / "interviews.xlsx"], "pdf", Path(tmp) / "out", recalc=False)
            conversion = next(iter(result.values()))
            if not conversion.ok:
                raise LibreOfficeError(conversion.error)
            pdf = conversion.outputs[0]
            pages = pdf_page_count(pdf)
            if pages != len(ordered):
                raise LibreOfficeError(f"the {len(ordered)} interview tabs printed to {pages} pages; "
                                       "each tab must fit one page")
            reader = PdfReader(pdf)
            written = []
            for page, tab in zip(reader.pages, ordered):
                writer = PdfWriter()
                writer.add_page(page)
                target = outdir / pdf_name(tab)
                with target.open("wb") as handle:
                    writer.write(handle)
                written.append(target)
            return written
    finally:
        if own:
            office.close()


def stage_visible(path: str | Path | DepartmentBook, tabs: set[str], copy: Path) -> list[str]:
    """Save a copy in which only ``tabs`` are visible; return them in sheet order.

    Given the command's open workbook after its save, the copy comes from its
    writer (what was just saved, without reading the file again); given a path,
    from the file."""
    if isinstance(path, DepartmentBook):
        return _stage(path.writer, tabs, copy)
    with Workbook.open(path) as book:
        return _stage(book, tabs, copy)


def _stage(book: Workbook, tabs: set[str], copy: Path) -> list[str]:
    missing = tabs - set(book.sheet_names)
    if missing:
        raise WorkbookError(f"{book.path.name}: no sheet named {sorted(missing)[0]!r}")
    for name in book.sheet_names:
        if name in tabs:
            book.set_sheet_state(name, "visible")
    for name in book.sheet_names:
        if name not in tabs:
            book.set_sheet_state(name, "hidden")
            book.remove_name("_xlnm.Print_Area", name)  # LibreOffice prints hidden print areas
    book.save(to=copy, backup=False)
    return [n for n in book.sheet_names if n in tabs]


__all__ = ["InterviewReport", "TabWritten", "employee_data", "existing_tabs", "filled_fields", "interviews_book",
           "pdf_name", "print_tabs", "write_interviews"]
