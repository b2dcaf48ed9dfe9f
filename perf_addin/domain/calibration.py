"""The forced fit: which employees must change grade for each group to meet its quotas.

Input is one row per employee (plain columns, no workbook): the grade today, the
calibrated score and the two attainments the ranking needs, the group key, and
optionally who is fixed (a grade set in the meeting, which the fit never moves).

Method, per group (docs/calibration.md says it for users):

1. **Seats** – ``quotas.seat_table``: caps round down, minimums round up, exact shares
   by largest remainder; a group too small for every bound is told which gave way.
2. **Ranking** – calibrated score, then profit attainment, then task attainment (all
   higher first, a missing attainment last), then employee ID.
3. **Counts** – from the best grade down, each grade boundary keeps as many people on
   the side they are on today as the quotas allow: the number above boundary k is
   today's, clamped into the range the quotas leave once the boundaries above are
   set.  The bounds are difference constraints closed by Floyd–Warshall, and a closed
   system of them is decomposable, so each clamp keeps every later boundary solvable.
4. **Who moves** – the people nearest the boundary in the ranking: the top x₁ of the
   ranking get the best grade, the next x₂ the second, and so on (people fixed in the
   meeting keep theirs and take their seats).  When grades follow the ranking, as
   grades from the score do, only the people a quota pushes over a boundary move, and
   each by the fewest grades.
5. **Ties** – people equal in score and both attainments are ranked by ID alone; if a
   boundary falls inside such a block, the fit marks all of them ``tied`` and lists the
   block: which of them moves is the meeting's call, never the ID's.

Every step is vectorised over all groups at once (numpy); only a group whose rounded
bounds clash is looked at on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from perf_addin.domain.quotas import (
    COMPANY_GROUP,
    INF,
    POOLED_GROUP,
    GaveWay,
    QuotaRules,
    Seats,
    close,
    constraint_matrix,
    seat_table,
)
from perf_addin.domain.rules import Rules
from perf_addin.labels import label


# ------------------------------------------------------------------ groups


def group_keys(q: QuotaRules, department: Any, unit_column: Any = None) -> np.ndarray:
    """Each employee's group: the company, the department, or the department column's
    value; groups under ``q.min_size`` people pooled into one (``POOLED_GROUP``)."""
    department = np.asarray(department, dtype=object)
    if q.unit == "company":
        return np.full(len(department), COMPANY_GROUP, dtype=object)
    keys = np.asarray(unit_column if q.unit == "column" else department, dtype=object)
    if q.min_size <= 0:
        return keys
    codes, _ = pd.factorize(pd.Series(keys, dtype=object), use_na_sentinel=False)
    small = np.bincount(codes)[codes] < q.min_size
    out = keys.copy()
    out[small] = POOLED_GROUP
    return out


def group_name(key: Any, lang: str) -> str:
    """A group as the tab shows it: the department (or column value) itself, or the
    pooled small departments / the whole company in the workbook's language."""
    if key == POOLED_GROUP:
        return label("calibration.pooled", lang)
    if key == COMPANY_GROUP:
        return label("calibration.company", lang)
    return str(key)


def id_order(ids: Any) -> np.ndarray:
    """A rank for each employee ID: numbers by value first, then text in code-point order.

    The last key of the ranking, so it must be total and the same wherever it is
    computed (a number 7 and a text "7" are different IDs)."""
    arr = np.asarray(ids, dtype=object)
    kind = pd.api.types.infer_dtype(arr, skipna=False)
    if kind in ("string", "integer", "floating", "mixed-integer-float"):  # one kind: no per-row test
        values = arr.astype(str) if kind == "string" else arr.astype(np.float64)
        rank = np.empty(len(arr), dtype=np.int64)
        rank[np.argsort(values, kind="stable")] = np.arange(len(arr))
        return rank
    is_num = np.fromiter((isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                          for v in arr), dtype=bool, count=len(arr))
    rank = np.empty(len(arr), dtype=np.int64)
    nums = arr[is_num].astype(np.float64)
    order_n = np.argsort(nums, kind="stable")
    rank[np.flatnonzero(is_num)[order_n]] = np.arange(len(nums))
    texts = arr[~is_num].astype(str)
    order_t = np.argsort(texts, kind="stable")
    rank[np.flatnonzero(~is_num)[order_t]] = len(nums) + np.arange(len(texts))
    return rank


def _descending_key(values: Any) -> np.ndarray:
    """Higher first in an ascending sort; a missing value (NaN) last."""
    v = np.asarray(values, dtype=np.float64)
    return np.where(np.isnan(v), np.inf, -v)


