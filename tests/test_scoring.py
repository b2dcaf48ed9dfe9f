"""The vectorized engine: article examples, rounding traps, errors, properties."""

from __future__ import annotations

import dataclasses
import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from perf_addin.domain.rules import Item, Rules
from perf_addin.errors import UserError
from perf_addin.domain.scoring import (
    ColumnsError,
    attainment,
    band_index,
    bonus,
    excel_round,
    grade,
    grade_table,
    item_points,
    item_table,
    multiplier,
    score_table,
)

DEFAULT = Rules.default()


def row(pa=100, pt=100, td=100, tt=100, rating=0, **extra):
    return {"profit_actual": [pa], "profit_target": [pt], "tasks_done": [td], "tasks_target": [tt],
            "rating": [rating], **{k: [v] for k, v in extra.items()}}


def one(pa=100, pt=100, td=100, tt=100, rating=0, rules=DEFAULT, **extra):
    return score_table(row(pa, pt, td, tt, rating, **extra), rules).iloc[0]


def half_up(x: float, digits: int) -> float:
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


# ------------------------------------------------------------ the article


def test_article_example():
    r = one(3500, 3200, 120, 100, 20, base_bonus=10000)
    assert r.profit_attainment == 109 and r.profit_points == 69
    assert r.task_attainment == 120 and r.task_points == 22
    assert r.rating == 20 and r.score == 111
    assert (r.grade, r.label_zh, r.label_en, r.multiplier) == ("A−", "优-", "Excellent", 1.1)
    assert r.bonus == 11000 and r.bonus_cents == 1_100_000
    assert r.error is None and r.error_field is None


# ------------------------------------------------------------ rounding traps


@pytest.mark.parametrize("actual, target, pct", [
    (201, 200, 101),      # 100.49999999999999 in binary, 100.5 % on paper
    (-201, 200, -101),    # half away from zero, not towards +inf
    (1005, 1000, 101),
    (3500, 3200, 109),
    (1, 3, 33),
    (2, 3, 67),
    (199, 200, 100),      # 99.5 -> 100
    (-199, 200, -100),
    (0, 5, 0),
    (1e-300, 1e-300, 100),
    (5e14, 1e12, 50000),
])
def test_attainment_rounds_half_away_from_zero(actual, target, pct):
    assert attainment([actual], [target])[0] == pct


def test_binary_trap_is_real():
    # the 9-decimal pre-round is what makes 201/200 come out as 101 %
    assert 201 / 200 * 100 < 100.5
    assert excel_round(201 / 200 * 100, 0) == 100
    assert excel_round(excel_round(201 / 200 * 100, 9), 0) == 101


def test_attainment_decimals_rule():
    exact = dataclasses.replace(DEFAULT, attainment_decimals=None)
    one_dp = dataclasses.replace(DEFAULT, attainment_decimals=1)
    assert attainment([3500], [3200], exact)[0] == 109.375
    assert attainment([3500], [3200], one_dp)[0] == 109.4
    assert one(3500, 3200, rules=exact).profit_points == 69.375


@pytest.mark.parametrize("x, digits, expected", [
    (2.5, 0, 3), (-2.5, 0, -3), (0.5, 0, 1), (1.5, 0, 2), (-0.5, 0, -1), (0.49999999999999994, 0, 0),
    (1.005, 2, 1.01), (2.675, 2, 2.68), (-1.005, 2, -1.01), (0.125, 2, 0.13), (1234.5678, 3, 1234.568),
    (100.49999999999999, 0, 100), (1e20, 2, 1e20), (123456789012.345, 2, 123456789012.35),
    (-0.4, 0, 0), (5e-324, 9, 0),
])
def test_excel_round_examples(x, digits, expected):
    assert excel_round(x, digits) == expected


def test_excel_round_passes_nan_and_inf_and_keeps_shape():
    out = excel_round(np.array([[np.nan, np.inf], [-np.inf, 1.25]]), 1)
    assert out.shape == (2, 2) and np.isnan(out[0, 0]) and out[0, 1] == np.inf and out[1, 0] == -np.inf
    assert out[1, 1] == 1.3
    assert math.copysign(1, excel_round(-0.2, 0)) == 1  # no "-0" in a sheet


