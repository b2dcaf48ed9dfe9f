"""The interview tabs kept in step with the results: written, refreshed, read back.

Every run that scores (``score``, ``interviews``) brings every existing interview tab
in line with the results it just wrote, in the same writer session and the same
save (``refresh_tabs``): a tab caches its employee's numbers and says things about
them, so a stale one would mislead. ``interviews`` also writes new tabs
(``write_tabs``). What a person typed on a tab is read back and kept; a tab of an
employee who left turns red and keeps everything typed, with its results emptied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Protocol, Sequence

import numpy as np
import pandas as pd

from perf_addin.labels import job_text
from perf_addin.errors import message_in
from perf_addin.book.department import EmployeeTable, all_problems, check_texts, held_back
from perf_addin.book.session import DepartmentBook
from perf_addin.forms.interview_form import TEXTS as FORM_TEXTS
from perf_addin.forms.interview_form import (ITEM_KEYS, CalibrationNote, InterviewData, ItemLine, ResultCell,
                                            dependent_cells, input_cells, interview_sheet, parse_kind, tab_name)
from perf_addin.domain.interview_settings import InterviewSettings
from perf_addin.domain.rules import RULES_SHEET, Rules, rule_cell
from perf_addin.domain.scoring import calibrated_index, excel_round, item_table, score_table
from perf_addin.xlsx import Cell, CellError, Formula, SheetSpec, Workbook, WorkbookError
from perf_addin.xlsx.refs import col_letter, parse_cell, quote_sheet

Progress = Callable[[str], None]
LEFT_COLOR = "C00000"


class TabRun(Protocol):
    """Where ``write_tabs`` lists what it did (``interviews.InterviewReport`` is one)."""

    tabs: list[TabWritten]
    refreshed: list[TabWritten]
    left: list[str]
    skipped: list[str]
    held: list[str]


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
class Refreshed:
    """What ``refresh_tabs`` did: a ``TabRun`` without new tabs."""

    tabs: list[TabWritten] = field(default_factory=list)
    refreshed: list[TabWritten] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)

    @property
    def updated(self) -> list[str]:
        return [t.tab for t in (*self.tabs, *self.refreshed) if t.updated]


def refresh_tabs(book: DepartmentBook, table: EmployeeTable, rules: Rules, results: pd.DataFrame | None,
                 progress: Progress = lambda step: None) -> Refreshed:
    """Bring every existing interview tab in line with the results just written into
    ``book``'s writer (``score.score_into``: ``table`` with its result columns and
    ``results`` as the cells hold them); saved by the caller."""
    run = Refreshed()
    if existing_tabs(book.writer):
        write_tabs(book, table, rules, results, [], run, False, progress)
    return run


def write_tabs(session: DepartmentBook, table: EmployeeTable, rules: Rules, results: pd.DataFrame | None,
               chosen: list[int], report: TabRun, include_errors: bool, progress: Progress) -> None:
    """New tabs for ``chosen`` (unless held back), and every existing tab regenerated."""
    book = session.writer
    rules_sheet = session.rules_sheet or RULES_SHEET
    settings = session.settings
    existing = existing_tabs(book)
    hold = held_back(table, rules, include_errors)
    report.held = hold.held_lines(i for i in chosen if table.frame["employee_id"].iat[i] not in existing)
    chosen = [i for i in chosen if not hold.held(i) or table.frame["employee_id"].iat[i] in existing]
    first = {eid: i for i, eid in reversed(list(enumerate(table.frame["employee_id"]))) if eid}
    new = set(chosen)
    others = sorted(first[eid] for eid in existing if eid in first and first[eid] not in new)
    data = employee_data(table, rules, rules_sheet, results)
    progress(job_text("tabs", table.language, n=len(chosen) + len(others)))
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
    recalculation would show 0 or another person's pay (or reason for a calibrated
    grade), so the result cells and the grade's note (the tool's own formulas) are
    emptied; everything people typed stays."""
    book, grid = session.writer, session.grid(tab) or []
    labels = {FORM_TEXTS[lang][key] for lang in FORM_TEXTS
              for key in ("score", "grade", "multiplier", "bonus", "grade_note")}
    cells = {f"{col_letter(c + 2)}{r}": None for r, row in enumerate(grid, start=1)
             for c in range(0, min(len(row), 8), 2)
             if row[c] in labels and book.formula_of(tab, f"{col_letter(c + 2)}{r}") is not None}
    if cells:
        book.rewrite_own_cells(tab, cells)


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
               report: TabRun, written: list[TabWritten]) -> None:
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
            report.skipped.append(job_text("tab_unknown", lang, tab=old, reason=exc))
            return
        data = _with_kept_remedies(data, kept)
    name = old or tab_name(data.name, data.employee_id, lang, book.sheet_names)
    spec = interview_sheet(data, settings, lang, name=name, kept=kept)
    try:
        book.add_sheet(spec, replace=True)
    except WorkbookError as exc:
        report.skipped.append(f"{name}: {message_in(exc, lang)}")
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


