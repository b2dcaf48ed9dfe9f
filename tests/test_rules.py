"""Rules as data: defaults, validation, and the rules-sheet grid round trip."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perf_addin.domain.rules import (
    Band,
    Item,
    Rating,
    Rules,
    RulesError,
    a1,
    band_range,
    column_letter,
    rule_cell,
    rules_from_rows,
    rules_to_rows,
)


def cell_value(rows, address):
    """Value at an A1 address ('$B$3') in a grid that starts at A1."""
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", address)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return rows[int(m.group(2)) - 1][col - 1]


def replace_band(rules, i, **changes):
    bands = list(rules.bands)
    bands[i] = dataclasses.replace(bands[i], **changes)
    return bands


# ---------------------------------------------------------------- defaults


def test_defaults_are_domain_md():
    r = Rules.default()
    assert (r.profit.weight, r.profit.slope, r.profit.floor, r.profit.cap) == (60, 1, 0, None)
    assert (r.tasks.weight, r.tasks.slope, r.tasks.floor, r.tasks.cap) == (20, 0.1, 0, None)
    assert (r.rating.minimum, r.rating.maximum, r.rating.weight) == (0, 20, 20)
    assert r.attainment_decimals == 0
    table = [(b.code, b.label_zh, b.label_en, b.lower, b.lower_inclusive, b.upper, b.upper_inclusive, b.multiplier)
             for b in r.bands]
    assert table == [
        ("A+", "优+", "Outstanding", 120, False, None, False, 1.2),
        ("A−", "优-", "Excellent", 100, False, 120, True, 1.1),
        ("B", "良好", "Good", 90, True, 100, True, 1.0),
        ("C", "差", "Poor", 80, True, 90, False, 0.9),
        ("D", "极差", "Very poor", None, False, 80, False, 0.8),
    ]


@pytest.mark.parametrize("score, code", [
    (120.0001, "A+"), (120, "A−"), (100.0000001, "A−"), (100, "B"), (90, "B"),
    (89.999, "C"), (80, "C"), (79.99, "D"), (-1e9, "D"), (1e9, "A+"),
])
def test_band_contains_matches_domain_boundaries(score, code):
    hits = [b.code for b in Rules.default().bands if b.contains(score)]
    assert hits == [code]


# ---------------------------------------------------------------- layout


def test_column_letters():
    assert [column_letter(i) for i in (0, 7, 25, 26, 701, 702)] == ["A", "H", "Z", "AA", "ZZ", "AAA"]
    assert a1(6, 1) == "B7" and a1(0, 0, absolute=True) == "$A$1"


def test_rule_cells_are_fixed_addresses():
    assert rule_cell("attainment_decimals") == "$B$2"
    assert rule_cell("profit_weight") == "$B$3"
    assert rule_cell("tasks_slope") == "$B$8"
    assert rule_cell("rating_weight") == "$B$13"
    assert rule_cell("grade", 0) == "$A$16"
    assert rule_cell("multiplier", 4) == "$H$20"
    assert band_range("lower", 5) == "$D$16:$D$20"


def test_rule_cells_hold_the_values_in_the_grid():
    rows = rules_to_rows(Rules.default())
    expected = {"attainment_decimals": 0, "profit_weight": 60, "profit_slope": 1, "profit_floor": 0,
                "profit_cap": "none", "tasks_weight": 20, "tasks_slope": 0.1, "tasks_floor": 0,
                "tasks_cap": "none", "rating_min": 0, "rating_max": 20, "rating_weight": 20}
    for key, value in expected.items():
        assert cell_value(rows, rule_cell(key)) == value, key
        assert cell_value(rows, rule_cell(key).replace("$B", "$A")) == key
    assert cell_value(rows, rule_cell("label_zh", 1)) == "优-"
    assert cell_value(rows, rule_cell("upper_inclusive", 1)) is True
    assert cell_value(rows, rule_cell("lower", 4)) == "none"
    assert cell_value(rows, rule_cell("multiplier", 3)) == 0.9


def test_grid_is_rectangular():
    rows = rules_to_rows(Rules.default())
    assert len({len(r) for r in rows}) == 1


def test_default_round_trip():
    r = Rules.default()
    assert rules_from_rows(rules_to_rows(r)) == r


# ------------------------------------------------------------ validation


@pytest.mark.parametrize("make, fragment", [
    (lambda r: dataclasses.replace(r, attainment_decimals=10), "attainment_decimals"),
    (lambda r: dataclasses.replace(r, attainment_decimals=1.5), "attainment_decimals"),
    (lambda r: dataclasses.replace(r, rating=Rating(20, 20, 20)), "rating_max must be > rating_min"),
    (lambda r: dataclasses.replace(r, bands=r.bands[:-1]), "lowest band"),
    (lambda r: dataclasses.replace(r, bands=r.bands[1:]), "highest band"),
    (lambda r: dataclasses.replace(r, bands=tuple(reversed(r.bands))), "highest band"),
    (lambda r: dataclasses.replace(r, bands=replace_band(r, 2, upper_inclusive=False)), "neither includes the score 100"),
    (lambda r: dataclasses.replace(r, bands=replace_band(r, 1, lower_inclusive=True)), "both include the score 100"),
    (lambda r: dataclasses.replace(r, bands=replace_band(r, 2, upper=99.5)), "gap between bands A− (lower 100) and B (upper 99.5)"),
    (lambda r: dataclasses.replace(r, bands=replace_band(r, 2, upper=101)), "overlap"),
    (lambda r: dataclasses.replace(r, bands=replace_band(r, 1, multiplier=-0.1)), "multiplier must be >= 0"),
    (lambda r: dataclasses.replace(r, bands=replace_band(r, 1, multiplier=1.12345)), "at most 4 decimals"),
    (lambda r: dataclasses.replace(r, bands=replace_band(r, 1, code="B")), "appears twice"),
    (lambda r: dataclasses.replace(r, bands=replace_band(r, 1, label_zh=" ")), "label_zh must be non-empty"),
    (lambda r: dataclasses.replace(r, bands=replace_band(r, 0, upper_inclusive=True)), "upper_inclusive must be FALSE"),
    (lambda r: dataclasses.replace(r, bands=replace_band(r, 2, lower=float("nan"))), "finite number"),
])
def test_invalid_rules_raise_naming_the_problem(make, fragment):
    with pytest.raises(RulesError) as err:
        make(Rules.default())
    assert fragment in str(err.value)


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(weight=-5, slope=1), "profit_weight must be >= 0, found -5"),
    (dict(weight=60, slope=-1), "profit_slope must be >= 0"),
    (dict(weight=60, slope=1, floor=10, cap=5), "profit_cap must be >= profit_floor"),
    (dict(weight=float("inf"), slope=1), "finite"),
    (dict(weight=True, slope=1), "finite number"),
])
def test_invalid_items(kwargs, fragment):
    with pytest.raises(RulesError, match=re.escape(fragment)):
        Item(name="profit", **kwargs)


def test_a_single_open_band_covers_everything():
    one = Band("X", "x", "x", None, False, None, False, 1.0)
    d = Rules.default()
    assert Rules(d.profit, d.tasks, Rating(), (one,)).bands == (one,)


# ------------------------------------------------------------ sheet errors


def test_bad_value_names_sheet_and_cell():
    rows = rules_to_rows(Rules.default())
    rows[2][1] = -5
    with pytest.raises(RulesError) as err:
        rules_from_rows(rows)
    assert str(err.value) == "规则!B3: 'Profit: points at 100 % of target' must be >= 0, found -5"
    assert err.value.cell == "规则!B3"


def test_a_setting_is_refused_in_the_workbooks_language_by_its_label():
    rows = rules_to_rows(Rules.default())
    rows[13][1] = "高"  # rating_weak_below
    with pytest.raises(RulesError) as err:
        rules_from_rows(rows, lang="zh")
    assert str(err.value) == "规则!B14: “平时表现：低于此分数为薄弱项，面谈中商定改进措施”必须是数字，现为 '高'"
    rows[13][1], rows[11][1] = 15, -3  # rating_max below rating_min
    with pytest.raises(RulesError) as err:
        rules_from_rows(rows, lang="zh")
    assert str(err.value) == "规则!B12: “平时表现：最高可填分数”必须大于“平时表现：最低可填分数”（0），现为 -3"
    with pytest.raises(RulesError) as err:
        rules_from_rows(rows, sheet="Rules", lang="en")
    assert str(err.value) == ("Rules!B12: 'Discretionary rating: highest value allowed' must be > "
                              "'Discretionary rating: lowest value allowed' (0), found -3")
    assert "rating_" not in str(err.value)


def test_origin_shifts_cell_names():
    rows = rules_to_rows(Rules.default())
    rows[2][1] = -5
    with pytest.raises(RulesError, match=r"^Rules!C5: "):
        rules_from_rows(rows, sheet="Rules", origin=(2, 1))


@pytest.mark.parametrize("r, c, value, cell, fragment", [
    (3, 1, None, "B4", "'Profit: points per 1 % above/below target' is blank"),
    (5, 1, None, "B6", "'Profit: highest points' is blank (write none"),
    (3, 1, "1", "B4", "must be a number, found '1'"),
    (3, 1, True, "B4", "must be a number, found True"),
    (1, 1, 0.5, "B2", "'Decimals the attainment % is rounded to (half away from zero)' must be a whole number"),
    (4, 0, "profit_flor", "A5", "expected the setting 'profit_floor'"),
    (16, 4, "yes", "E17", "lower_inclusive must be TRUE or FALSE"),
    (16, 7, "1.1", "H17", "multiplier must be a number"),
    (17, 5, 99, "F18", "gap between bands"),
    (16, 1, None, "B17", "label_zh is blank"),
    (16, 3, 130, "D17", "A− is empty: lower 130 is not below upper 120"),
    (15, 3, 130, "F17", "gap between bands A+ (lower 130) and A− (upper 120)"),
    (14, 0, "等级", "A15", "expected the band header"),
])
def test_sheet_errors_point_at_the_cell(r, c, value, cell, fragment):
    rows = rules_to_rows(Rules.default())
    rows[r][c] = value
    with pytest.raises(RulesError) as err:
        rules_from_rows(rows)
    assert err.value.cell == f"规则!{cell}"
    assert fragment in err.value.message


@pytest.mark.parametrize("r, c, value, cell, message", [
    # B lower_inclusive: read as TRUE, the table would still be valid
    (17, 4, 2, "E18", "band B lower_inclusive must be TRUE or FALSE, found 2"),
    (16, 6, 2, "G17", "band A− upper_inclusive must be TRUE or FALSE, found 2"),
    (17, 4, -1, "E18", "band B lower_inclusive must be TRUE or FALSE, found -1"),
    (17, 4, 0.5, "E18", "band B lower_inclusive must be TRUE or FALSE, found 0.5"),
    # text, not the boolean a reader gives for a TRUE cell
    (17, 4, "TRUE", "E18", "band B lower_inclusive must be TRUE or FALSE, found 'TRUE'"),
])
def test_a_flag_cell_is_true_false_1_or_0_and_nothing_else(r, c, value, cell, message):
    rows = rules_to_rows(Rules.default())
    rows[r][c] = value
    with pytest.raises(RulesError) as err:
        rules_from_rows(rows)
    assert err.value.cell == f"规则!{cell}"
    assert str(err.value) == f"规则!{cell}: {message}"


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)).filter(lambda v: v not in (0, 1)))
def test_any_other_number_in_a_flag_cell_is_refused(value):
    rows = rules_to_rows(Rules.default())
    rows[17][4] = value
    with pytest.raises(RulesError, match="lower_inclusive must be TRUE or FALSE") as err:
        rules_from_rows(rows)
    assert err.value.cell == "规则!E18"


def test_reader_quirks_are_accepted():
    rows = [list(r) for r in rules_to_rows(Rules.default())]
    rows[5][1] = " None "  # case and spaces around the optional marker
    rows[16][4] = 0  # a flag read back as a number
    rows[16][6] = 1
    rows = [r[:4] if i < 13 else r for i, r in enumerate(rows)]  # trimmed rows
    assert rules_from_rows(rows) == Rules.default()


def test_bands_end_at_first_blank_grade():
    rows = rules_to_rows(Rules.default()) + [[None] * 8, ["Z", "z", "z", "none", None, 0, False, 1]]
    assert rules_from_rows(rows) == Rules.default()


# --------------------------------------------------------- property: round trip

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
non_negative = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
label = st.text(min_size=1, max_size=6).filter(lambda s: s.strip() != "")


@st.composite
def items(draw, name):
    floor = draw(st.none() | finite)
    cap = draw(st.none() | non_negative)
    if cap is not None and floor is not None:
        cap = floor + cap
    return Item(draw(non_negative), draw(non_negative), floor, cap, name=name)


@st.composite
def valid_rules(draw):
    n = draw(st.integers(1, 7))
    bounds = sorted(draw(st.lists(finite, min_size=n - 1, max_size=n - 1, unique=True)), reverse=True)
    upper_band_includes = draw(st.lists(st.booleans(), min_size=n - 1, max_size=n - 1))
    codes = draw(st.lists(label, min_size=n, max_size=n, unique=True))
    bands = []
    for i in range(n):
        lower = bounds[i] if i < n - 1 else None
        upper = bounds[i - 1] if i > 0 else None
        bands.append(Band(
            codes[i], draw(label), draw(label),
            lower, lower is not None and upper_band_includes[i],
            upper, upper is not None and not upper_band_includes[i - 1],
            draw(st.integers(0, 100_000)) / 10_000,
        ))
    low = draw(finite)
    rating = Rating(low, low + draw(st.floats(min_value=1e-3, max_value=1e6)), draw(non_negative))
    return Rules(draw(items("profit")), draw(items("tasks")), rating, tuple(bands),
                 draw(st.none() | st.integers(0, 9)))


@settings(max_examples=300)
@given(valid_rules())
def test_round_trip_rules_rows_rules(rules):
    rows = rules_to_rows(rules)
    back = rules_from_rows(rows)
    assert back == rules
    assert rules_to_rows(back) == rows


@settings(max_examples=200)
@given(valid_rules(), st.floats(allow_nan=False, allow_infinity=False))
def test_every_score_has_exactly_one_band(rules, score):
    assert sum(b.contains(score) for b in rules.bands) == 1


# --------------------------------------------------------- the weak-rating threshold (row 14)


def test_weak_rating_threshold_is_row_14_in_both_languages_default_15():
    rows = rules_to_rows(Rules.default())
    assert rule_cell("rating_weak_below") == "$B$14"
    assert rows[13][:2] == ["rating_weak_below", 15.0]
    assert "薄弱项" in rows[13][2] and "weak item" in rows[13][3]
    assert rows[14][0] == "grade" and rule_cell("grade", 0) == "$A$16"  # the bands stay where formulas look
    assert Rules.default().rating.weak_threshold == 15.0
    five = dataclasses.replace(Rules.default().rating, maximum=5)  # the default follows the range
    assert five.weak_threshold == 3.75


def test_a_sheet_from_before_the_threshold_reads_its_default():
    rows = rules_to_rows(Rules.default())
    rows[13] = [None] * 8  # the old layout's empty spacer row
    assert rules_from_rows(rows).rating.weak_threshold == 15.0
    rows[11][1] = 10.0  # rating_max 10: three quarters of the range
    assert rules_from_rows(rows).rating.weak_threshold == 7.5


@pytest.mark.parametrize("value, fragment", [
    (None, "'Discretionary rating: a rating below this is a weak item' is blank"),
    ("high", "'Discretionary rating: a rating below this is a weak item' must be a number, found 'high'"),
    (21, "must lie between 'Discretionary rating: lowest value allowed' (0) and "
          "'Discretionary rating: highest value allowed' (20), found 21"),
    (-1, "found -1"),
])
def test_a_bad_weak_rating_threshold_names_its_cell(value, fragment):
    rows = rules_to_rows(Rules.default())
    rows[13][1] = value
    with pytest.raises(RulesError) as err:
        rules_from_rows(rows)
    assert err.value.cell == "规则!B14"
    assert fragment in err.value.message


# ------------------------------------------------- refusals in the workbook's language

@pytest.mark.parametrize("r, c, value, cell, expected", [
    (16, 4, 2, "E17", "等级 A− 的含下限（lower_inclusive）必须是 TRUE 或 FALSE，现为 2"),
    (17, 5, 99, "F18", "等级 A−（下限 100）与 B（上限 99）之间有空隙"),
    (16, 1, None, "B17", "等级 A− 的中文名称（label_zh）为空"),
    (16, 3, 130, "D17", "等级 A− 的分数区间为空：下限 130 不低于上限 120"),
    (16, 7, "1.1", "H17", "等级 A− 的绩效倍数（multiplier）必须是数字，现为 '1.1'"),
    (16, 7, -1, "H17", "等级 A− 的绩效倍数（multiplier）不能小于 0，现为 -1"),
    (17, 0, "A+", "A18", "等级代码 A+ 出现了两次"),
    (14, 0, "等级", "A15", "此单元格应为等级表头 'grade'，现为 '等级'"),
    (1, 1, 12, "B2", "达成率小数位数必须是 0 到 9 的整数或 none，现为 12"),
])
def test_band_refusals_in_chinese_name_the_cell(r, c, value, cell, expected):
    rows = rules_to_rows(Rules.default())
    rows[r][c] = value
    with pytest.raises(RulesError) as err:
        rules_from_rows(rows, lang="zh")
    assert err.value.cell == f"规则!{cell}"
    assert err.value.message.startswith(expected)
    assert not re.search(r"\b(band|must|found)\b", err.value.message)
