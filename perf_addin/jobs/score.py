"""Scores in place: result columns beside the employee table, as native formulas.

The columns 得分 / 等级 / 绩效倍数 / 奖金 (Score / Grade / Multiplier / Bonus) are
ordinary Excel formulas that read the rules sheet, so the workbook recalculates in
Excel, LibreOffice or Google Sheets without the add-in; each cell also carries the
Python engine's value as its cached result, so readers that do not calculate
(pandas, previews) see the numbers. A fifth column, 输入检查 / Input check, says
what is wrong with a row whose inputs are unusable.

Nothing a person typed is overwritten: a value typed into a result cell (a manual
override) is kept and reported. Numbers typed as text ("3,100", "０.３万") are
turned into real numbers, because a formula cannot read them; each conversion is
reported with the text it replaced, and the previous file is kept as a backup.

Nothing stale: the interview tabs show a copy of each employee's numbers (cached
values) and sentences written from them (praise, remedy lines), so scoring brings
every existing tab in line with the new results in the same writer session and
the same save (``tabs.refresh_tabs``), keeping what people typed there.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from perf_addin.domain import formulas as xf
from perf_addin.book.department import EmployeeTable, Problem, all_problems, check_texts
from perf_addin.book.session import DepartmentBook, open_book
from perf_addin.domain.rules import Rules
from perf_addin.domain.scoring import grade_table, score_table
from perf_addin.jobs.tabs import refresh_tabs
from perf_addin.labels import LANGUAGES, job_text, label
from perf_addin.xlsx import Cell, CellError, Style, Workbook
from perf_addin.xlsx.refs import cell_ref, col_letter

RESULT_FIELDS = ("score", "grade", "multiplier", "bonus", "check")
# The headers written are the labels the reader recognises (labels.RESULT_LABELS): one table.
HEADERS = {lang: {f: label(f, lang) for f in RESULT_FIELDS} for lang in LANGUAGES}
HEADER_STYLE = Style(bold=True, fill="E2EFDA", border="thin", halign="center", valign="center",
                     wrap=True)
STYLES = {
    "score": Style(num_format="0.0##"),
    "grade": Style(halign="center"),
    "multiplier": Style(num_format="0.0#"),
    "bonus": Style(num_format="#,##0.00"),
    "check": Style(font_color="C00000", wrap=True),
}
NA = CellError("#N/A")
STALE_COLOR = "C00000"  # red, as a tab whose employee left
Progress = Callable[[str], None]


@dataclass
class ScoreReport:
    """What a scoring run did, for the CLI summary and the ribbon's message."""

    path: Path
    sheet: str
    rules: Rules
    employees: int
    by_grade: dict[str, int]
    total_bonus: Decimal | None
    problems: list[Problem]
    converted: list[tuple[str, str, float]] = field(default_factory=list)  # cell, text, number
    kept: list[tuple[str, str]] = field(default_factory=list)  # cell, typed value
    backup: Path | None = None
    unchanged: bool = False
    scores: pd.DataFrame | None = None
    #: the table as scored, with the result columns as written (what the tabs point at)
    table: EmployeeTable | None = None
    #: interview tabs whose numbers or generated text changed with this run
    tabs_updated: list[str] = field(default_factory=list)
    #: interview tabs left alone or turned red (employee left), one line each
    tab_notes: list[str] = field(default_factory=list)
    language: str = "zh"  # the workbook's (``EmployeeTable.language``)
    #: rows whose bonus in the total is a typed override (or follows one)
    overrides_in_total: int = 0
    #: tabs computed from the results before this run (reconciliation), now coloured red
    stale: list[str] = field(default_factory=list)
    #: calibration tabs (校准) proposed from the results before this run, now red
    stale_calibration: list[str] = field(default_factory=list)

    @property
    def scored(self) -> int:
        return sum(self.by_grade.values())


def score_workbook(path: str | Path, progress: Progress = lambda step: None) -> ScoreReport:
    """Read, score and write back one department workbook, and refresh its interview
    tabs, in one read, one writer session and one atomic save."""
    with open_book(path) as book:
        return score_book(book, progress)


