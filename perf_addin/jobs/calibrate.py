"""``perf-addin calibrate``: the calibration meeting's tab (校准 / Calibration), in one save.

One session: the quota block of the rules sheet is read and checked first (an invalid
rule is one error naming its cell, and nothing is written); the meeting's columns
(校准等级 / 校准理由 / 潜力) are added beside the employee table when missing, with
drop-down lists, never over a typed value; the table is scored as ``score`` scores it
(a calibrated grade wins over the score's grade in the result formulas, and the
interview tabs follow in the same save); then the forced fit (``domain.calibration``),
the rater bias and the 9-box are computed and the tab is regenerated
(``forms.calibration_tab``), keeping the audit rows and notes of earlier runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from perf_addin.book.department import EmployeeTable, Problem, sheet_ref
from perf_addin.book.session import DepartmentBook, open_book
from perf_addin.domain.calibration import Fit, forced_fit, group_keys, group_name
from perf_addin.domain.nine_box import LEVELS, level_label, nine_box, performance_levels
from perf_addin.domain.quotas import (COMPANY_GROUP, INF, POOLED_GROUP, QuotaBlock, QuotaError, QuotaRule, QuotaRules,
                                      group_bound_text, quota_block, rule_text)
from perf_addin.domain.rater_bias import MIN_TEAM, rater_bias
from perf_addin.domain.rules import Rules
from perf_addin.domain.scoring import calibrated_index
from perf_addin.forms.calibration_tab import (KIND, SHEET_NAMES, AuditRow, CalibrationView, GroupRow, Mover,
                                              NineBoxView, calibration_sheet, section_titles)
from perf_addin.jobs.score import HEADER_STYLE, ScoreReport, mark_stale_tabs, place_columns, score_into
from perf_addin.jobs.tabs import refresh_tabs
from perf_addin.labels import MEETING_LABELS, job_text, label, normalise
from perf_addin.xlsx import Cell, ListValidation, Workbook
from perf_addin.xlsx.refs import cell_ref, col_letter

Progress = Callable[[str], None]
POTENTIAL_CHOICES = {"zh": ("低", "中", "高"), "en": ("Low", "Medium", "High")}
POTENTIAL_SPELLINGS = [("低", "low"), ("中", "medium"), ("高", "high")]
BIGGEST_SHIFTS = 50  # employees listed with their rating on the department's scale


@dataclass
class CalibrateReport:
    """What one ``calibrate`` run did, for the command line and the ribbon."""

    path: Path
    sheet: str
    language: str
    score: ScoreReport
    quotas: bool
    groups: int = 0
    moved: int = 0
    ties: int = 0
    flags: list[str] = field(default_factory=list)  # "销售部: 优+ ≤10% – 超出（上限 1 人）"
    gave_way: list[str] = field(default_factory=list)
    added_columns: list[str] = field(default_factory=list)
    audit_added: int = 0
    backup: Path | None = None
    unchanged: bool = False

    @property
    def problems(self) -> list[Problem]:
        return self.score.problems


def calibrate_workbook(path: str | Path, today: dt.date | None = None,
                       progress: Progress = lambda step: None) -> CalibrateReport:
    """``calibrate`` on the workbook at ``path``: one read, one writer, one save."""
    with open_book(path) as book:
        return calibrate_book(book, today, progress)


def calibrate_book(book: DepartmentBook, today: dt.date | None = None,
                   progress: Progress = lambda step: None) -> CalibrateReport:
    """The command on a workbook a command has open (module docstring)."""
    book.check_writable()
    today = today or dt.date.today()
    rules, lang = book.rules, book.language
    progress(job_text("quotas", lang))
    block = quota_block(book.rules_grid, rules, book.rules_ref, lang)
    units = _unit_values(book, book.table, block, lang)
    added = add_meeting_columns(book, rules, lang)
    report = score_into(book, progress)
    tabs = refresh_tabs(book, report.table, rules, report.scores, progress)
    report.tabs_updated = tabs.updated
    progress(job_text("calibrating", lang, n=len(report.table.rows)))
    earlier = _earlier_tab(book)
    view, out = _view(book, report, block, units, earlier, today)
    out.added_columns = added
    mark_stale_tabs(book.writer, ("reconcile",))  # its own tab is written anew below
    name = _tab_name(book.writer, lang)
    out.sheet = book.writer.add_sheet(calibration_sheet(view, name), replace=True)
    progress(job_text("saving", lang))
    out.backup = book.save()
    out.unchanged = book.unchanged
    return out


# ------------------------------------------------------------------ the meeting's columns


def add_meeting_columns(book: DepartmentBook, rules: Rules, lang: str) -> list[str]:
    """Add 校准等级 / 校准理由 / 潜力 beside the table where missing (headers, and a
    drop-down of the grade labels / 低,中,高 on the employee rows); the jobs after it
    read the table with them. Returns the headers added."""
    table = book.table
    missing = [f for f in MEETING_LABELS if f not in table.columns]
    if not missing:
        return []
    writer = book.writer
    columns = place_columns(writer, table, missing)
    writer.set_cells(table.sheet, {cell_ref(table.header_row, c): Cell(label(f, lang), HEADER_STYLE)
                                   for f, c in columns.items()})
    first, last = (table.rows[0], table.rows[-1]) if table.rows else (table.header_row + 1, table.header_row + 1)
    choices = {"calibrated_grade": tuple(b.label_zh if lang == "zh" else b.label_en for b in rules.bands),
               "potential": POTENTIAL_CHOICES[lang]}
    for f, choice in choices.items():
        if f in columns:
            letter = col_letter(columns[f])
            writer.add_list_validation(table.sheet, ListValidation(f"{letter}{first}:{letter}{last}", choice))
    frame = table.frame.assign(**{f: pd.Series([""] * len(table.rows), index=table.frame.index, dtype=object)
                                  for f in missing})
    book.adopt_table(replace(table, columns={**table.columns, **columns}, frame=frame))
    return [label(f, lang) for f in missing]


# ------------------------------------------------------------------ groups


@dataclass(frozen=True)
class _Units:
    """Each employee's unit value (department or the unit column) and its range."""

    values: np.ndarray | None  # None: the whole company
    range: str | None


