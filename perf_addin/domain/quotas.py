"""Quota rules of a forced distribution (强制分布), as data, and the seats they give a group.

A calibration meeting fits the grades of a group (the company, a department, or the
people sharing a value of a department column) to quotas such as 优+ at most 10 %,
优+ and 优- together at most 30 %, 差 and 极差 at least 10 %.  This module holds:

* ``QuotaRule`` / ``QuotaRules``: the rules as plain data, parsed from cell values
  (``parse_bound``, ``parse_grades``, ``quota_rules``) with one ``QuotaError`` naming the
  cell the caller passes, worded in the workbook's language;
* ``seat_table``: each group's whole-person seats: caps round down, minimums round up,
  exact shares by largest remainder (Hamilton); where a small group cannot hold every
  bound, the bound that gave way and by how much (``GaveWay``).

The bounds are checked as a system of *difference constraints* on the cumulative head
counts ``X_k`` (people in the best ``k`` grades): a quota on the neighbouring grades
``a..b`` is ``lo ≤ X_(b+1) − X_a ≤ hi``, the grades' order is ``X_(k+1) − X_k ≥ 0``, and
the group's size fixes ``X_K − X_0 = n``.  Such a system can hold exactly when its
constraint graph has no negative cycle (Floyd–Warshall), and a negative cycle names
exactly the bounds that conflict – which is how a refusal can say *which* quotas cannot
hold together.  That is also why a quota's grades must be neighbours: every rule is then
one edge, the matrix is an interval matrix, and whole-person solutions exist whenever the
rounded bounds allow any.  docs/calibration.md states the rules for users.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable, Literal, Sequence

import numpy as np

from perf_addin.domain.rules import Band, Rules
from perf_addin.errors import UserError
from perf_addin.labels import language_index
from perf_addin.xlsx.refs import col_letter

UnitKind = Literal["company", "department", "column"]
POOLED_GROUP = "\x00pooled"  # the group key of the pooled small departments (never a department name)
COMPANY_GROUP = "\x00company"
INF = np.iinfo(np.int64).max // 4  # an absent bound; sums of a few stay far from overflow

# kind -> (中文, English); {cell} is prefixed by QuotaError itself.
QUOTA_PROBLEMS: dict[str, tuple[str, str]] = {
    "blank": ("配额为空", "the quota is blank"),
    "not_bound": ("“{value}”不是配额：请写 ≤10%、≥10%、=15%、10%-20% 或 0.1",
                  "'{value}' is not a quota: write ≤10%, ≥10%, =15%, 10%-20% or 0.1"),
    "strict": ("“{value}”：请用 ≤ 或 ≥（人数配额不接受 < 或 >）",
               "'{value}': use ≤ or ≥ (a head-count quota takes no < or >)"),
    "over_100": ("“{value}”超过 100%", "'{value}' is over 100%"),
    "negative": ("“{value}”小于 0%", "'{value}' is below 0%"),
    "lower_above_upper": ("“{value}”的下限 {low} 高于上限 {high}", "'{value}': the lower bound {low} is above the upper {high}"),
    "grade_blank": ("配额的等级为空", "the quota's grade is blank"),
    "unknown_grade": ("“{value}”不是等级（可用：{known}）", "'{value}' is not a grade (known: {known})"),
    "not_neighbours": ("合并配额的等级必须相邻：{value}", "grades quota'd together must be neighbours: {value}"),
    "duplicate": ("{value} 已有配额（{other}）", "{value} has a quota already ({other})"),
    "exact_overlap": ("两个“=”配额的等级重叠：{value} 与 {other}", "two '=' quotas share grades: {value} and {other}"),
    "min_sum": ("这些配额的下限合计 {total}，超过 100%：{rules}", "these quotas' minimums add up to {total}, over 100%: {rules}"),
    "max_sum": ("每个等级都有上限，但上限合计只有 {total}，不足 100%：{rules}",
                "every grade is capped but the caps add up to only {total}, under 100%: {rules}"),
    "conflict": ("这些配额无法同时满足：{rules}", "these quotas cannot all hold together: {rules}"),
    "min_size": ("合并小部门的最少人数必须是不小于 0 的整数，现为 {value}",
                 "the minimum head count for pooling must be a whole number >= 0, found {value}"),
    "unit": ("配额单位必须是 company、department 或部门的一列，现为 {value}",
             "the quota unit must be company, department or a department column, found {value}"),
    "unit_column": ("配额单位“{value}”不是员工表的列标题（表头行 {where}）",
                    "the quota unit '{value}' is not a header of the employee table (header row {where})"),
    "block_row": ("强制分布表中的“{value}”无法识别：请写 单位、最少人数，或一个等级及其配额",
                  "'{value}' in the quota block is not understood: write Unit, Minimum head count, or a grade "
                  "and its quota"),
}


class QuotaError(UserError, ValueError):
    """A quota rule that cannot be used: one line naming the cell the caller gave."""

    def __init__(self, kind: str, cell: str | None, lang: str = "en", **values: Any):
        self.kind, self.cell, self.values = kind, cell, values
        self.message = QUOTA_PROBLEMS[kind][language_index(lang)].format(**values)
        super().__init__(f"{cell}: {self.message}" if cell else self.message)


# ------------------------------------------------------------------ data


@dataclass(frozen=True)
class QuotaRule:
    """One quota: the share of a group's people in ``grades`` lies in [minimum, maximum].

    ``grades`` are band codes, best first and neighbours; ``minimum``/``maximum`` are
    exact fractions of the group (``None`` = no bound); equal bounds are an exact share.
    ``cell`` is where the rule was read, for every message about it.
    """

    grades: tuple[str, ...]
    minimum: Fraction | None
    maximum: Fraction | None
    cell: str | None = field(default=None, compare=False)

    @property
    def exact(self) -> bool:
        return self.minimum is not None and self.minimum == self.maximum


@dataclass(frozen=True)
class QuotaRules:
    """The quotas of a calibration and the groups they apply to.

    ``unit``: ``company`` (one group), ``department``, or ``column`` (the value of the
    department column ``column``: a division, a site).  Groups with fewer than
    ``min_size`` people are pooled into one group, so a department of three is not
    asked to have 10 % 优+.
    """

    rules: tuple[QuotaRule, ...]
    grades: tuple[str, ...]  # every band code, best first
    unit: UnitKind = "department"
    column: str | None = None
    min_size: int = 0
    labels: tuple[tuple[str, str], ...] = ()  # (zh, en) of each grade, for messages

    def grade_label(self, code: str, lang: str) -> str:
        """A grade as people read it in ``lang`` (its code when no labels are known)."""
        if not self.labels:
            return code
        return self.labels[self.grades.index(code)][language_index(lang)]

    def index(self, rule: QuotaRule) -> tuple[int, int]:
        """(first, last) grade position of a rule, 0 = best grade."""
        return self.grades.index(rule.grades[0]), self.grades.index(rule.grades[-1])


# ------------------------------------------------------------------ parsing

_AT_MOST = ("<=", "=<", "≤", "≦", "不超过", "不高于", "至多", "最多", "不多于")
_AT_LEAST = (">=", "=>", "≥", "≧", "不低于", "不少于", "至少", "最少")
_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)(%?)"
_RANGE = re.compile(rf"{_NUMBER}(?:-|~|–|—|至|到){_NUMBER}")
_SINGLE = re.compile(_NUMBER)
_GRADE_SEPARATORS = re.compile(r"[、,，/;；&]|和|\band\b")


def _normal(text: str) -> str:
    """Full-width forms to ASCII (NFKC), no spaces, one minus sign."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).replace("−", "-").replace("－", "-")


