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

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from perf_addin.labels import job_text
from perf_addin.book.department import DepartmentError, EmployeeTable, first_rows
from perf_addin.book.session import DepartmentBook, open_book
from perf_addin.engines.libreoffice import LibreOffice, LibreOfficeError, pdf_page_count
from perf_addin.jobs.score import ScoreReport, mark_stale_tabs, score_into
from perf_addin.jobs.tabs import LEFT_COLOR, TabWritten, employee_data, existing_tabs, filled_fields, write_tabs
from perf_addin.xlsx import Workbook, WorkbookError

Progress = Callable[[str], None]
_UNSAFE_FILE_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


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
    write_tabs(book, score.table, score.rules, score.scores, chosen, report, include_errors, progress)
    stale = mark_stale_tabs(book.writer)
    progress(job_text("saving", book.language))
    report.backup = score.backup = book.save()
    report.unchanged = score.unchanged = book.unchanged
    score.stale = [] if report.unchanged else stale["reconcile"]
    score.stale_calibration = [] if report.unchanged else stale["calibration"]
    score.tabs_updated = report.updated
    if pdf_dir is not None and report.tabs:
        progress(job_text("printing", book.language, n=len(report.tabs)))
        report.pdfs = print_tabs(book, [t.tab for t in report.tabs], pdf_dir, office)
    return report


def _check_only(table: EmployeeTable, only: Sequence[str]) -> None:
    ids = set(table.frame["employee_id"])
    unknown = [i for i in only if str(i).strip() not in ids]
    if unknown:
        ids = ", ".join(map(str, unknown))
        raise DepartmentError(f"no employee with ID {ids} in the table {table.sheet}",
                              zh=f"员工表 {table.sheet} 中没有工号为 {ids} 的员工")


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


__all__ = ["LEFT_COLOR", "InterviewReport", "TabWritten", "employee_data", "existing_tabs", "filled_fields", "interviews_book",
           "pdf_name", "print_tabs", "write_interviews"]
