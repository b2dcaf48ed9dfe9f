"""Budget fit: scale every bonus so that the bonuses add up to the pool B to the cent.

Method (the text finance reads on the tab; docs/calibration.md has it too):

1. Each employee's weight is base bonus × multiplier, exactly as the numbers are
   written (no float rounding): the bases and multipliers are turned into whole
   numbers on a common decimal scale first.
2. k = B ÷ Σ weights.  Each employee's exact share is B × weight ÷ Σ weights, in cents.
3. Everyone is paid the whole cents of their share; the cents left over (fewer than
   the number of employees) go one each to the largest fractions of a cent –
   largest remainder, Hamilton's method – and equal fractions go to the lower
   employee ID.  So the bonuses add up to B exactly, nobody is more than one cent
   from their exact share, and nobody with a weight of zero gets anything.

All arithmetic is integer arithmetic (numpy int64 where the products fit, Python
integers otherwise), so the result is the same on every machine and at any size.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from perf_addin.domain.calibration import id_order
from perf_addin.domain.rules import MAX_MULTIPLIER_DECIMALS
from perf_addin.errors import UserError
from perf_addin.labels import language_index, shown

MAX_DECIMALS = 6  # of a base bonus (a multiplier has at most MAX_MULTIPLIER_DECIMALS)

BUDGET_PROBLEMS: dict[str, tuple[str, str]] = {
    "pool": ("奖金池必须是不小于 0 的金额（最多两位小数），现为 {value}",
             "the bonus pool must be an amount >= 0 with at most two decimals, found {value}"),
    "nothing": ("奖金池为 {value}，但奖金基数 × 倍数合计为 0，无法按比例分配",
                "the pool is {value} but base bonus × multiplier adds up to 0: there is nothing to scale"),
    "input": ("第 {row} 行：奖金基数和倍数必须是不小于 0 的数字（基数最多 6 位小数），现为 {base} × {multiplier}",
              "row {row}: base bonus and multiplier must be numbers >= 0 (a base with at most 6 decimals), "
              "found {base} × {multiplier}"),
}


class BudgetError(UserError, ValueError):
    """A budget fit that cannot be done; ``cell`` names the pool's cell when given."""

    def __init__(self, kind: str, cell: str | None = None, lang: str = "en", **values: Any):
        self.kind, self.cell = kind, cell
        self.message = BUDGET_PROBLEMS[kind][language_index(lang)].format(**values)
        super().__init__(f"{cell}: {self.message}" if cell else self.message)


@dataclass(frozen=True)
class BudgetFit:
    """``cents``: each employee's fitted bonus in cents (Python ints, input order);
    ``factor``: k = B ÷ Σ base × multiplier, exact; ``extra_cent``: who got a cent of the
    leftover."""

    cents: list[int]
    factor: Decimal
    extra_cent: np.ndarray

    def amounts(self) -> list[Decimal]:
        return [Decimal(c).scaleb(-2) for c in self.cents]


def _pool_cents(pool: Any, cell: str | None, lang: str) -> int:
    try:
        value = pool if isinstance(pool, Decimal) else Decimal(repr(pool) if isinstance(pool, float) else str(pool))
    except (ArithmeticError, ValueError, TypeError):
        raise BudgetError("pool", cell, lang, value=str(pool)) from None
    if isinstance(pool, bool) or not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise BudgetError("pool", cell, lang, value=str(pool))
    return int(value * 100)


def _scaled(values: np.ndarray, decimals: int) -> np.ndarray | None:
    """Whole numbers value × 10^d when every value has at most d decimals, else None."""
    scaled = values * 10.0 ** decimals
    whole = np.rint(scaled)
    if np.abs(whole).max(initial=0) >= 2 ** 53:
        return None
    exact = whole / 10.0 ** decimals == values  # the double that the d-decimal text gives back
    return whole.astype(np.int64) if exact.all() else None


def _units(values: np.ndarray, most: int, what: str, other: np.ndarray, lang: str) -> tuple[np.ndarray, int]:
    """(whole numbers, decimals): the values on the smallest common decimal scale."""
    for d in range(most + 1):
        scaled = _scaled(values, d)
        if scaled is not None:
            return scaled, d
    scaled = values * 10.0 ** most
    i = int(np.flatnonzero(np.rint(scaled) / 10.0 ** most != values)[0])
    base, mult = (values[i], other[i]) if what == "base" else (other[i], values[i])
    raise BudgetError("input", None, lang, row=i + 1, base=shown(float(base), lang), multiplier=shown(float(mult), lang))