def _share(number: str, percent: bool, raw: str, cell: str | None, lang: str) -> Fraction:
    value = Fraction(number) / (100 if percent else 1)
    if value > 1:
        raise QuotaError("over_100", cell, lang, value=raw)
    return value


def _shown_share(value: Fraction) -> str:
    pct = value * 100
    return f"{int(pct)}%" if pct.denominator == 1 else f"{float(pct):.4g}%"


def parse_bound(value: Any, cell: str | None = None, lang: str = "en") -> tuple[Fraction | None, Fraction | None]:
    """(minimum, maximum) shares from a cell: ``≤10%``, ``<=10%``, ``≥10%``, ``=15%``,
    ``10%-20%``, ``15%`` or a number (0.15): a bare share is an exact one.

    A number is the fraction a percent-formatted cell holds (0.1 is 10 %), so 10 is
    1000 % and refused as over 100%, never read as 10 % by guessing.
    """
    if isinstance(value, bool):
        raise QuotaError("not_bound", cell, lang, value=str(value).upper())
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise QuotaError("not_bound", cell, lang, value=str(value))
        if value < 0:
            raise QuotaError("negative", cell, lang, value=_shown_number(value))
        share = _share(repr(float(value)), False, _shown_number(value), cell, lang)
        return share, share
    if value is None or (isinstance(value, str) and not value.strip()):
        raise QuotaError("blank", cell, lang)
    raw = str(value).strip()
    text = _normal(raw)
    if text.startswith("-"):
        raise QuotaError("negative", cell, lang, value=raw)
    for ops, side in ((_AT_MOST, "max"), (_AT_LEAST, "min"), (("==", "="), "exact")):
        op = next((o for o in ops if text.startswith(o)), None)
        if op is not None:
            return _one_sided(text[len(op):], side, raw, cell, lang)
    if text[:1] in "<>":
        raise QuotaError("strict", cell, lang, value=raw)
    m = _RANGE.fullmatch(text)
    if m:
        return _range(m, raw, cell, lang)
    return _one_sided(text, "exact", raw, cell, lang)