def _unit_values(book: DepartmentBook, table: EmployeeTable, block: QuotaBlock | None, lang: str) -> _Units:
    """The values the groups are made of, refusing a unit column the table lacks."""
    unit = block.quotas.unit if block else ("department" if "department" in table.columns else "company")
    if unit == "company":
        return _Units(None, None)
    if unit == "department":
        if "department" not in table.columns:
            raise QuotaError("unit_column", block.unit_cell if block else None, lang,
                             value=label("department", lang), where=_header_where(table))
        return _Units(table.frame["department"].to_numpy(dtype=object), _range(table, table.columns["department"]))
    grid = book.grid(table.sheet) or []
    header = grid[table.header_row - 1] if len(grid) >= table.header_row else []
    wanted = normalise(block.quotas.column)
    col = next((c for c, v in enumerate(header) if isinstance(v, str) and normalise(v) == wanted), None)
    if col is None:
        raise QuotaError("unit_column", block.unit_cell, lang, value=block.quotas.column, where=_header_where(table))
    values = np.array([_text(grid[r - 1][col] if col < len(grid[r - 1]) else None) for r in table.rows], dtype=object)
    return _Units(values, _range(table, col + 1))


def _header_where(table: EmployeeTable) -> str:
    return f"{sheet_ref(table.sheet)}!{table.header_row}:{table.header_row}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _range(table: EmployeeTable, col: int) -> str:
    first, last = (table.rows[0], table.rows[-1]) if table.rows else (table.header_row + 1, table.header_row + 1)
    letter = col_letter(col)
    return f"{sheet_ref(table.sheet)}!${letter}${first}:${letter}${last}"


def _group_of(units: _Units, n: int) -> tuple[np.ndarray, dict[str, str]]:
    """Group keys as COUNTIFS compares text (case ignored) and the first spelling of each."""
    if units.values is None:
        return np.full(n, COMPANY_GROUP, dtype=object), {}
    keys = np.array([v.casefold() for v in units.values], dtype=object)
    shown: dict[str, str] = {}
    for key, value in zip(keys, units.values):
        shown.setdefault(key, value)
    return keys, shown


# ------------------------------------------------------------------ the view