# ------------------------------------------------------------------ result


@dataclass(frozen=True)
class Tie:
    """People equal on score and both attainments whom a grade boundary cuts through."""

    group: Any
    employee_ids: tuple[Any, ...]
    grades: tuple[str, ...]  # the proposed grades among them, best first
    seats: tuple[int, ...]  # how many of the block each of those grades takes


@dataclass
class Fit:
    """The proposal: ``employees`` (input order) and the per-group counts.

    ``employees`` columns: employee_id, group, grade (today), proposed_grade, moved, tied, rank
    (1 = best in its group), multiplier (today's), proposed_multiplier (today's unless
    the grade moved).  ``counts``: one row per group and grade: now, proposed.
    """

    employees: pd.DataFrame
    counts: pd.DataFrame
    seats: Seats
    ties: list[Tie]

    @property
    def gave_way(self) -> list[GaveWay]:
        return self.seats.gave_way


# ------------------------------------------------------------------ the fit


def _targets(q: QuotaRules, seats: Seats, now: np.ndarray, floors: np.ndarray) -> np.ndarray:
    """Proposed head count per group and grade (see step 3 of the module docstring)."""
    k = len(q.grades)
    d = close(constraint_matrix(q, seats.sizes, seats.low, seats.high, floors))
    cum_now = np.concatenate([np.zeros((len(now), 1), dtype=np.int64), np.cumsum(now, axis=1)], axis=1)
    x = np.zeros((len(now), k + 1), dtype=np.int64)
    x[:, k] = seats.sizes
    fixed = [0, k]
    for j in range(1, k):
        lo = np.max(np.stack([x[:, i] - d[:, j, i] for i in fixed]), axis=0)
        hi = np.min(np.stack([x[:, i] + d[:, i, j] for i in fixed]), axis=0)
        x[:, j] = np.clip(cum_now[:, j], lo, hi)
        fixed.append(j)
    return np.diff(x, axis=1)


def forced_fit(q: QuotaRules, rules: Rules, data: Mapping[str, Any] | pd.DataFrame) -> Fit:
    """Propose the grades that meet the quotas, moving the fewest people the fewest grades.

    ``data`` columns: employee_id, group (from ``group_keys``), grade (band code; None
    = not graded, left out of the counts), score, profit_attainment, task_attainment;
    optional multiplier (today's; default the grade's) and fixed (bool: the meeting set
    this grade, keep it).
    """
    codes = [b.code for b in rules.bands]
    mult_of = np.array([b.multiplier for b in rules.bands] + [np.nan])
    grade = np.asarray(data["grade"], dtype=object)
    gi = pd.Series(grade, dtype=object).map({c: i for i, c in enumerate(codes)}).fillna(-1).to_numpy(np.int64)
    graded = gi >= 0
    group = np.asarray(data["group"], dtype=object)
    ids = np.asarray(data["employee_id"], dtype=object)
    n = len(grade)
    fixed = np.asarray(data["fixed"], dtype=bool) if "fixed" in data else np.zeros(n, dtype=bool)
    fixed = fixed & graded
    multiplier = np.asarray(data["multiplier"], dtype=np.float64) if "multiplier" in data else mult_of[gi]

    gcode, uniques = pd.factorize(pd.Series(group, dtype=object), use_na_sentinel=False)
    gcode = np.where(graded, gcode, len(uniques)).astype(np.int64)  # the ungraded: a group of no one
    groups = [*uniques, None]
    labels = _group_labels(group, gcode, len(groups))
    k = len(codes)
    now = np.zeros((len(groups), k), dtype=np.int64)
    np.add.at(now, (gcode[graded], gi[graded]), 1)
    floors = np.zeros_like(now)
    np.add.at(floors, (gcode[fixed], gi[fixed]), 1)
    keep = now.sum(axis=1) > 0  # the "" group of the ungraded is no group
    seats = seat_table(q, [labels[i] for i in np.flatnonzero(keep)], now[keep].sum(axis=1), floors[keep])
    target = np.zeros_like(now)
    target[keep] = _targets(q, seats, now[keep], floors[keep])

    order = np.lexsort((id_order(ids), _descending_key(data["task_attainment"]),
                        _descending_key(data["profit_attainment"]), _descending_key(data["score"]), gcode))
    order = order[graded[order]]
    proposed = gi.copy()
    free = order[~fixed[order]]
    proposed[free] = _by_position(gcode[free], target - floors)
    rank = np.zeros(n, dtype=np.int64)
    rank[order] = _position_in_group(gcode[order]) + 1
    tied, ties = _ties(data, order, gcode, proposed, labels, ids, codes)

    moved = graded & (proposed != gi)
    out = pd.DataFrame({
        "employee_id": pd.Series(ids, dtype=object),
        "group": pd.Series(group, dtype=object),
        "grade": pd.Series(grade, dtype=object),
        "proposed_grade": pd.Series(np.array(codes + [None], dtype=object)[proposed], dtype=object),
        "moved": moved, "tied": tied, "rank": np.where(graded, rank, 0),
        "multiplier": multiplier,
        "proposed_multiplier": np.where(moved, mult_of[proposed], multiplier),
    })
    if isinstance(data, pd.DataFrame):
        out.index = data.index
    counts = _counts_frame([labels[i] for i in np.flatnonzero(keep)], codes, now[keep], target[keep])
    return Fit(out, counts, seats, ties)