def score_book(book: DepartmentBook, progress: Progress = lambda step: None) -> ScoreReport:
    """``score_workbook`` on a workbook a command has open: scores, refreshes the
    interview tabs, marks a reconciliation made from the old results, and saves."""
    book.check_writable()  # refuse before any work, not after it
    report = score_into(book, progress)
    tabs = refresh_tabs(book, report.table, report.rules, report.scores, progress)  # built on these results
    report.tabs_updated = tabs.updated
    report.tab_notes = tabs.skipped + [job_text("left_tab", book.language, tab=tab) for tab in tabs.left]
    stale = mark_stale_tabs(book.writer)
    progress(job_text("saving", book.language))
    report.backup = book.save()
    report.unchanged = book.unchanged
    report.stale = [] if report.unchanged else stale["reconcile"]
    report.stale_calibration = [] if report.unchanged else stale["calibration"]
    return report


STALE_KINDS = ("reconcile", "calibration")


def mark_stale_tabs(writer: Workbook, kinds: tuple[str, ...] = STALE_KINDS) -> dict[str, list[str]]:
    """Colour the tabs of an existing reconciliation (对账) and calibration (校准) red when
    this run changes the workbook: they were computed from the results before this run
    (finance must not read old money as current; the meeting must not move people by
    old proposals, nor count grades by labels a --lang switch has changed).

    The tabs are not rebuilt here: they depend on what reconcile and calibrate were given
    (the seal key, an old version, the day), which score does not have; those commands
    write them anew and uncoloured. The colour goes into the same save as the results; a
    run that changes nothing else leaves the tabs as they are. Returns kind -> tabs."""
    stale = {kind: [n for n in writer.sheet_names if writer.owner_kind(n) == kind] for kind in kinds}
    if not any(stale.values()) or not writer.would_change():
        return {kind: [] for kind in STALE_KINDS}
    for names in stale.values():
        for name in names:
            writer.set_tab_color(name, STALE_COLOR)
    return {kind: stale.get(kind, []) for kind in STALE_KINDS}


def score_into(book: DepartmentBook, progress: Progress = lambda step: None) -> ScoreReport:
    """Score the workbook into its writer, without saving: the jobs that score first
    (interviews) write their own sheets into the same session."""
    progress(f"{book.path.name} …")
    table, rules = book.table, book.rules
    progress(job_text("scoring", book.language, n=len(table.rows)))
    scores = score_table(table.frame, rules)
    problems = all_problems(table, scores, rules)
    progress(job_text("results", book.language))
    rules_sheet, _ = book.ensure_rules_sheet()
    writer = book.writer
    converted = _convert_text_numbers(writer, table)
    kept, columns, effective = _write_results(book, table, scores, rules, rules_sheet, problems)
    scored = replace(table, result_columns={**table.result_columns, **columns})
    report = ScoreReport(book.path, table.sheet, rules, len(table.rows), _grade_counts(scores, rules),
                         _total_bonus(effective), problems, converted, kept, scores=effective,
                         table=scored, language=table.language)
    report.overrides_in_total = _overrides_in_total(scores, effective)
    return report


def _overrides_in_total(engine: pd.DataFrame, effective: pd.DataFrame) -> int:
    """Rows whose paid bonus is not the engine's because of a typed result cell."""
    if "bonus_cents" not in engine:
        return 0
    return sum(a != b for a, b in zip(engine["bonus_cents"], effective["bonus_cents"]))


def _convert_text_numbers(book: Workbook, table: EmployeeTable) -> list[tuple[str, str, float]]:
    done = []
    cells = {}
    for field_name, i, text in table.text_numbers:
        value = float(table.frame[field_name].iat[i])
        ref = cell_ref(table.rows[i], table.columns[field_name])
        cells[ref] = value
        done.append((table.cell(field_name, i), text, value))
    if cells:
        book.set_cells(table.sheet, cells)
    return done


def place_columns(book: Workbook, table: EmployeeTable, wanted: list[str]) -> dict[str, int]:
    """Reuse the result columns of an earlier run; put new ones in the first empty columns
    right of the table, never over anything a person typed (new columns are empty
    by this choice)."""
    columns = {f: c for f, c in table.result_columns.items() if f in wanted}
    taken = set(table.columns.values()) | set(table.result_columns.values())
    col = max(taken) + 1
    for name in wanted:
        if name in columns:
            continue
        while col in taken or _has_content(book, table, col):
            col += 1
        columns[name] = col
        taken.add(col)
    return columns


def _has_content(book: Workbook, table: EmployeeTable, col: int) -> bool:
    return bool(book.typed_values(table.sheet, col, [table.header_row, *table.rows]))