def _view(book: DepartmentBook, report: ScoreReport, block: QuotaBlock | None, units: _Units,
          earlier: dict[str, Any], today: dt.date) -> tuple[CalibrationView, CalibrateReport]:
    """Everything the tab shows, and the run's report."""
    table, rules, lang = report.table, report.rules, report.language
    labels = [b.label_zh if lang == "zh" else b.label_en for b in rules.bands]
    codes = [b.code for b in rules.bands]
    grade = _shown_grades(report.scores, labels, codes, lang)
    keys, spelled = _group_of(units, len(table.rows))
    q = block.quotas if block else QuotaRules((), tuple(codes), "department" if units.values is not None else "company")
    group = group_keys(q, keys) if units.values is not None else keys
    cal = calibrated_index(table.frame["calibrated_grade"].to_numpy(dtype=object), rules) \
        if "calibrated_grade" in table.frame else np.full(len(table.frame), -1)
    fit = _fit(q, rules, table, report.scores, group, grade, cal)
    out = CalibrateReport(book.path, "", lang, report, block is not None)
    groups = _groups(q, fit, spelled, labels, lang, out)
    movers = _movers(table, fit, labels, codes, group, spelled, lang, earlier.get("notes", {}))
    ties = _tie_rows(fit, labels, codes, spelled, lang) if block else []
    audit, added = _audit(table, report.scores, cal, labels, codes, earlier.get("audit", []), today)
    teams, shifted = _bias(table, report.scores)
    grades = _range(table, table.result_columns["grade"])
    view = CalibrationView(
        lang=lang, file=book.path.name, grade_labels=labels, grade_range=grades, group_range=units.range,
        unit_text=_unit_text(q, lang), min_size=q.min_size, quota_texts=[rule_text(q, r, lang) for r in q.rules],
        rule_texts=[_short_rule(q, r, lang) for r in q.rules],
        rule_grades=[list(range(q.index(r)[0], q.index(r)[1] + 1)) for r in q.rules],
        groups=groups, movers=movers, ties=ties, audit=audit, bias=teams, bias_people=shifted,
        bias_min_team=MIN_TEAM, nine=_nine(table, report, grade, labels, rules, lang))
    out.groups, out.moved, out.ties, out.audit_added = len(groups), len(movers), len(ties), added
    return view, out


def _shown_grades(scores: pd.DataFrame, labels: list[str], codes: list[str], lang: str) -> np.ndarray:
    """Each employee's grade code as the grade column shows it – the label the formula
    gives, or a label typed over it – since that is what the tab's COUNTIFS count."""
    shown = scores["label_zh" if lang == "zh" else "label_en"].to_numpy(dtype=object)
    by_label = {lab.casefold(): code for lab, code in zip(labels, codes)}
    return np.array([by_label.get(v.casefold()) if isinstance(v, str) else None for v in shown], dtype=object)


def _fit(q: QuotaRules, rules: Rules, table: EmployeeTable, scores: pd.DataFrame, group: np.ndarray,
         grade: np.ndarray, cal: np.ndarray) -> Fit:
    """The forced fit; grades set in the meeting are fixed (never moved)."""
    return forced_fit(q, rules, {
        "employee_id": table.frame["employee_id"].to_numpy(dtype=object), "group": group, "grade": grade,
        "score": scores["score"].to_numpy(dtype=float),
        "profit_attainment": scores["profit_attainment"].to_numpy(dtype=float),
        "task_attainment": scores["task_attainment"].to_numpy(dtype=float),
        "fixed": (cal >= 0) & pd.notna(grade),
    })


def _tie_rows(fit: Fit, labels: list[str], codes: list[str], spelled: dict[str, str],
              lang: str) -> list[tuple[str, str, str, str]]:
    """(group, who, grades spanned, seats per grade) for every tie the fit flags."""
    sep = "、" if lang == "zh" else ", "
    label_of = dict(zip(codes, labels))
    return [(_group_text(t.group, spelled, lang), sep.join(map(str, t.employee_ids)),
             sep.join(label_of[c] for c in t.grades),
             sep.join(f"{label_of[c]} {n}" for c, n in zip(t.grades, t.seats))) for t in fit.ties]


_FLAG_TEXT = {"zh": "{group}：{rule}——现有 {have} 人，配额 {seats}",
              "en": "{group}: {rule} – {have} now, quota {seats}"}


def _seats_text(lo: int | None, hi: int | None, lang: str) -> str:
    """A quota's seats in whole people: “至多 3 人”, “2–4 人” / "at most 3", "2–4"."""
    zh = lang == "zh"
    if lo is not None and hi is not None:
        return (f"{lo} 人" if zh else f"{lo}") if lo == hi else (f"{lo}–{hi} 人" if zh else f"{lo}–{hi}")
    if hi is not None:
        return f"至多 {hi} 人" if zh else f"at most {hi}"
    return f"至少 {lo} 人" if zh else f"at least {lo}"


def _short_rule(q: QuotaRules, rule: QuotaRule, lang: str) -> str:
    """A quota as a column heading: without the cell it was read from."""
    return rule_text(q, replace(rule, cell=None), lang)


def _unit_text(q: QuotaRules, lang: str) -> str:
    if q.unit == "company":
        return label("calibration.company", lang)
    if q.unit == "department":
        return label("department", lang)
    return str(q.column)