def lo_round(x: float, digits: int) -> float:
    """LibreOffice 7.4's ROUND (sal/rtl math.cxx, rtl_math_round "corrected"),
    transcribed one scalar step at a time with the standard library: the
    independent reference for the vectorized engine."""
    if not math.isfinite(x) or x == 0:
        return x
    a = abs(x)
    if digits == 0:  # C's round(): half away from zero on the binary value
        whole = math.trunc(a)
        return math.copysign(whole + (1 if a - whole >= 0.5 else 0), x) + 0.0
    if a >= 2.0 ** 52 or a == math.floor(a):
        return x
    d = min(digits, 52 - (math.frexp(a)[1] - 1))
    factor = 10.0 ** d
    v = a * factor
    if v < 2.0 ** 52:
        v = math.floor(lo_approx(v + 0.5))
    out = v / factor
    return math.copysign(out, x) + 0.0 if math.isfinite(out) else x


def lo_approx(y: float) -> float:
    """LibreOffice's approxValue: 15 significant digits, for 0 < y <= 2^41
    with more than 11 binary fraction digits."""
    if y > 2.0 ** 41 or y == math.floor(y):
        return y
    mantissa, exponent = math.frexp(y)  # y = mantissa * 2**exponent
    fraction_bits = 0
    scaled = y
    while scaled != math.floor(scaled):
        scaled *= 2
        fraction_bits += 1
    if fraction_bits <= 11:
        return y
    e = 14 - math.floor(math.log10(y))
    f = 10.0 ** abs(e)
    z = y * f if e >= 0 else y / f
    z = math.floor(z) + (1.0 if z - math.floor(z) >= 0.5 else 0.0)
    return z / f if e >= 0 else z * f


@settings(max_examples=3000)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e16, max_value=1e16), st.integers(0, 9))
def test_excel_round_is_libreoffices_round(x, digits):
    assert excel_round(x, digits) == lo_round(x, digits)


@settings(max_examples=2000)
@given(st.integers(0, 3000), st.integers(0, 10**9 - 1), st.integers(-10**6, 10**6), st.integers(0, 9))
def test_excel_round_near_nine_decimal_halves(whole, frac, offset, digits):
    """Values a few units of the 16th digit around x.xxxxxxxxx5: the grace zone."""
    x = (whole * 10**9 + frac + 0.5) / 1e9 + offset * 1e-16 * max(1, whole)
    assert excel_round(x, 9) == lo_round(x, 9)
    assert excel_round(excel_round(x, 9), digits) == lo_round(lo_round(x, 9), digits)


@pytest.mark.parametrize("x, digits, expected", [
    (100.4999999994996, 9, 100.5),       # within 15 significant digits of the half: up
    (100.49999999949, 9, 100.499999999),  # beyond them: down
    (1004999999995 / 1e12 * 100, 9, 100.5),
    (2199.4999999996, 9, 2199.5),         # v + 0.5 still below 2^41: the grace applies
])
def test_the_fifteen_digit_grace_measured_in_libreoffice(x, digits, expected):
    """Values read off LibreOffice 7.4.7 (tests/test_parity.py recalculates more)."""
    assert excel_round(x, digits) == expected


@settings(max_examples=1000)
@given(st.integers(-10**12, 10**12), st.integers(0, 9), st.integers(1, 9))
def test_excel_round_exact_halves(k, digits, extra):
    # numbers whose written form ends in 5 right after the kept digits
    x = float(Decimal(k * 10 + 5).scaleb(-(digits + 1)))
    assume(abs(x) < 1e14)
    assert excel_round(x, digits) == half_up(x, digits)
    assert excel_round(-x, digits) == -excel_round(x, digits)


# ------------------------------------------------------------ points


