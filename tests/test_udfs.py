"""PERF_* UDFs: metadata, shapes, error markers, rules argument."""

from __future__ import annotations

import importlib.util
import inspect
import sys
import types

import numpy as np
import pytest

from perf_addin.domain import scoring
from perf_addin.excel import udfs
from perf_addin.domain.rules import Rules, RulesError, rules_to_rows

PERF_FUNCTIONS = {name: f for name, f in vars(udfs).items() if name.startswith("PERF_") and callable(f)}


# ------------------------------------------------------------ metadata


def test_every_perf_function_has_a_spec_and_vice_versa():
    assert set(PERF_FUNCTIONS) == set(udfs.UDF_SPECS)
    assert set(PERF_FUNCTIONS) == {"PERF_SCORE", "PERF_PROFIT_POINTS", "PERF_TASK_POINTS",
                                   "PERF_GRADE", "PERF_MULTIPLIER", "PERF_BONUS"}


@pytest.mark.parametrize("name", sorted(udfs.UDF_SPECS))
def test_spec_matches_signature(name):
    spec, f = udfs.UDF_SPECS[name], PERF_FUNCTIONS[name]
    params = inspect.signature(f).parameters
    assert [a for a, _ in spec.args] == list(params)
    assert params["rules"].default is None and list(params)[-1] == "rules"
    assert spec.category == "Performance"
    assert 0 < len(spec.description) <= 255 and f.__doc__ == spec.description
    assert all(0 < len(help_text) <= 255 for _, help_text in spec.args)


def test_decorators_are_applied_from_the_registry(monkeypatch):
    """Off Windows xlwings' decorators are no-ops, so record them with a fake."""
    calls = []
    fake = types.ModuleType("xlwings")

    def func(f=None, **kwargs):
        def inner(g):
            calls.append(("func", g.__name__, kwargs, g.__doc__))
            return g
        return inner if f is None else inner(f)

    def arg(name, convert=None, **kwargs):
        def inner(g):
            calls.append(("arg", g.__name__, name, kwargs))
            return g
        return inner

    fake.func, fake.arg = func, arg
    monkeypatch.setitem(sys.modules, "xlwings", fake)
    spec = importlib.util.find_spec("perf_addin.excel.udfs")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # a private copy; the real module is untouched

    funcs = {c[1]: c for c in calls if c[0] == "func"}
    assert set(funcs) == set(udfs.UDF_SPECS)
    for name, s in udfs.UDF_SPECS.items():
        assert funcs[name][2] == {"category": "Performance"} and funcs[name][3] == s.description
        args = [(c[2], c[3]) for c in calls if c[0] == "arg" and c[1] == name]
        assert sorted(a for a, _ in args) == sorted(a for a, _ in s.args)
        for a, options in args:
            assert options["doc"] == dict(s.args)[a]
            assert options.get("ndim") == (None if a == "rules" else 2)


# ------------------------------------------------------------ values & shapes


def test_article_example_through_the_udfs():
    assert udfs.PERF_SCORE(3500, 3200, 120, 100, 20) == 111
    assert udfs.PERF_PROFIT_POINTS(3500, 3200) == 69
    assert udfs.PERF_TASK_POINTS(120, 100) == 22
    assert udfs.PERF_GRADE(111) == "优-"
    assert udfs.PERF_MULTIPLIER(111) == 1.1
    assert udfs.PERF_BONUS(10000, 111) == 11000


def test_traps_through_the_udfs():
    assert udfs.PERF_PROFIT_POINTS(201, 200) == 61
    assert udfs.PERF_PROFIT_POINTS(-201, 200) == 0
    assert udfs.PERF_GRADE([[100], [100.0000001], [90], [89.999], [80], [79.99]]) == [
        ["良好"], ["优-"], ["良好"], ["差"], ["差"], ["极差"]]


def test_column_range_keeps_its_shape_and_broadcasts_single_cells():
    out = udfs.PERF_SCORE([[3500], [None], ["x"]], 3200, [[120]], 100, [[20], [1], [2]])
    assert out == [[111.0], ["#N/A: profit actual is blank"], ["#N/A: profit actual is text 'x', not a number"]]


def test_row_and_2d_ranges():
    assert udfs.PERF_TASK_POINTS([[120, 103]], [[100, 100]]) == [[22.0, 20.3]]
    grid = udfs.PERF_MULTIPLIER([[130, 110], [95, 0]])
    assert grid == [[1.2, 1.1], [1.0, 0.8]]
    assert udfs.PERF_PROFIT_POINTS([3500, 201], 3200) == [69.0, 0.0]  # a bare list stays a list


def test_numpy_input_gives_numpy_output():
    out = udfs.PERF_BONUS(np.array([[10000.0], [-1.0]]), np.array([[111.0], [111.0]]))
    assert isinstance(out, np.ndarray) and out.shape == (2, 1)
    assert out[0, 0] == 11000 and out[1, 0] == "#N/A: base bonus must be >= 0, found -1"


def test_mismatched_ranges_are_refused():
    with pytest.raises(ValueError, match="same shape"):
        udfs.PERF_PROFIT_POINTS([[1], [2], [3]], [[1], [2]])


def test_error_marker_is_visible_text_with_reason():
    assert udfs.error_value("x") == "#N/A: x"
    assert udfs.PERF_PROFIT_POINTS(1, 0) == "#N/A: profit target must be > 0, found 0"
    assert udfs.PERF_SCORE(1, 1, 1, 1, 25) == "#N/A: rating must be between 0 and 20, found 25"
    assert udfs.PERF_GRADE(True) == "#N/A: score is TRUE, not a number"


def test_one_vectorized_engine_call_per_udf_call(monkeypatch):
    calls = []
    real = scoring.score_table
    monkeypatch.setattr(scoring, "score_table", lambda *a, **k: calls.append(1) or real(*a, **k))
    udfs.PERF_SCORE([[3500]] * 500, [[3200]] * 500, 120, 100, 20)
    assert calls == [1]


# ------------------------------------------------------------ rules argument


def test_rules_range_changes_the_result():
    rows = rules_to_rows(Rules.default())
    rows[2][1] = 50  # profit_weight
    assert udfs.PERF_PROFIT_POINTS(3500, 3200, rows) == 59
    rows = rules_to_rows(Rules.default())
    rows[16][7] = 1.15  # A− multiplier
    assert udfs.PERF_BONUS(1000, 111, rows) == 1150


def test_rules_range_as_numpy_grid():
    grid = np.array(rules_to_rows(Rules.default()), dtype=object)
    assert udfs.PERF_SCORE(3500, 3200, 120, 100, 20, grid) == 111


def test_bad_rules_range_names_the_cell():
    rows = rules_to_rows(Rules.default())
    rows[6][1] = -5
    with pytest.raises(RulesError, match=r"^规则!B7: 'Tasks: points at 100 % of target' must be >= 0, found -5$"):
        udfs.PERF_SCORE(3500, 3200, 120, 100, 20, rows)


def test_bonus_of_a_blank_base_is_na_with_a_reason():
    """PERF_BONUS(None, …) raised KeyError: 'bonus' (None was taken for "no base")."""
    assert udfs.PERF_BONUS(None, 95) == "#N/A: base bonus is blank"
    assert udfs.PERF_BONUS([[None], [1000]], [[95], [111]]) == [["#N/A: base bonus is blank"], [1100.0]]
    assert udfs.PERF_BONUS("abc", 95) == "#N/A: base bonus is text 'abc', not a number"


def test_huge_base_bonus_through_the_udf_is_positive_and_exact():
    assert udfs.PERF_BONUS(1e17, 111) == 1.1e17