def _check(base: np.ndarray, mult: np.ndarray, lang: str) -> None:
    bad = ~(np.isfinite(base) & np.isfinite(mult) & (base >= 0) & (mult >= 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise BudgetError("input", None, lang, row=i + 1, base=shown(float(base[i]), lang),
                          multiplier=shown(float(mult[i]), lang))


def fit_budget(base: Any, multiplier: Any, employee_id: Any, pool: Any, cell: str | None = None,
               lang: str = "en") -> BudgetFit:
    """Bonuses that add up to ``pool`` to the cent (see the module docstring)."""
    base = np.asarray(base, dtype=np.float64)
    mult = np.asarray(multiplier, dtype=np.float64)
    _check(base, mult, lang)
    pool_c = _pool_cents(pool, cell, lang)
    b_units, b_dec = _units(base, MAX_DECIMALS, "base", mult, lang)
    m_units, m_dec = _units(mult, MAX_MULTIPLIER_DECIMALS, "multiplier", base, lang)
    weight = _product(b_units, m_units)
    total = sum(int(w) for w in weight) if weight.dtype == object else int(weight.sum(dtype=object))
    if total == 0:
        if pool_c == 0:
            return BudgetFit([0] * len(base), Decimal(0), np.zeros(len(base), dtype=bool))
        raise BudgetError("nothing", cell, lang, value=str(Decimal(pool_c).scaleb(-2)))
    whole, rem = _shares(weight, pool_c, total)
    left = pool_c - int(sum(int(c) for c in whole))
    order = np.lexsort((id_order(employee_id), _descending(rem)))
    extra = np.zeros(len(base), dtype=bool)
    extra[order[:left]] = True
    cents = [int(c) + int(e) for c, e in zip(whole, extra)]
    factor = Decimal(pool_c) / (Decimal(total) / Decimal(10) ** (b_dec + m_dec)) / 100
    return BudgetFit(cents, factor, extra)


def _product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a × b elementwise, int64 when no product can overflow, else Python ints."""
    if len(a) == 0 or (np.abs(a).max() < 2 ** 31 and np.abs(b).max() < 2 ** 31):
        return a * b
    return np.array([int(x) * int(y) for x, y in zip(a, b)], dtype=object)


def _shares(weight: np.ndarray, pool_c: int, total: int) -> tuple[np.ndarray, np.ndarray]:
    """Whole cents and remainders (over ``total``) of pool × weight ÷ total."""
    if weight.dtype != object and pool_c * int(weight.max(initial=0)) < 2 ** 63:
        scaled = weight * np.int64(pool_c)
        if total < 2 ** 63:
            return scaled // total, scaled % total
    pairs = [divmod(pool_c * int(w), total) for w in weight]
    return np.array([p[0] for p in pairs], dtype=object), np.array([p[1] for p in pairs], dtype=object)


def _descending(rem: np.ndarray) -> np.ndarray:
    """A sort key putting the largest remainders first, exact for Python ints too."""
    if rem.dtype != object:
        return -rem
    order = sorted(range(len(rem)), key=lambda i: rem[i], reverse=True)
    # equal remainders must get equal keys so the ID decides between them
    ranks = np.empty(len(rem), dtype=np.int64)
    prev, r = None, -1
    for pos, i in enumerate(order):
        if rem[i] != prev:
            r, prev = pos, rem[i]
        ranks[i] = r
    return ranks


def method_text(lang: str) -> str:
    """The method in one paragraph, for the tab and the reconciliation report."""
    return (
        "按比例调整：k = 奖金池 ÷ Σ(奖金基数 × 绩效倍数)，每人应得 = 奖金基数 × 绩效倍数 × k；"
        "先发整分，余下的分按小数部分从大到小各补 1 分（最大余数法），小数相同按工号从小到大，"
        "合计恰好等于奖金池。",
        "Scaled to the pool: k = pool ÷ Σ(base bonus × multiplier), each bonus = base bonus × multiplier × k; "
        "everyone gets the whole cents first, the cents left over go one each to the largest fractions of a cent "
        "(largest remainder), equal fractions to the lower employee ID, so the bonuses add up to the pool exactly.",
    )[language_index(lang)]


__all__ = ["BudgetError", "BudgetFit", "fit_budget", "method_text"]
