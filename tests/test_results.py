"""Scores in place: result columns as native formulas with cached values, checked
against the engine, against LibreOffice's own recalculation, and for safety."""

from __future__ import annotations

import random
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from perf_addin.cli import SAMPLE
from perf_addin.book.department import read_employees
from perf_addin.jobs.score import HEADERS, RESULT_FIELDS, score_workbook
from perf_addin.domain.rules import RULES_SHEET, Rules, rules_to_rows
from perf_addin.xlsx import Workbook

ZH = ["工号", "姓名", "部门", "职级", "直接上级", "实际盈利", "目标盈利", "完成件数", "目标件数",
      "平时表现", "奖金基数"]
EN = ["Employee ID", "Name", "Department", "Level", "Supervisor", "Profit actual", "Profit target",
      "Tasks done", "Tasks target", "Rating", "Base bonus"]


def trap_rows(n_random: int = 2000, seed: int = 7) -> list[list]:
    """Inputs that sit on every boundary the rules have, then random ones."""
    traps = [
        (3500, 3200, 120, 100, 20),  # the article: 111
        (201, 200, 100, 100, 0), (-201, 200, 100, 100, 0), (1005, 1000, 100, 100, 0),
        (100, 100, 100, 100, 0), (100, 100, 100, 100, 10), (100, 100, 100, 100, 20),  # 80 90 100
        (100, 100, 100, 100, 9.999999), (100, 100, 100, 100, 10.000001),
        (100, 100, 100, 100, 19.9999999), (100, 100, 100, 100, 0.0000001),
        (120, 100, 100, 100, 20), (120, 100, 101, 100, 20), (119, 100, 100, 100, 20),  # 120
        (99.5, 100, 100, 100, 20), (99.49999999, 100, 100, 100, 20),
        (0, 100, 0, 100, 0), (-5000, 100, 100, 100, 5), (1e12, 1, 1e9, 1, 20),
        (1e-9, 1e-9, 3e-9, 1e-9, 0.1 + 0.2), (0.1 + 0.2, 0.3, 7, 3, 13.3),
        (3500, 0, 100, 100, 10), (3500, 3200, 100, 100, 25), (3500, 3200, 100, -1, 10),
    ]
    rnd = random.Random(seed)
    rows = []
    for i, (pa, pt, td, tt, r) in enumerate(traps):
        rows.append([5000 + i, f"边界{i}", "测试部", "员工", "", pa, pt, td, tt, r, 10000 + i * 0.01])
    for i in range(n_random):
        target = rnd.choice([100, 200, 3200, 999, 7])
        rows.append([6000 + i, f"随机{i}", "测试部", "员工", "",
                     round(target * rnd.uniform(0.5, 1.6), rnd.choice([0, 2, 5])), target,
                     rnd.randint(0, 150), rnd.choice([10, 100, 120, 3]),
                     round(rnd.uniform(0, 20), rnd.choice([0, 1, 2, 7])),
                     round(rnd.uniform(0, 200000), 2)])
    return rows


def make_department(path: Path, rows: list[list], header=ZH, start=(0, 0), rules: Rules | None = None,
                    with_rules_sheet: bool = True) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("员工" if header is ZH else "Staff")
    r0, c0 = start
    ws.write_row(r0, c0, header)
    for i, row in enumerate(rows, start=r0 + 1):
        for j, value in enumerate(row):
            if value is not None:
                ws.write(i, c0 + j, value)
    if with_rules_sheet:
        rs = wb.add_worksheet(RULES_SHEET)
        for i, row in enumerate(rules_to_rows(rules or Rules.default())):
            for j, value in enumerate(row):
                if value is not None:
                    rs.write(i, j, value)
    wb.close()
    return path


@pytest.fixture
def sample(tmp_path) -> Path:
    path = tmp_path / "sample.xlsx"
    shutil.copyfile(SAMPLE, path)
    return path