def _one_sided(text: str, side: str, raw: str, cell: str | None, lang: str):
    m = _SINGLE.fullmatch(text)
    if not m:
        raise QuotaError("strict" if text[:1] in "<>" else "not_bound", cell, lang, value=raw)
    share = _share(m.group(1), bool(m.group(2)), raw, cell, lang)
    return {"max": (None, share), "min": (share, None), "exact": (share, share)}[side]


def _range(m: re.Match, raw: str, cell: str | None, lang: str):
    percent = bool(m.group(2) or m.group(4))  # "10-20%": both are percents
    low = _share(m.group(1), percent, raw, cell, lang)
    high = _share(m.group(3), percent, raw, cell, lang)
    if low > high:
        raise QuotaError("lower_above_upper", cell, lang, value=raw, low=_shown_share(low), high=_shown_share(high))
    return low, high


def _shown_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)


def _grade_names(bands: Sequence[Band]) -> dict[str, str]:
    """Every way a grade may be written (code, zh, en; any case, either minus) -> code."""
    names: dict[str, str] = {}
    for b in bands:
        for name in (b.code, b.label_zh, b.label_en):
            names[_normal(name).casefold()] = b.code
    return names


def parse_grades(value: Any, rules: Rules, cell: str | None = None, lang: str = "en") -> tuple[str, ...]:
    """Band codes, best first, of a grade cell: ``优+``, ``A+``, ``Outstanding``, or
    neighbours together: ``优+、优-``, ``A+/A−``, ``优+和优-``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise QuotaError("grade_blank", cell, lang)
    names = _grade_names(rules.bands)
    text = _normal(str(value)).casefold()
    parts = [text] if text in names else [p for p in _GRADE_SEPARATORS.split(text) if p]
    codes = [b.code for b in rules.bands]
    found: list[str] = []
    for part in parts:
        if part not in names:
            known = "、".join(b.label_zh for b in rules.bands) if lang == "zh" else ", ".join(codes)
            raise QuotaError("unknown_grade", cell, lang, value=str(value).strip(), known=known)
        if names[part] not in found:
            found.append(names[part])
    positions = sorted(codes.index(c) for c in found)
    if positions != list(range(positions[0], positions[-1] + 1)):
        raise QuotaError("not_neighbours", cell, lang, value=str(value).strip())
    return tuple(codes[i] for i in positions)


def parse_min_size(value: Any, cell: str | None = None, lang: str = "en") -> int:
    """The minimum head count for a group of its own (blank = 0: nobody is pooled)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value < 0 or not float(value).is_integer():
        raise QuotaError("min_size", cell, lang, value=str(value))
    return int(value)