def test_points_floor_and_cap():
    assert one(-5000, 100).profit_points == 0  # a heavy loss never goes below 0
    no_floor = dataclasses.replace(DEFAULT, profit=Item(60, 1, None, None, name="profit"))
    assert one(-100, 100, rules=no_floor).profit_points == -140
    capped = dataclasses.replace(DEFAULT, profit=Item(60, 1, 0, 70, name="profit"))
    assert one(109, 100, rules=capped).profit_points == 69
    assert one(200, 100, rules=capped).profit_points == 70
    assert one(td=0, tt=5).task_points == 10  # 20 + 0.1 * (0 - 100)


def test_task_points_have_no_float_noise():
    assert one(td=103, tt=100).task_points == 20.3
    assert one(td=97, tt=100).task_points == 19.7
    assert item_points([103], DEFAULT.tasks)[0] == 20.3


def test_rating_scale_is_linear():
    five = dataclasses.replace(DEFAULT, rating=dataclasses.replace(DEFAULT.rating, maximum=5, weight=20))
    assert one(rating=4, rules=five).rating == 16
    assert one(rating=13.7).rating == 13.7


def test_rating_points_have_no_float_noise():
    """(rating − min) × weight / (max − min) is rounded to 9 decimals: unrounded,
    0.11 × 20 / 20 is 0.11000000000000001 and (1.01 − 1) × 20 / 4 is 0.050000000000000044."""
    assert one(rating=0.11).rating == 0.11
    assert one(rating=0.23).rating == 0.23
    one_to_five = dataclasses.replace(DEFAULT, rating=dataclasses.replace(
        DEFAULT.rating, minimum=1, maximum=5, weight=20))
    assert one(rating=1.01, rules=one_to_five).rating == 0.05
    assert one(rating=1.03, rules=one_to_five).rating == 0.15


# ------------------------------------------------------------ grades


@pytest.mark.parametrize("score, code", [
    (120.0000001, "A+"), (120, "A−"), (100.0000001, "A−"), (100.000000001, "A−"),
    (100, "B"), (100.0000000004, "B"), (100.00000000000001, "B"), (99.99999999999999, "B"),
    (90, "B"), (89.999, "C"), (89.9999999996, "B"), (80, "C"), (79.99, "D"), (-50, "D"),
])
def test_grade_boundaries(score, code):
    assert grade([score])[0] == code


def test_float_noise_does_not_change_the_grade():
    exact = dataclasses.replace(DEFAULT, attainment_decimals=None)
    assert 60 + (11 / 10 * 100 - 100) + 20 + 10 > 100  # the trap: 100.00000000000001
    r = one(11, 10, 100, 100, 10, rules=exact)
    assert r.score == 100 and r.grade == "B"


def test_grade_labels_and_multipliers():
    scores = [130, 110, 95, 85, 10, None, "x"]
    assert list(grade(scores, label="zh")) == ["优+", "优-", "良好", "差", "极差", None, None]
    assert list(grade(scores, label="en"))[:2] == ["Outstanding", "Excellent"]
    assert list(multiplier(scores))[:5] == [1.2, 1.1, 1.0, 0.9, 0.8]
    assert np.isnan(multiplier(scores)[5:]).all()


# ------------------------------------------------------------ money


@pytest.mark.parametrize("base, score, paid", [
    (10000, 111, 11000), (0.05, 111, 0.06), (1.45, 111, 1.6), (12345.67, 85, 11111.1),
    (999.995, 95, 1000.0), (0, 130, 0), (33.33, 130, 40.0), (0.01, 79, 0.01), (1e9, 111, 1.1e9),
])
def test_bonus_examples(base, score, paid):
    assert bonus([base], [score])[0] == paid


@settings(max_examples=1000)
@given(st.integers(0, 10**11), st.sampled_from([1.2, 1.1, 1.0, 0.9, 0.8, 0.85, 1.125, 1.0001, 2.5]))
def test_bonus_is_exact_cents(cents, mult):
    rules = dataclasses.replace(DEFAULT, bands=(dataclasses.replace(DEFAULT.bands[0], lower=None, multiplier=mult),))
    base = cents / 100
    expected = (Decimal(repr(base)) * Decimal(repr(mult))).quantize(Decimal("0.01"), ROUND_HALF_UP)
    got = score_table(row(base_bonus=base), rules).iloc[0]
    assert got.bonus_cents == int(expected * 100)
    assert got.bonus == float(expected)


