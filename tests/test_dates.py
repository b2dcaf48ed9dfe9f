"""Days as people type them: one reader for the holidays block and the command line."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from perf_addin.domain.holidays import day_from_text, holidays_from_grid
from perf_addin.domain.rules import HOLIDAY_COLUMN, RulesError


@pytest.mark.parametrize("text", ["2026-12-07", "2026-12-7", "2026/12/7", "2026.12.7", "2026年12月7日",
                                  "２０２６－１２－０７", " 2026-12-7 "])
def test_the_ways_a_day_is_typed(text):
    assert day_from_text(text) == date(2026, 12, 7)


@pytest.mark.parametrize("text", ["", "26-12-7", "2026-13-1", "2026-2-30", "2026-12", "7.12.2026", "2026-12-7-1",
                                  "2026-x-7", "٢٠٢٦-١٢-٧"])
def test_what_is_not_a_day(text):
    assert day_from_text(text) is None


def test_a_holiday_typed_without_leading_zeros_is_read():
    grid = [[None] * HOLIDAY_COLUMN + ["节假日", None, None],
            [None] * HOLIDAY_COLUMN + ["2027-2-5", "2027/2/11", "春节"]]
    (spring,) = holidays_from_grid(grid, "规则", "zh")
    assert (spring.first, spring.last) == (date(2027, 2, 5), date(2027, 2, 11))
    grid[1][HOLIDAY_COLUMN] = "2027-2-30"
    with pytest.raises(RulesError) as err:
        holidays_from_grid(grid, "规则", "zh")
    assert err.value.cell == "规则!N2"


def test_the_command_line_takes_a_day_without_leading_zeros(tmp_path):
    run = [sys.executable, "-m", "perf_addin.cli", "schedule", str(tmp_path / "missing.xlsx"),
           "--from", "2026-12-7", "--to", "2026/12/11"]
    result = subprocess.run(run, capture_output=True, text=True)
    assert "--from" not in result.stderr and "missing.xlsx" in result.stderr  # got past the dates
    bad = subprocess.run(run[:-3] + ["2026-12-32", "--to", "2026-12-11"], capture_output=True, text=True)
    assert bad.returncode == 2 and "argument --from: '2026-12-32' is not a date" in bad.stderr