def _group_text(key: Any, spelled: dict[str, str], lang: str) -> str:
    if key in (POOLED_GROUP, COMPANY_GROUP):
        return group_name(key, lang)
    return spelled.get(key, str(key))


def _groups(q: QuotaRules, fit: Fit, spelled: dict[str, str], labels: list[str], lang: str,
            out: CalibrateReport) -> list[GroupRow]:
    """One row per group: counts now and proposed, each quota's seats, what gave way;
    the groups off their quotas and the relaxed bounds go into ``out`` for the report."""
    k = len(labels)
    counts = fit.counts
    rows: list[GroupRow] = []
    for g, key in enumerate(fit.seats.groups):
        part = counts[counts["group"].map(lambda v: v == key)]
        now = [int(x) for x in part["now"].to_numpy()[:k]]
        proposed = [int(x) for x in part["proposed"].to_numpy()[:k]]
        bounds = [(int(lo) if lo >= 0 else None, int(hi) if hi < INF else None)
                  for lo, hi in zip(fit.seats.low[g], fit.seats.high[g])]
        name = _group_text(key, spelled, lang)
        gave = [group_bound_text(q, w, lang) for w in fit.gave_way if w.group == key]
        rows.append(GroupRow(name, None if key in (POOLED_GROUP, COMPANY_GROUP) else spelled.get(key, str(key)),
                             key == POOLED_GROUP, now, proposed, bounds, gave))
        out.gave_way += [f"{name}: {line}" for line in gave]
        for i, rule in enumerate(q.rules):
            lo, hi = bounds[i]
            have = sum(now[j] for j in range(q.index(rule)[0], q.index(rule)[1] + 1))
            if (hi is not None and have > hi) or (lo is not None and have < lo):
                out.flags.append(_FLAG_TEXT[lang].format(group=name, rule=_short_rule(q, rule, lang), have=have,
                                                         seats=_seats_text(lo, hi, lang)))
    rows.sort(key=lambda r: (r.pooled, r.name))
    return rows


def _movers(table: EmployeeTable, fit: Fit, labels: list[str], codes: list[str], group: np.ndarray,
            spelled: dict[str, str], lang: str, notes: dict[str, str]) -> list[Mover]:
    """Everyone the fit moves, by group and rank (vectorised: a big company moves thousands)."""
    e = fit.employees
    moved = np.flatnonzero(e["moved"].to_numpy(dtype=bool))
    if not len(moved):
        return []
    label_of = dict(zip(codes, labels))
    ids = table.frame["employee_id"].to_numpy(dtype=object)[moved].astype(str)
    names = table.frame["name"].to_numpy(dtype=object)[moved]
    ranks = e["rank"].to_numpy()[moved]
    now = [label_of[c] for c in e["grade"].to_numpy(dtype=object)[moved]]
    proposed = [label_of[c] for c in e["proposed_grade"].to_numpy(dtype=object)[moved]]
    tied = e["tied"].to_numpy(dtype=bool)[moved]
    shown = {g: _group_text(g, spelled, lang) for g in pd.unique(group[moved])}
    if "calibrated_grade" in table.columns:
        prefix = f"{sheet_ref(table.sheet)}!{col_letter(table.columns['calibrated_grade'])}"
        rows = np.asarray(table.rows)[moved]
        cells = [f"{prefix}{r}" for r in rows]
    else:
        cells = [""] * len(moved)
    out = [Mover(ids[k], str(names[k]), shown[group[i]], int(ranks[k]), now[k], proposed[k], bool(tied[k]),
                 cells[k], notes.get(ids[k], "")) for k, i in enumerate(moved)]
    out.sort(key=lambda m: (m.group, m.rank))
    return out


def _audit(table: EmployeeTable, scores: pd.DataFrame, cal: np.ndarray, labels: list[str], codes: list[str],
           earlier: list[AuditRow], today: dt.date) -> tuple[list[AuditRow], int]:
    """The earlier rows as they were, and a row for each calibrated grade that is new or
    changed since (a grade cleared since adds a row too): the meeting's record."""
    rows = list(earlier)
    latest = {a.employee_id: a for a in rows}
    seen: set[str] = set()
    added = 0
    frame = table.frame
    reasons = frame["calibration_reason"] if "calibration_reason" in frame else pd.Series([""] * len(frame))
    own = scores["score_grade"] if "score_grade" in scores else pd.Series([None] * len(frame))
    for i in np.flatnonzero(cal >= 0):
        eid = str(frame["employee_id"].iat[i])
        seen.add(eid)
        old = own.iat[i]
        row = AuditRow(table.cell("calibrated_grade", i), eid, str(frame["name"].iat[i]),
                       labels[codes.index(old)] if old in codes else "", labels[cal[i]], str(reasons.iat[i]), today)
        before = latest.get(eid)
        if before is None or before.key != row.key:
            rows.append(row)
            latest[eid] = row
            added += 1
    for eid, before in list(latest.items()):
        if eid not in seen and before.new:
            rows.append(AuditRow(before.cell, eid, before.name, before.old, "", "", today))
            added += 1
    return rows, added