def _write_results(session: DepartmentBook, table: EmployeeTable, scores: pd.DataFrame, rules: Rules,
                   rules_sheet: str, problems: list[Problem]) -> tuple[list[tuple[str, str]], dict[str, int], pd.DataFrame]:
    """Write the result columns; returns the overrides kept, the columns and the
    results as the workbook holds them (typed overrides included), which are the
    cached values, the tabs' numbers and the total."""
    lang, book = table.language, session.writer
    wanted = [f for f in RESULT_FIELDS if f != "bonus" or "base_bonus" in table.columns]
    columns = place_columns(book, table, wanted)
    book.set_cells(table.sheet, {cell_ref(table.header_row, c): Cell(HEADERS[lang][f], HEADER_STYLE)
                                 for f, c in columns.items() if f not in table.result_columns})
    typed = {name: book.typed_values(table.sheet, columns[name], table.rows)
             for name in wanted if name != "check" and name in table.result_columns}
    effective = with_overrides(scores, table, _typed_numbers(session, table.sheet, columns, typed),
                               rules)
    left = _left_formulas(book, table, columns)  # before the fill regroups the shared formulas
    kept: list[tuple[str, str]] = []
    for name, (formula, values) in _formula_columns(table, effective, rules, rules_sheet,
                                                    columns, lang).items():
        col = columns[name]
        rows_typed = typed.get(name, {})
        kept += [(f"{table.sheet}!{cell_ref(r, col)}", text) for r, text in rows_typed.items()]
        rows = [r for r in table.rows if r not in rows_typed]
        cached = [v for r, v in zip(table.rows, values) if r not in rows_typed]
        book.fill_formula(table.sheet, col, rows, formula, cached, STYLES[name])
    col = columns["check"]
    stale = book.typed_values(table.sheet, col, table.rows) if "check" in table.result_columns else {}
    book.set_cells(table.sheet, _check_cells(table, problems, col, set(stale)))
    kept += _clear_left_rows(book, table, columns, left)
    return kept, columns, effective


def _left_formulas(book: Workbook, table: EmployeeTable, columns: dict[str, int]) -> set[tuple[int, int]]:
    """(row, column) of the result columns' filled-down formulas in rows that no longer
    hold an employee."""
    rows = set(table.rows)
    return {(r, col) for name, col in columns.items() if name != "check" and name in table.result_columns
            for r in book.formula_rows(table.sheet, col, table.header_row) if r not in rows}


def _clear_left_rows(book: Workbook, table: EmployeeTable, columns: dict[str, int],
                     cleared: set[tuple[int, int]]) -> list[tuple[str, str]]:
    """Result formulas of a row that no longer holds an employee (blanked or moved)
    would keep caching that employee's money: they are the tool's own cells, so
    they are emptied; a value a person typed there is left alone and listed."""
    rows = set(table.rows)
    cells = {cell_ref(r, col): None for r, col in cleared}
    last = max([*rows, *(r for r, _ in cleared)], default=table.header_row)
    others = [r for r in book.rows_below(table.sheet, table.header_row) if r not in rows and r <= last]
    if cells:
        book.set_cells(table.sheet, cells)
    return [(f"{table.sheet}!{cell_ref(r, col)}", text) for name, col in columns.items()
            if name != "check" and name in table.result_columns
            for r, text in book.typed_values(table.sheet, col, others).items()]


def _typed_numbers(book: DepartmentBook, sheet: str, columns: dict[str, int],
                   typed: dict[str, dict[int, str]]) -> dict[str, dict[int, object]]:
    """The values people typed into result cells, as a spreadsheet reads them (a
    number is a number, a text a text)."""
    if not any(typed.values()):
        return {}
    grid = book.grid(sheet) or []

    def at(row: int, col: int) -> object:
        line = grid[row - 1] if row - 1 < len(grid) else []
        return line[col - 1] if col - 1 < len(line) else None
    return {name: {r: at(r, columns[name]) for r in rows} for name, rows in typed.items()}


