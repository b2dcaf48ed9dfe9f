"""Native formula text: well-formed, Excel 2010 functions only, right cells."""

from __future__ import annotations

import dataclasses
import random
import re

import numpy as np
import pytest

from perf_addin.domain import formulas as xf
from perf_addin.domain.rules import RULES_SHEET, Rules, rule_cell, rules_to_rows
from perf_addin.domain.scoring import grade_table, item_table, score_table
from formula_eval import NA, Sheet, grid_cells

DEFAULT = Rules.default()
REFS = xf.RowRefs("A2", "B2", "C2", "D2", "E2", "F2")
RULE_REF = re.compile(r"('(?:[^']|'')+'|[^\W\d]\w*)!(\$[A-Z]+\$\d+)")


def all_formulas(rules=DEFAULT, sheet=RULES_SHEET):
    return {
        "attainment": xf.attainment_formula("A2", "B2", sheet),
        "profit": xf.profit_points_formula("A2", "B2", sheet),
        "tasks": xf.task_points_formula("C2", "D2", sheet),
        "rating": xf.rating_points_formula("E2", sheet),
        "score": xf.score_formula(REFS, sheet),
        "grade": xf.grade_formula("G2", rules, sheet),
        "multiplier": xf.multiplier_formula("G2", rules, sheet),
        "bonus": xf.bonus_formula("F2", "G2", rules, sheet),
    }


def rules_cells(formula):
    return {cell for _, cell in RULE_REF.findall(formula)}


def strip_strings(formula):
    return RULE_REF.sub("R", formula)


def max_depth(text):
    depth = deepest = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        assert depth >= 0
        deepest = max(deepest, depth)
    assert depth == 0
    return deepest


@pytest.mark.parametrize("name", list(all_formulas()))
def test_formula_is_well_formed(name):
    f = all_formulas()[name]
    assert f.startswith("=") and not f.startswith("==")
    body = strip_strings(f)
    assert "'" not in body and '"' not in body and ";" not in body
    assert max_depth(body) < 64  # Excel's nesting limit
    assert len(f) < 8192  # Excel's formula length limit
    functions = set(re.findall(r"([A-Z][A-Z0-9.]*)\(", body))
    assert functions <= xf.FUNCTIONS_USED, functions - xf.FUNCTIONS_USED
    assert not re.search(r"\b(LET|XLOOKUP|IFS|SWITCH|LAMBDA|FILTER)\(", body)
    assert "NA()" in body


def test_sheet_name_is_quoted():
    assert xf.quote_sheet("规则") == "规则" and xf.quote_sheet("Dept 1") == "'Dept 1'"
    assert xf.quote_sheet("Bob's rules") == "'Bob''s rules'"
    assert xf.rule_ref("profit_weight") == "规则!$B$3"
    f = xf.profit_points_formula("A2", "B2", sheet="Bob's rules")
    assert "'Bob''s rules'!$B$3" in f and "规则" not in f


def test_attainment_rounds_twice_with_the_decimals_cell():
    f = xf.attainment_formula("A2", "B2")
    assert "ROUND(ROUND(A2/B2*100,9),规则!$B$2)" in f
    assert "ISNUMBER(规则!$B$2)" in f  # 'none' keeps the exact ratio


def test_profit_points_reference_the_profit_settings():
    f = xf.profit_points_formula("A2", "B2")
    assert rules_cells(f) == {"$B$2", "$B$3", "$B$4", "$B$5", "$B$6"}
    assert "规则!$B$3+IF(规则!$B$4=0,0,规则!$B$4*(" in f  # weight + slope * (attainment - 100)
    assert "MAX(IF(ISNUMBER(规则!$B$5),规则!$B$5,-1E+300)," in f and "MIN(IF(ISNUMBER(规则!$B$6),规则!$B$6,1E+300)," in f
    # a ratio or total no double holds stands for ±infinity: the cap above target, the floor below
    assert "IF(A2>B2,IF(ISNUMBER(规则!$B$6),规则!$B$6,NA()),IF(ISNUMBER(规则!$B$5),规则!$B$5,NA()))" in f
    assert "ABS(A2/B2*100)<=1E+300" in f
    assert f.startswith("=IF(OR(NOT(ISNUMBER(A2)),ISLOGICAL(A2),NOT(ISNUMBER(B2)),ISLOGICAL(B2),B2<=0),NA(),")