def _bias(table: EmployeeTable, scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Teams against their department, and the employees whose rating moves most when
    put on the department's scale (``BIGGEST_SHIFTS`` of them; advice only)."""
    frame = table.frame
    if "supervisor" not in frame or "department" not in frame:
        return pd.DataFrame(), pd.DataFrame()
    sup = frame["supervisor"].to_numpy(dtype=object)
    rating = frame["rating"].to_numpy(dtype=float)
    teams, normalised = rater_bias({"department": frame["department"].to_numpy(dtype=object),
                                    "supervisor": np.where(sup == "", None, sup), "rating": rating,
                                    "score": scores["score"].to_numpy(dtype=float)})
    shift = np.abs(normalised - rating)
    order = [i for i in np.argsort(-np.nan_to_num(shift, nan=-1.0), kind="stable")[:BIGGEST_SHIFTS]
             if np.isfinite(shift[i]) and shift[i] >= 0.005]
    people = pd.DataFrame({
        "employee_id": frame["employee_id"].to_numpy(dtype=object)[order],
        "name": frame["name"].to_numpy(dtype=object)[order],
        "department": frame["department"].to_numpy(dtype=object)[order], "supervisor": sup[order],
        "rating": rating[order], "normalised": normalised[order]})
    return teams, people


def _nine(table: EmployeeTable, report: ScoreReport, grade: np.ndarray, labels: list[str], rules: Rules,
          lang: str) -> NineBoxView | None:
    if "potential" not in table.columns:
        return None
    bad = {p.row for p in report.problems if p.field == "potential"}
    potential = [None if r in bad else v for r, v in zip(table.rows, table.frame["potential"])]
    box = nine_box(grade, potential, table.frame["name"].to_numpy(dtype=object), rules, lang=lang)
    levels = performance_levels(rules)
    return NineBoxView(box.counts, box.names, box.unplaced,
                       [[labels[i] for i in range(len(labels)) if levels[i] == p] for p in range(3)],
                       _range(table, report.table.result_columns["grade"]),
                       _range(table, table.columns["potential"]), POTENTIAL_SPELLINGS,
                       [level_label(i, lang) for i in range(len(LEVELS))])


# ------------------------------------------------------------------ the earlier tab


def _tab_name(book: Workbook, lang: str) -> str:
    """校准 / Calibration, or the name of the tab this tool made earlier."""
    return next((n for n in book.sheet_names if book.owner_kind(n) == KIND), SHEET_NAMES[lang])


def _earlier_tab(book: DepartmentBook) -> dict[str, Any]:
    """The audit rows and the movers' notes of the tab as the file holds it."""
    name = next((n for n in book.writer.sheet_names if book.writer.owner_kind(n) == KIND), None)
    grid = book.grid(name) if name else None
    if not grid:
        return {}
    return {"audit": _audit_rows(grid), "notes": _notes(grid)}


def _section(grid: list[list[Any]], key: str) -> int | None:
    titles = section_titles(key)
    return next((r for r, row in enumerate(grid) if row and isinstance(row[0], str) and row[0] in titles), None)


def _rows_after(grid: list[list[Any]], key: str) -> list[list[Any]]:
    start = _section(grid, key)
    if start is None:
        return []
    out = []
    for row in grid[start + 2:]:
        if not row or row[0] in (None, ""):
            break
        out.append(list(row) + [None] * 12)
    return out


def _audit_rows(grid: list[list[Any]]) -> list[AuditRow]:
    cleared = {"（已清除）", "(cleared)"}
    rows = []
    for row in _rows_after(grid, "audit"):
        new = _text(row[4])
        rows.append(AuditRow(_text(row[0]), _text(row[1]), _text(row[2]), _text(row[3]),
                             "" if new in cleared else new, _text(row[5]), _day(row[8]), _text(row[9])))
    return rows


def _notes(grid: list[list[Any]]) -> dict[str, str]:
    return {_text(row[0]): _text(row[8]) for row in _rows_after(grid, "movers") if _text(row[8])}


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


__all__ = ["CalibrateReport", "add_meeting_columns", "calibrate_book", "calibrate_workbook"]
