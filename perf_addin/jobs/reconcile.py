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
  zero) to the cent (``scoring.bonus_cents``, integer arithmetic); totals are sums
  of cents (``decimal.Decimal``). On the tab every total is a formula,
  ``ROUND(SUM(...), 2)`` or ``ROUND(SUMPRODUCT(...), 2)`` over the per-employee
  detail at the bottom of the tab, cached with the exact value, so Excel and
  LibreOffice recalculate to the same cent. SUMPRODUCT with ``=`` (not SUMIF)
  because SUMIF reads ``*``, ``?`` and a leading ``=``/``>`` in a department name
  as patterns.
* **Budget.** ``--budget AMOUNT`` is the budget of the whole workbook, read as
  a cell is read (``department.parse_number_text``: 500000, 500,000, 50万,
  ５０万, 0.5亿). It is remembered in the 合计/Total line of the budget table on
  the rules sheet (columns R:S, made when missing: 预算/Budget header, label,
  amount; a table an older workbook holds in N:O is read and updated there – the
  layout is ``rules.py``'s), so a later run without ``--budget`` uses it and says where it came
  from. Otherwise that table: department → amount, and the 合计/Total line for
  the whole workbook (else the sum of the department budgets). Over/under =
  paid − budget, and as % of the budget.
* **Budget fit** (``fit_budget=True``, ``--fit-budget``): every paid bonus scaled to
  the pool by ``domain.budget_fit`` (largest remainder, ties to the lower ID), per
  department when the budget table covers every department and no whole-workbook
  amount disagrees, else company-wide. Written on the tab only – a fitted-bonus
  column in the detail and a section with k, the pool, ``ROUND(SUM…)`` and a check
  cell – never into the employee table, whose bonus cells are result formulas or
  typed overrides. Not remembered: a run without it writes no fit. A pool refused
  (more than two decimals, negative, nothing to scale) stops the run before any write.
* **Printing.** A4 landscape, fitted to the width of columns A–H (every
  section uses only those), as many pages down as needed, the title row
  repeated on each page and "page x of y" in the footer. The grade table comes
  first, with its chart beside it in F–H: that table's length is fixed (one
  row per band), so the chart always lies whole on page 1, whatever the
  number of departments. Wrapped texts (messages, reasons, the note) sit in
  merged cells whose rows are as tall as the text (``textfit``).
* **Words.** Everything on the tab and in the CLI is in the workbook's
  language; the compared values are named as the table's headers name them
  (奖金, 绩效倍数), both sides of a difference are labelled (工作簿 / 重算),
  and a blank is written as such, never as ``None``.
* Departments are grouped ignoring case and surrounding spaces (Excel's ``=``
  compares text that way); a blank department is its own group.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from perf_addin.book.department import Problem, all_problems, parse_number_text, sheet_ref
from perf_addin.domain import budget_fit
from perf_addin.domain.budget_fit import BudgetError, BudgetFit
from perf_addin.errors import UserError
from perf_addin.book.diff import Change, VersionDiff, diff_snapshots
from perf_addin.labels import job_text, label as field_label
from perf_addin.labels import shown as field_shown
from perf_addin.jobs.interviews import stage_visible
from perf_addin.engines.libreoffice import LibreOffice, LibreOfficeError
from perf_addin.domain.rules import BUDGET_COLUMN, LEGACY_BUDGET_COLUMN, RulesError, a1
from perf_addin.domain.scoring import bonus_cents, score_table
from perf_addin.jobs.seal import SealCheck, check_seal, seal_of
from perf_addin.book.session import DepartmentBook, open_book
from perf_addin.book.snapshot import Snapshot, as_number_or_text, as_numbers, is_blank, read_snapshot, snapshot_of
from perf_addin.forms.textfit import MAX_ROW_HEIGHT, text_height
from perf_addin.xlsx import Cell, Formula, Margins, PrintSetup, SheetSpec, Style, Workbook
from perf_addin.xlsx.chart import BarChart
from perf_addin.xlsx.refs import col_letter, quote_sheet

Progress = Callable[[str], None]
SHEET_NAMES = {"zh": "对账", "en": "Reconciliation"}
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
    budget_source: str = ""  # where the budget came from, in the workbook's language
    fit: "Fit | None" = None  # the budget fit, when asked for (--fit-budget)

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
    """Department → budget in cents from the budget table of the rules sheet (R:S,
    or N:O in older workbooks: ``budget_column``).

    The table starts at the first cell of its column that reads 预算 or Budget
    (``预算 / Budget`` too); each row below names a department in R and its budget
    in S, until the first blank R. A 合计/Total/``*`` row is the whole workbook's
    budget, stored under the key ``"*"``. A blank amount means "no budget"."""
    out: dict[str, int] = {}
    for key, entry in budget_entries(grid, sheet).items():
        try:
            if isinstance(entry.amount, bool):
                raise ValueError
            out[key] = to_cents(entry.amount)
        except ValueError:
            raise RulesError(f"the budget of {entry.name} must be an amount, found {entry.amount!r}",
                             cell=entry.cell) from None
    return out


@dataclass(frozen=True)
class BudgetEntry:
    """One line of the budget table as written: the department (or 合计), the
    amount and the amount's cell – what a refusal of the pool names."""

    name: Any
    amount: Any
    cell: str


def budget_entries(grid: Sequence[Sequence[Any]] | None, sheet: str = "规则") -> dict[str, BudgetEntry]:
    """The budget table's lines by department key (``"*"``: the 合计/Total line),
    amounts as written; a later line for the same department wins."""
    if not grid:
        return {}
    col = budget_column(grid)
    start = _budget_header(grid, col)
    if start is None:
        return {}
    out: dict[str, BudgetEntry] = {}
    for r in range(start + 1, len(grid)):
        row = grid[r]
        name = row[col] if len(row) > col else None
        if is_blank(name):
            break
        amount = row[col + 1] if len(row) > col + 1 else None
        if is_blank(amount):
            continue
        key = "*" if _norm(str(name)) in TOTAL_KEYS else department_key(name)
        out[key] = BudgetEntry(name, amount, f"{sheet}!{a1(r, col + 1)}")
    return out