def quota_rules(rows: Iterable[tuple[Any, Any, str | None]], rules: Rules, unit: UnitKind = "department",
                column: str | None = None, min_size: int = 0, lang: str = "en") -> QuotaRules:
    """Quota rules from ``(grade cell value, bound cell value, cell ref)`` rows, checked
    one by one and then as a set (``check_consistent``)."""
    if unit not in ("company", "department", "column") or (unit == "column") != bool(column):
        raise QuotaError("unit", None, lang, value=column or unit)
    parsed: list[QuotaRule] = []
    for grade_value, bound_value, cell in rows:
        grades = parse_grades(grade_value, rules, cell, lang)
        low, high = parse_bound(bound_value, cell, lang)
        parsed.append(QuotaRule(grades, low, high, cell))
    q = QuotaRules(tuple(parsed), tuple(b.code for b in rules.bands), unit, column, min_size,
                   tuple((b.label_zh, b.label_en) for b in rules.bands))
    _check_distinct(q, lang)
    check_consistent(q, lang)
    return q


def rule_text(q: QuotaRules, rule: QuotaRule, lang: str) -> str:
    """A rule as the tab and the messages show it: ``优+、优- ≤30% (B3)``."""
    sep = "、" if lang == "zh" else " + "
    grades = sep.join(q.grade_label(c, lang) for c in rule.grades)
    if rule.exact:
        bound = f"={_shown_share(rule.minimum)}"
    elif rule.minimum is not None and rule.maximum is not None:
        bound = f"{_shown_share(rule.minimum)}-{_shown_share(rule.maximum)}"
    elif rule.maximum is not None:
        bound = f"≤{_shown_share(rule.maximum)}"
    else:
        bound = f"≥{_shown_share(rule.minimum)}"
    where = f" ({rule.cell})" if rule.cell else ""
    return f"{grades} {bound}{where}"


def _check_distinct(q: QuotaRules, lang: str) -> None:
    """One rule per set of grades; exact shares apart, so largest remainder can share out."""
    for i, r in enumerate(q.rules):
        for other in q.rules[:i]:
            if other.grades == r.grades:
                raise QuotaError("duplicate", r.cell, lang, value=rule_text(q, r, lang), other=rule_text(q, other, lang))
            if r.exact and other.exact and set(r.grades) & set(other.grades):
                raise QuotaError("exact_overlap", r.cell, lang, value=rule_text(q, r, lang),
                                 other=rule_text(q, other, lang))


# ------------------------------------------------------------------ the constraint graph


@dataclass(frozen=True)
class Edge:
    """``X_v − X_u ≤ weight``; ``rule`` is the rule's index (None: the order or the size)
    and ``side`` which of its bounds the edge is."""

    u: int
    v: int
    weight: Any
    rule: int | None = None
    side: str | None = None


def _rule_edges(q: QuotaRules, lows: Sequence[Any], highs: Sequence[Any]) -> list[Edge]:
    edges = []
    for i, rule in enumerate(q.rules):
        a, b = q.index(rule)
        if highs[i] is not None:
            edges.append(Edge(a, b + 1, highs[i], i, "max"))
        if lows[i] is not None:
            edges.append(Edge(b + 1, a, -lows[i], i, "min"))
    return edges


def _frame_edges(k: int, size: Any, floors: Sequence[Any] | None = None) -> list[Edge]:
    """Each grade holds >= 0 people (>= floors[g] when people are fixed there) and the
    grades together hold the whole group."""
    edges = [Edge(g + 1, g, -(floors[g] if floors is not None else 0)) for g in range(k)]
    return edges + [Edge(0, k, size), Edge(k, 0, -size)]