def test_the_sample_is_scored_with_formulas_and_cached_values(sample):
    report = score_workbook(sample)
    table = read_employees(sample)
    cols = table.result_columns
    assert set(cols) == {"score", "grade", "multiplier", "bonus", "check"}
    formulas = openpyxl.load_workbook(sample)["员工"]
    values = openpyxl.load_workbook(sample, data_only=True)["员工"]
    article = table.rows[5]  # 3500/3200, 120/100, 20
    assert values.cell(article, cols["score"]).value == 111
    assert values.cell(article, cols["grade"]).value == "优-"
    assert values.cell(article, cols["multiplier"]).value == 1.1
    assert values.cell(article, cols["bonus"]).value == 19800
    assert formulas.cell(article, cols["score"]).value.startswith("=IF(")
    assert "规则!$B$3" in formulas.cell(table.rows[0], cols["score"]).value
    bad = table.rows[14]  # target 0
    assert values.cell(bad, cols["score"]).value == "#N/A"
    assert "目标盈利必须大于 0" in values.cell(bad, cols["check"]).value
    assert report.employees == 40 and report.scored == 36 and len(report.problems) == 4
    # worked out from DOMAIN.md's rules for the sample's 36 good rows (exact decimals,
    # each bonus rounded half up to the cent), not by the engine
    assert dict(report.by_grade) == {"A+": 5, "A−": 15, "B": 8, "C": 4, "D": 4}
    assert report.total_bonus == Decimal("526200.00")
    cached = [values.cell(r, cols["bonus"]).value for r in table.rows]
    assert sum(Decimal(str(v)) for v in cached if isinstance(v, (int, float))) == Decimal("526200.00")


#: The first trap rows scored by hand from DOMAIN.md: attainment rounded to a whole
#: percent (half away from zero, after 9 decimals), profit 60 ± 1 per percent (floor 0),
#: tasks 20 ± 0.1 per percent (floor 0), plus the rating; bands D < 80 ≤ C < 90 ≤ B
#: ≤ 100 < A− ≤ 120 < A+.
HAND_SCORED = [
    (111, "优-"),          # 109.375 % -> 109: 69 + 22 + 20
    (81, "差"),            # 201/200 = 100.5 % -> 101: 61 + 20
    (20, "极差"),          # -100.5 % -> -101: floor 0, + 20
    (81, "差"),            # 1005/1000 is 100.49999999999999 in binary, 100.5 at 9 decimals
    (80, "差"), (90, "良好"), (100, "良好"),
    (89.999999, "差"), (90.000001, "良好"), (99.9999999, "良好"), (80.0000001, "差"),
    (120, "优-"), (120.1, "优+"), (119, "优-"),
    (100, "良好"),         # 99.5 % -> 100
    (99, "良好"),          # 99.49999999 % -> 99
    (10, "极差"),          # 0 %: floor 0, tasks 20 - 10
]


def test_cached_results_are_the_hand_computed_scores(tmp_path):
    rows = trap_rows(0)
    path = make_department(tmp_path / "hand.xlsx", rows[:len(HAND_SCORED)] + rows[-3:])
    score_workbook(path)
    table = read_employees(path)
    cols = table.result_columns
    ws = openpyxl.load_workbook(path, data_only=True)["员工"]
    got = [(ws.cell(r, cols["score"]).value, ws.cell(r, cols["grade"]).value) for r in table.rows]
    assert got[:len(HAND_SCORED)] == HAND_SCORED
    assert got[len(HAND_SCORED):] == [("#N/A", "#N/A")] * 3  # target 0, rating 25, target -1


def test_scoring_twice_changes_nothing(sample):
    first = score_workbook(sample)
    assert first.backup is not None
    after_first = sample.read_bytes()
    second = score_workbook(sample)
    assert second.unchanged and second.backup is None
    assert sample.read_bytes() == after_first


def test_numbers_typed_as_text_become_numbers_and_are_reported(sample):
    report = score_workbook(sample)
    assert ("员工!F15", "3,100", 3100.0) in report.converted
    ws = openpyxl.load_workbook(sample)["员工"]
    assert ws["F15"].value == 3100 and ws["G16"].value == 3000


def test_a_value_typed_into_a_result_cell_is_kept(sample):
    score_workbook(sample)
    table = read_employees(sample)
    ref = openpyxl.utils.get_column_letter(table.result_columns["multiplier"]) + str(table.rows[0])
    with Workbook.open(sample) as book:
        book.set_cells("员工", {ref: 1.5})  # finance's manual override
        book.save(backup=False)
    report = score_workbook(sample)
    assert report.kept == [(f"员工!{ref}", "1.5")]
    assert openpyxl.load_workbook(sample)["员工"][ref].value == 1.5