def test_task_points_reference_the_task_settings():
    f = xf.task_points_formula("C9", "D9")
    assert rules_cells(f) == {"$B$2", "$B$7", "$B$8", "$B$9", "$B$10"}
    assert "C9/D9*100" in f and "D9<=0" in f


def test_score_references_every_input_and_setting():
    f = xf.score_formula(REFS)
    assert rules_cells(f) == {f"$B${r}" for r in range(2, 14)}
    for ref in ("A2", "B2", "C2", "D2", "E2"):
        assert f"ISNUMBER({ref})" in f and f"ISLOGICAL({ref})" in f
    assert "F2" not in f  # the base bonus does not affect the score
    assert "E2<规则!$B$11" in f and "E2>规则!$B$12" in f
    assert "ROUND((E2-规则!$B$11)*规则!$B$13/(规则!$B$12-规则!$B$11),9)" in f


def test_band_formulas_reference_every_band_cell():
    g = xf.grade_formula("G2", DEFAULT)
    bounds = {f"${c}${r}" for c in "DEFG" for r in range(16, 21)}
    assert rules_cells(g) == bounds | {f"$B${r}" for r in range(16, 21)}
    assert rules_cells(xf.grade_formula("G2", DEFAULT, label="en")) == bounds | {f"$C${r}" for r in range(16, 21)}
    assert rules_cells(xf.multiplier_formula("G2", 5)) == bounds | {f"$H${r}" for r in range(16, 21)}
    assert rules_cells(xf.bonus_formula("F2", "G2", 5)) == bounds | {f"$H${r}" for r in range(16, 21)}
    assert "ROUND(G2,9)>=规则!$D$18" in g  # band B: 90 <= score
    top, middle, bottom = DEFAULT.bands[0], DEFAULT.bands[2], DEFAULT.bands[4]
    three = dataclasses.replace(DEFAULT, bands=(
        dataclasses.replace(top, lower=100.0), middle, dataclasses.replace(bottom, upper=90.0)))
    assert max(int(c.split("$")[2]) for c in rules_cells(xf.grade_formula("G2", three))) == 18


def test_referenced_cells_hold_rule_values():
    rows = rules_to_rows(DEFAULT)
    for name, f in all_formulas().items():
        for cell in rules_cells(f):
            col, row = re.fullmatch(r"\$([A-Z])\$(\d+)", cell).groups()
            value = rows[int(row) - 1][ord(col) - 65]
            header = rows[int(row) - 1][0]
            assert header not in ("key", "grade"), (name, cell)  # never a header row
            assert value is not None or col in "EG", (name, cell)  # only open-bound flags are blank


def test_bonus_rounds_like_the_engine():
    f = xf.bonus_formula("F2", "G2", DEFAULT)
    assert f.startswith("=IF(OR(NOT(ISNUMBER(F2)),ISLOGICAL(F2),NOT(ISNUMBER(G2)),ISLOGICAL(G2),F2<0,F2>1E+300),NA(),")
    assert f.endswith(",9),2))") and "ROUND(ROUND(F2*IF(" in f


def test_rule_cell_drives_the_formulas():
    assert xf.rule_ref("multiplier", 0) == "规则!" + rule_cell("multiplier", 0)
    with pytest.raises(ValueError):
        xf.grade_formula("G2", 0)


# ------------------------------------------- evaluated at the band boundaries
#
# The formulas are evaluated by a small evaluator of the subset they use
# (tests/formula_eval.py), so a wrong comparison or fallback is caught here,
# in milliseconds, and not only by the LibreOffice parity below.  The expected
# grades are DOMAIN.md's bands, written out: D below 80, C 80 to under 90,
# B 90 to 100 inclusive, A− above 100 to 120 inclusive, A+ above 120.


def evaluate(formula, score, rows=None, base=None):
    cells = grid_cells(RULES_SHEET, rows or rules_to_rows(DEFAULT))
    cells[("data", "G2")] = score
    cells[("data", "F2")] = base
    return Sheet(cells, "data").evaluate(formula)