def negative_cycle(n_nodes: int, edges: Sequence[Edge]) -> list[Edge] | None:
    """The edges of a negative cycle (the bounds that cannot hold together), or None.

    Bellman–Ford from a virtual source: exact with Fractions or ints; graphs here have
    at most 13 nodes, so the cost does not matter at parse time or for the few groups
    whose rounded bounds clash."""
    dist: list[Any] = [0] * n_nodes
    pred: list[Edge | None] = [None] * n_nodes
    last = None
    for _ in range(n_nodes):
        last = None
        for e in edges:
            if dist[e.u] + e.weight < dist[e.v]:
                dist[e.v] = dist[e.u] + e.weight
                pred[e.v] = e
                last = e.v
        if last is None:
            return None
    node = last
    for _ in range(n_nodes):  # step back into the cycle itself
        node = pred[node].u
    cycle, at = [], node
    while True:
        e = pred[at]
        cycle.append(e)
        at = e.u
        if at == node:
            return cycle[::-1]


def check_consistent(q: QuotaRules, lang: str = "en") -> None:
    """Refuse a set of quotas that no group could meet even with fractional people."""
    lows = [r.minimum for r in q.rules]
    highs = [r.maximum for r in q.rules]
    k = len(q.grades)
    cycle = negative_cycle(k + 1, _rule_edges(q, lows, highs) + _frame_edges(k, Fraction(1)))
    if cycle is None:
        return
    used = [e for e in cycle if e.rule is not None]
    sides = {e.side for e in used}
    ordered = sorted({e.rule for e in used})
    texts = "; ".join(rule_text(q, q.rules[i], lang) for i in ordered)
    cells = ", ".join(q.rules[i].cell for i in ordered if q.rules[i].cell) or None
    if sides == {"min"}:
        total = sum((q.rules[e.rule].minimum for e in used), Fraction(0))
        raise QuotaError("min_sum", cells, lang, total=_shown_share(total), rules=texts)
    if sides == {"max"}:
        total = sum((q.rules[e.rule].maximum for e in used), Fraction(0))
        raise QuotaError("max_sum", cells, lang, total=_shown_share(total), rules=texts)
    raise QuotaError("conflict", cells, lang, rules=texts)


# ------------------------------------------------------------------ seats


@dataclass(frozen=True)
class GaveWay:
    """A bound a group is too small for: ``intended`` seats (what the share rounds to:
    a minimum up, a cap down, an exact share by largest remainder) became ``allowed``
    (None: the bound was set aside, only when people fixed in the meeting break it)."""

    group: Any
    rule: int
    side: Literal["min", "max"]
    intended: int
    allowed: int | None
    share: Fraction


@dataclass
class Seats:
    """Whole-person bounds of every rule for every group (rows = groups).

    ``low[g, r]`` / ``high[g, r]`` are seats (-1 / ``INF`` where the rule has no such
    bound); ``gave_way`` lists the bounds relaxed so that each group can be fitted."""

    groups: list[Any]
    sizes: np.ndarray
    low: np.ndarray
    high: np.ndarray
    gave_way: list[GaveWay]


def _exact_ints(values: np.ndarray, largest: int) -> np.ndarray:
    """``values`` as int64 when products up to ``largest`` fit, else as Python ints."""
    return values.astype(np.int64) if largest < 2 ** 62 else values.astype(object)