@settings(max_examples=1000)
@given(st.integers(0, 2 * 10**8), st.integers(0, 30000))
def test_formula_rounding_of_bonus_agrees_below_three_million(cents, mult4):
    """ROUND(ROUND(base*mult, 9), 2) – the native formula – gives the exact cents too."""
    base, mult = cents / 100, mult4 / 10000
    exact = (Decimal(repr(base)) * Decimal(repr(mult))).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assume(exact < 3_000_000)
    assert excel_round(excel_round(base * mult, 9), 2) == float(exact)


B_ROW, A_MINUS_ROW, A_PLUS_ROW = (100, 100, 100, 100, 15), (3500, 3200, 120, 100, 20), (125, 100, 100, 100, 20)


@pytest.mark.parametrize("base, inputs, cents", [
    (1e17, B_ROW, 10**19),           # int64 cents overflowed here and paid a negative bonus
    (1e17, A_MINUS_ROW, 11 * 10**18),
    (9.5e18, A_PLUS_ROW, 114 * 10**19),
    (123456789012345.67, A_MINUS_ROW, 13580246791358024),  # 1.1 × 123456789012345.67 = 135802467913580.237
])
def test_huge_bonuses_are_exact_cents(base, inputs, cents):
    got = score_table(row(*inputs, base_bonus=base)).iloc[0]
    assert got.bonus_cents == cents and isinstance(got.bonus_cents, int)
    assert got.bonus == cents / 100 > 0


def test_company_total_of_huge_bonuses_is_exact():
    out = score_table({"profit_actual": [100] * 3, "profit_target": [100] * 3, "tasks_done": [100] * 3,
                       "tasks_target": [100] * 3, "rating": [15] * 3, "base_bonus": [1e17, 1e17, 0.01]})
    assert out.grade.tolist() == ["B"] * 3  # multiplier 1.0
    assert sum(out.bonus_cents) == 2 * 10**19 + 1



def test_bonus_with_sub_cent_base_uses_formula_rounding():
    assert bonus([0.125], [95])[0] == 0.13
    assert bonus([1.0049999], [95])[0] == 1.0


# ------------------------------------------------------------ input errors


@pytest.mark.parametrize("kwargs, field, reason", [
    (dict(pa=None), "profit_actual", "profit actual is blank"),
    (dict(pa=float("nan")), "profit_actual", "profit actual is blank"),
    (dict(pa="  "), "profit_actual", "profit actual is blank"),
    (dict(pa="abc"), "profit_actual", "profit actual is text 'abc', not a number"),
    (dict(pa="3500"), "profit_actual", "profit actual is text '3500', not a number"),
    (dict(pa=True), "profit_actual", "profit actual is TRUE, not a number"),
    (dict(pa=float("inf")), "profit_actual", "profit actual must be a finite number, found inf"),
    (dict(pt=0), "profit_target", "profit target must be > 0, found 0"),
    (dict(pt=-3.5), "profit_target", "profit target must be > 0, found -3.5"),
    (dict(td=False), "tasks_done", "tasks done is FALSE, not a number"),
    (dict(tt=0.0), "tasks_target", "tasks target must be > 0, found 0"),
    (dict(rating=20.5), "rating", "rating must be between 0 and 20, found 20.5"),
    (dict(rating=-1), "rating", "rating must be between 0 and 20, found -1"),
    (dict(rating=None), "rating", "rating is blank"),
    (dict(base_bonus=-5), "base_bonus", "base bonus must be >= 0, found -5"),
    (dict(base_bonus=None), "base_bonus", "base bonus is blank"),
    (dict(pa=1e308, pt=1e-10), "profit_actual", "profit points is too large to compute"),
])
def test_input_errors_are_reported_per_row(kwargs, field, reason):
    kwargs.setdefault("base_bonus", 100)
    bad, before, after = row(**kwargs), row(3500, 3200, 120, 100, 20, base_bonus=100), row(base_bonus=100)
    out = score_table({key: before[key] + bad[key] + after[key] for key in bad})  # good rows around the bad one
    assert out.error.tolist() == [None, reason, None]
    assert out.error_field.tolist() == [None, field, None]
    bad = out.iloc[1]
    assert np.isnan(bad.bonus) and pd.isna(bad.bonus_cents)
    if field == "base_bonus":  # only the bonus is unusable: the row is still scored and graded
        assert (bad.score, bad.grade, bad.label_zh, bad.multiplier) == (80, "C", "差", 0.9)
    else:
        assert bad.grade is None and bad.label_zh is None
        assert all(np.isnan(bad[c]) for c in ("profit_points", "task_points", "rating", "score", "multiplier"))
    assert out.iloc[0].score == 111 and out.iloc[2].score == 80


