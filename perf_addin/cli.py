"""The command line: everything the ribbon does, headless, on a workbook file.

    perf-addin demo                 score a copy of the bundled sample department
    perf-addin score BOOK.xlsx      score everyone in place
    perf-addin interviews BOOK.xlsx [--only ID ...] [--pdf DIR]
                                    one feedback-interview tab per employee (and PDFs)

Errors are one clear line (exit status 2), never a traceback.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .department import DepartmentError
from .interviews import InterviewReport, write_interviews
from .libreoffice import LibreOfficeError, require_soffice
from .results import ScoreReport, score_workbook
from .rules import RulesError
from .xlsx import WorkbookError

SAMPLE = Path(__file__).resolve().parents[1] / "workbook" / "sample_department.xlsx"
USER_ERRORS = (WorkbookError, DepartmentError, RulesError, OSError, LibreOfficeError)
MAX_PROBLEMS_SHOWN = 30

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except USER_ERRORS as exc:
        errors.print(f"[bold red]error:[/] {exc}")
        return 2
    except KeyboardInterrupt:
        errors.print("interrupted; the workbook was not changed")
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="perf-addin", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"perf-addin {__version__}")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", help="copy the sample department workbook and score it")
    demo.add_argument("--dir", type=Path, default=Path("perf-addin-demo"),
                      help="folder for the demo copy (default: ./perf-addin-demo)")
    demo.set_defaults(run=run_demo)
    score = sub.add_parser("score", help="score every employee of a workbook in place")
    score.add_argument("book", type=Path, help="the department workbook (.xlsx or .xlsm)")
    score.set_defaults(run=run_score)
    interviews = sub.add_parser("interviews", help="write a feedback-interview tab per employee")
    interviews.add_argument("book", type=Path, help="the department workbook (.xlsx or .xlsm)")
    interviews.add_argument("--only", nargs="+", metavar="ID", help="only these employee IDs")
    interviews.add_argument("--pdf", type=Path, metavar="DIR",
                            help="also print each tab to a one-page A4 PDF in DIR")
    interviews.set_defaults(run=run_interviews)
    return parser


def run_demo(args: argparse.Namespace) -> int:
    if not SAMPLE.exists():
        raise OSError(f"the sample workbook {SAMPLE.name} is missing; "
                      "reinstall with `pip install -e .` from a checkout")
    args.dir.mkdir(parents=True, exist_ok=True)
    book = args.dir / SAMPLE.name
    shutil.copyfile(SAMPLE, book)
    console.print(f"Copied the sample department to [bold]{book}[/]")
    run_score(argparse.Namespace(book=book))
    return run_interviews(argparse.Namespace(book=book, only=None, pdf=args.dir / "interviews",
                                             pdf_optional=True))


def run_interviews(args: argparse.Namespace) -> int:
    pdf = args.pdf
    if pdf is not None:
        try:
            require_soffice()  # refuse before writing anything
        except LibreOfficeError:
            if not getattr(args, "pdf_optional", False):
                raise
            errors.print("LibreOffice is not installed, so no PDFs are printed")
            pdf = None
    with _progress() as step:
        report = write_interviews(args.book, only=args.only, pdf_dir=pdf, progress=step)
    show_interviews(report)
    return 0


def show_interviews(report: InterviewReport) -> None:
    new = sum(t.new for t in report.tabs)
    kept = sum(t.kept for t in report.tabs)
    console.print(f"\nInterview tabs: [bold]{len(report.tabs)}[/] written ({new} new, "
                  f"{len(report.tabs) - new} regenerated; {kept} filled-in fields kept)")
    _show_list("Tabs kept for employees no longer in the table (tab coloured red)", report.left)
    _show_list("Not written", report.skipped)
    if report.pdfs:
        console.print(f"One-page PDFs: [bold]{len(report.pdfs)}[/] in [bold]{report.pdfs[0].parent}[/]")
    if report.unchanged:
        console.print("Nothing changed: the workbook already held these tabs.")
    elif report.backup:
        console.print(f"Saved. The previous version is in [bold]{report.backup}[/]")


def run_score(args: argparse.Namespace) -> int:
    with _progress() as step:
        report = score_workbook(args.book, step)
    show_report(report)
    return 0


@contextmanager
def _progress() -> Iterator:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("starting", total=None)
        yield lambda text: progress.update(task, description=text)


def show_report(report: ScoreReport) -> None:
    labels = {b.code: f"{b.code} {b.label_zh} / {b.label_en}" for b in report.rules.bands}
    table = Table(title=f"{report.path.name} – sheet {report.sheet}", title_justify="left")
    table.add_column("grade")
    table.add_column("employees", justify="right")
    for code, count in report.by_grade.items():
        table.add_row(labels.get(code, code), str(count))
    table.add_row("[red]input errors[/]", str(report.employees - report.scored), end_section=True)
    table.add_row("[bold]total[/]", str(report.employees))
    console.print(table)
    if report.total_bonus is not None:
        console.print(f"Total bonus: [bold]{report.total_bonus:,.2f}[/]")
    _show_list("Input errors (no score until fixed)", [str(p) for p in report.problems])
    _show_list("Numbers typed as text, converted", [f"{c}: {t!r} → {v:g}" for c, t, v in report.converted])
    _show_list("Kept values typed into result cells", [f"{c}: {t}" for c, t in report.kept])
    if report.unchanged:
        console.print("Nothing changed: the workbook already held these results.")
    elif report.backup:
        console.print(f"Saved. The previous version is in [bold]{report.backup}[/]")


def _show_list(title: str, lines: list[str]) -> None:
    if not lines:
        return
    console.print(f"\n[bold]{title}[/] ({len(lines)}):")
    for line in lines[:MAX_PROBLEMS_SHOWN]:
        console.print(f"  • {line}")
    if len(lines) > MAX_PROBLEMS_SHOWN:
        console.print(f"  … and {len(lines) - MAX_PROBLEMS_SHOWN} more")


if __name__ == "__main__":
    sys.exit(main())
