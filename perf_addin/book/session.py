"""One command's department workbook: read once, written through one writer, saved once.

A command (``score``, ``interviews``, ``reconcile``, a ribbon button …) opens a
``DepartmentBook`` and hands it to every job it runs. Opening reads the file's
bytes once (``source.read_file``); the employee table, the rules, the interview
settings, the rules sheet's name and the language all derive from those bytes on
first use and are cached, so no job reads the file again and all of them agree on
one version of it. A job that writes asks for ``writer`` – one ``xlsx.Workbook``
opened from the same bytes – and the command saves once (atomic, one backup).

What a job writes is seen by the jobs after it through the writer (the sheets it
added, the language row ``--lang`` wrote), never through a second read.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

from perf_addin.book.department import (EmployeeTable, employee_table, find_rules_sheet, is_rules_sheet,
                                        rules_of, sheet_ref)
from perf_addin.book.source import BookSource, DepartmentError, read_file
from perf_addin.domain.interview_settings import InterviewSettings, settings_from_grid
from perf_addin.domain.rules import RULES_SHEET, Rules, rules_to_rows
from perf_addin.language import language_cells, remembered_language
from perf_addin.labels import LANGUAGES
from perf_addin.xlsx import SheetSpec, Workbook
from perf_addin.xlsx.refs import cell_ref

#: resolved path -> how many times a ``DepartmentBook`` saved it in place
SAVES: Counter[Path] = Counter()
#: the rules sheet's name when the tool adds one, in the workbook's language
RULES_SHEET_NAMES = {"zh": RULES_SHEET, "en": "Rules"}


class DepartmentBook(BookSource):
    """A department workbook as one command sees it (see the module docstring).

    >>> with DepartmentBook.open("dept.xlsx") as book:        # doctest: +SKIP
    ...     book.table.frame, book.rules, book.settings
    ...     book.writer.set_cells(book.table.sheet, {"Z1": "note"})
    ...     book.save()
    """

    def __init__(self, path: str | Path, data: bytes) -> None:
        super().__init__(path, data)
        self._writer: Workbook | None = None
        self._language: str | None = None
        self.saved = False
        self.unchanged = False
        self.backup: Path | None = None

    @classmethod
    def open(cls, path: str | Path) -> "DepartmentBook":
        return cls(path, read_file(path))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        super().close()

    # -- reading ------------------------------------------------------------------

    @cached_property
    def table(self) -> EmployeeTable:
        """The employee table (``department.employee_table``), in the workbook's language."""
        return employee_table(self, language=self._language)

    def adopt_table(self, table: EmployeeTable) -> None:
        """The employee table as this command has extended it (columns it added in
        the writer, e.g. the calibration meeting's): what the jobs after it read."""
        self.__dict__["table"] = table

    @property
    def language(self) -> str:
        """The workbook's language: the one this command set, else the table's."""
        return self._language or self.table.language

    def _find_rules_sheet(self, names: list[str]) -> str | None:
        """``find_rules_sheet``; the workbook's language (which needs the table) is
        asked only to word the refusal of two candidates."""
        found = [n for n in names if is_rules_sheet(n)]
        if len(found) > 1:
            find_rules_sheet(found, self._language or self._header_language(), self.path.name)
        return found[0] if found else None

    def _header_language(self) -> str:
        try:
            return self.table.language
        except DepartmentError:
            return "zh"

    @property
    def rules_sheet(self) -> str | None:
        """The rules sheet's name (``department.find_rules_sheet``), as the writer sees
        the workbook once a job writes (a sheet added in this command counts)."""
        return self._find_rules_sheet(self._writer.sheet_names if self._writer is not None else self.worksheets)

    @cached_property
    def rules_grid(self) -> list[list[Any]] | None:
        """The rules sheet's cells as the file holds them (None without one)."""
        sheet = self._find_rules_sheet(self.worksheets)
        return self.grid(sheet) if sheet else None

    @property
    def rules_ref(self) -> str:
        """The rules sheet as it stands in a reference or an error line."""
        return sheet_ref(self.rules_sheet or RULES_SHEET_NAMES.get(self.language, RULES_SHEET))

    @cached_property
    def rules(self) -> Rules:
        return rules_of(self, self.language, sheet=self._find_rules_sheet(self.worksheets) or "")

    @cached_property
    def settings(self) -> InterviewSettings:
        """The interview settings of the rules sheet's J:L table."""
        return settings_from_grid(self.rules_grid, self.rules_ref, self.language)

    # -- writing ------------------------------------------------------------------

    @property
    def writer(self) -> Workbook:
        """The one writer of this command, opened from the bytes read (refusals of a
        file the writer cannot keep intact come here, before any work)."""
        if self._writer is None:
            self._writer = Workbook.open(self.path, self.data)
        return self._writer

    def copy_writer(self) -> Workbook:
        """A second writer on the same bytes, for a copy saved elsewhere (``save(to=…)``)
        whose edits must never reach this workbook's own save."""
        return Workbook.open(self.path, self.data)

    def check_writable(self) -> None:
        """Refuse before any work when saving in place could not succeed."""
        self.writer.check_writable()

    def ensure_rules_sheet(self, lang: str | None = None, language_row: bool = False) -> tuple[str, bool]:
        """The sheet the formulas read, and whether it had to be added: a workbook
        without one gets the rules in force (the defaults) on a sheet named in its
        language (or ``lang``), with the language row when ``language_row``."""
        existing = self.rules_sheet
        if existing is not None:
            return self.writer.sheet(existing).name, False
        grid = rules_to_rows(self.rules)
        cells = {cell_ref(r + 1, c + 1): value for r, row in enumerate(grid)
                 for c, value in enumerate(row) if value is not None}
        if language_row:
            cells |= language_cells(grid, lang or self.language)
        name = RULES_SHEET_NAMES["zh" if (lang or self.language) == "zh" else "en"]
        self.writer.add_sheet(SheetSpec(name, cells=cells, col_widths={1: 22, 3: 46, 4: 46}, kind="rules"))
        return name, True

    def remember_language(self, lang: str) -> bool:
        """Make ``lang`` the workbook's language for this command and write it on the
        rules sheet (added if needed), saved with the command's own changes; True
        when the row changed."""
        if lang not in LANGUAGES:
            raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
        self.check_writable()
        self._language = lang
        sheet = self._find_rules_sheet(self.worksheets)
        grid = self.grid(sheet) if sheet else None
        self.__dict__.pop("table", None)  # read again in the chosen language
        if sheet is not None and remembered_language(grid, sheet_ref(sheet)) == lang:
            return False
        name, added = self.ensure_rules_sheet(lang, language_row=True)
        if not added:
            self.writer.set_cells(name, language_cells(grid, lang))
        return True

    def save(self, backup: bool = True) -> Path | None:
        """Save the writer's changes in place, once per command: atomic, with one backup
        of the file as it was (returned). Nothing written when nothing changed."""
        if self.saved:
            raise RuntimeError(f"{self.path.name} was already saved in this command")
        self.saved = True
        if self._writer is None:
            self.unchanged = True
            return None
        self.backup = self._writer.save(backup=backup)
        self.unchanged = self._writer.unchanged
        if not self.unchanged:
            SAVES[self.path.resolve()] += 1
        return self.backup


def open_book(path: str | Path) -> DepartmentBook:
    """The department workbook at ``path``, read once (``DepartmentBook``)."""
    return DepartmentBook.open(path)


@contextmanager
def opened(book: str | Path | DepartmentBook) -> Iterator[DepartmentBook]:
    """The command's open workbook as it is, or the one at a path opened (and closed)
    here: what lets a job's helpers take either."""
    if isinstance(book, DepartmentBook):
        yield book
        return
    with open_book(book) as session:
        yield session


__all__ = ["DepartmentBook", "RULES_SHEET_NAMES", "SAVES", "open_book", "opened"]