def test_first_bad_field_wins():
    r = one(None, 0, "x", 0, 99)
    assert r.error_field == "profit_actual"
    r = one(100, 0, "x", 0, 99)
    assert r.error_field == "profit_target"


def test_error_free_table_has_none_not_nan():
    out = score_table(row())
    assert out.error.tolist() == [None] and out.error.dtype == object


def test_numpy_and_object_inputs():
    data = {
        "profit_actual": np.array([3500, None, Decimal("3500")], dtype=object),
        "profit_target": np.array([3200.0, 3200.0, 3200.0]),
        "tasks_done": np.array([120, 120, 120], dtype=np.int64),
        "tasks_target": 100,
        "rating": pd.Series([20, 20, 20]),
    }
    out = score_table(data)
    assert out.score.tolist()[::2] == [111, 111]
    assert out.error.tolist()[1] == "profit actual is blank"
    text = score_table({**data, "profit_actual": np.array(["3500", "x", "y"])})
    assert text.error.str.startswith("profit actual is text").all()
    bools = score_table({**data, "profit_actual": np.array([True, False, True])})
    assert bools.error_field.tolist() == ["profit_actual"] * 3


def test_dataframe_index_is_kept():
    df = pd.DataFrame(row(3500, 3200, 120, 100, 20) | {}, index=["emp-7"])
    assert score_table(df).index.tolist() == ["emp-7"]


def test_missing_column_is_a_user_error_naming_it():
    with pytest.raises(ColumnsError) as caught:
        score_table({k: v for k, v in row().items() if k != "rating"})
    assert isinstance(caught.value, UserError) and isinstance(caught.value, KeyError)
    assert str(caught.value).startswith("the table lacks the required column(s) Rating (")


def test_workbook_headers_in_either_language_score_alike():
    """The workbook's own headers (labels.py) are accepted as they are: 实际盈利 and
    Profit actual are the column profit_actual; extra columns are ignored."""
    zh = pd.DataFrame({"工号": ["1001"], "实际盈利": [3500], "目标盈利": [3200], "完成件数": [120],
                       "目标件数": [100], "平时表现": [18], "奖金基数": [10000]})
    en = zh.rename(columns={"实际盈利": "Profit actual", "目标盈利": "Profit target", "完成件数": "Tasks done",
                            "目标件数": "Tasks target", "平时表现": "Rating", "奖金基数": "Base bonus"})
    for frame in (zh, en, en.rename(columns=str.upper), en.rename(columns=lambda c: c.replace(" ", "_"))):
        out = score_table(frame)
        # 3500/3200 -> 109 % -> 69 points; 120 % of tasks -> 22; rating 18: 109 -> A−, 10000 × 1.1
        assert out.score.tolist() == [109.0] and out.grade.tolist() == ["A−"] and out.bonus_cents.tolist() == [1100000]


def test_missing_chinese_headers_are_named_in_chinese():
    frame = pd.DataFrame({"实际盈利": [3500], "目标盈利": [3200], "完成件数": [120]})
    with pytest.raises(ColumnsError, match="^表格缺少必需的列：目标件数、平时表现（"):
        score_table(frame)