def with_overrides(scores: pd.DataFrame, table: EmployeeTable, typed: dict[str, dict[int, object]],
                   rules: Rules) -> pd.DataFrame:
    """The engine's results with what people typed into result cells put in, and
    the formulas that read a typed cell computed from it: a typed score gives
    grade, multiplier and bonus of its band (the formulas read the score cell); a
    typed grade, multiplier or bonus stands alone (no other formula reads it)."""
    if not any(typed.values()):
        return scores
    out = scores.copy()
    at = {r: i for i, r in enumerate(table.rows)}
    label = "label_zh" if table.language == "zh" else "label_en"
    if typed.get("score"):
        rows = list(typed["score"])
        base = ([table.frame["base_bonus"].iat[at[r]] for r in rows]
                if "base_bonus" in table.frame else None)
        calibrated = ([table.frame["calibrated_grade"].iat[at[r]] for r in rows]
                      if "calibrated_grade" in table.frame else None)
        banded = grade_table([typed["score"][r] for r in rows], rules, base_bonus=base, calibrated=calibrated)
        for k, r in enumerate(rows):
            value = typed["score"][r]
            out.at[out.index[at[r]], "score"] = value if isinstance(value, (int, float)) else np.nan
            for name in ("grade", "label_zh", "label_en", "multiplier", "bonus", "bonus_cents"):
                if name in out and name in banded:
                    out.at[out.index[at[r]], name] = banded[name].iat[k]
    for r, value in typed.get("grade", {}).items():
        out.at[out.index[at[r]], label] = value
    for r, value in typed.get("multiplier", {}).items():
        out.at[out.index[at[r]], "multiplier"] = value if _is_amount(value) else np.nan
    for r, value in typed.get("bonus", {}).items():
        amount = _is_amount(value)
        out.at[out.index[at[r]], "bonus"] = float(value) if amount else np.nan
        out.at[out.index[at[r]], "bonus_cents"] = _cents(value) if amount else None
    return out


def _is_amount(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def _cents(value: object) -> int:
    """A typed amount in whole cents, as the cell shows it to the cent (half away from zero)."""
    from decimal import ROUND_HALF_UP
    return int((Decimal(repr(float(value))) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _formula_columns(table: EmployeeTable, scores: pd.DataFrame, rules: Rules, sheet: str,
                     columns: dict[str, int], lang: str) -> dict[str, tuple[str, list]]:
    """Each result column's formula (as written in the first employee row) and the
    engine's value for every row."""
    if not table.rows:
        return {}
    first = table.rows[0]

    def ref(field_name: str) -> str:
        return f"{col_letter(table.columns[field_name])}{first}"
    score_ref = f"{col_letter(columns['score'])}{first}"
    inputs = xf.RowRefs(ref("profit_actual"), ref("profit_target"), ref("tasks_done"),
                        ref("tasks_target"), ref("rating"))
    label = "label_zh" if lang == "zh" else "label_en"
    cal = ref("calibrated_grade") if "calibrated_grade" in table.columns else None
    out = {
        "score": (xf.score_formula(inputs, sheet), _cached(scores["score"])),
        "grade": (xf.grade_formula(score_ref, rules, sheet, label=lang, calibrated=cal), _cached(scores[label])),
        "multiplier": (xf.multiplier_formula(score_ref, rules, sheet, calibrated=cal), _cached(scores["multiplier"])),
    }
    if "bonus" in columns:
        out["bonus"] = (xf.bonus_formula(ref("base_bonus"), score_ref, rules, sheet, calibrated=cal),
                        _cached(scores["bonus"]))
    return out


def _cached(column: pd.Series) -> list:
    """Engine values as cached results (plain Python scalars); a missing value is the
    formula's #N/A. Vectorized: it runs for every row of four columns."""
    values = column.tolist()
    for i in np.flatnonzero(column.isna().to_numpy()):
        values[i] = NA
    return values


def _check_cells(table: EmployeeTable, problems: list[Problem], col: int,
                 stale: set[int]) -> dict[str, object]:
    """One line per problem in the row's check cell; a row whose problem was fixed
    (``stale``: it holds an old note) is emptied; other cells are not touched."""
    notes = check_texts(problems)
    cells: dict[str, object] = {}
    for row in table.rows:
        text = notes.get(row, "")
        if text or row in stale:
            cells[cell_ref(row, col)] = Cell(text or None, STYLES["check"])
    return cells


def _grade_counts(scores: pd.DataFrame, rules: Rules) -> dict[str, int]:
    counts = scores["grade"].value_counts()
    return {b.code: int(counts.get(b.code, 0)) for b in rules.bands}


def _total_bonus(scores: pd.DataFrame) -> Decimal | None:
    if "bonus_cents" not in scores:
        return None
    cents = scores["bonus_cents"].dropna()
    return Decimal(int(cents.sum())) / 100


def ensure_rules_sheet(path: str | Path, lang: str | None = None) -> tuple[str, bool]:
    """The rules sheet's name, and whether it had to be added (holding the rules in
    force, the defaults): the Rules button opens it, so it must exist.  ``lang``
    names a new sheet; by default the employee table's language does."""
    with open_book(path) as book:
        existing = book.rules_sheet
        if existing is not None:
            return existing, False
        book.check_writable()
        name, _ = book.ensure_rules_sheet(lang)
        book.save()
    return name, True