BOUNDARIES = [
    (79.999999, "D", 0.8), (80, "C", 0.9), (80.000001, "C", 0.9),
    (89.999999, "C", 0.9), (90, "B", 1.0), (90.000001, "B", 1.0),
    (99.999999, "B", 1.0), (100, "B", 1.0), (100.000001, "A−", 1.1),
    (119.999999, "A−", 1.1), (120, "A−", 1.1), (120.000001, "A+", 1.2),
    (100.0000000004, "B", 1.0),  # rounded to 9 decimals first: 100
]


@pytest.mark.parametrize("score, code, mult", BOUNDARIES)
def test_grade_formula_at_the_band_boundaries(score, code, mult):
    assert evaluate(xf.grade_formula("G2", DEFAULT, label="code"), score) == code
    assert evaluate(xf.multiplier_formula("G2", DEFAULT), score) == mult
    assert evaluate(xf.bonus_formula("F2", "G2", DEFAULT), score, base=1000) == 1000 * mult


@pytest.mark.parametrize("score, code", [(90, "C"), (80, "D"), (100, "A−"), (120, "A+")])
def test_the_inclusive_flags_on_the_sheet_move_the_boundary(score, code):
    """Each boundary flipped on the sheet: the upper band takes 120, 100; the lower 90, 80."""
    rows = [list(r) for r in rules_to_rows(DEFAULT)]
    lower_inc, upper_inc = 4, 6
    for r in range(15, 20):  # A+ .. D
        if rows[r][lower_inc] is not None:
            rows[r][lower_inc] = not rows[r][lower_inc]
        if rows[r][upper_inc] is not None:
            rows[r][upper_inc] = not rows[r][upper_inc]
    assert evaluate(xf.grade_formula("G2", DEFAULT, label="code"), score, rows) == code


def test_a_score_in_no_band_is_na_not_zero():
    """A band table broken on the sheet (a gap 85–90) gives #N/A, never a grade or 0."""
    rows = [list(r) for r in rules_to_rows(DEFAULT)]
    rows[18][5] = 85  # C: 80 to under 85; nothing holds 85 to under 90
    assert evaluate(xf.bonus_formula("F2", "G2", DEFAULT), 87, rows, base=1000) == NA
    assert evaluate(xf.grade_formula("G2", DEFAULT, label="code"), 87, rows) == NA
    assert evaluate(xf.multiplier_formula("G2", DEFAULT), 87, rows) == NA
    assert evaluate(xf.grade_formula("G2", DEFAULT, label="code"), 84, rows) == "C"


@pytest.mark.parametrize("row, score", [(17, 90), (18, 80)])
def test_a_boundary_no_band_includes_is_na(row, score):
    """Both flags at a boundary FALSE on the sheet: that exact score is in no band."""
    rows = [list(r) for r in rules_to_rows(DEFAULT)]
    rows[row][4] = False  # B (or C) lower_inclusive; C (or D) upper_inclusive is already FALSE
    grade = xf.grade_formula("G2", DEFAULT, label="code")
    assert evaluate(grade, score, rows) == NA
    assert evaluate(grade, score + 0.001, rows) == DEFAULT.bands[row - 15].code


@pytest.mark.parametrize("score", [None, "x", True])
def test_no_number_no_grade(score):
    assert evaluate(xf.grade_formula("G2", DEFAULT), score) == NA
    assert evaluate(xf.bonus_formula("F2", "G2", DEFAULT), score, base=1000) == NA


@pytest.mark.parametrize("inputs, score", [
    ((100, 100, 100, 100, 0), 80), ((100, 100, 100, 100, 10), 90),
    ((100, 100, 100, 100, 20), 100), ((120, 100, 100, 100, 20), 120),
    ((3500, 3200, 120, 100, 20), 111.0),  # 60 + 9 (109 %) + 20 + 2 + 20
    ((100, 100, 103, 100, 0.11), 80.41),
])
def test_score_formula_evaluates_to_hand_computed_totals(inputs, score):
    cells = grid_cells(RULES_SHEET, rules_to_rows(DEFAULT))
    cells.update({("data", f"{c}2"): v for c, v in zip("ABCDE", inputs)})
    assert Sheet(cells, "data").evaluate(xf.score_formula(REFS)) == score


