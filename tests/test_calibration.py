"""Calibration core: quota rules, seats, the forced fit, the budget fit, rater bias, 9-box.

Expectations are worked out by hand in the comments (or, for the properties, checked
against the definitions with exact fractions), never taken from the code under test.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from perf_addin.domain.budget_fit import BudgetError, fit_budget, method_text
from perf_addin.domain.calibration import fits_quotas, forced_fit, group_keys, id_order
from perf_addin.domain.nine_box import PotentialError, nine_box, parse_potential, performance_levels
from perf_addin.domain.quotas import (
    POOLED_GROUP,
    QuotaError,
    group_bound_text,
    largest_remainder,
    parse_bound,
    parse_grades,
    quota_rules,
    seat_table,
)
from perf_addin.domain.rater_bias import rater_bias
from perf_addin.domain.rules import Rules
from perf_addin.errors import UserError

R = Rules.default()
CODES = [b.code for b in R.bands]  # A+, A−, B, C, D
TYPICAL = [("优+", "≤10%", "B2"), ("优+、优-", "<=30%", "B3"), ("差、极差", "≥10%", "B4")]


def table(scores, ids=None, group="d", profit=100.0, tasks=100.0):
    """Employees with the grade their score gives (DOMAIN.md bands)."""
    n = len(scores)
    grade = ["A+" if s > 120 else "A−" if s > 100 else "B" if s >= 90 else "C" if s >= 80 else "D" for s in scores]
    return pd.DataFrame({
        "employee_id": ids if ids is not None else list(range(1, n + 1)),
        "group": [group] * n if isinstance(group, str) else group,
        "grade": grade, "score": scores,
        "profit_attainment": profit if not np.isscalar(profit) else [profit] * n,
        "task_attainment": tasks if not np.isscalar(tasks) else [tasks] * n,
    })


# ---------------------------------------------------------------- parsing bounds


@pytest.mark.parametrize("value, expected", [
    ("≤10%", (None, Fraction(1, 10))),
    ("<=10%", (None, Fraction(1, 10))),
    ("≥ 10 %", (Fraction(1, 10), None)),
    (">=12.5%", (Fraction(1, 8), None)),
    ("=15%", (Fraction(3, 20), Fraction(3, 20))),
    ("15%", (Fraction(3, 20), Fraction(3, 20))),
    ("10%-20%", (Fraction(1, 10), Fraction(1, 5))),
    ("10-20%", (Fraction(1, 10), Fraction(1, 5))),
    ("10%～20%", (Fraction(1, 10), Fraction(1, 5))),  # full-width tilde
    ("不超过30%", (None, Fraction(3, 10))),
    ("至少５％", (Fraction(1, 20), None)),  # full-width digits and percent
    (0.1, (Fraction(1, 10), Fraction(1, 10))),
    (1, (Fraction(1), Fraction(1))),
    (0, (Fraction(0), Fraction(0))),
])
def test_bounds_parse(value, expected):
    assert parse_bound(value, "B2") == expected


@pytest.mark.parametrize("value, kind", [
    ("110%", "over_100"), (10, "over_100"), ("≤120%", "over_100"), ("20%-10%", "lower_above_upper"),
    ("<10%", "strict"), (">10%", "strict"), ("about 10%", "not_bound"), ("", "blank"), (None, "blank"),
    (-0.1, "negative"), ("-5%", "negative"), (True, "not_bound"), (float("nan"), "not_bound"),
])
def test_bad_bounds_name_the_cell(value, kind):
    with pytest.raises(QuotaError) as err:
        parse_bound(value, "规则!V3")
    assert err.value.kind == kind
    assert str(err.value).startswith("规则!V3: ")
    assert isinstance(err.value, UserError)


def test_bound_error_in_chinese():
    with pytest.raises(QuotaError, match=r"^规则!V3: “120%”超过 100%$"):
        parse_bound("120%", "规则!V3", lang="zh")


# ---------------------------------------------------------------- parsing grades


@pytest.mark.parametrize("value, expected", [
    ("优+", ("A+",)), ("A+", ("A+",)), ("outstanding", ("A+",)), ("A-", ("A−",)), ("优-", ("A−",)),
    ("优+、优-", ("A+", "A−")), ("优-/优+", ("A+", "A−")), ("优+和优-", ("A+", "A−")),
    ("差，极差", ("C", "D")), ("Very poor", ("D",)), ("Poor, very poor", ("C", "D")),
])
def test_grades_parse(value, expected):
    assert parse_grades(value, R, "U2") == expected


def test_unknown_grade_and_non_neighbours():
    with pytest.raises(QuotaError, match=r"^U2: 'S' is not a grade \(known: A\+, A−, B, C, D\)$"):
        parse_grades("S", R, "U2")
    with pytest.raises(QuotaError, match=r"^U3: “优”不是等级"):
        parse_grades("优", R, "U3", lang="zh")
    with pytest.raises(QuotaError) as err:
        parse_grades("优+、差", R, "U4")
    assert err.value.kind == "not_neighbours" and err.value.cell == "U4"


# ---------------------------------------------------------------- sets of rules


def test_minimums_over_100_percent_named():
    with pytest.raises(QuotaError) as err:
        quota_rules([("优+", "≥60%", "V2"), ("良好", "≤50%", "V3"), ("差", ">=50%", "V4")], R)
    assert err.value.kind == "min_sum"
    assert str(err.value) == "V2, V4: these quotas' minimums add up to 110%, over 100%: " \
                             "Outstanding ≥60% (V2); Poor ≥50% (V4)"


def test_caps_under_100_percent_named():
    rows = [(g, "≤15%", f"V{i + 2}") for i, g in enumerate(["优+", "优-", "良好", "差", "极差"])]
    with pytest.raises(QuotaError) as err:
        quota_rules(rows, R, lang="zh")
    assert err.value.kind == "max_sum"
    assert "上限合计只有 75%" in str(err.value) and str(err.value).startswith("V2, V3, V4, V5, V6: ")


def test_nested_caps_that_clash_named():
    # 优+ at least 25 % but 优+ and 优- together at most 20 %
    with pytest.raises(QuotaError) as err:
        quota_rules([("优+", "≥25%", "V2"), ("优+、优-", "≤20%", "V3")], R)
    assert err.value.kind == "conflict" and err.value.cell == "V2, V3"


def test_duplicate_rule_refused():
    with pytest.raises(QuotaError) as err:
        quota_rules([("优+", "≤10%", "V2"), ("A+", "≤20%", "V3")], R)
    assert err.value.kind == "duplicate" and err.value.cell == "V3"


def test_consistent_set_accepted():
    q = quota_rules(TYPICAL, R)
    assert [r.grades for r in q.rules] == [("A+",), ("A+", "A−"), ("C", "D")]
    assert q.rules[0].cell == "B2"


# ---------------------------------------------------------------- seats


def test_seats_round_caps_down_and_minimums_up():
    q = quota_rules(TYPICAL, R)
    s = seat_table(q, ["d"], [25])
    # 10 % of 25 = 2.5 -> at most 2; 30 % = 7.5 -> at most 7; 10 % = 2.5 -> at least 3
    assert s.high[0].tolist()[:2] == [2, 7] and s.low[0].tolist()[2] == 3
    assert s.gave_way == []


def test_largest_remainder_by_hand():
    # 15 %, 35 %, 50 % of 7 = 1.05, 2.45, 3.5: whole parts 1 + 2 + 3 = 6, the 7th to 0.5
    assert largest_remainder([Fraction(3, 20), Fraction(7, 20), Fraction(1, 2)], np.array([7])).tolist() == [[1, 2, 4]]
    # three equal thirds of 10: the leftover seat goes to the first
    third = Fraction(1, 3)
    assert largest_remainder([third, third, third], np.array([10])).tolist() == [[4, 3, 3]]


def test_exact_shares_by_largest_remainder():
    q = quota_rules([("优+", "=15%", "V2"), ("优-", "=35%", "V3")], R)
    s = seat_table(q, ["d"], [7])
    # with the rest (50 %) as a third party: 1.05, 2.45, 3.5 -> 1, 2, 4
    assert s.low[0].tolist() == [1, 2] and s.high[0].tolist() == [1, 2]


def test_small_group_says_which_bound_gave_way():
    q = quota_rules([("优+", "10%-15%", "V2")], R)
    s = seat_table(q, ["small"], [5])
    # 0.5 .. 0.75 people holds no whole person: the cap (0.75 -> 0) is 0.25 from 1,
    # the minimum (0.5 -> 1) is 0.5 from 0, so the cap gives way to 1
    [way] = s.gave_way
    assert (way.group, way.rule, way.side, way.intended, way.allowed) == ("small", 0, "max", 0, 1)
    assert group_bound_text(q, way, "zh") == "优+ 10%-15% (V2)：人数太少，上限由 0 人放宽为 1 人"
    assert group_bound_text(q, way, "en") == "Outstanding 10%-15% (V2): too few people, the cap gave way from 0 to 1"


def test_minimums_that_do_not_fit_a_small_group():
    # 4 people; 优+ ≥ 10 % (0.4 -> 1), 良好 ≥ 30 % (1.2 -> 2), 差 ≥ 10 % (1), 极差 ≥ 10 % (1): 5 > 4.
    # Undoing the round-up: 0.4 -> 0 costs 0.4, 1.2 -> 1 costs 0.2: 良好 gives way first.
    q = quota_rules([("优+", "≥10%", "V2"), ("良好", "≥30%", "V3"), ("差", "≥10%", "V4"), ("极差", "≥10%", "V5")], R)
    s = seat_table(q, ["g"], [4])
    assert [(w.rule, w.side, w.intended, w.allowed) for w in s.gave_way] == [(1, "min", 2, 1)]


# ---------------------------------------------------------------- groups


def test_small_departments_pool():
    q = quota_rules(TYPICAL, R, min_size=5)
    keys = group_keys(q, ["A"] * 6 + ["B"] * 2 + ["C"] * 3)
    assert keys.tolist() == ["A"] * 6 + [POOLED_GROUP] * 5


def test_group_names_in_the_workbook_language():
    from perf_addin.domain.calibration import group_name

    assert group_name(POOLED_GROUP, "zh") == "小部门合并" and group_name(POOLED_GROUP, "en") == "Small departments pooled"
    assert group_name("销售部", "en") == "销售部"


def test_company_and_column_units():
    q = quota_rules(TYPICAL, R, unit="company")
    assert len(set(group_keys(q, ["A", "B"]).tolist())) == 1
    q = quota_rules(TYPICAL, R, unit="column", column="事业部")
    assert group_keys(q, ["A", "B", "C"], ["x", "x", "y"]).tolist() == ["x", "x", "y"]


def test_ids_order_numbers_before_text():
    assert id_order([10, "A2", 9, "A10", 2.5]).tolist() == [2, 4, 1, 3, 0]


# ---------------------------------------------------------------- the forced fit


def test_fit_moves_the_fewest_by_hand():
    # 10 people; 优+ ≤ 10 % -> 1 seat, 优+ and 优- ≤ 30 % -> 3, 差 and 极差 ≥ 10 % -> 1.
    df = table([130, 125, 121, 110, 105, 101, 95, 95, 92, 91])
    fit = forced_fit(quota_rules(TYPICAL, R), R, df)
    e = fit.employees
    assert e["proposed_grade"].tolist() == ["A+", "A−", "A−", "B", "B", "B", "B", "B", "B", "C"]
    assert e["moved"].tolist() == [False, True, True, True, True, True, False, False, False, True]
    assert not e["tied"].any() and fit.ties == []
    counts = fit.counts.set_index("grade")
    assert counts["now"].tolist() == [3, 3, 4, 0, 0] and counts["proposed"].tolist() == [1, 2, 6, 1, 0]
    # multipliers follow the grade only where it moved
    assert e["proposed_multiplier"].tolist() == [1.2, 1.1, 1.1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9]


def test_fit_leaves_a_group_within_quota_alone():
    df = table([130, 110, 105, 95, 95, 95, 95, 92, 91, 85])
    fit = forced_fit(quota_rules(TYPICAL, R), R, df)
    assert not fit.employees["moved"].any()


def test_ranking_uses_attainments_then_id():
    # two at 125: the one with the higher profit attainment keeps the only 优+ seat
    df = table([125, 125, 95, 95, 95, 95, 95, 95, 95, 85], profit=[101, 109] + [100] * 8)
    fit = forced_fit(quota_rules(TYPICAL, R), R, df)
    assert fit.employees["proposed_grade"].tolist()[:2] == ["A−", "A+"]
    assert fit.employees["rank"].tolist()[:2] == [2, 1]
    assert fit.ties == []


def test_ties_on_a_boundary_are_listed_not_broken():
    # both at 125 with equal attainments for the one 优+ seat: ID alone would decide
    df = table([125, 125, 95, 95, 95, 95, 95, 95, 95, 85], ids=["E2", "E1", "E3", "E4", "E5", "E6", "E7", "E8",
                                                                "E9", "E10"])
    fit = forced_fit(quota_rules(TYPICAL, R), R, df)
    e = fit.employees
    assert e["tied"].tolist()[:2] == [True, True] and not e["tied"].iloc[2:].any()
    [tie] = fit.ties
    assert set(tie.employee_ids) == {"E1", "E2"} and tie.grades == ("A+", "A−") and tie.seats == (1, 1)


def test_fixed_grades_are_kept_and_counted():
    # the meeting fixed the third 优+: the fit must move the other two instead
    df = table([130, 125, 121, 95, 95, 95, 95, 95, 95, 85])
    df["fixed"] = [False, False, True] + [False] * 7
    fit = forced_fit(quota_rules(TYPICAL, R), R, df)
    assert fit.employees["proposed_grade"].tolist()[:3] == ["A−", "A−", "A+"]


def test_groups_fit_apart_and_ungraded_stay_out():
    df = pd.concat([table([130, 125] + [95] * 8, group="X"), table([95] * 9 + [85], ids=list(range(11, 21)), group="Y")])
    df.loc[df.index[3], "grade"] = None  # an input error: no grade
    fit = forced_fit(quota_rules(TYPICAL, R), R, df.reset_index(drop=True))
    e = fit.employees
    assert e["proposed_grade"].iloc[3] is None and not e["moved"].iloc[3]
    # X has 9 graded people: 优+ at most 0.9 -> no seat, so both 优+ go to 优-; 差/极差 at
    # least 0.9 -> 1, so its lowest 良好 goes to 差.  Y (9 良好, one 差) already fits.
    assert e.loc[e["moved"], "employee_id"].tolist() == [1, 2, 10]
    assert e.loc[e["moved"], "proposed_grade"].tolist() == ["A−", "A−", "C"]


# ---------------------------------------------------------------- properties


GRADE_SETS = [(0,), (1,), (2,), (3,), (4,), (0, 1), (3, 4), (1, 2), (2, 3), (0, 1, 2)]


@st.composite
def quota_sets(draw):
    picks = draw(st.lists(st.sampled_from(GRADE_SETS), min_size=1, max_size=4, unique=True))
    rows = []
    for i, grades in enumerate(picks):
        kind = draw(st.sampled_from(["max", "min", "range", "exact"]))
        a, b = sorted(draw(st.lists(st.integers(0, 100), min_size=2, max_size=2)))
        text = {"max": f"≤{b}%", "min": f"≥{a}%", "range": f"{a}%-{b}%", "exact": f"={a}%"}[kind]
        rows.append(("、".join(R.bands[g].label_zh for g in grades), text, f"V{i + 2}"))
    try:
        return quota_rules(rows, R)
    except QuotaError:
        assume(False)


@st.composite
def groups_of_people(draw):
    n_groups = draw(st.integers(1, 4))
    scores, groups = [], []
    for g in range(n_groups):
        size = draw(st.integers(1, 30))
        scores += draw(st.lists(st.sampled_from([70, 85, 95, 110, 125, 130]), min_size=size, max_size=size))
        groups += [f"g{g}"] * size
    return table(scores, group=groups, profit=[100.0] * len(scores))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(quota_sets(), groups_of_people(), st.lists(st.booleans(), min_size=120, max_size=120))
def test_fit_properties(q, df, fixed_flags):
    df["fixed"] = fixed_flags[: len(df)]
    fit = forced_fit(q, R, df)
    e = fit.employees
    counts = fit.counts
    for group, rows in counts.groupby("group", sort=False):
        # seat counts sum to the group size, and the people follow them
        assert rows["proposed"].sum() == (df["group"] == group).sum()
        got = e.loc[e["group"] == group, "proposed_grade"].value_counts()
        assert [int(got.get(c, 0)) for c in CODES] == rows["proposed"].tolist()
    proposed = np.stack([g["proposed"].to_numpy() for _, g in counts.groupby("group", sort=False)])
    # every bound holds: as rounded, or as it gave way where the group was too small
    assert fits_quotas(q, fit.seats, proposed).all()
    relaxed = {(w.group, w.rule, w.side) for w in fit.gave_way}
    for gi, group in enumerate(fit.seats.groups):
        n = int(fit.seats.sizes[gi])
        for ri, rule in enumerate(q.rules):
            a, b = q.index(rule)
            have = int(proposed[gi, a:b + 1].sum())
            if rule.minimum is not None and (group, ri, "min") not in relaxed and not rule.exact:
                assert have >= math.ceil(rule.minimum * n)
            if rule.maximum is not None and (group, ri, "max") not in relaxed and not rule.exact:
                assert have <= math.floor(rule.maximum * n)
            if rule.exact and not {(group, ri, "min"), (group, ri, "max")} & relaxed:
                assert math.floor(rule.minimum * n) <= have <= math.ceil(rule.minimum * n)
    # fixed people keep their grade; multipliers change only with the grade
    assert (e.loc[df["fixed"], "proposed_grade"] == df.loc[df["fixed"], "grade"]).all()
    same = ~e["moved"]
    assert (e.loc[same, "proposed_multiplier"] == e.loc[same, "multiplier"]).all()
    assert (e["proposed_grade"] != e["grade"]).eq(e["moved"]).all()
    # equal keys split across grades are always flagged, and listed together
    free = df[~df["fixed"]]
    for _, block in free.groupby(["group", "score", "profit_attainment", "task_attainment"]):
        if e.loc[block.index, "proposed_grade"].nunique() > 1:
            assert e.loc[block.index, "tied"].all()
            assert any(set(block["employee_id"]) <= set(t.employee_ids) for t in fit.ties)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fractions(0, 1), min_size=1, max_size=5), st.lists(st.integers(0, 500), min_size=1, max_size=5))
def test_largest_remainder_properties(raw, sizes):
    total = sum(raw)
    assume(total <= 1)
    shares = [*raw, 1 - total]
    seats = largest_remainder(shares, np.array(sizes))
    for row, n in zip(seats, sizes):
        assert row.sum() == n
        for s, share in zip(row, shares):
            assert math.floor(share * n) <= s <= math.ceil(share * n)


# ---------------------------------------------------------------- budget fit


def test_budget_by_hand():
    # weights 100×1.2 = 120 and 200×1.0 = 200, total 320; pool 1000 -> 375 and 625 exactly
    fit = fit_budget([100, 200], [1.2, 1.0], [1, 2], "1000")
    assert fit.cents == [37500, 62500]
    assert str(fit.factor) == "3.125"
    # three equal weights, pool 100.00: 3333.33... cents each, the one cent left to the lowest ID
    assert fit_budget([1000] * 3, [1.1] * 3, ["E3", "E1", "E2"], 100).cents == [3333, 3334, 3333]


def test_budget_zero_weight_gets_nothing_and_errors_name_the_cell():
    assert fit_budget([0, 50], [1.2, 0.8], [1, 2], "10.01").cents == [0, 1001]
    with pytest.raises(BudgetError, match=r"^规则!S3: 奖金池必须"):
        fit_budget([1], [1], [1], "10.001", cell="规则!S3", lang="zh")
    with pytest.raises(BudgetError, match="nothing to scale"):
        fit_budget([0, 0], [1, 1], [1, 2], 5)
    with pytest.raises(BudgetError, match="^row 2: "):
        fit_budget([1, -1], [1, 1], [1, 2], 5)
    assert "最大余数" in method_text("zh") and "largest remainder" in method_text("en")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10 ** 9), st.sampled_from([0.8, 0.9, 1.0, 1.1, 1.2, 1.15, 0.0])),
                min_size=1, max_size=40),
       st.integers(0, 10 ** 13))
def test_budget_sums_to_pool_exactly(rows, pool_cents):
    base = [c / 100 for c, _ in rows]
    mult = [m for _, m in rows]
    weights = [Fraction(c, 100) * Fraction(str(m)) for c, m in rows]
    assume(sum(weights) > 0)
    pool = f"{pool_cents // 100}.{pool_cents % 100:02d}"
    fit = fit_budget(base, mult, list(range(len(rows))), pool)
    assert sum(fit.cents) == pool_cents
    total = sum(weights)
    for cents, w in zip(fit.cents, weights):
        exact = Fraction(pool_cents) * w / total
        assert math.floor(exact) <= cents <= math.ceil(exact)  # never a cent beyond the share
        if w == 0:
            assert cents == 0


# ---------------------------------------------------------------- rater bias


def test_rater_bias_by_hand():
    d = pd.DataFrame({"department": ["A"] * 6 + ["B"] * 2, "supervisor": ["x"] * 3 + ["y"] * 3 + ["z"] * 2,
                      "rating": [18, 19, 20, 10, 11, 12, 5, 6], "score": [110, 111, 112, 90, 91, 92, 80, 81]})
    teams, norm = rater_bias(d)
    # department A: mean 15, spread sqrt(100/6); team x: mean 19, spread sqrt(2/3)
    assert teams["supervisor"].tolist() == ["x", "y"]
    assert teams["rating_gap"].tolist() == [4.0, -4.0]
    assert teams["rating_std"].iloc[0] == pytest.approx(math.sqrt(2 / 3))
    assert teams["dept_rating_std"].iloc[0] == pytest.approx(math.sqrt(100 / 6))
    # 18 is one team-spread below x's mean: 15 − sqrt(100/6)/sqrt(2/3) = 15 − 5 = 10
    assert norm[:6] == pytest.approx([10, 15, 20, 10, 15, 20])
    assert np.isnan(norm[6:]).all()  # team z (2 people) is skipped


# ---------------------------------------------------------------- 9-box


def test_performance_mapping_follows_the_on_target_grade():
    assert performance_levels(R).tolist() == [2, 2, 1, 0, 0]


def test_nine_box_counts_and_names():
    box = nine_box(["A+", "B", "D", None, "C", "A−"], ["高", "medium", "Low", "高", "", "HIGH"],
                   ["a", "b", "c", "d", "e", "f"], R)
    assert box.counts.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 2]]
    assert box.names[2][2] == ["a", "f"] and box.unplaced == 2


def test_potential_errors_name_the_cell():
    with pytest.raises(PotentialError, match=r"^员工!Q5: 潜力必须是 低、中 或 高.*“很高”$"):
        parse_potential(["高", "很高"], ["员工!Q4", "员工!Q5"], lang="zh")
    assert parse_potential(["ｈｉｇｈ", " 中 ", None], None).tolist() == [2, 1, -1]


def test_calibration_labels_in_both_languages():
    from perf_addin.labels import CALIBRATION_LABELS, header_aliases, label

    assert label("calibration.potential", "zh") == "潜力" and label("calibration.potential", "en") == "Potential"
    assert label("calibration.tied", "en") == "Tied (the meeting decides)"
    for zh, en in CALIBRATION_LABELS.values():
        assert zh and en and zh != en
    # not employee-table columns: the reader's header names stay as they were
    with pytest.raises(KeyError):
        header_aliases("calibration.potential")