def _floor_share(share: Fraction, n: np.ndarray) -> np.ndarray:
    """floor(share × n), exactly."""
    n = _exact_ints(n, share.numerator * int(n.max(initial=0)))
    return ((share.numerator * n) // share.denominator).astype(np.int64)


def _ceil_share(share: Fraction, n: np.ndarray) -> np.ndarray:
    """ceil(share × n), exactly."""
    n = _exact_ints(n, share.numerator * int(n.max(initial=0)))
    return (-((-share.numerator * n) // share.denominator)).astype(np.int64)


def largest_remainder(shares: Sequence[Fraction], sizes: np.ndarray) -> np.ndarray:
    """Hamilton's method: seats of each share for each size, summing to the size.

    ``shares`` must add up to 1 (the caller adds the share nobody claims as the last
    one).  Every party first gets the whole part of share × size; the seats left go
    one each to the largest remainders; equal remainders go to the earlier share (so a
    better grade listed first wins a tie, and the unclaimed rest loses it).  Exact
    integer arithmetic on a common denominator: no float rounding decides a seat.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    den = math.lcm(*(s.denominator for s in shares))
    if sum(s.numerator * (den // s.denominator) for s in shares) != den:
        raise ValueError("largest_remainder: shares must add up to 1")
    largest = den * max(1, int(sizes.max(initial=0)))
    wide = largest >= 2 ** 62  # e.g. shares of 1/365 and 1/891
    nums = np.array([s.numerator * (den // s.denominator) for s in shares], dtype=object if wide else np.int64)
    scaled = _exact_ints(sizes, largest)[:, None] * nums[None, :]
    seats, rem = (scaled // den).astype(np.int64), scaled % den
    left = sizes - seats.sum(axis=1)
    order = np.argsort(-rem, axis=1, kind="stable")  # ties: earlier share first
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(len(shares))[None, :].repeat(len(sizes), 0), axis=1)
    return seats + (rank < left[:, None])


def _rounded_bounds(q: QuotaRules, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Caps round down, minimums round up, exact shares by largest remainder."""
    g, r = len(sizes), len(q.rules)
    low = np.full((g, r), -1, dtype=np.int64)
    high = np.full((g, r), INF, dtype=np.int64)
    exact = [i for i, rule in enumerate(q.rules) if rule.exact]
    for i, rule in enumerate(q.rules):
        if rule.exact:
            continue
        if rule.minimum is not None:
            low[:, i] = _ceil_share(rule.minimum, sizes)
        if rule.maximum is not None:
            high[:, i] = _floor_share(rule.maximum, sizes)
    if exact:
        shares = [q.rules[i].minimum for i in exact]
        seats = largest_remainder([*shares, 1 - sum(shares, Fraction(0))], sizes)
        low[:, exact] = high[:, exact] = seats[:, : len(exact)]
    return low, high


def constraint_matrix(q: QuotaRules, sizes: np.ndarray, low: np.ndarray, high: np.ndarray,
                      floors: np.ndarray | None = None) -> np.ndarray:
    """``D[g, u, v]``: the tightest known bound on ``X_v − X_u`` (INF: none), not yet closed."""
    k = len(q.grades)
    n_groups = len(sizes)
    d = np.full((n_groups, k + 1, k + 1), INF, dtype=np.int64)
    idx = np.arange(k + 1)
    d[:, idx, idx] = 0
    for g in range(k):
        floor = floors[:, g] if floors is not None else 0
        d[:, g + 1, g] = np.minimum(d[:, g + 1, g], -floor)
    d[:, 0, k] = sizes
    d[:, k, 0] = -sizes
    for i, rule in enumerate(q.rules):
        a, b = q.index(rule)
        d[:, a, b + 1] = np.minimum(d[:, a, b + 1], high[:, i])
        has_low = low[:, i] >= 0
        d[:, b + 1, a] = np.where(has_low, np.minimum(d[:, b + 1, a], -low[:, i]), d[:, b + 1, a])
    return d


def close(d: np.ndarray) -> np.ndarray:
    """All-pairs tightest bounds (Floyd–Warshall), for every group at once."""
    d = d.copy()
    for k in range(d.shape[1]):
        d = np.minimum(d, np.minimum(d[:, :, k:k + 1] + d[:, k:k + 1, :], INF))
    return d


def _group_edges(q: QuotaRules, size: int, low: np.ndarray, high: np.ndarray, floors: np.ndarray | None) -> list[Edge]:
    lows = [int(v) if v >= 0 else None for v in low]
    highs = [int(v) if v < INF else None for v in high]
    return _rule_edges(q, lows, highs) + _frame_edges(len(q.grades), size, None if floors is None else
                                                      [int(f) for f in floors])


def _relaxation(q: QuotaRules, size: int, edge: Edge, low: np.ndarray, high: np.ndarray):
    """(cost, new seats) of loosening one bound by undoing its rounding, or None."""
    rule = q.rules[edge.rule]
    share = rule.minimum if edge.side == "min" else rule.maximum
    exact = share * size
    if exact.denominator == 1:
        return None
    down, up = math.floor(exact), math.ceil(exact)
    if edge.side == "min" and low[edge.rule] > down:
        return exact - down, down
    if edge.side == "max" and high[edge.rule] < up:
        return up - exact, up
    return None


def _relax_group(q: QuotaRules, group: Any, size: int, low: np.ndarray, high: np.ndarray,
                 floors: np.ndarray | None) -> list[GaveWay]:
    """Loosen the bounds of one group until they can all hold, and say which gave way.

    On each conflict (a negative cycle) the bound whose rounding is the smallest
    stretch to undo gives way first – a minimum of 1.2 seats rounded up to 2 goes back
    to 1 before a minimum of 1.9; equal stretches: the rule listed later gives way.
    Undoing every rounding always suffices for quotas ``check_consistent`` accepts;
    only people fixed in the meeting can need a bound set aside altogether."""
    given: list[GaveWay] = []
    intended = {(i, s): (int(low[i]) if s == "min" else int(high[i])) for i in range(len(q.rules)) for s in ("min", "max")}
    while True:
        cycle = negative_cycle(len(q.grades) + 1, _group_edges(q, size, low, high, floors))
        if cycle is None:
            return given
        options = [(_relaxation(q, size, e, low, high), -e.rule, e) for e in cycle if e.rule is not None]
        usable = [(opt[0], rank, e, opt[1]) for opt, rank, e in options if opt is not None]
        if usable:
            _, _, e, seats = min(usable, key=lambda t: (t[0], t[1]))
        elif options:
            e, seats = max((o for o in options), key=lambda t: -t[1])[2], None
        else:
            raise ValueError("quota conflict without a quota: the group size or fixed grades are impossible")
        if e.side == "min":
            low[e.rule] = -1 if seats is None else seats
        else:
            high[e.rule] = INF if seats is None else seats
        rule = q.rules[e.rule]
        share = rule.minimum if e.side == "min" else rule.maximum
        given = [w for w in given if (w.rule, w.side) != (e.rule, e.side)]
        given.append(GaveWay(group, e.rule, e.side, intended[(e.rule, e.side)], seats, share))


def seat_table(q: QuotaRules, groups: Sequence[Any], sizes: Any, floors: np.ndarray | None = None) -> Seats:
    """Seats of every rule in every group, with the bounds small groups could not hold.

    ``floors[g, k]``: people of group g fixed at grade k (a grade set in the meeting):
    the fit cannot move them, so the seats must leave room for them."""
    sizes = np.asarray(sizes, dtype=np.int64)
    low, high = _rounded_bounds(q, sizes)
    bad = _infeasible(q, sizes, low, high, floors)
    gave_way: list[GaveWay] = []
    for g in np.flatnonzero(bad):
        gave_way += _relax_group(q, groups[g], int(sizes[g]), low[g], high[g],
                                 None if floors is None else floors[g])
    return Seats(list(groups), sizes, low, high, gave_way)


def _infeasible(q: QuotaRules, sizes: np.ndarray, low: np.ndarray, high: np.ndarray,
                floors: np.ndarray | None) -> np.ndarray:
    d = close(constraint_matrix(q, sizes, low, high, floors))
    return (np.diagonal(d, axis1=1, axis2=2) < 0).any(axis=1)


def group_bound_text(q: QuotaRules, way: GaveWay, lang: str) -> str:
    """One line for the tab: which bound of which quota gave way in a group, and how."""
    rule = q.rules[way.rule]
    i = language_index(lang)
    side = (("下限", "minimum"), ("上限", "cap"))[way.side == "max"][i]
    what = rule_text(q, rule, lang)
    if way.allowed is None:
        return (f"{what}：{side}暂不适用（会上确定的等级已超出）",
                f"{what}: the {side} is set aside (grades fixed in the meeting exceed it)")[i]
    return (f"{what}：人数太少，{side}由 {way.intended} 人放宽为 {way.allowed} 人",
            f"{what}: too few people, the {side} gave way from {way.intended} to {way.allowed}")[i]


# ------------------------------------------------------------------ the rules-sheet block

QUOTA_COLUMN = 20  # U, 0-based: the block's first column (``rules.py``'s layout table)
QUOTA_HEADERS = ("强制分布", "quotas", "quota", "forced distribution")
_UNIT_KEYS = ("单位", "配额单位", "unit")
_MIN_KEYS = ("最少人数", "最小人数", "minimum head count", "min head count", "minimum size")
_SUBHEADER = ("等级", "grade", "grades")
_UNIT_WORDS = {"company": ("company", "公司", "全公司", "whole company"), "department": ("department", "部门")}
#: the block's own texts, as the tool would lay it out (docs, tests, a template)
BLOCK_TEXTS = {
    "zh": {"header": "强制分布", "unit": "单位", "min_size": "最少人数", "grades": "等级", "bound": "配额"},
    "en": {"header": "Quotas", "unit": "Unit", "min_size": "Minimum head count", "grades": "Grades",
           "bound": "Quota"},
}


def _key(value: Any) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(value)).casefold().split()) if value is not None else ""


@dataclass(frozen=True)
class QuotaBlock:
    """The quota block as read: the rules, and the cell of the unit (so a unit column the
    table lacks can be refused naming it)."""

    quotas: QuotaRules
    unit_cell: str | None


def quota_block(grid: Sequence[Sequence[Any]] | None, rules: Rules, sheet: str, lang: str = "en") -> QuotaBlock | None:
    """The rules sheet's quota block (columns U:W from row 1), or None when the sheet
    has none – calibration is off and nothing changes.

    Layout: U1 强制分布 / Quotas; then, in any order, a row 单位 / Unit | company,
    department or a department column's header (default department), a row 最少人数 /
    Minimum head count | n, an optional sub-header 等级 | 配额, and one row per quota:
    grades in U, the bound in V; W is free for a note. The block ends at the first row
    whose U and V are blank. Every refusal names its cell (``QuotaError``)."""
    if not grid or len(grid[0]) <= QUOTA_COLUMN or _key(grid[0][QUOTA_COLUMN]) not in QUOTA_HEADERS:
        return None
    unit: UnitKind = "department"
    column: str | None = None
    unit_cell = None
    min_size = 0
    rows: list[tuple[Any, Any, str | None]] = []
    letters = (col_letter(QUOTA_COLUMN + 1), col_letter(QUOTA_COLUMN + 2))
    for r in range(1, len(grid)):
        line = [*grid[r], *[None] * (QUOTA_COLUMN + 2)]
        first, value = line[QUOTA_COLUMN], line[QUOTA_COLUMN + 1]
        if _blank(first) and _blank(value):
            break
        at = (f"{sheet}!{letters[0]}{r + 1}", f"{sheet}!{letters[1]}{r + 1}")
        key = _key(first)
        if key in _UNIT_KEYS:
            unit, column, unit_cell = _unit(value, at[1], lang)
        elif key in _MIN_KEYS:
            min_size = parse_min_size(value, at[1], lang)
        elif key in _SUBHEADER and _key(value) in ("配额", "quota", "quotas", "bound", ""):
            continue
        else:
            parse_grades(first, rules, at[0], lang)  # a grade error names the grade's own cell
            rows.append((first, value, at[1]))
    return QuotaBlock(quota_rules(rows, rules, unit, column, min_size, lang), unit_cell)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _unit(value: Any, cell: str, lang: str) -> tuple[UnitKind, str | None, str]:
    key = _key(value)
    if not key:
        return "department", None, cell
    for kind, words in _UNIT_WORDS.items():
        if key in words:
            return kind, None, cell  # type: ignore[return-value]
    if isinstance(value, (bool, int, float)):
        raise QuotaError("unit", cell, lang, value=str(value))
    return "column", str(value).strip(), cell