def test_rating_points_formula_is_rounded():
    cells = grid_cells(RULES_SHEET, rules_to_rows(DEFAULT))
    cells[("data", "E2")] = 0.11  # 0.11 * 20 / 20 is 0.11000000000000001 unrounded
    assert Sheet(cells, "data").evaluate(xf.rating_points_formula("E2")) == 0.11


# --------------------------------------------------------- LibreOffice parity

def parity_inputs():
    rng = random.Random(7)
    rows = [(3500, 3200, 120, 100, 20, 10000), (201, 200, 103, 100, 19.7, 0.05), (-201, 200, 97, 100, 0, 1.45),
            (1005, 1000, 100, 100, 0, 999.995), (None, 1, 1, 1, 1, 1), ("x", 1, 1, 1, 1, 1), (True, 1, 1, 1, 1, 1),
            (1, 0, 1, 1, 1, 1), (1, 1, 1, 1, 21, 1), (1, 1, 1, 1, 1, -1), (11, 10, 100, 100, 10, 3.33),
            (90, 100, 100, 100, 0, 1), (80, 100, 100, 100, 0, 1), (120, 100, 100, 100, 0, 1)]
    # scores exactly on each band boundary (80, 90, 100, 120) and just either side
    rows += [(100, 100, 100, 100, r, 1000) for r in (0, 0.1, 9.9, 10, 10.1, 19.9, 20)]
    rows += [(pa, 100, 100, 100, 20, 1000) for pa in (101, 119, 120, 121)]
    for _ in range(200):
        rows.append((rng.choice([rng.randint(-500, 9000), round(rng.uniform(-500, 9000), 3)]),
                     rng.choice([rng.randint(1, 5000), round(rng.uniform(0.5, 5000), 2)]),
                     rng.randint(0, 300), rng.randint(1, 200),
                     rng.choice([rng.randint(0, 20), round(rng.uniform(0, 20), 1)]), round(rng.uniform(0, 1e5), 2)))
    return rows


@pytest.mark.libreoffice
@pytest.mark.parametrize("rules", [DEFAULT, dataclasses.replace(DEFAULT, attainment_decimals=None)], ids=["default", "exact"])
def test_libreoffice_recalculation_matches_engine(tmp_path, soffice, rules):
    """Recalculated by LibreOffice, every formula equals the engine's value."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    rs = wb.create_sheet(RULES_SHEET)
    for r in rules_to_rows(rules):
        rs.append(r)
    rows = parity_inputs()
    ws.append(["pa", "pt", "td", "tt", "rating", "base", "score", "pp", "tp", "grade", "mult", "bonus"])
    for j, values in enumerate(rows, start=2):
        refs = xf.RowRefs(*(f"{c}{j}" for c in "ABCDEF"))
        ws.append([*values, xf.score_formula(refs), xf.profit_points_formula(f"A{j}", f"B{j}"),
                   xf.task_points_formula(f"C{j}", f"D{j}"), xf.grade_formula(f"G{j}", rules, label="code"),
                   xf.multiplier_formula(f"G{j}", rules), xf.bonus_formula(f"F{j}", f"G{j}", rules)])
    wb.save(tmp_path / "parity.xlsx")
    got = soffice.read_sheets(tmp_path / "parity.xlsx")["data"][1:]

    cols = [list(c) for c in zip(*rows)]
    names = ("profit_actual", "profit_target", "tasks_done", "tasks_target", "rating")
    score = score_table(dict(zip(names, cols)), rules).score.to_numpy()
    graded = grade_table(score, rules, base_bonus=cols[5])
    expected = {  # what each formula depends on, exactly as the formulas do
        6: score,
        7: item_table(cols[0], cols[1], "profit", rules).points.to_numpy(),
        8: item_table(cols[2], cols[3], "tasks", rules).points.to_numpy(),
        9: grade_table(score, rules).grade.to_numpy(),
        10: grade_table(score, rules).multiplier.to_numpy(),
        11: graded.bonus.to_numpy(),
    }
    mismatches = []
    for i, line in enumerate(got):
        for col, values in expected.items():
            want, cell = values[i], line[col]
            if want is None or (isinstance(want, float) and np.isnan(want)):
                ok = cell.startswith("#")
            elif isinstance(want, str):
                ok = cell == want
            else:
                ok = not cell.startswith("#") and float(cell) == want
            if not ok:
                mismatches.append((i + 2, col, want, cell))
    assert mismatches == []
