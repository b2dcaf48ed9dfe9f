"""A grade set in the calibration meeting (校准等级) wins over the score's grade: in the
engine's results, in the native formulas (LibreOffice recalculates them to the same
numbers), and it is checked: a calibrated grade that is no grade, one without a reason
and a potential that is not low/medium/high are input problems naming the cell."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest

from perf_addin.book.department import all_problems, read_employees, read_rules
from perf_addin.domain.rules import Rules
from perf_addin.domain.scoring import calibrated_index, score_table, UNKNOWN_GRADE
from perf_addin.jobs.score import score_workbook
from tests.test_results import ZH, make_department

HEADER = ZH + ["校准等级", "校准理由", "潜力"]
# profit 100 % (60) + tasks 100 % (20) + rating → score 80 + rating
BASE = [100, 100, 100, 100]


def row(i: int, rating: float, calibrated=None, reason=None, potential=None, base=10000) -> list:
    return [1000 + i, f"员工{i}", "销售部", "员工", "王经理", *BASE, rating, base, calibrated, reason, potential]


ROWS = [
    row(0, 15),                                  # 95 良好, no calibration: 1.0, 10000.00
    row(1, 15, "优+", "项目突出"),                # calibrated up: 1.2, 12000.00
    row(2, 15, "a+", "代码大小写"),               # the code in any case: 优+
    row(3, 15, "  Poor ", "英文标签"),            # the English label, spaces trimmed: 差 0.9
    row(4, 15, "优秀", "不是等级"),               # no grade: #N/A, a problem
    row(5, 15, "差"),                             # no reason: applied, but a problem
    row(6, 15, None, None, "高"),                 # a potential
    row(7, 15, None, None, "很高"),               # not a potential: a problem
    row(8, 15, "   ", None, "Medium"),            # spaces only: no calibration
    row(9, 30, "优+", "评分超范围"),              # a bad rating: the row is an error whatever is calibrated
]


def test_calibrated_index_matches_code_and_labels():
    rules = Rules.default()
    got = calibrated_index(["优+", "A−", "excellent", " 良好 ", "", None, "x", 3.0], rules)
    assert got.tolist() == [0, 1, 1, 2, -1, -1, UNKNOWN_GRADE, UNKNOWN_GRADE]


def test_engine_pays_the_calibrated_grade():
    frame = {"profit_actual": [100] * 3, "profit_target": [100] * 3, "tasks_done": [100] * 3,
             "tasks_target": [100] * 3, "rating": [15] * 3, "base_bonus": [10000] * 3,
             "校准等级": ["", "优-", "nope"]}
    s = score_table(frame, Rules.default())
    assert s["grade"].tolist() == ["B", "A−", None]
    assert s["multiplier"].tolist()[:2] == [1.0, 1.1] and pd_isnan(s["multiplier"].iat[2])
    assert s["bonus_cents"].tolist() == [1000000, 1100000, None]
    assert s["score_grade"].tolist() == ["B", "B", "B"]
    assert s["error_field"].tolist() == [None, None, "calibrated_grade"]


def pd_isnan(v) -> bool:
    return v != v


@pytest.fixture
def book(tmp_path):
    return make_department(tmp_path / "cal.xlsx", ROWS, header=HEADER)


def test_score_writes_the_calibrated_grade_and_reports_bad_ones(book):
    report = score_workbook(book)
    wb = openpyxl.load_workbook(book, data_only=True)
    ws = wb["Staff"]
    # result columns after the three meeting columns: O score, P grade, Q multiplier, R bonus, S check
    got = [(ws.cell(r, 16).value, ws.cell(r, 17).value, ws.cell(r, 18).value) for r in range(2, 12)]
    assert got[:4] == [("良好", 1.0, 10000), ("优+", 1.2, 12000), ("优+", 1.2, 12000), ("差", 0.9, 9000)]
    assert got[4] == ("#N/A", "#N/A", "#N/A")
    assert got[5] == ("差", 0.9, 9000) and got[6] == got[8] == ("良好", 1.0, 10000)
    assert ws.cell(11, 15).value == "#N/A"  # rating 30: no score, no calibrated pay
    cells = sorted(p.cell for p in report.problems)
    assert cells == ["Staff!J11", "Staff!L6", "Staff!L7", "Staff!N9"]
    text = {p.cell: p.message for p in report.problems}
    assert "优秀" in text["Staff!L6"] and "优+" in text["Staff!L6"]
    assert "校准理由" in text["Staff!L7"]
    assert "很高" in text["Staff!N9"]
    assert "L6" in ws.cell(6, 19).value
    assert report.total_bonus == Decimal(10000 + 12000 + 12000 + 9000 + 9000 + 10000 + 10000 + 10000)


def test_english_workbook_words_problems_in_english(tmp_path):
    from tests.test_results import EN
    header = EN + ["Calibrated grade", "Calibration reason", "Potential"]
    path = make_department(tmp_path / "en.xlsx", [row(0, 15, "Outstanding"), row(1, 15, None, None, "huge")],
                           header=header)
    table = read_employees(path)
    rules = read_rules(path)
    problems = all_problems(table, score_table(table.frame, rules), rules)
    assert [p.cell for p in problems] == ["Staff!L2", "Staff!N3"]
    assert "reason" in problems[0].message and "low, medium or high" in problems[1].message


@pytest.mark.libreoffice
def test_libreoffice_recalculates_calibrated_results(book, soffice):
    score_workbook(book)
    cached = openpyxl.load_workbook(book, data_only=True)["Staff"]
    computed = soffice.read_sheets(book)["Staff"]
    for r in range(2, 12):
        for c in (15, 16, 17, 18):
            want = cached.cell(r, c).value
            got = computed[r - 1][c - 1]
            if want == "#N/A":
                assert got == "#N/A", (r, c, got)
            elif isinstance(want, str):
                assert got == want, (r, c, got, want)
            else:
                assert Decimal(got) == Decimal(str(want)), (r, c, got, want)


# ------------------------------------------- the formulas against the engine, for any text

from hypothesis import given, settings, strategies as st  # noqa: E402

from perf_addin.domain import formulas as xf  # noqa: E402
from perf_addin.domain.rules import RULES_SHEET, rules_to_rows  # noqa: E402
from tests.formula_eval import NA, Sheet, grid_cells  # noqa: E402

NAMES = [n for b in Rules.default().bands for n in (b.code, b.label_zh, b.label_en)]
CALIBRATED = st.one_of(
    st.none(), st.just(""), st.just("   "),
    st.builds(lambda n, up, left, right: " " * left + (n.upper() if up else n) + " " * right,
              st.sampled_from(NAMES), st.booleans(), st.integers(0, 2), st.integers(0, 2)),
    st.sampled_from(["优秀", "A", "B+", "good grade", "1.2"]), st.integers(-3, 3).map(float))


@settings(max_examples=300, deadline=None)
@given(calibrated=CALIBRATED, score=st.sampled_from([75.0, 80.0, 95.0, 100.0, 100.5, 120.0, 121.0, float("nan")]),
       base=st.sampled_from([10000.0, 0.05, 999.995]))
def test_formulas_pay_what_the_engine_pays_for_any_calibrated_text(calibrated, score, base):
    rules = Rules.default()
    cells = grid_cells(RULES_SHEET, rules_to_rows(rules))
    cells[("data", "G2")] = None if score != score else score
    cells[("data", "F2")] = base
    cells[("data", "H2")] = calibrated
    sheet = Sheet(cells, "data")
    grade = sheet.evaluate(xf.grade_formula("G2", rules, label="zh", calibrated="H2"))
    mult = sheet.evaluate(xf.multiplier_formula("G2", rules, calibrated="H2"))
    bonus = sheet.evaluate(xf.bonus_formula("F2", "G2", rules, calibrated="H2"))
    from perf_addin.domain.scoring import grade_table
    engine = grade_table([score], rules, base_bonus=[base], calibrated=[calibrated]).iloc[0]
    if engine["label_zh"] is None:
        assert grade == NA and mult == NA and bonus == NA
    else:
        assert grade == engine["label_zh"] and mult == engine["multiplier"]
        assert Decimal(repr(bonus)) == Decimal(int(engine["bonus_cents"])) / 100
    # a blank calibrated cell is the score's own grade, exactly as without the column
    if calibrated is None or not str(calibrated).strip():
        assert grade == sheet.evaluate(xf.grade_formula("G2", rules, label="zh"))