def test_results_never_land_on_a_column_people_use(tmp_path):
    path = make_department(tmp_path / "d.xlsx", trap_rows(0)[:3])
    with Workbook.open(path) as book:
        book.set_cells("员工", {"L3": "a person's note"})
        book.save(backup=False)
    score_workbook(path)
    ws = openpyxl.load_workbook(path)["员工"]
    assert ws["L3"].value == "a person's note" and ws["L1"].value is None
    assert ws["M1"].value == "得分"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_result_header_written_is_recognised(lang):
    """One table of result headers: what the writer puts above a column, the reader maps back."""
    from perf_addin.book.department import match_header
    for f in RESULT_FIELDS:
        assert match_header(HEADERS[lang][f]) == (f, 0)


def test_english_tables_get_english_results(tmp_path):
    path = make_department(tmp_path / "en.xlsx", trap_rows(0)[:2], header=EN, start=(4, 2))
    score_workbook(path)
    ws = openpyxl.load_workbook(path, data_only=True)["Staff"]
    headers = [c.value for c in ws[5]][13:18]
    assert headers == ["Score", "Grade", "Multiplier", "Bonus", "Input check"]
    assert ws["O6"].value == "Excellent"


def test_a_workbook_without_rules_gets_the_default_rules_sheet(tmp_path):
    path = make_department(tmp_path / "norules.xlsx", trap_rows(0)[:2], with_rules_sheet=False)
    score_workbook(path)
    wb = openpyxl.load_workbook(path, data_only=True)
    assert RULES_SHEET in wb.sheetnames and wb[RULES_SHEET]["B3"].value == 60
    assert wb["员工"]["L2"].value == 111


@pytest.mark.libreoffice
@pytest.mark.parametrize("rules", [Rules.default(), "custom", "sample"], ids=["default", "custom", "sample"])
def test_libreoffice_recalculates_every_result_to_the_engines(tmp_path, soffice, rules):
    if rules == "custom":
        d = Rules.default()
        rules = Rules(profit=type(d.profit)(weight=50, slope=1.5, floor=5, cap=90, name="profit"),
                      tasks=d.tasks, rating=d.rating, bands=d.bands, attainment_decimals=None)
    if rules == "sample":
        rows = None
        path = tmp_path / "sample.xlsx"
        shutil.copyfile(SAMPLE, path)
        rules = Rules.default()
    else:
        rows = trap_rows()
        path = make_department(tmp_path / "traps.xlsx", rows, rules=rules)
    report = score_workbook(path)
    engine = report.scores  # the cached values written; LibreOffice recomputes them on its own
    table = read_employees(path)
    computed = soffice.read_sheets(path)["员工"]
    cols = {f: c - 1 for f, c in table.result_columns.items()}
    mismatches = []
    for i, row in enumerate(table.rows):
        lo = computed[row - 1]
        expected = engine.iloc[i]
        if expected["error"] is not None:
            got = [lo[cols[f]] for f in ("score", "grade", "multiplier", "bonus")]
            if got != ["#N/A"] * 4:
                mismatches.append((row, "error row", got))
            continue
        score = float(lo[cols["score"]])
        if abs(score - expected["score"]) > 1e-9 * max(1.0, abs(expected["score"])):
            mismatches.append((row, "score", lo[cols["score"]], expected["score"]))
        if lo[cols["grade"]] != expected["label_zh"]:
            mismatches.append((row, "grade", lo[cols["grade"]], expected["label_zh"]))
        if float(lo[cols["multiplier"]]) != expected["multiplier"]:
            mismatches.append((row, "multiplier", lo[cols["multiplier"]], expected["multiplier"]))
        if Decimal(lo[cols["bonus"]]) != Decimal(int(expected["bonus_cents"])) / 100:
            mismatches.append((row, "bonus", lo[cols["bonus"]], expected["bonus_cents"]))
    assert not mismatches, mismatches[:10]
    assert len(table.rows) == (len(rows) if rows else 40)


def test_fixing_an_input_clears_its_note_and_scores_the_row(sample):
    score_workbook(sample)
    table = read_employees(sample)
    check = table.result_columns["check"]
    row = table.rows[14]  # profit target 0
    assert openpyxl.load_workbook(sample)["员工"].cell(row, check).value
    with Workbook.open(sample) as book:
        book.set_cells("员工", {f"G{row}": 3200})
        book.save(backup=False)
    report = score_workbook(sample)
    ws = openpyxl.load_workbook(sample, data_only=True)["员工"]
    assert ws.cell(row, check).value is None
    assert isinstance(ws.cell(row, table.result_columns["score"]).value, float | int)
    assert len(report.problems) == 3