def _group_labels(group: np.ndarray, gcode: np.ndarray, n_groups: int) -> list[Any]:
    """The original group value (not its text) for each group code."""
    first = np.full(n_groups, -1)
    first[gcode[::-1]] = np.arange(len(gcode))[::-1]
    return [group[i] if i >= 0 else None for i in first]


def _position_in_group(gsorted: np.ndarray) -> np.ndarray:
    """0, 1, 2 ... within each run of equal group codes of a sorted column."""
    if len(gsorted) == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.r_[True, gsorted[1:] != gsorted[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(len(gsorted)), 0))
    return np.arange(len(gsorted)) - first


def _by_position(gsorted: np.ndarray, free_target: np.ndarray) -> np.ndarray:
    """Grade of each free person from their place in their group's ranking."""
    pos = _position_in_group(gsorted)
    cum = np.cumsum(free_target, axis=1)[gsorted]  # (people, grades)
    return (pos[:, None] >= cum).sum(axis=1)


def _ties(data: Any, order: np.ndarray, gcode: np.ndarray, proposed: np.ndarray, labels: list[Any],
          ids: np.ndarray, codes: list[str]) -> tuple[np.ndarray, list[Tie]]:
    """Blocks of equal keys (group, score, both attainments) the proposal splits."""
    tied = np.zeros(len(gcode), dtype=bool)
    if len(order) == 0:
        return tied, []
    keys = [gcode[order]] + [np.asarray(data[c], dtype=np.float64)[order]
                             for c in ("score", "profit_attainment", "task_attainment")]
    change = np.zeros(len(order), dtype=bool)
    change[0] = True
    for col in keys:
        a, b = col[1:], col[:-1]
        same = (a == b) if col.dtype.kind != "f" else ((a == b) | (np.isnan(a) & np.isnan(b)))
        change[1:] |= ~same
    starts = np.flatnonzero(change)
    p = proposed[order]
    split = np.minimum.reduceat(p, starts) != np.maximum.reduceat(p, starts)
    ties: list[Tie] = []
    ends = np.r_[starts[1:], len(order)]
    for s, e in zip(starts[split], ends[split]):
        members = order[s:e]
        tied[members] = True
        grades, seats = np.unique(proposed[members], return_counts=True)
        ties.append(Tie(labels[gcode[members[0]]], tuple(ids[members]), tuple(codes[g] for g in grades),
                        tuple(int(c) for c in seats)))
    return tied, ties


def _counts_frame(groups: Sequence[Any], codes: list[str], now: np.ndarray, target: np.ndarray) -> pd.DataFrame:
    g = len(groups)
    return pd.DataFrame({
        "group": pd.Series(np.repeat(np.array(groups, dtype=object), len(codes)), dtype=object),
        "grade": pd.Series(np.tile(np.array(codes, dtype=object), g), dtype=object),
        "now": now.reshape(-1), "proposed": target.reshape(-1),
    })


def fits_quotas(q: QuotaRules, seats: Seats, counts: np.ndarray) -> np.ndarray:
    """(groups, rules) bool: does each group's head count per grade meet each bound?"""
    out = np.ones((len(counts), len(q.rules)), dtype=bool)
    for i, rule in enumerate(q.rules):
        a, b = q.index(rule)
        have = counts[:, a:b + 1].sum(axis=1)
        out[:, i] = (have >= np.maximum(seats.low[:, i], 0)) & (have <= seats.high[:, i])
    return out


__all__ = ["Fit", "Tie", "fits_quotas", "forced_fit", "group_keys", "group_name", "id_order", "INF"]