def test_a_field_in_two_columns_is_refused():
    frame = pd.DataFrame({**row(), "平时表现": [5]})
    with pytest.raises(ColumnsError, match="平时表现.*rating|rating.*平时表现"):
        score_table(frame)


def test_item_and_grade_tables():
    t = item_table([3500, 1], [3200, 0], "profit")
    assert t.points.tolist()[0] == 69 and t.error.tolist() == [None, "profit target must be > 0, found 0"]
    t = item_table([120], [100], "tasks")
    assert t.points.tolist() == [22]
    g = grade_table([111, "x"], base_bonus=[10000, 5])
    assert g.label_zh.tolist() == ["优-", None] and g.bonus.tolist()[0] == 11000
    assert g.error_field.tolist() == [None, "score"]


def test_huge_and_tiny_values():
    assert one(1e-300, 1e300).profit_points == 0
    assert one(1e12, 1e10, rating=0).profit_attainment == 10000
    assert np.isnan(attainment([1e308], [1e-10])[0])
    assert band_index([np.inf, -np.inf, np.nan]).tolist() == [-1, -1, -1]


# ------------------------------------------------------------ properties

number = st.one_of(st.integers(-10**6, 10**6), st.floats(-1e6, 1e6, allow_nan=False))
messy = st.one_of(number, st.none(), st.booleans(), st.sampled_from(["", "x", "12", float("nan")]))


@st.composite
def messy_rows(draw):
    n = draw(st.integers(1, 15))
    cols = ("profit_actual", "profit_target", "tasks_done", "tasks_target", "rating", "base_bonus")
    return {c: draw(st.lists(messy, min_size=n, max_size=n)) for c in cols}


@settings(max_examples=200, deadline=None)
@given(messy_rows())
def test_vectorized_equals_row_by_row(data):
    table = score_table(data)
    n = len(data["rating"])
    singles = pd.concat([score_table({k: [v[i]] for k, v in data.items()}) for i in range(n)], ignore_index=True)
    pd.testing.assert_frame_equal(table, singles)


def decimal_oracle(pa, pt, td, tt, rating):
    """Independent scalar model of DOMAIN.md with exact decimals (default rules)."""
    def pct(a, t):
        q = Decimal(repr(a / t * 100)).quantize(Decimal("1e-9"), ROUND_HALF_UP)
        return q.quantize(Decimal(1), ROUND_HALF_UP)
    profit = max(Decimal(0), 60 + 1 * (pct(pa, pt) - 100))
    tasks = max(Decimal(0), 20 + Decimal("0.1") * (pct(td, tt) - 100))
    total = profit + tasks + Decimal(repr(float(rating)))
    code = "A+" if total > 120 else "A−" if total > 100 else "B" if total >= 90 else "C" if total >= 80 else "D"
    return float(profit), float(tasks), float(total), code


@settings(max_examples=1000)
@given(st.integers(-10**7, 10**7), st.integers(1, 10**6), st.integers(0, 500), st.integers(1, 300),
       st.integers(0, 200).map(lambda r: r / 10))
def test_engine_matches_decimal_oracle(pa, pt, td, tt, rating):
    # 9 decimals absorb float noise while |score| < ~1e6 (ulp 1e-10); a score of
    # millions (attainment of 10^5 %) is outside what the rule is meant for.
    assume(abs(pa) <= 1000 * pt)
    r = one(pa, pt, td, tt, rating)
    assert (r.profit_points, r.task_points, r.score, r.grade) == decimal_oracle(pa, pt, td, tt, rating)


@settings(max_examples=300)
@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.floats(0.01, 1e6), st.floats(0, 20))
def test_monotonic_in_actual(a1, a2, target, rating):
    lo, hi = sorted((a1, a2))
    out = score_table({"profit_actual": [lo, hi], "profit_target": target, "tasks_done": [lo, hi],
                       "tasks_target": target, "rating": rating})
    assert out.profit_points[0] <= out.profit_points[1]
    assert out.task_points[0] <= out.task_points[1]
    assert out.score[0] <= out.score[1]
    assert band_index([out.score[0]])[0] >= band_index([out.score[1]])[0]  # bands are listed top first