def _budget_header(grid: Sequence[Sequence[Any]] | None, col: int) -> int | None:
    """0-based row of the first 预算/Budget cell in column ``col``, None when there is none."""
    return next((r for r, row in enumerate(grid or []) if len(row) > col and isinstance(row[col], str)
                 and _norm(row[col]).startswith(BUDGET_HEADERS)), None)


def budget_column(grid: Sequence[Sequence[Any]] | None) -> int:
    """The column of the budget table: R, unless only the old place (N, under the
    holidays) holds one – an older workbook's table stays readable where it is."""
    if _budget_header(grid, BUDGET_COLUMN) is None and _budget_header(grid, LEGACY_BUDGET_COLUMN) is not None:
        return LEGACY_BUDGET_COLUMN
    return BUDGET_COLUMN


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
    scores = score_table(frame, snap.rules)
    problems = all_problems(table, scores, snap.rules)
    ids = frame["employee_id"].to_numpy(dtype=object).astype(str)
    names = snap.texts("name")
    recomputed = scores["multiplier"].to_numpy(dtype=float)
    base = frame["base_bonus"].to_numpy(dtype=float) if "base_bonus" in frame else np.full(snap.n, np.nan)
    manual, reasons, override_problems = _overrides(snap)
    problems += override_problems
    documented = np.isfinite(manual) & (reasons != "")
    pay = np.where(documented, manual, recomputed)
    cents_, valid = bonus_cents(base, pay)
    paid = np.where(valid, cents_, -1)
    base_ok = np.isfinite(base) & (base >= 0)
    base_cents = np.where(base_ok, bonus_cents(np.where(base_ok, base, 0.0), np.ones(snap.n))[0], -1)
    status = np.full(snap.n, "ok", dtype=object)
    status[np.flatnonzero(paid < 0)] = "input error"
    status[np.flatnonzero(documented & (paid >= 0))] = "documented override"
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
                message = (f"手工倍数 {raw[i]!r} 不是 ≥ 0 的数" if snap.table.language == "zh"
                           else f"manual multiplier {raw[i]!r} is not a number ≥ 0")
                problems.append(Problem(snap.table.sheet, cell, "manual_multiplier", message, raw[i],
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


# ------------------------------------------------------------------ the budget fit

FIT_TEXTS = {
    "zh": {"s_fit": "按奖金池调整（--fit-budget）", "company_label": "全公司", "progress": "按奖金池调整奖金",
           "head": ("范围", "人数", "Σ 奖金基数×倍数", "k", "奖金池", "调整后合计", "差额", "核对"),
           "fitted": "调整后奖金", "ok": "等于奖金池", "bad": "不等于奖金池",
           "per_department": "按部门调整：每个部门的调整后奖金合计等于它在 {sheet} 预算表中的预算。",
           "company": "全公司统一调整：全部员工的调整后奖金合计等于奖金池 {amount}（{source}）。",
           "untouched": "调整后奖金只写在本表明细的“调整后奖金”列；员工表的奖金列保持不变。",
           "line": "{label}：k = {k}，奖金池 {pool}，调整后合计 {total}",
           "no_pool": "--fit-budget 需要奖金池：用 --budget 给出金额，或在 {sheet} 的预算表（R:S 列）中填写",
           "missing": "--fit-budget：{departments} 在 {sheet} 的预算表中没有预算，表中也没有“合计”行；"
                      "请为每个部门填写预算，或填写合计",
           "input": "{cell}：按奖金池调整要求奖金基数最多 6 位小数、倍数最多 4 位小数，现为 {base} × {multiplier}"},
    "en": {"s_fit": "Fitted to the pool (--fit-budget)", "company_label": "Whole company",
           "progress": "fitting the bonuses to the pool",
           "head": ("Scope", "Head count", "Σ base × multiplier", "k", "Pool", "Fitted total", "Difference",
                    "Check"),
           "fitted": "Fitted bonus", "ok": "equals the pool", "bad": "differs from the pool",
           "per_department": "Per department: each department's fitted bonuses add up to its budget in the "
                             "budget table on {sheet}.",
           "company": "Company-wide: everybody's fitted bonuses add up to the pool {amount} ({source}).",
           "untouched": " The fitted bonuses are only in the detail's Fitted bonus column below; the employee "
                        "table's Bonus column is not changed.",
           "line": "{label}: k = {k}, pool {pool}, fitted total {total}",
           "no_pool": "--fit-budget needs a bonus pool: give --budget AMOUNT, or fill in the budget table on "
                      "{sheet} (columns R:S)",
           "missing": "--fit-budget: {departments} has no budget in the budget table on {sheet}, and the table "
                      "has no Total line; give every department a budget, or a Total",
           "input": "{cell}: fitting to the pool needs a base bonus with at most 6 decimals and a multiplier "
                    "with at most 4, found {base} × {multiplier}"},
}


class FitError(UserError, ValueError):
    """A budget fit refused before anything is written, worded in the workbook's language."""

    def __init__(self, kind: str, lang: str, **values: Any) -> None:
        self.kind = kind
        super().__init__(FIT_TEXTS[lang][kind].format(**values))


@dataclass(frozen=True)
class Pool:
    """What one group's fitted bonuses must add up to, and where that amount is written."""

    key: str | None  # department key; None: the whole workbook
    label: str
    cents: int
    source: str  # the amount's cell, or --budget


@dataclass(frozen=True)
class FitGroup:
    pool: Pool
    head_count: int  # the employees paid in the group (input errors are not)
    weight: Decimal  # Σ base bonus × multiplier, exact
    factor: Decimal  # k = pool ÷ weight
    fitted_cents: int


@dataclass
class Fit:
    """The budget fit of one run: per department or for the whole workbook."""

    per_department: bool
    groups: list[FitGroup]
    cents: np.ndarray  # fitted bonus per employee in cents; -1 where nothing is paid


def whole_cents(amount: Any, source: str, lang: str) -> int:
    """A pool as whole cents: an amount ≥ 0 with at most two decimals as written (a
    number read from a cell may carry binary noise, never a third decimal), else
    ``BudgetError`` naming ``source`` – a cell or ``--budget``."""
    refuse = BudgetError("pool", source, lang, value=str(amount).strip())
    if isinstance(amount, bool):
        raise refuse
    if isinstance(amount, str):
        try:
            exact = Decimal(amount.replace(",", "").strip())
        except InvalidOperation:
            raise refuse from None
        if not exact.is_finite() or exact < 0 or exact != exact.quantize(Decimal("0.01")):
            raise refuse
        return int(exact * 100)
    number = float(amount)
    scaled = number * 100
    whole = round(scaled) if math.isfinite(scaled) else -1
    if whole < 0 or abs(scaled - whole) > max(1e-6, abs(scaled) * 1e-15):
        raise refuse
    return int(whole)


def fit_pools(rec: Reconciliation, entries: dict[str, BudgetEntry], given: Any, lang: str,
              sheet: str) -> tuple[bool, list[Pool]]:
    """(per department?, the pools): per department when the budget table gives every
    department a budget and no whole-workbook amount says otherwise (``--budget`` or the
    合计 line equal to their sum), else the whole workbook's budget for everybody."""
    t = FIT_TEXTS[lang]
    labels = {g.key: g.label for g in rec.by_department}
    departments = {k: e for k, e in entries.items() if k != "*"}
    whole = None
    if given is not None:
        whole = Pool(None, t["company_label"], whole_cents(given, "--budget", lang), "--budget")
    elif "*" in entries:
        total = entries["*"]
        whole = Pool(None, t["company_label"], whole_cents(total.amount, total.cell, lang), total.cell)
    if departments and set(labels) <= set(departments):
        pools = [Pool(k, labels.get(k, str(e.name).strip()), whole_cents(e.amount, e.cell, lang), e.cell)
                 for k, e in sorted(departments.items(), key=lambda item: (item[0] not in labels, item[0]))]
        if whole is None or whole.cents == sum(p.cents for p in pools):
            return True, pools
    if whole is not None:
        return False, [whole]
    if departments:
        missing = [labels[k] for k in sorted(labels) if k not in departments]
        raise FitError("missing", lang, departments=("、" if lang == "zh" else ", ").join(missing[:5]),
                       sheet=sheet)
    raise FitError("no_pool", lang, sheet=sheet)


def fit_reconciliation(rec: Reconciliation, per_department: bool, pools: Sequence[Pool], lang: str) -> Fit:
    """Every paid employee's bonus scaled to their group's pool (``domain.budget_fit``:
    k = pool ÷ Σ base × multiplier, cents by largest remainder, ties to the lower ID);
    the weights are the base bonus as written and the multiplier paid."""
    frame = rec.snapshot.table.frame
    base = frame["base_bonus"].to_numpy(dtype=float) if "base_bonus" in frame else np.full(len(rec.ids), np.nan)
    ids = rec.snapshot.raw("employee_id")  # as written: numbers order by value, before text
    paid = rec.paid_cents >= 0
    out = np.full(len(rec.ids), -1, dtype=np.int64)
    groups = []
    for pool in pools:
        idx = np.flatnonzero(paid & (rec.departments == pool.key) if pool.key is not None else paid)
        result = _fit_group(rec, base, ids, idx, pool, lang)
        out[idx] = result.cents
        weight = sum((Decimal(repr(float(base[i]))) * Decimal(repr(float(rec.multiplier[i]))) for i in idx),
                     Decimal(0))
        groups.append(FitGroup(pool, len(idx), weight, result.factor, sum(result.cents)))
    return Fit(per_department, groups, out)


def _fit_group(rec: Reconciliation, base: np.ndarray, ids: np.ndarray, idx: np.ndarray, pool: Pool,
               lang: str) -> BudgetFit:
    try:
        return budget_fit.fit_budget(base[idx], rec.multiplier[idx], ids[idx], Decimal(pool.cents).scaleb(-2),
                                     pool.source, lang)
    except BudgetError as err:
        if err.kind != "input":
            raise
        raise _input_refusal(rec, base, int(idx[_first_refused(rec, base, idx)]), lang) from None


def _refused(rec: Reconciliation, base: np.ndarray, part: np.ndarray, multiplier: np.ndarray | None = None) -> bool:
    """Whether the budget fit refuses these employees' base bonus × multiplier."""
    mult = rec.multiplier[part] if multiplier is None else multiplier
    try:
        budget_fit.fit_budget(base[part], mult, rec.ids[part], 0)
    except BudgetError:
        return True
    return False


def _first_refused(rec: Reconciliation, base: np.ndarray, idx: np.ndarray) -> int:
    """Position in ``idx`` of the first employee the fit refuses (one exists): halving,
    so the fit's own checks decide, at the cost of about two fits."""
    lo, hi = 0, len(idx)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _refused(rec, base, idx[lo:mid]):
            hi = mid
        else:
            lo = mid
    return lo


def _input_refusal(rec: Reconciliation, base: np.ndarray, i: int, lang: str) -> FitError:
    """The refusal naming the cell at fault: the base bonus, else the multiplier paid."""
    table, snap = rec.snapshot.table, rec.snapshot
    if _refused(rec, base, np.array([i]), np.ones(1)):
        cell = table.cell("base_bonus", i)
    elif rec.status[i] == "documented override":
        cell = table.cell("manual_multiplier", i)
    else:
        cell = table.cell("multiplier", i) if snap.column_of("multiplier") is not None else table.cell("base_bonus", i)
    return FitError("input", lang, cell=cell, base=field_shown(float(base[i]), lang),
                    multiplier=field_shown(float(rec.multiplier[i]), lang))


def fit_lines(rec: Reconciliation, lang: str) -> list[str]:
    """The budget fit in words, for the command line: the scope, then k and the totals per group."""
    fit = rec.fit
    if fit is None:
        return []
    t = FIT_TEXTS[lang]
    return [_fit_scope(rec, lang).strip()] + [
        t["line"].format(label=g.pool.label, k=f"{g.factor:.6f}", pool=f"{cents(g.pool.cents):,.2f}",
                         total=f"{cents(g.fitted_cents):,.2f}") for g in fit.groups]


def _fit_scope(rec: Reconciliation, lang: str) -> str:
    t, fit = FIT_TEXTS[lang], rec.fit
    if fit.per_department:
        return t["per_department"].format(sheet=sheet_ref(rec.snapshot.rules_sheet or "规则"))
    pool = fit.groups[0].pool
    return t["company"].format(amount=f"{cents(pool.cents):,.2f}", source=pool.source)



# ------------------------------------------------------------------ the tab

TITLE = Style(bold=True, font_size=14, wrap=True, valign="center")
HEAD = Style(bold=True, fill="E2EFDA", border="thin", halign="center", valign="center", wrap=True)
SECTION = Style(bold=True, font_size=12)
MONEY = Style(num_format="#,##0.00")
MONEY_BOLD = Style(num_format="#,##0.00", bold=True)
PERCENT = Style(num_format="0.00%")
MULT = Style(num_format="0.0###")
WEIGHT = Style(num_format="#,##0.00####")
FACTOR = Style(num_format="0.000000")
NOTE = Style(italic=True, font_color="595959", wrap=True, valign="top")
TEXT = Style(wrap=True, valign="top")
ALERT = Style(bold=True, font_color="C00000", wrap=True, valign="top")
ALERT_MONEY = Style(bold=True, font_color="C00000", num_format="#,##0.00")
COL_WIDTHS = {1: 16, 2: 14, 3: 14, 4: 14, 5: 16, 6: 16, 7: 16, 8: 22}
WIDTH = len(COL_WIDTHS)  # columns A-H: every section fits them, so the page is fitted to their width
FITTED_COLUMN = WIDTH + 1  # I: the detail's fitted bonus, only when the run fits to the budget
DEFAULT_FONT = 11.0
CHART_ROWS = 16  # the grade chart's height in rows (default 15 pt each)

TEXTS = {
    "zh": {"title": "奖金对账", "dept": ("部门", "人数", "奖金基数合计", "实发奖金合计", "预算", "超支(+)/结余(−)", "占预算%"),
           "grade": ("等级", "名称", "人数", "奖金基数合计", "实发奖金合计"), "total": "合计",
           "budget": "预算（全部）", "s_dept": "按部门合计", "s_grade": "按等级合计", "chart": "等级分布",
           "s_diff": "差异（工作簿值 ≠ 重算值）与手工调整", "diff": ("单元格", "工号", "姓名", "项目", "工作簿值", "重算值", "状态", "原因"),
           "s_err": "输入错误（不发放）", "s_todo": "待补充（照常发放）", "err": ("单元格", "工号", "姓名", "问题"), "s_changes": "与旧版本相比的变化",
           "changes": ("工号", "姓名", "项目", "旧值", "新值", "单元格"), "s_seal": "封存校验",
           "s_detail": "明细（合计公式引用此表）", "detail": ("工号", "姓名", "部门", "等级", "奖金基数", "实发倍数", "实发奖金", "状态"),
           "none": "无", "count": "人数", "blank": "（空）", "added": "新增", "removed": "删除",
           "footer": "&L{file}&C&A&R第 &P 页，共 &N 页",
           "status": {"ok": "正常", "input error": "输入错误", "documented override": "有据调整",
                      "override without reason": "手工倍数无调整原因（未采用）", "difference": "差异",
                      "difference (override documented)": "差异（已有据调整）"},
           "sealed": {"changed": "封存后被修改", "added": "封存后新增", "removed": "封存后删除"},
           "fields_sep": "、"},
    "en": {"title": "Bonus reconciliation", "dept": ("Department", "Head count", "Base bonus", "Paid bonus", "Budget",
                                                     "Over (+) / under (−)", "% of budget"),
           "grade": ("Grade", "Label", "Head count", "Base bonus", "Paid bonus"), "total": "Total",
           "budget": "Budget (whole workbook)", "s_dept": "Totals by department", "s_grade": "Totals by grade",
           "chart": "Grade distribution", "s_diff": "Differences (workbook ≠ recomputed) and manual overrides",
           "diff": ("Cell", "Employee ID", "Name", "What", "Workbook", "Recomputed", "Status", "Reason"),
           "s_err": "Input errors (not paid)", "s_todo": "To complete (paid as shown)", "err": ("Cell", "Employee ID", "Name", "Problem"),
           "s_changes": "Changes since the other version",
           "changes": ("Employee ID", "Name", "Field", "Old", "New", "Cell"), "s_seal": "Seal check",
           "s_detail": "Detail (the totals above are formulas over this table)",
           "detail": ("Employee ID", "Name", "Department", "Grade", "Base bonus", "Multiplier paid", "Paid bonus",
                      "Status"), "none": "none", "count": "Head count", "blank": "(blank)", "added": "added",
           "removed": "removed", "footer": "&L{file}&C&A&RPage &P of &N",
           "status": {"ok": "ok", "input error": "input error", "documented override": "documented override",
                      "override without reason": "override without reason (not honoured)",
                      "difference": "difference",
                      "difference (override documented)": "difference (override documented)"},
           "sealed": {"changed": "changed after sealing", "added": "added after sealing",
                      "removed": "removed after sealing"},
           "fields_sep": ", "},
}


class _Tab:
    """Cells written top to bottom; a wrapped text grows its row (``textfit``)."""

    def __init__(self) -> None:
        self.cells: dict[str, Any] = {}
        self.merges: list[str] = []
        self.heights: dict[int, float] = {}
        self.row = 0

    def next(self, gap: int = 0) -> int:
        self.row += 1 + gap
        return self.row

    def put(self, row: int, col: int, value: Any, style: Style | None = None, to: int | None = None) -> None:
        """One value in ``col`` (merged up to column ``to``)."""
        if value is None:
            return
        self.cells[a1(row - 1, col - 1)] = Cell(value, style) if style else value
        if to is not None and to > col:
            self.merges.append(f"{a1(row - 1, col - 1)}:{a1(row - 1, to - 1)}")
        text = value.cached if isinstance(value, Formula) else value
        if style is not None and style.wrap and isinstance(text, str):
            width = sum(COL_WIDTHS.get(c, COL_WIDTHS[WIDTH]) for c in range(col, (to or col) + 1))
            need = min(text_height(text, width, style.font_size or DEFAULT_FONT), MAX_ROW_HEIGHT)
            if need > 15:
                self.heights[row] = max(self.heights.get(row, 15), need)

    def line(self, values: Sequence[Any], style: Style | None = None, last_to: int | None = None) -> int:
        """A row of values from column A; the last one merged up to ``last_to``."""
        r = self.next()
        for c, v in enumerate(values, start=1):
            self.put(r, c, v, style, last_to if c == len(values) else None)
        return r

    def height(self, first: int, last: int) -> float:
        return sum(self.heights.get(r, 15.0) for r in range(first, last + 1))


def _money(value: int | None) -> Decimal | None:
    return None if value is None or value < 0 else cents(value)


def _shown(value: Any, lang: str = "en") -> Any:
    """Values listed on the tab: numbers stay numbers, a blank says so, anything
    else is text (never a formula)."""
    if is_blank(value):
        return TEXTS[lang]["blank"]
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    return str(value)


def reconcile_sheet(rec: Reconciliation, name: str | None = None) -> SheetSpec:
    """The 对账 / Reconciliation tab; see the module docstring for its formulas
    and its page setup.

    The sections are laid out twice: once to learn where they end, so the detail
    table (which every total refers to) can start below them, then for real."""
    lang = rec.snapshot.table.language
    sheet = name or SHEET_NAMES[lang]
    probe, _ = _sections(rec, sheet, detail_first=10**6)
    tab, chart = _sections(rec, sheet, detail_first=probe.row + 4)
    tab.row = probe.row + 1
    _detail_section(tab, rec, TEXTS[lang])
    widths = COL_WIDTHS | ({FITTED_COLUMN: COL_WIDTHS[7]} if rec.fit else {})
    return SheetSpec(sheet, cells=tab.cells, merges=tab.merges, col_widths=widths, row_heights=tab.heights,
                     charts=[chart], kind="reconcile", print_setup=_page(rec, tab.row))


def _page(rec: Reconciliation, last_row: int) -> PrintSetup:
    """A4 landscape, fitted to the width of columns A–H (A–I with the fitted bonus
    column), as many pages down as needed, the title row repeated on every page, page
    x of y in the footer."""
    t = TEXTS[rec.snapshot.table.language]
    file = rec.snapshot.path.name[:60].replace("&", "&&")
    return PrintSetup(paper="A4", landscape=True, fit_width=1, fit_height=0,
                      margins=Margins(left=0.5, right=0.5, top=0.6, bottom=0.6, header=0.3, footer=0.3),
                      print_area=f"A1:{a1(last_row - 1, (FITTED_COLUMN if rec.fit else WIDTH) - 1)}", repeat_rows=(1, 1),
                      center_horizontally=True, first_page_number=1, footer=t["footer"].format(file=file))


def _sections(rec: Reconciliation, sheet: str, detail_first: int) -> tuple[_Tab, BarChart]:
    lang = rec.snapshot.table.language
    t = TEXTS[lang]
    tab = _Tab()
    tab.put(tab.next(), 1, f"{t['title']} – {rec.snapshot.path.name}", TITLE, WIDTH)
    tab.put(tab.next(), 1, ROUNDING_RULE[lang], NOTE, WIDTH)
    detail_last = detail_first + max(len(rec.ids), 1) - 1
    rng = {k: f"${col}${detail_first}:${col}${detail_last}"
           for k, col in (("id", "A"), ("dept", "C"), ("grade", "D"), ("base", "E"), ("paid", "G"),
                          ("fitted", col_letter(FITTED_COLUMN)))}
    chart = _grade_section(tab, rec, t, rng, sheet)
    _department_section(tab, rec, t, rng)
    if rec.fit is not None:
        _fit_section(tab, rec, rng)
    _difference_section(tab, rec, t, lang)
    _problem_section(tab, rec, t)
    if rec.diff is not None:
        _changes_section(tab, rec.diff, t, lang)
    if rec.seal is not None:
        _seal_section(tab, rec, t, lang)
    return tab, chart


def _department_section(tab: _Tab, rec: Reconciliation, t: dict, rng: dict) -> None:
    tab.put(tab.next(1), 1, t["s_dept"], SECTION)
    tab.line(t["dept"], HEAD)
    first = tab.row + 1
    for g in rec.by_department:
        r = tab.next()
        tab.put(r, 1, g.label, TEXT)
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
    if rec.budget_source:
        tab.put(tab.next(), 1, rec.budget_source, NOTE, WIDTH)


def _fit_section(tab: _Tab, rec: Reconciliation, rng: dict) -> None:
    """The budget fit: the method, its scope, and per group k, the pool and the fitted
    total as ``ROUND(SUM…)`` over the detail's fitted column, with a check cell."""
    lang = rec.snapshot.table.language
    t, fit = FIT_TEXTS[lang], rec.fit
    tab.put(tab.next(1), 1, t["s_fit"], SECTION)
    tab.put(tab.next(), 1, budget_fit.method_text(lang), NOTE, WIDTH)
    tab.put(tab.next(), 1, _fit_scope(rec, lang) + t["untouched"], NOTE, WIDTH)
    tab.line(t["head"], HEAD)
    first = tab.row + 1
    for g in fit.groups:
        r = tab.next()
        tab.put(r, 1, g.pool.label, TEXT)
        tab.put(r, 2, g.head_count)
        tab.put(r, 3, g.weight, WEIGHT)
        tab.put(r, 4, float(g.factor), FACTOR)
        tab.put(r, 5, cents(g.pool.cents), MONEY)
        total = (f"ROUND(SUMPRODUCT(({rng['dept']}=A{r})*{rng['fitted']}),2)" if g.pool.key is not None
                 else f"ROUND(SUM({rng['fitted']}),2)")
        _fit_total(tab, r, total, g.fitted_cents, g.pool.cents, t)
    if fit.per_department and len(fit.groups) > 1:
        last, r = tab.row, tab.next()
        tab.put(r, 1, TEXTS[lang]["total"], Style(bold=True))
        tab.put(r, 2, Formula(f"SUM(B{first}:B{last})", sum(g.head_count for g in fit.groups)))
        pools = sum(g.pool.cents for g in fit.groups)
        tab.put(r, 5, Formula(f"ROUND(SUM(E{first}:E{last}),2)", cents(pools)), MONEY_BOLD)
        _fit_total(tab, r, f"ROUND(SUM({rng['fitted']}),2)", sum(g.fitted_cents for g in fit.groups), pools, t)


def _fit_total(tab: _Tab, r: int, formula: str, fitted: int, pool: int, t: dict) -> None:
    """Fitted total (F), its difference from the pool in E (G) and the check (H), as formulas."""
    tab.put(r, 6, Formula(formula, cents(fitted)), MONEY_BOLD)
    tab.put(r, 7, Formula(f"ROUND(F{r}-E{r},2)", cents(fitted - pool)), MONEY if fitted == pool else ALERT_MONEY)
    tab.put(r, 8, Formula(f'IF(G{r}=0,"{t["ok"]}","{t["bad"]}")', t["ok"] if fitted == pool else t["bad"]))


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
    tab.put(r, 6, Formula(f"ROUND(D{r}-E{r},2)", cents(over)), ALERT_MONEY if over > 0 else MONEY)
    if budget:
        tab.put(r, 7, Formula(f"F{r}/E{r}", float(Decimal(over) / Decimal(budget))), PERCENT)


def _grade_section(tab: _Tab, rec: Reconciliation, t: dict, rng: dict, sheet: str) -> BarChart:
    """First on the tab, with the chart beside it in F–H: the grade table has a
    fixed length (one row per band), so the chart always lies whole on page 1."""
    top = tab.next(1)
    tab.put(top, 1, t["s_grade"], SECTION)
    tab.line(t["grade"], HEAD)
    first = tab.row + 1
    for g in rec.by_grade:
        r = tab.next()
        tab.put(r, 1, g.key)
        tab.put(r, 2, g.label, TEXT)
        _group_totals(tab, r, 3, f"({rng['grade']}=A{r})", g, rng)
    last = tab.row
    r = tab.next()
    tab.put(r, 1, t["total"], Style(bold=True))
    tab.put(r, 3, Formula(f"SUM(C{first}:C{last})", len(rec.ids)))
    tab.put(r, 4, Formula(f"ROUND(SUM(D{first}:D{last}),2)", rec.base_total), MONEY_BOLD)
    tab.put(r, 5, Formula(f"ROUND(SUM(E{first}:E{last}),2)", rec.paid_total), MONEY_BOLD)
    tab.row = max(tab.row, top + CHART_ROWS)  # the rows the chart covers
    q = quote_sheet(sheet) + "!"
    return BarChart(t["chart"], t["count"], f"{q}$A${first}:$A${last}", f"{q}$C${first}:$C${last}",
                    tuple(g.key for g in rec.by_grade), tuple(float(g.head_count) for g in rec.by_grade),
                    f"F{top}", f"{col_letter(WIDTH + 1)}{top + CHART_ROWS}")


def _difference_section(tab: _Tab, rec: Reconciliation, t: dict, lang: str) -> None:
    tab.put(tab.next(1), 1, t["s_diff"], SECTION)
    tab.line(t["diff"], HEAD)
    if not rec.differences:
        tab.line([t["none"]])
    for d in rec.differences:
        r = tab.line([d.cell, d.employee_id, d.name, what_label(d.what, lang), None, None,
                      t["status"].get(d.status, d.status), d.reason or None], TEXT)
        style = MONEY if d.what == "bonus" else MULT
        tab.put(r, 5, _shown(d.workbook, lang), style)
        tab.put(r, 6, _shown(d.recomputed, lang), style)


def what_label(what: str, lang: str) -> str:
    """The compared value named as the table's header names it (奖金, 绩效倍数, 手工倍数)."""
    return field_label({"override": "manual_multiplier"}.get(what, what), lang)


def _problem_section(tab: _Tab, rec: Reconciliation, t: dict) -> None:
    """The input errors (those rows are not paid), then what is still to complete on
    rows paid as shown (a calibration reason, a potential)."""
    voiding = [p for p in rec.problems if p.voids_result]
    pending = [p for p in rec.problems if not p.voids_result]
    by_row = {r: i for i, r in enumerate(rec.snapshot.table.rows)}
    for title, problems in ((t["s_err"], voiding), (t["s_todo"], pending)):
        if title == t["s_todo"] and not problems:
            continue
        tab.put(tab.next(1), 1, title, SECTION)
        tab.line(t["err"], HEAD, last_to=WIDTH)
        if not problems:
            tab.line([t["none"]])
        for p in problems:
            i = by_row.get(p.row)
            tab.line([p.cell, rec.ids[i] if i is not None else "", rec.names[i] if i is not None else "",
                      p.message], TEXT, last_to=WIDTH)


def _changes_section(tab: _Tab, diff: VersionDiff, t: dict, lang: str) -> None:
    tab.put(tab.next(1), 1, f"{t['s_changes']}: {diff.old_path.name}", SECTION)
    tab.line(t["changes"], HEAD)
    lines = [[c.employee_id, c.name, field_label(c.field, lang), _shown(c.old, lang), _shown(c.new, lang),
              c.cell] for c in diff.changes]
    lines += [[eid, name, t["added"], None, None, ""] for eid, name in diff.added]
    lines += [[eid, name, t["removed"], None, None, ""] for eid, name in diff.removed]
    for line in lines or [[t["none"]]]:
        tab.line(line, TEXT)


SEAL_TEXTS = {
    "zh": {"unsealed": "未封存（运行 `perf-addin seal` 封存）", "head": "封存于 {at}：",
           "no key": "未校验——没有密钥（--key-file 或 PERF_ADDIN_SEAL_KEY）",
           "wrong key": "未校验——密钥不对：不是封存时使用的密钥",
           "ok": "每一行都已校验，封存后没有改动",
           "changes": "封存后 {changed} 行被修改、{added} 行新增、{removed} 行删除"},
    "en": {"unsealed": "not sealed (run `perf-addin seal` to seal it)", "head": "sealed at {at}: ",
           "no key": "NOT VERIFIED – no key given (--key-file or PERF_ADDIN_SEAL_KEY)",
           "wrong key": "NOT VERIFIED – wrong key: this is not the key the workbook was sealed with",
           "ok": "every row verified, nothing changed since",
           "changes": "{changed} changed, {added} added, {removed} removed since sealing"},
}


def seal_lines(check: SealCheck, lang: str = "en") -> list[str]:
    """The seal check in words, for the tab, the CLI and the ribbon."""
    s = SEAL_TEXTS[lang]
    if check.status == "unsealed":
        return [s["unsealed"]]
    head = s["head"].format(at=check.sealed_at)
    if check.status in ("no key", "wrong key"):
        return [head + s[check.status]]
    if check.ok:
        return [head + s["ok"]]
    return [head + s["changes"].format(changed=len(check.changed), added=len(check.added),
                                       removed=len(check.removed))]


def sealed_change_lines(rec: Reconciliation) -> list[tuple[str, str, str, str]]:
    """(cell, employee ID, name, what happened) per row changed, added or removed
    since sealing; a changed row names the fields that changed."""
    check, table = rec.seal, rec.snapshot.table
    if check is None:
        return []
    t = TEXTS[table.language]
    out = []
    for eid, i in check.changed:
        fields = t["fields_sep"].join(field_label(f, table.language) for f in check.fields.get(i, ()))
        what = t["sealed"]["changed"] + ("：" if table.language == "zh" else ": ") + fields if fields \
            else t["sealed"]["changed"]
        out.append((table.cell("employee_id", i), eid, str(rec.names[i]), what))
    out += [(table.cell("employee_id", i), eid, str(rec.names[i]), t["sealed"]["added"]) for eid, i in check.added]
    out += [("", eid, "", t["sealed"]["removed"]) for eid in check.removed]
    return out


def _seal_section(tab: _Tab, rec: Reconciliation, t: dict, lang: str) -> None:
    check = rec.seal
    tab.put(tab.next(1), 1, t["s_seal"], SECTION)
    tab.put(tab.next(), 1, seal_lines(check, lang)[0], ALERT if check.problems else TEXT, WIDTH)
    for line in sealed_change_lines(rec):
        tab.line(list(line), TEXT, last_to=WIDTH)


def _detail_section(tab: _Tab, rec: Reconciliation, t: dict) -> None:
    """Department cells hold their group's label, so the totals' ``=`` matches exactly."""
    labels = {g.key: g.label for g in rec.by_department}
    fit = rec.fit
    tab.put(tab.next(), 1, t["s_detail"], SECTION)
    tab.line(t["detail"] + ((FIT_TEXTS[rec.snapshot.table.language]["fitted"],) if fit else ()), HEAD)
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
        tab.put(r, 8, t["status"].get(rec.status[i], str(rec.status[i])))
        if fit is not None:
            tab.put(r, FITTED_COLUMN, _money(int(fit.cents[i])), MONEY)


# ------------------------------------------------------------------ the job


@dataclass
class ReconcileReport:
    rec: Reconciliation
    sheet: str
    backup: Path | None = None


def reconcile_workbook(path: str | Path, budget: Any = None, old: str | Path | None = None,
                       key: bytes | None = None, progress: Progress = lambda step: None,
                       fit_budget: bool = False) -> ReconcileReport:
    """Read, reconcile, write the tab, save once (atomically, with a backup).

    A ``budget`` given is also written to the rules sheet's budget table (its
    合计/Total row), so the next run without one uses it and says so.
    ``fit_budget`` scales every bonus to the pool on the tab (``fit_reconciliation``);
    it is this run's action, never remembered, and never touches the employee table."""
    with open_book(path) as book:
        return reconcile_book(book, budget, old, key, progress, fit_budget)


def reconcile_book(session: DepartmentBook, budget: Any = None, old: str | Path | None = None,
                   key: bytes | None = None, progress: Progress = lambda step: None,
                   fit_budget: bool = False) -> ReconcileReport:
    """``reconcile_workbook`` on a workbook a command has open (read once, saved once);
    a refused budget fit raises before anything is written."""
    book = session.writer
    book.check_writable()
    if old is not None:  # an .xls or a damaged file is refused here, as by every command
        Workbook.open(old).close()
    progress(f"{session.path.name} …")
    snap = snapshot_of(session)
    lang = snap.table.language
    budget_cents = None if budget is None else budget_cents_argument(budget, lang)
    rules_ref = sheet_ref(snap.rules_sheet or "规则")
    budgets = budgets_from_grid(snap.rules_grid, rules_ref)
    source = _budget_source(snap, budgets, lang)
    progress(job_text("reconciling", lang, n=snap.n))
    rec = reconcile(snap, budget_cents, budgets)
    if fit_budget:
        progress(FIT_TEXTS[lang]["progress"])
        given = None if budget is None else _budget_number(budget)
        per_department, pools = fit_pools(rec, budget_entries(snap.rules_grid, rules_ref), given, lang, rules_ref)
        rec.fit = fit_reconciliation(rec, per_department, pools, lang)
    if budget_cents is not None:
        source = _remember_budget(book, snap, budget_cents, lang)
    rec.budget_source = source if rec.budget_cents is not None or budget_cents is not None else ""
    rec.seal = check_seal(snap, seal_of(session), key)
    if old is not None:
        progress(job_text("comparing", lang))
        rec.diff = diff_snapshots(read_snapshot(old), snap)
    progress(job_text("reconcile_tab", lang))
    sheet = book.add_sheet(reconcile_sheet(rec, _tab_name(book, lang)), replace=True)
    progress(job_text("saving", lang))
    backup = session.save()
    return ReconcileReport(rec, sheet, backup)


def print_reconciliation(path: str | Path | DepartmentBook, sheet: str, pdf: str | Path,
                         office: LibreOffice | None = None) -> Path:
    """Print the reconciliation tab alone to ``pdf`` (as many A4 landscape pages as
    it needs; the page setup is the tab's own), in one LibreOffice run."""
    pdf = Path(pdf)
    own = office is None
    office = office or LibreOffice()
    try:
        with tempfile.TemporaryDirectory(prefix="perf-addin-pdf-") as tmp:
            staged = Path(tmp) / "reconcile.xlsx"
            stage_visible(path, {sheet}, staged)
            conversion = next(iter(office.convert([staged], "pdf", Path(tmp) / "out", recalc=False).values()))
            if not conversion.ok:
                raise LibreOfficeError(conversion.error)
            pdf.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(conversion.outputs[0]), pdf)
            return pdf
    finally:
        if own:
            office.close()


def _tab_name(book: Workbook, lang: str) -> str:
    """The tab's name: 对账/Reconciliation, or the one this tool made earlier."""
    for name in book.sheet_names:
        if book.owner_kind(name) == "reconcile":
            return name
    return SHEET_NAMES[lang]


BUDGET_ARGUMENT_TEXTS = {
    "zh": {"amount": "--budget 必须是金额，例如 1250000、1,250,000.00 或 125万，现为 {value!r}",
           "negative": "--budget 不能是负数，现为 {value!r}",
           "decimals": "--budget 最多两位小数（到分），现为 {value!r}"},
    "en": {"amount": "--budget must be an amount such as 1250000, 1,250,000.00 or 125万, found {value!r}",
           "negative": "--budget must not be negative, found {value!r}",
           "decimals": "--budget may have at most two decimals (cents), found {value!r}"},
}


def _budget_number(value: Any) -> float | None:
    """``--budget`` as a number, read like a cell (None when it is not one)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return parse_number_text(str(value))


def budget_cents_argument(value: Any, lang: str = "en") -> int:
    """``--budget`` read like a cell: 500000, 500,000, 50万, ５０万, 0.5亿 (``department.parse_number_text``)."""
    number = _budget_number(value)
    kind = "amount" if number is None or not math.isfinite(number) else "negative" if number < 0 \
        else "decimals" if Decimal(repr(number)) != Decimal(repr(number)).quantize(Decimal("0.01")) else None
    if kind is not None:
        error = RulesError(BUDGET_ARGUMENT_TEXTS["en"][kind].format(value=value))
        error.zh = BUDGET_ARGUMENT_TEXTS["zh"][kind].format(value=value)
        raise error
    return to_cents(number)


BUDGET_TEXTS = {
    "zh": {"header": "预算", "total": "合计", "given": "预算 {amount}：本次 --budget 给出，已记入 {cell}，下次对账未给 --budget 时沿用",
           "kept": "预算 {amount}：沿用 {cell}（上次 --budget 记入或手工填写）",
           "sum": "预算 {amount}：{sheet}预算表各部门之和", "none": "未记入预算：工作簿没有规则表"},
    "en": {"header": "Budget", "total": "Total",
           "given": "Budget {amount}: given with --budget, remembered in {cell} for the next run without --budget",
           "kept": "Budget {amount}: from {cell} (remembered from an earlier --budget, or typed there)",
           "sum": "Budget {amount}: the sum of the department budgets on {sheet}",
           "none": "The budget is not remembered: the workbook has no rules sheet"},
}


def _budget_table(grid: Sequence[Sequence[Any]] | None) -> tuple[int | None, int | None, int]:
    """(row of the budget header, row of its 合计/Total line, first row after the
    table), 0-based, in ``budget_column`` of the rules sheet (``budgets_from_grid``'s table)."""
    col = budget_column(grid)
    grid = grid or []
    cell = lambda r: grid[r][col] if r < len(grid) and len(grid[r]) > col else None  # noqa: E731
    start = _budget_header(grid, col)
    if start is None:
        used = [r for r in range(len(grid)) if not is_blank(cell(r))]
        return None, None, (used[-1] + 2 if used else 0)
    r, total = start + 1, None
    while not is_blank(cell(r)):
        if _norm(str(cell(r))) in TOTAL_KEYS:
            total = r
        r += 1
    return start, total, r


def _remember_budget(book: Workbook, snap: Snapshot, amount: int, lang: str) -> str:
    """Write the budget into the 合计/Total line of the rules sheet's budget table
    (made when missing); return the line saying so."""
    t = BUDGET_TEXTS[lang]
    money = f"{cents(amount):,.2f}"
    if snap.rules_sheet is None:
        return t["none"]
    header, total, after = _budget_table(snap.rules_grid)
    col = budget_column(snap.rules_grid)
    cells: dict[str, Any] = {}
    if header is None:
        header, after = after, after + 1
        cells[a1(header, col)] = Cell(t["header"], Style(bold=True))
    row = total if total is not None else after
    cells[a1(row, col)] = t["total"]
    cells[a1(row, col + 1)] = Cell(float(cents(amount)), MONEY)
    book.set_cells(snap.rules_sheet, cells)
    return t["given"].format(amount=money, cell=f"{sheet_ref(snap.rules_sheet)}!{a1(row, col + 1)}")


def _budget_source(snap: Snapshot, budgets: dict[str, int], lang: str) -> str:
    """Where a budget read from the rules sheet came from, in words."""
    t = BUDGET_TEXTS[lang]
    sheet = sheet_ref(snap.rules_sheet or "规则")
    if "*" in budgets:
        _, total, _ = _budget_table(snap.rules_grid)
        return t["kept"].format(amount=f"{cents(budgets['*']):,.2f}",
                                cell=f"{sheet}!{a1(total, budget_column(snap.rules_grid) + 1)}")
    if budgets:
        return t["sum"].format(amount=f"{cents(sum(budgets.values())):,.2f}", sheet=sheet)
    return ""


__all__ = ["Difference", "Group", "ReconcileReport", "Reconciliation", "budgets_from_grid", "reconcile",
           "reconcile_sheet", "reconcile_workbook", "seal_lines", "sealed_change_lines", "to_cents", "what_label",
           "budget_cents_argument", "budget_entries", "BudgetEntry", "Fit", "FitError", "FitGroup", "Pool",
           "fit_pools", "fit_reconciliation", "fit_lines", "whole_cents",
           "Change"]
