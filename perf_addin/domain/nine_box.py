"""The 9-box: performance (from the grade) × potential (the manager's low / medium / high).

Performance mapping, and why: the grade of a person exactly on target – every item at
100 %, i.e. the score Σ weights (100 by default) – is **medium**; grades above it are
**high**, grades below it **low**.  With the default bands that is 优+ and 优- (above
target, score > 100) high, 良好 (90–100, on target) medium, 差 and 极差 (below 90)
low.  It follows the company's own bands, so a changed band table moves the boxes
with it, and "medium" means what the score means by 100: met the targets.

Potential is typed by the manager: low / medium / high or 低 / 中 / 高 (any case,
spaces ignored).  A blank is "not yet rated" and leaves the person out of the grid;
anything else is an error naming the cell.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from perf_addin.domain.rules import Rules
from perf_addin.domain.scoring import band_index
from perf_addin.errors import UserError
from perf_addin.labels import language_index

LEVELS = ("low", "medium", "high")
LEVEL_LABELS = {"low": ("低", "Low"), "medium": ("中", "Medium"), "high": ("高", "High")}
_POTENTIAL_TEXT = {"low": 0, "medium": 1, "high": 2, "低": 0, "中": 1, "高": 2}

POTENTIAL_PROBLEM = ("潜力必须是 低、中 或 高（或 low、medium、high），现为“{value}”",
                     "potential must be low, medium or high (or 低, 中, 高), found '{value}'")


class PotentialError(UserError, ValueError):
    """A potential value that is not low / medium / high, at the cell the caller named."""

    def __init__(self, value: Any, cell: str | None, lang: str = "en"):
        self.cell, self.value = cell, value
        self.message = POTENTIAL_PROBLEM[language_index(lang)].format(value=value)
        super().__init__(f"{cell}: {self.message}" if cell else self.message)


def level_label(level: int, lang: str) -> str:
    """低 / Low for 0, 中 / Medium for 1, 高 / High for 2."""
    return LEVEL_LABELS[LEVELS[level]][language_index(lang)]


def parse_potential(values: Sequence[Any], cells: Sequence[str | None] | None = None,
                    lang: str = "en") -> np.ndarray:
    """0 / 1 / 2 per value, -1 for a blank; the first other value raises, naming its cell."""
    series = pd.Series(np.asarray(values, dtype=object), dtype=object)
    distinct = pd.unique(series[series.notna()])  # a column holds few distinct texts: check each once
    table = {}
    for value in distinct:
        text = unicodedata.normalize("NFKC", str(value)).strip().casefold()
        if text and text not in _POTENTIAL_TEXT:
            i = int(np.flatnonzero((series == value).to_numpy())[0])
            raise PotentialError(str(value).strip(), cells[i] if cells is not None else None, lang)
        table[value] = _POTENTIAL_TEXT.get(text, -1)
    return series.map(table).fillna(-1).to_numpy(np.int64)


def performance_levels(rules: Rules) -> np.ndarray:
    """0 / 1 / 2 (low / medium / high) for each band, best band first (module docstring)."""
    on_target = rules.profit.weight + rules.tasks.weight + rules.rating.weight
    middle = int(band_index([on_target], rules)[0])
    return np.array([2 if i < middle else 1 if i == middle else 0 for i in range(len(rules.bands))])


@dataclass(frozen=True)
class NineBox:
    """``counts[p, q]`` and ``names[p][q]``: performance p (0 low .. 2 high) × potential q
    (0 low .. 2 high); ``unplaced``: people with no grade or no potential yet."""

    counts: np.ndarray
    names: list[list[list[Any]]]
    unplaced: int


def nine_box(grades: Sequence[Any], potential: Sequence[Any], names: Sequence[Any], rules: Rules,
             cells: Sequence[str | None] | None = None, lang: str = "en") -> NineBox:
    """The 3×3 grid of counts and names (in input order within a box)."""
    levels = performance_levels(rules)
    level_of = {b.code: int(levels[i]) for i, b in enumerate(rules.bands)}
    perf = pd.Series(np.asarray(grades, dtype=object), dtype=object).map(level_of).fillna(-1).to_numpy(np.int64)
    pot = parse_potential(potential, cells, lang)
    placed = (perf >= 0) & (pot >= 0)
    counts = np.zeros((3, 3), dtype=np.int64)
    np.add.at(counts, (perf[placed], pot[placed]), 1)
    names = np.asarray(names, dtype=object)
    box = np.where(placed, perf * 3 + pot, -1)
    grid = [[names[box == p * 3 + c].tolist() for c in range(3)] for p in range(3)]
    return NineBox(counts, grid, int((~placed).sum()))


__all__ = ["LEVELS", "NineBox", "PotentialError", "level_label", "nine_box", "parse_potential",
           "performance_levels"]
