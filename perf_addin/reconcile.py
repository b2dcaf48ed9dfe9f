"""Finance's reconciliation: recompute every multiplier and bonus, compare, total.

``reconcile(snapshot, ...)`` is pure: it recomputes each employee's multiplier
from their inputs (the engine, ``scoring.score_table``), compares it and the
bonus with what the workbook holds now (cached values), honours documented
manual overrides, and totals by department and grade against the budget.
``reconcile_sheet`` turns the result into the 对账 / Reconciliation tab;
``reconcile_workbook`` does the reading and the one atomic save.

Rules decided here:

* **Overrides.** Columns 手工倍数 / Manual multiplier and 调整原因 / Override
  reason. A manual multiplier *with* a reason is a documented override: it is
  the multiplier paid, and it is always listed (never "corrected"). Without a
  reason it is not honoured and is listed as a difference. An unreadable manual
  multiplier is an input error.
* **Differences.** The workbook's 绩效倍数 and 奖金 cells are compared with the
  multiplier to pay (recomputed, or the documented override) and with base ×
  that multiplier; every mismatch is listed with its cell, the workbook's value
  and the recomputed one. A row with unusable inputs is paid nothing (unless a
  documented override and a valid base bonus say otherwise) and is listed as an
  input error; a number in its bonus cell is a difference too.
* **Money** is exact: each bonus is base × multiplier rounded half up (away from
  zero) to the cent (``scoring._bonus_cents``, integer arithmetic); totals are sums
  of cents (``decimal.Decimal``). On the tab every total is a formula,
  ``ROUND(SUM(...), 2)`` or ``ROUND(SUMPRODUCT(...), 2)`` over the per-employee
  detail at the bottom of the tab, cached with the exact value, so Excel and
  LibreOffice recalculate to the same cent. SUMPRODUCT with ``=`` (not SUMIF)
  because SUMIF reads ``*``, ``?`` and a leading ``=``/``>`` in a department name
  as patterns.
* **Budget.** ``--budget AMOUNT`` is the budget of the whole workbook; otherwise
  the budget table on the rules sheet (``budgets_from_grid``, columns N:O):
  department → amount, and an optional 合计/Total row for the whole workbook
  (else the sum of the department budgets). Over/under = paid − budget, and
  as % of the budget.
* Departments are grouped ignoring case and surrounding spaces (Excel's ``=``
  compares text that way); a blank department is its own group.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .department import Problem, problems_from_scores, sheet_ref
from .diff import Change, VersionDiff, diff_snapshots
from .rules import RulesError, a1
from .scoring import _bonus_cents, score_table
from .seal import SealCheck, check_seal, read_seal
from .snapshot import Snapshot, as_number_or_text, as_numbers, is_blank, read_snapshot
from .xlsx import Cell, Formula, SheetSpec, Style, Workbook
from .xlsx.chart import BarChart
from .xlsx.refs import quote_sheet

Progress = Callable[[str], None]
SHEET_NAMES = {"zh": "对账", "en": "Reconciliation"}
BUDGET_COLUMN = 13  # 0-based: column N of the rules sheet
BUDGET_HEADERS = ("预算", "budget")
TOTAL_KEYS = ("合计", "total", "*")
NO_GRADE = "—"
ROUNDING_RULE = {
    "zh": "金额以分为单位精确计算：每人奖金 = 奖金基数 × 倍数，四舍五入（远离零）到分；合计为各人金额之和，公式 ROUND(…,2)。",
    "en": "Money is exact to the cent: each bonus = base × multiplier rounded half up (away from zero) "
          "to the cent; totals are sums of those amounts, as ROUND(…, 2) formulas.",
}


@dataclass(frozen=True)
class Difference:
    """One value finance must look at."""

    cell: str
    employee_id: str
    name: str
    what: str  # multiplier, bonus, override
    workbook: Any
    recomputed: Any
    status: str  # difference, documented override, override without reason
    reason: str = ""
    row: int = 0  # sheet row of the employee, for ordering


@dataclass(frozen=True)
class Group:
    """A department's or a grade's totals, in cents."""

    key: str
    label: str
    head_count: int
    base_cents: int
    paid_cents: int
    budget_cents: int | None = None

    @property
    def over_cents(self) -> int | None:
        return None if self.budget_cents is None else self.paid_cents - self.budget_cents


@dataclass
class Reconciliation:
    """Everything the tab, the CLI and the ribbon show."""

    snapshot: Snapshot
    ids: np.ndarray
    names: np.ndarray
    departments: np.ndarray  # group key per employee
    grades: np.ndarray  # grade code, NO_GRADE for unusable inputs
    base_cents: np.ndarray  # -1 where the base bonus is unusable
    multiplier: np.ndarray  # the multiplier paid (NaN: not paid)
    paid_cents: np.ndarray  # -1 where nothing is paid
    status: np.ndarray
    differences: list[Difference]
    problems: list[Problem]
    by_department: list[Group]
    by_grade: list[Group]
    budget_cents: int | None
    seal: SealCheck | None = None
    diff: VersionDiff | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def paid_total(self) -> Decimal:
        return cents(int(self.paid_cents[self.paid_cents >= 0].sum()))

    @property
    def base_total(self) -> Decimal:
        return cents(int(self.base_cents[self.base_cents >= 0].sum()))

    @property
    def over_cents(self) -> int | None:
        if self.budget_cents is None:
            return None
        return int(self.paid_cents[self.paid_cents >= 0].sum()) - self.budget_cents


def cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def to_cents(value: Any) -> int:
    """An amount (number or text) in whole cents, half up; ValueError if not one."""
    try:
        amount = Decimal(str(value).replace(",", "").strip()) if isinstance(value, str) \
            else Decimal(repr(float(value)))
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount")
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# ------------------------------------------------------------------ budgets


def budgets_from_grid(grid: Sequence[Sequence[Any]] | None, sheet: str = "规则") -> dict[str, int]:
    """Department → budget in cents from the N:O table of the rules sheet.

    The table starts at the first cell of column N that reads 预算 or Budget
    (``预算 / Budget`` too); each row below names a department in N and its budget
    in O, until the first blank N. A 合计/Total/``*`` row is the whole workbook's
    budget, stored under the key ``"*"``. A blank amount means "no budget"."""
    if not grid:
        return {}
    col = BUDGET_COLUMN
    start = next((r for r, row in enumerate(grid) if len(row) > col and isinstance(row[col], str)
                  and _norm(row[col]).startswith(BUDGET_HEADERS)), None)
    if start is None:
        return {}
    out: dict[str, int] = {}
    for r in range(start + 1, len(grid)):
        row = grid[r]
        name = row[col] if len(row) > col else None
        if is_blank(name):
            break
        amount = row[col + 1] if len(row) > col + 1 else None
        if is_blank(amount):
            continue
        key = "*" if _norm(str(name)) in TOTAL_KEYS else department_key(name)
        try:
            if isinstance(amount, bool):
                raise ValueError
            out[key] = to_cents(amount)
        except ValueError:
            raise RulesError(f"the budget of {name} must be an amount, found {amount!r}",
                             cell=f"{sheet}!{a1(r, col + 1)}") from None
    return out


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def department_key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if is_blank(value) else _norm(str(value))


# ------------------------------------------------------------------ the computation


def reconcile(snap: Snapshot, budget_cents: int | None = None,
              budgets: dict[str, int] | None = None) -> Reconciliation:
    """Recompute, compare and total (pure; see the module docstring)."""
    table, frame = snap.table, snap.table.frame
    lang = table.language
    scores = score_table(frame, snap.rules)
    problems = sorted(table.problems + problems_from_scores(table, scores),
                      key=lambda p: (p.row or 0, p.cell))
    ids = frame["employee_id"].to_numpy(dtype=object).astype(str)
    names = snap.texts("name")
    recomputed = scores["multiplier"].to_numpy(dtype=float)
    base = frame["base_bonus"].to_numpy(dtype=float) if "base_bonus" in frame else np.full(snap.n, np.nan)
    manual, reasons, override_problems = _overrides(snap)
    problems += override_problems
    documented = np.isfinite(manual) & (reasons != "")
    pay = np.where(documented, manual, recomputed)
    cents_, valid = _bonus_cents(base, pay)
    paid = np.where(valid, cents_, -1)
    base_ok = np.isfinite(base) & (base >= 0)
    base_cents = np.where(base_ok, _bonus_cents(np.where(base_ok, base, 0.0), np.ones(snap.n))[0], -1)
    status = np.full(snap.n, "ok", dtype=object)
    status[np.flatnonzero(paid < 0)] = "input error" if lang == "en" else "输入错误"
    status[np.flatnonzero(documented & (paid >= 0))] = "documented override" if lang == "en" else "有据调整"
    grades = scores["grade"].to_numpy(dtype=object)
    grades = np.where(pd_isna(grades), NO_GRADE, grades).astype(object)
    departments = np.array([department_key(v) for v in snap.texts("department")], dtype=object)
    differences = _differences(snap, ids, names, recomputed, manual, reasons, documented,
                               pay, paid)  # a bad base bonus alone leaves the multiplier standing
    budgets = budgets or {}
    whole = budget_cents if budget_cents is not None else budgets.get(
        "*", sum(budgets.values()) if budgets else None)
    return Reconciliation(
        snap, ids, names, departments, grades, base_cents, np.where(valid, pay, np.nan), paid, status,
        differences, problems, _by_department(snap, departments, base_cents, paid, budgets),
        _by_grade(snap, grades, base_cents, paid), whole)


def pd_isna(values: np.ndarray) -> np.ndarray:
    return np.array([v is None or (isinstance(v, float) and math.isnan(v)) for v in values], dtype=bool)


def _overrides(snap: Snapshot) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    """(manual multiplier or NaN, reason text, problems) per employee."""
    manual = np.full(snap.n, np.nan)
    reasons = np.full(snap.n, "", dtype=object)
    problems: list[Problem] = []
    raw = snap.raw("manual_multiplier")
    if raw is not None:
        for i in np.flatnonzero([not is_blank(v) for v in raw]):
            number = as_number_or_text(raw[i])
            if number is None or number < 0:
                cell = snap.table.cell("manual_multiplier", int(i))
                problems.append(Problem(snap.table.sheet, cell, "manual_multiplier",
                                        f"manual multiplier {raw[i]!r} is not a number ≥ 0", raw[i],
                                        snap.table.rows[i]))
            else:
                manual[i] = number
    text = snap.raw("override_reason")
    if text is not None:
        reasons[:] = ["" if is_blank(v) else str(v).strip() for v in text]
    return manual, reasons, problems


def _same_number(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        return both_nan | (np.abs(a - b) < 1e-9)


def _differences(snap: Snapshot, ids: np.ndarray, names: np.ndarray, recomputed: np.ndarray,
                 manual: np.ndarray, reasons: np.ndarray, documented: np.ndarray,
                 pay: np.ndarray, paid: np.ndarray) -> list[Difference]:
    table = snap.table
    out: list[Difference] = []

    def value(x: float) -> Any:
        return None if not np.isfinite(x) else float(x)

    for i in np.flatnonzero(np.isfinite(manual)):
        status = "documented override" if documented[i] else "override without reason"
        out.append(Difference(table.cell("manual_multiplier", int(i)), ids[i], names[i], "override",
                              float(manual[i]), value(recomputed[i]), status, reasons[i], table.rows[i]))
    if snap.column_of("multiplier") is not None:
        shown = as_numbers(snap.raw("multiplier"))
        for i in np.flatnonzero(~_same_number(shown, pay)):
            out.append(Difference(table.cell("multiplier", int(i)), ids[i], names[i], "multiplier",
                                  value(shown[i]), value(pay[i]), _status(documented[i]), "", table.rows[i]))
    if snap.column_of("bonus") is not None:
        shown = as_numbers(snap.raw("bonus"))
        expected = np.where(paid >= 0, paid / 100, np.nan)
        with np.errstate(invalid="ignore"):
            exact = np.isfinite(shown) & (np.abs(shown * 100 - np.rint(shown * 100)) < 1e-6)
            same = (np.isnan(shown) & (paid < 0)) | (exact & (np.rint(shown * 100) == paid))
        for i in np.flatnonzero(~same):
            out.append(Difference(table.cell("bonus", int(i)), ids[i], names[i], "bonus",
                                  value(shown[i]), value(expected[i]), _status(documented[i]), "",
                                  table.rows[i]))
    order = {"override": 0, "multiplier": 1, "bonus": 2}
    return sorted(out, key=lambda d: (d.row, order[d.what]))


def _status(documented: bool) -> str:
    return "difference (override documented)" if documented else "difference"


def _by_department(snap: Snapshot, keys: np.ndarray, base: np.ndarray, paid: np.ndarray,
                   budgets: dict[str, int]) -> list[Group]:
    labels: dict[str, str] = {}
    for key, text in zip(keys, snap.texts("department")):
        labels.setdefault(key, str(text).strip())
    return [_group(key, labels[key] or ("(未填部门)" if snap.table.language == "zh" else "(no department)"),
                   keys == key, base, paid, budgets.get(key)) for key in sorted(labels)]


def _by_grade(snap: Snapshot, grades: np.ndarray, base: np.ndarray, paid: np.ndarray) -> list[Group]:
    lang = snap.table.language
    groups = [_group(b.code, f"{b.code} {b.label_zh if lang == 'zh' else b.label_en}", grades == b.code,
                     base, paid) for b in snap.rules.bands]
    groups.append(_group(NO_GRADE, "输入错误" if lang == "zh" else "input errors", grades == NO_GRADE,
                         base, paid))
    return groups


def _group(key: str, label: str, mask: np.ndarray, base: np.ndarray, paid: np.ndarray,
           budget: int | None = None) -> Group:
    b, p = base[mask], paid[mask]
    return Group(key, label, int(mask.sum()), int(b[b >= 0].sum()), int(p[p >= 0].sum()), budget)


# ------------------------------------------------------------------ the tab

TITLE = Style(bold=True, font_size=14)
HEAD = Style(bold=True, fill="E2EFDA", border="thin", halign="center", wrap=True)
SECTION = Style(bold=True, font_size=12)
MONEY = Style(num_format="#,##0.00")
MONEY_BOLD = Style(num_format="#,##0.00", bold=True)
PERCENT = Style(num_format="0.00%")
MULT = Style(num_format="0.0###")
NOTE = Style(italic=True, font_color="595959")
ALERT = Style(bold=True, font_color="C00000")

TEXTS = {
    "zh": {"title": "奖金对账", "dept": ("部门", "人数", "奖金基数合计", "实发奖金合计", "预算", "超支(+)/结余(−)", "占预算%"),
           "grade": ("等级", "名称", "人数", "奖金基数合计", "实发奖金合计"), "total": "合计",
           "budget": "预算（全部）", "s_dept": "按部门合计", "s_grade": "按等级合计", "chart": "等级分布",
           "s_diff": "差异（工作簿值 ≠ 重算值）与手工调整", "diff": ("单元格", "工号", "姓名", "项目", "工作簿值", "重算值", "状态", "原因"),
           "s_err": "输入错误", "err": ("单元格", "工号", "姓名", "问题"), "s_changes": "与旧版本相比的变化",
           "changes": ("工号", "姓名", "项目", "旧值", "新值", "单元格"), "s_seal": "封存校验",
           "s_detail": "明细（合计公式引用此表）", "detail": ("工号", "姓名", "部门", "等级", "奖金基数", "实发倍数", "实发奖金", "状态"),
           "none": "无", "count": "人数"},
    "en": {"title": "Bonus reconciliation", "dept": ("Department", "Head count", "Base bonus", "Paid bonus", "Budget",
                                                     "Over (+) / under (−)", "% of budget"),
           "grade": ("Grade", "Label", "Head count", "Base bonus", "Paid bonus"), "total": "Total",
           "budget": "Budget (whole workbook)", "s_dept": "Totals by department", "s_grade": "Totals by grade",
           "chart": "Grade distribution", "s_diff": "Differences (workbook ≠ recomputed) and manual overrides",
           "diff": ("Cell", "Employee ID", "Name", "What", "Workbook", "Recomputed", "Status", "Reason"),
           "s_err": "Input errors", "err": ("Cell", "Employee ID", "Name", "Problem"),
           "s_changes": "Changes since the other version",
           "changes": ("Employee ID", "Name", "Field", "Old", "New", "Cell"), "s_seal": "Seal check",
           "s_detail": "Detail (the totals above are formulas over this table)",
           "detail": ("Employee ID", "Name", "Department", "Grade", "Base bonus", "Multiplier paid", "Paid bonus",
                      "Status"), "none": "none", "count": "Head count"},
}


class _Tab:
    """Cells written top to bottom."""

    def __init__(self) -> None:
        self.cells: dict[str, Any] = {}
        self.row = 0

    def next(self, gap: int = 0) -> int:
        self.row += 1 + gap
        return self.row

    def put(self, row: int, col: int, value: Any, style: Style | None = None) -> None:
        if value is None:
            return
        self.cells[a1(row - 1, col - 1)] = Cell(value, style) if style else value

    def line(self, values: Sequence[Any], style: Style | None = None) -> int:
        r = self.next()
        for c, v in enumerate(values, start=1):
            self.put(r, c, v, style)
        return r


def _money(value: int | None) -> Decimal | None:
    return None if value is None or value < 0 else cents(value)


def _shown(value: Any) -> Any:
    """Values listed on the tab: numbers stay numbers, anything else is text (never a formula)."""
    if value is None or isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    return str(value)


def reconcile_sheet(rec: Reconciliation, name: str | None = None) -> SheetSpec:
    """The 对账 / Reconciliation tab; see the module docstring for its formulas.

    The sections are laid out twice: once to learn where they end, so the detail
    table (which every total refers to) can start below them, then for real."""
    lang = rec.snapshot.table.language
    sheet = name or SHEET_NAMES[lang]
    probe, _ = _sections(rec, sheet, detail_first=10**6)
    tab, chart = _sections(rec, sheet, detail_first=probe.row + 4)
    tab.row = probe.row + 1
    _detail_section(tab, rec, TEXTS[lang])
    return SheetSpec(sheet, cells=tab.cells, col_widths={1: 16, 2: 14, 3: 14, 4: 14, 5: 16, 6: 16, 7: 16, 8: 22},
                     charts=[chart], kind="reconcile")


def _sections(rec: Reconciliation, sheet: str, detail_first: int) -> tuple[_Tab, BarChart]:
    t = TEXTS[rec.snapshot.table.language]
    tab = _Tab()
    tab.put(tab.next(), 1, f"{t['title']} – {rec.snapshot.path.name}", TITLE)
    tab.put(tab.next(), 1, ROUNDING_RULE[rec.snapshot.table.language], NOTE)
    detail_last = detail_first + max(len(rec.ids), 1) - 1
    rng = {k: f"${col}${detail_first}:${col}${detail_last}"
           for k, col in (("id", "A"), ("dept", "C"), ("grade", "D"), ("base", "E"), ("paid", "G"))}
    _department_section(tab, rec, t, rng)
    chart = _grade_section(tab, rec, t, rng, sheet)
    _difference_section(tab, rec, t)
    _problem_section(tab, rec, t)
    if rec.diff is not None:
        _changes_section(tab, rec.diff, t)
    if rec.seal is not None:
        _seal_section(tab, rec, t)
    return tab, chart


def _department_section(tab: _Tab, rec: Reconciliation, t: dict, rng: dict) -> None:
    tab.put(tab.next(1), 1, t["s_dept"], SECTION)
    tab.line(t["dept"], HEAD)
    first = tab.row + 1
    for g in rec.by_department:
        r = tab.next()
        tab.put(r, 1, g.label)
        _group_totals(tab, r, 2, f'({rng["dept"]}=A{r})', g, rng)
        _budget_cells(tab, r, g.paid_cents, g.budget_cents)
    last = tab.row
    r = tab.next()
    tab.put(r, 1, t["total"], Style(bold=True))
    tab.put(r, 2, Formula(f"COUNTA({rng['id']})", len(rec.ids)))
    tab.put(r, 3, Formula(f"ROUND(SUM({rng['base']}),2)", rec.base_total), MONEY_BOLD)
    tab.put(r, 4, Formula(f"ROUND(SUM({rng['paid']}),2)", rec.paid_total), MONEY_BOLD)
    if any(g.budget_cents is not None for g in rec.by_department) and first <= last:
        tab.put(r, 5, Formula(f"ROUND(SUM(E{first}:E{last}),2)",
                              cents(sum(g.budget_cents or 0 for g in rec.by_department))), MONEY_BOLD)
    r = tab.next()
    tab.put(r, 1, t["budget"], Style(bold=True))
    tab.put(r, 4, Formula(f"D{r - 1}", rec.paid_total), MONEY_BOLD)
    _budget_cells(tab, r, int(rec.paid_total * 100), rec.budget_cents)


def _group_totals(tab: _Tab, r: int, col: int, crit: str, g: Group, rng: dict) -> None:
    """Head count, base and paid bonus of one group, as formulas over the detail
    table (SUMPRODUCT: SUMIF would read * ? = > in a name as patterns)."""
    tab.put(r, col, Formula(f"SUMPRODUCT(--{crit})", g.head_count))
    tab.put(r, col + 1, Formula(f"ROUND(SUMPRODUCT({crit}*{rng['base']}),2)", cents(g.base_cents)), MONEY)
    tab.put(r, col + 2, Formula(f"ROUND(SUMPRODUCT({crit}*{rng['paid']}),2)", cents(g.paid_cents)), MONEY)


def _budget_cells(tab: _Tab, r: int, paid: int, budget: int | None) -> None:
    if budget is None:
        return
    tab.put(r, 5, cents(budget), MONEY)
    over = paid - budget
    tab.put(r, 6, Formula(f"ROUND(D{r}-E{r},2)", cents(over)), ALERT if over > 0 else MONEY)
    if budget:
        tab.put(r, 7, Formula(f"F{r}/E{r}", float(Decimal(over) / Decimal(budget))), PERCENT)


def _grade_section(tab: _Tab, rec: Reconciliation, t: dict, rng: dict, sheet: str) -> BarChart:
    top = tab.next(1)
    tab.put(top, 1, t["s_grade"], SECTION)
    tab.line(t["grade"], HEAD)
    first = tab.row + 1
    for g in rec.by_grade:
        r = tab.next()
        tab.put(r, 1, g.key)
        tab.put(r, 2, g.label)
        _group_totals(tab, r, 3, f"({rng['grade']}=A{r})", g, rng)
    last = tab.row
    r = tab.next()
    tab.put(r, 1, t["total"], Style(bold=True))
    tab.put(r, 3, Formula(f"SUM(C{first}:C{last})", len(rec.ids)))
    tab.put(r, 4, Formula(f"ROUND(SUM(D{first}:D{last}),2)", rec.base_total), MONEY_BOLD)
    tab.put(r, 5, Formula(f"ROUND(SUM(E{first}:E{last}),2)", rec.paid_total), MONEY_BOLD)
    tab.row += 12  # room for the chart beside and below the table
    q = quote_sheet(sheet) + "!"
    return BarChart(t["chart"], t["count"], f"{q}$A${first}:$A${last}", f"{q}$C${first}:$C${last}",
                    tuple(g.key for g in rec.by_grade), tuple(float(g.head_count) for g in rec.by_grade),
                    f"G{top}", f"N{top + 16}")


def _difference_section(tab: _Tab, rec: Reconciliation, t: dict) -> None:
    tab.put(tab.next(1), 1, t["s_diff"], SECTION)
    tab.line(t["diff"], HEAD)
    if not rec.differences:
        tab.line([t["none"]])
    for d in rec.differences:
        r = tab.line([d.cell, d.employee_id, d.name, d.what, None, None, d.status, d.reason])
        style = MONEY if d.what == "bonus" else MULT
        tab.put(r, 5, _shown(d.workbook), style)
        tab.put(r, 6, _shown(d.recomputed), style)


def _problem_section(tab: _Tab, rec: Reconciliation, t: dict) -> None:
    tab.put(tab.next(1), 1, t["s_err"], SECTION)
    tab.line(t["err"], HEAD)
    if not rec.problems:
        tab.line([t["none"]])
    by_row = {r: i for i, r in enumerate(rec.snapshot.table.rows)}
    for p in rec.problems:
        i = by_row.get(p.row)
        tab.line([p.cell, rec.ids[i] if i is not None else "", rec.names[i] if i is not None else "",
                  p.message])


def _changes_section(tab: _Tab, diff: VersionDiff, t: dict) -> None:
    tab.put(tab.next(1), 1, f"{t['s_changes']}: {diff.old_path.name}", SECTION)
    tab.line(t["changes"], HEAD)
    lines = [[c.employee_id, c.name, c.field, _shown(c.old), _shown(c.new), c.cell] for c in diff.changes]
    lines += [[eid, name, "+", None, "added", ""] for eid, name in diff.added]
    lines += [[eid, name, "−", "removed", None, ""] for eid, name in diff.removed]
    for line in lines or [[t["none"]]]:
        tab.line(line)


def seal_lines(check: SealCheck, lang: str = "en") -> list[str]:
    """The seal check in words, for the tab, the CLI and the ribbon."""
    if check.status == "unsealed":
        return ["not sealed (run `perf-addin seal` to seal it)"]
    head = f"sealed at {check.sealed_at}: "
    if check.status == "no key":
        return [head + "NOT VERIFIED – no key given (--key-file or PERF_ADDIN_SEAL_KEY)"]
    if check.status == "wrong key":
        return [head + "NOT VERIFIED – wrong key: this is not the key the workbook was sealed with"]
    if check.ok:
        return [head + "every row verified, nothing changed since"]
    return [head + f"{len(check.changed)} changed, {len(check.added)} added, "
            f"{len(check.removed)} removed since sealing"]


def _seal_section(tab: _Tab, rec: Reconciliation, t: dict) -> None:
    check = rec.seal
    tab.put(tab.next(1), 1, t["s_seal"], SECTION)
    tab.put(tab.next(), 1, seal_lines(check)[0], ALERT if check.problems else None)
    table = rec.snapshot.table
    for eid, i in check.changed:
        tab.line([table.cell("employee_id", i), eid, rec.names[i], "changed after sealing"])
    for eid, i in check.added:
        tab.line([table.cell("employee_id", i), eid, rec.names[i], "added after sealing"])
    for eid in check.removed:
        tab.line(["", eid, "", "removed after sealing"])


def _detail_section(tab: _Tab, rec: Reconciliation, t: dict) -> None:
    """Department cells hold their group's label, so the totals' ``=`` matches exactly."""
    labels = {g.key: g.label for g in rec.by_department}
    tab.put(tab.next(), 1, t["s_detail"], SECTION)
    tab.line(t["detail"], HEAD)
    for i in range(len(rec.ids)):
        r = tab.next()
        tab.put(r, 1, str(rec.ids[i]))
        tab.put(r, 2, str(rec.names[i]))
        tab.put(r, 3, labels[rec.departments[i]])
        tab.put(r, 4, str(rec.grades[i]))
        tab.put(r, 5, _money(int(rec.base_cents[i])), MONEY)
        m = rec.multiplier[i]
        tab.put(r, 6, float(m) if np.isfinite(m) else None, MULT)
        tab.put(r, 7, _money(int(rec.paid_cents[i])), MONEY)
        tab.put(r, 8, str(rec.status[i]))


# ------------------------------------------------------------------ the job


@dataclass
class ReconcileReport:
    rec: Reconciliation
    sheet: str
    backup: Path | None = None


def reconcile_workbook(path: str | Path, budget: Any = None, old: str | Path | None = None,
                       key: bytes | None = None, progress: Progress = lambda step: None) -> ReconcileReport:
    """Read, reconcile, write the tab, save once (atomically, with a backup)."""
    path = Path(path)
    with Workbook.open(path) as book:
        book.check_writable()
        progress("reading the workbook")
        snap = read_snapshot(path)
        budget_cents = None if budget is None else _budget_argument(budget)
        budgets = budgets_from_grid(snap.rules_grid, sheet_ref(snap.rules_sheet or "规则"))
        progress(f"reconciling {snap.n} employees")
        rec = reconcile(snap, budget_cents, budgets)
        rec.seal = check_seal(snap, read_seal(path), key)
        if old is not None:
            progress("comparing with the other version")
            rec.diff = diff_snapshots(read_snapshot(old), snap)
        progress("writing the reconciliation tab")
        sheet = book.add_sheet(reconcile_sheet(rec, _tab_name(book, snap.table.language)), replace=True)
        progress("saving")
        backup = book.save()
    return ReconcileReport(rec, sheet, backup)


def _tab_name(book: Workbook, lang: str) -> str:
    """The tab's name: 对账/Reconciliation, or the one this tool made earlier."""
    for name in book.sheet_names:
        if book.owner_kind(name) == "reconcile":
            return name
    return SHEET_NAMES[lang]


def _budget_argument(value: Any) -> int:
    try:
        amount = to_cents(value)
    except ValueError:
        raise RulesError(f"--budget must be an amount such as 1250000 or 1,250,000.00, found {value!r}") from None
    if amount < 0:
        raise RulesError("--budget must not be negative")
    return amount


__all__ = ["Difference", "Group", "ReconcileReport", "Reconciliation", "budgets_from_grid", "reconcile",
           "reconcile_sheet", "reconcile_workbook", "seal_lines", "to_cents", "Change"]