@settings(max_examples=300)
@given(st.floats(-1e9, 1e9), st.floats(0.001, 1e9), st.floats(-1e9, 1e9), st.floats(0.001, 1e9),
       st.floats(0, 20), st.floats(0, 100), st.floats(0, 100))
def test_score_bounded_by_caps(pa, pt, td, tt, rating, cap_p, cap_t):
    rules = dataclasses.replace(DEFAULT, profit=Item(60, 1, 0, cap_p, name="profit"),
                                tasks=Item(20, 0.1, 0, cap_t, name="tasks"))
    r = one(pa, pt, td, tt, rating, rules=rules)
    assert 0 <= r.score <= cap_p + cap_t + 20 + 1e-9


@settings(max_examples=300)
@given(st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=30))
def test_grade_consistent_with_multiplier(scores):
    codes, mults = grade(scores), multiplier(scores)
    by_code = {b.code: b.multiplier for b in DEFAULT.bands}
    assert [by_code[c] for c in codes] == mults.tolist()
    bands = {b.code: b for b in DEFAULT.bands}
    assert all(bands[c].contains(float(excel_round(s, 9))) for c, s in zip(codes, scores))


# ------------------------------------------------------- adversarial properties

HUGE = st.floats(min_value=1e280, max_value=1e308)  # / TINY_TARGET * 100 > 1e300
TINY_TARGET = st.floats(min_value=1e-300, max_value=1e-30)


@settings(max_examples=300)
@given(HUGE, TINY_TARGET, st.sampled_from([1, -1]), st.floats(0, 50), st.floats(60, 500))
def test_ratios_no_double_holds_are_clamped(size, target, sign, floor, cap):
    """actual/target beyond a double (or beyond 1e300): the cap above target,
    the floor below, as if the ratio were ±infinity."""
    rules = dataclasses.replace(DEFAULT, profit=Item(60.0, 1.0, floor, cap, name="profit"))
    r = one(sign * size, target, rules=rules)
    assert r.error is None
    assert r.profit_points == float(excel_round(cap if sign > 0 else floor, 9))


@settings(max_examples=200)
@given(HUGE, TINY_TARGET)
def test_unclamped_infinite_points_are_an_input_error_not_a_number(size, target):
    r = one(size, target)  # default: floor 0, no cap
    assert r.error == "profit points is too large to compute" and np.isnan(r.score)
    assert one(-size, target).profit_points == 0  # below target the floor holds


@settings(max_examples=300)
@given(st.integers(-10**6, 10**6), st.integers(1, 10**6), st.floats(0, 20),
       st.sampled_from([None, "abc", -1.0, True, "", float("nan")]))
def test_a_bad_base_bonus_never_touches_score_grade_or_multiplier(pa, pt, rating, base):
    good = one(pa, pt, 100, 100, rating, base_bonus=100)
    bad = one(pa, pt, 100, 100, rating, base_bonus=base)
    assert (bad.score, bad.grade, bad.multiplier) == (good.score, good.grade, good.multiplier)
    assert np.isnan(bad.bonus) and bad.bonus_cents is None and bad.error_field == "base_bonus"


@settings(max_examples=500)
@given(st.integers(5 * 10**15, 10**20), st.sampled_from([B_ROW, A_MINUS_ROW, A_PLUS_ROW]))
def test_large_bonuses_are_the_exact_decimal_product(cents, inputs):
    """Beyond 2^52 cents the formula cannot round to cents; the engine pays the
    exact decimal product of the numbers as written."""
    base = cents / 100
    got = score_table(row(*inputs, base_bonus=base)).iloc[0]
    mult = {B_ROW: "1", A_MINUS_ROW: "1.1", A_PLUS_ROW: "1.2"}[inputs]
    want = (Decimal(repr(base)) * Decimal(mult) * 100).quantize(Decimal(1), ROUND_HALF_UP)
    assert got.bonus_cents == int(want) > 0