def refresh_dependent_cells(session: DepartmentBook, tab: str, values: dict[str, Any]) -> list[str]:
    """After inputs were typed into ``tab`` (``values``: field id -> what its inputs
    now hold), give every formula reading them the cached value the form computes
    (``interview_form.dependent_cells``); returns the cells rewritten.

    Only cells whose shown value differs are rewritten, so a tab already right
    stays byte for byte (and an outcome an earlier run left stale is put right).
    The form is built in the language whose formula the tab holds; a tab whose
    formula is neither (an unknown layout) is left alone."""
    book = session.writer
    kind = parse_kind(book.owner_kind(tab))
    if kind is None:
        return []
    old = session.grid(tab) or []
    for lang in FORM_TEXTS:
        try:
            cells = dependent_cells(kind.version, kind.remedies, lang, values)
        except ValueError:
            return []
        if cells and all(book.formula_of(tab, ref) == cell.value.text for ref, cell in cells.items()):
            stale = {ref: cell for ref, cell in cells.items() if _as_shown(_at(old, ref)) != _as_shown(cell)}
            if stale:
                book.rewrite_own_cells(tab, stale)
            return sorted(stale)
    return []


def _at(grid: Sequence[Sequence[Any]], ref: str) -> Any:
    row, col = (n - 1 for n in parse_cell(ref))
    return grid[row][col] if row < len(grid) and col < len(grid[row]) else None


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
    problems = all_problems(table, scores, rules)
    checks = check_texts(problems)
    label = "label_zh" if table.language == "zh" else "label_en"
    applied = _applied_calibration(table, rules, scores)
    errors: dict[int, list[str]] = {}  # cells that void the row's result: the red banner
    missing_reason: dict[int, list[str]] = {}  # a calibrated grade that stands, its reason missing
    for p in problems:
        if p.row is None or not (p.voids_result or p.field == "calibrated_grade"):
            continue  # a potential to complete: the check line says so, the result stands
        into = errors if p.voids_result else missing_reason
        if p.cell not in into.setdefault(p.row, []):
            into[p.row].append(p.cell)
    rules_ref = quote_sheet(rules_sheet)
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
            rules_sheet=rules_sheet, errors=tuple(errors.get(table.rows[i], ())),
            calibration=_note(applied.get(i), rules, label, text("calibration_reason", i), ref("calibration_reason", i)),
            missing_reason=tuple(missing_reason.get(table.rows[i], ()))))
    return out


def _applied_calibration(table: EmployeeTable, rules: Rules, scores: pd.DataFrame) -> dict[int, tuple[int, int]]:
    """Row index -> (band of the calibrated grade, band of the score's grade), for every
    scored row whose calibrated grade is a grade (so it is the one applied)."""
    if "calibrated_grade" not in table.frame or "score_grade" not in scores:
        return {}
    cal = calibrated_index(table.frame["calibrated_grade"].to_numpy(dtype=object), rules)
    band = {b.code: k for k, b in enumerate(rules.bands)}
    own = scores["score_grade"].to_numpy(dtype=object)
    return {int(i): (int(cal[i]), band[own[i]]) for i in np.flatnonzero(cal >= 0) if own[i] in band}


def _note(bands: tuple[int, int] | None, rules: Rules, label: str, reason: str,
          reason_ref: str | None) -> CalibrationNote | None:
    """What the tab says about a calibrated grade: only when it differs from the score's."""
    if bands is None or bands[0] == bands[1]:
        return None
    grade, own = (getattr(rules.bands[k], label) for k in bands)
    return CalibrationNote(grade, own, reason.strip(), reason_ref)


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
