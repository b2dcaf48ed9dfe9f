"""``perf-addin calibrate`` on real workbooks: the quota block, the 校准 tab and a
calibrated grade followed by score, the interview tabs and reconcile.

Expectations are worked by hand from the rules (score = profit % − 40 + 20 + rating
when tasks are at 100 %; 优+ above 120, 优- (100, 120], 良好 [90, 100], 差 [80, 90),
极差 below 80)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from perf_addin.cli import main
from perf_addin.jobs.calibrate import calibrate_workbook
from perf_addin.jobs.interviews import write_interviews
from perf_addin.jobs.reconcile import reconcile_workbook
from perf_addin.jobs.score import score_workbook
from perf_addin.xlsx import Workbook
from perf_addin.xlsx.refs import col_letter
from tests.test_results import EN, ZH, make_department

# (profit %, rating) -> score: 150, 145, 125 (优+), 115, 105 (优-), 95, 92, 90 (良好), 85 (差), 75 (极差)
PEOPLE = [(150, 20), (145, 20), (130, 15), (120, 15), (110, 15), (100, 15), (100, 12), (100, 10), (95, 10), (90, 5)]
QUOTAS = {"U1": "强制分布", "U2": "单位", "V2": "部门", "U3": "等级", "V3": "配额",
          "U4": "优+", "V4": "≤10%", "U5": "优+、优-", "V5": "≤30%", "U6": "差、极差", "V6": "≥10%"}


def rows(dept: str = "销售部", start: int = 1000, people=PEOPLE, supervisor: str = "王经理") -> list[list]:
    return [[start + i, f"员工{start + i}", dept, "员工", supervisor, p, 100, 100, 100, r, 10000]
            for i, (p, r) in enumerate(people)]


def with_quotas(path: Path, cells: dict | None = None, sheet: str = "规则") -> Path:
    wb = Workbook.open(path)
    wb.set_cells(sheet, QUOTAS if cells is None else cells)
    wb.save(backup=False)
    return path


def edit(path: Path, sheet: str, cells: dict, unlocked: bool = False) -> None:
    """What a person does in Excel: type into cells (of a protected tab: its unlocked ones) and save."""
    wb = Workbook.open(path)
    (wb.fill_unlocked if unlocked else wb.set_cells)(sheet, cells)
    wb.save(backup=False)


def tab_rows(path: Path, sheet: str = "校准") -> list[list]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]


def section(tab: list[list], title_start: str) -> list[list]:
    """The rows under a section's header row, up to the first blank row."""
    start = next(i for i, r in enumerate(tab) if isinstance(r[0], str) and r[0].startswith(title_start))
    out = []
    for r in tab[start + 2:]:
        if r[0] in (None, ""):
            break
        out.append(r)
    return out


@pytest.fixture
def book(tmp_path) -> Path:
    return with_quotas(make_department(tmp_path / "dept.xlsx", rows()))


def test_counts_flags_and_proposals_by_hand(book):
    score_workbook(book)
    report = calibrate_workbook(book, today=dt.date(2026, 12, 1))
    assert report.quotas and report.groups == 1 and report.moved == 4 and report.ties == 0
    tab = tab_rows(book)
    dist = section(tab, "各组等级分布")
    # 销售部: 10 people; 优+ 3 (30 %), 优- 2, 良好 3, 差 1, 极差 1
    assert dist[0][:12] == ["销售部", 10, 3, 0.3, 2, 0.2, 3, 0.3, 1, 0.1, 1, 0.1]
    # 优+ at most floor(1.0) = 1, 优+ and 优- at most floor(3.0) = 3, 差 and 极差 at least ceil(1.0) = 1
    assert dist[0][12:15] == ["超出（上限 1 人）", "超出（上限 3 人）", "符合"]
    proposed = section(tab, "建议人数")
    assert proposed[0][:7] == ["销售部", 1, 2, 5, 1, 1, 4]
    movers = section(tab, "建议调整等级的员工")
    assert [(m[0], m[3], m[4], m[5]) for m in movers] == [
        ("1001", 2, "优+", "优-"), ("1002", 3, "优+", "优-"), ("1003", 4, "优-", "良好"), ("1004", 5, "优-", "良好")]
    assert movers[0][7] == "员工!Q3"  # where the meeting types it: the calibrated-grade column
    assert tab_rows(book, "员工")[0][16:19] == ["校准等级", "校准理由", "潜力"]
    ws = openpyxl.load_workbook(book)["员工"]
    assert {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation} == {
        "Q2:Q11": '"优+,优-,良好,差,极差"', "S2:S11": '"低,中,高"'}


def test_calibrated_grade_is_followed_by_score_interviews_and_reconcile(book):
    score_workbook(book)
    calibrate_workbook(book, today=dt.date(2026, 12, 1))
    # the meeting raises 1005 (score 95, 良好) to 优+, with a reason, and rates potentials
    edit(book, "员工", {"Q7": "优+", "R7": "大客户续约", "S7": "高", "S2": "中"})
    report = score_workbook(book)
    ws = openpyxl.load_workbook(book, data_only=True)["员工"]
    assert (ws["M7"].value, ws["N7"].value, ws["O7"].value) == ("优+", 1.2, 12000)
    assert report.by_grade["A+"] == 4
    assert report.total_bonus == Decimal(12000 * 4 + 11000 * 2 + 10000 * 2 + 9000 + 8000)
    interviews = write_interviews(book, only=["1005"])
    tab = interviews.tabs[0].tab
    cached = [v for row in openpyxl.load_workbook(book, data_only=True)[tab].iter_rows(values_only=True)
              for v in row if v is not None]
    assert "优+" in cached and 1.2 in cached and 12000 in cached
    rec = reconcile_workbook(book).rec
    assert rec.differences == []
    assert rec.paid_total == Decimal(107000)
    i = list(rec.ids).index("1005")
    assert rec.multiplier[i] == 1.2 and rec.paid_cents[i] == 1200000

    again = calibrate_workbook(book, today=dt.date(2026, 12, 2))
    assert again.audit_added == 1
    tab = tab_rows(book)
    audit = section(tab, "校准记录")
    assert [r[:6] for r in audit] == [["员工!Q7", "1005", "员工1005", "良好", "优+", "大客户续约"]]
    assert audit[0][8] == dt.datetime(2026, 12, 2)
    dist = section(tab, "各组等级分布")
    assert dist[0][2] == 4  # 优+ now counts the calibrated grade
    nine = next(i for i, r in enumerate(tab) if r[0] == "九宫格（绩效 × 潜力）")
    # 1005 is 优+ (high) with potential 高; 1000 is 优+ with 中
    high = tab[nine + 2]
    assert high[0] == "高" and high[1 + 4 * 2] == 1 and "员工1005" in high[2 + 4 * 2]
    assert high[1 + 4] == 1 and "员工1000" in high[2 + 4]

    # a note typed on the tab's audit row, then the grade changes: the earlier row stays
    edit(book, "校准", {"J" + str(_row_of(tab, "员工!Q7")): "会上已确认"}, unlocked=True)
    edit(book, "员工", {"Q7": "优-", "R7": "复议后调整"})
    third = calibrate_workbook(book, today=dt.date(2026, 12, 5))
    assert third.audit_added == 1
    audit = section(tab_rows(book), "校准记录")
    assert [(r[4], r[5], r[8].date(), r[9]) for r in audit] == [
        ("优+", "大客户续约", dt.date(2026, 12, 2), "会上已确认"), ("优-", "复议后调整", dt.date(2026, 12, 5), None)]
    ws = openpyxl.load_workbook(book, data_only=True)["员工"]
    assert (ws["Q7"].value, ws["R7"].value, ws["S7"].value, ws["S2"].value) == ("优-", "复议后调整", "高", "中")
    assert (ws["N7"].value, ws["O7"].value) == (1.1, 11000)
    # nothing changed: a rerun adds no row
    assert calibrate_workbook(book, today=dt.date(2026, 12, 6)).audit_added == 0


def _row_of(tab: list[list], first: str) -> int:
    return next(i for i, r in enumerate(tab) if r[0] == first and r[1] == "1005") + 1


def test_invalid_quota_rules_write_nothing(tmp_path, capsys):
    path = with_quotas(make_department(tmp_path / "bad.xlsx", rows()),
                       {"U1": "强制分布", "U2": "优+", "V2": "≤120%"})
    before = path.read_bytes()
    assert main(["calibrate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "规则!V2" in err and "超过 100%" in err and "Traceback" not in err
    assert path.read_bytes() == before
    edit(path, "规则", {"V2": "≤10%", "U3": "优秀", "V3": "≥5%"})
    before = path.read_bytes()
    assert main(["calibrate", str(path), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "规则!U3" in err and "not a grade" in err
    assert path.read_bytes() == before


def test_unit_column_that_the_table_lacks_names_the_cell(tmp_path, capsys):
    path = with_quotas(make_department(tmp_path / "unit.xlsx", rows()),
                       {"U1": "强制分布", "U2": "单位", "V2": "事业部", "U3": "优+", "V3": "≤10%"})
    before = path.read_bytes()
    assert main(["calibrate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "规则!V2" in err and "事业部" in err
    assert path.read_bytes() == before


def test_small_departments_are_pooled_and_relaxed_bounds_said(tmp_path):
    people = rows() + rows("小组甲", 2000, PEOPLE[:2]) + rows("小组乙", 3000, PEOPLE[5:8])
    path = with_quotas(make_department(tmp_path / "pool.xlsx", people),
                       {**QUOTAS, "U7": "最少人数", "V7": 6})
    report = calibrate_workbook(path, today=dt.date(2026, 12, 1))
    assert report.groups == 2
    dist = section(tab_rows(path), "各组等级分布")
    # pooled: 2000 (150, 优+), 2001 (145, 优+), 3000-3002 (95, 92, 90: 良好)
    assert dist[1][:4] == ["小部门合并", 5, 2, 0.4]
    assert dist[1][12] == "超出（上限 0 人）"
    # 5 people: 差 and 极差 at least ceil(0.5) = 1 while nobody is below 良好 – moves, not a relaxation;
    # the pooled group's 优+ cap floor(0.5) = 0 holds by moving both 优+ down
    assert any(line.startswith("小部门合并") for line in report.flags)


def test_english_workbook_gets_an_english_tab(tmp_path):
    path = make_department(tmp_path / "en.xlsx", rows(), header=EN)
    with_quotas(path, {"U1": "Quotas", "U2": "Unit", "V2": "company", "U3": "A+", "V3": "<=10%"})
    report = calibrate_workbook(path, today=dt.date(2026, 12, 1))
    assert report.sheet == "Calibration" and report.language == "en"
    tab = tab_rows(path, "Calibration")
    assert tab[0][0] == "Calibration – en.xlsx"
    dist = section(tab, "Distribution per group")
    assert dist[0][0] == "Whole company" and dist[0][12] == "over (at most 1)"
    header = tab_rows(path, "Staff")[0]
    assert "Calibrated grade" in header and "Potential" in header


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_tab_to_its_cached_values(tmp_path, soffice):
    people = rows() + rows("小组甲", 2000, PEOPLE[:2]) + rows("小组乙", 3000, PEOPLE[5:8])
    path = with_quotas(make_department(tmp_path / "lo.xlsx", people), {**QUOTAS, "U7": "最少人数", "V7": 6})
    calibrate_workbook(path)  # no score before: the meeting's columns come first (L:N), the results after
    assert tab_rows(path, "员工")[0][11:14] == ["校准等级", "校准理由", "潜力"]
    edit(path, "员工", {"L7": "优+", "M7": "理由", "N7": "高", "N2": "低", "N3": "中", "N12": "High"})
    calibrate_workbook(path)
    formulas = openpyxl.load_workbook(path)["校准"]
    cached = openpyxl.load_workbook(path, data_only=True)["校准"]
    computed = soffice.read_sheets(path)["校准"]
    checked = 0
    for row in formulas.iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("="):
                want, got = cached.cell(c.row, c.column).value, computed[c.row - 1][c.column - 1]
                if isinstance(want, str):
                    assert got == want, (c.coordinate, got, want)
                else:
                    number = float(got.rstrip("%")) / (100 if got.endswith("%") else 1)
                    assert abs(number - want) < 1e-9, (c.coordinate, got, want)
                checked += 1
    assert checked == 9 + 2 * (1 + 2 * 5 + 3)  # the 9-box; per group head count, counts, shares, flags


def test_ribbon_button_runs_calibrate_and_says_what_it_found(book):
    from perf_addin.excel.ribbon import FileHost, dispatch

    host = FileHost(book)
    assert dispatch("perfCalibrate", host), host.messages
    text, error = host.messages[-1]
    assert not error and "1 个校准组，建议调整 4 人" in text and "销售部：优+ ≤10%——现有 3 人，配额 至多 1 人" in text
    assert host.active[0] == "校准"


def test_cli_prints_the_summary_in_the_workbooks_language(book, capsys):
    assert main(["calibrate", str(book), "--today", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert "校准表 校准：1 个校准组，建议调整 4 人，并列 0 组" in out and "不符合配额的组" in out


def test_share_pack_shows_the_calibrated_grade(book, tmp_path):
    from perf_addin.jobs.share import share_workbook

    score_workbook(book)
    calibrate_workbook(book, today=dt.date(2026, 12, 1))
    edit(book, "员工", {"Q7": "优+", "R7": "大客户续约"})
    score_workbook(book)
    report = share_workbook(book, packs=tmp_path / "packs", only=["1005"])
    pack = openpyxl.load_workbook(report.packs.packs[0], data_only=True)["结果"]
    values = dict(zip([c.value for c in pack[1]], [c.value for c in pack[2]]))
    assert (values["等级"], values["绩效倍数"], values["奖金"]) == ("优+", 1.2, 12000)


@pytest.mark.libreoffice
def test_tab_prints_landscape_with_the_nine_box_whole_on_page_one(book, tmp_path, soffice):
    import subprocess

    from perf_addin.jobs.interviews import stage_visible

    score_workbook(book)
    calibrate_workbook(book, today=dt.date(2026, 12, 1))
    edit(book, "员工", {f"S{r}": "高中低"[r % 3] for r in range(2, 12)})
    calibrate_workbook(book, today=dt.date(2026, 12, 1))
    staged = tmp_path / "staged.xlsx"
    stage_visible(book, {"校准"}, staged)
    result = next(iter(soffice.convert([staged], "pdf", tmp_path / "pdf", recalc=False).values()))
    assert result.ok, result.error
    pdf = result.outputs[0]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    width, height = (float(x) for x in info.split("Page size:")[1].split("pts")[0].split(" x "))
    assert width > height and abs(width - 841.9) < 2  # A4 landscape
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                           text=True).stdout.replace(" ", "")
    assert "九宫格" in first and "未放入九宫格" in first and "员工1000" in first


def test_meeting_columns_go_beside_the_table_with_drop_downs_and_never_over_typed_cells(tmp_path):
    path = with_quotas(make_department(tmp_path / "typed.xlsx", rows()))
    edit(path, "员工", {"L1": "备注", "L3": "请假两周", "N1": "潜力", "N5": "中"})  # the people's own columns
    report = calibrate_workbook(path, today=dt.date(2026, 12, 1))
    assert report.added_columns == ["校准等级", "校准理由"]
    ws = openpyxl.load_workbook(path)["员工"]
    # right of every column the table has (its own 潜力 in N), never into one holding anything
    assert [ws.cell(1, c).value for c in range(12, 17)] == ["备注", None, "潜力", "校准等级", "校准理由"]
    assert ws["L3"].value == "请假两周" and ws["N5"].value == "中"
    lists = {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation}
    assert lists == {"O2:O11": '"优+,优-,良好,差,极差"'}  # the potential column was theirs: left as it is


def test_rater_bias_by_hand(tmp_path):
    # two teams of three: 甲 rates 10, 12, 14 (mean 12, spread √(8/3) = 1.63), 乙 16, 18, 20 (mean 18);
    # the department: mean 15, spread √(70/6) = 3.42
    people = rows("销售部", 1000, [(100, 10), (100, 12), (100, 14)], "甲") + \
        rows("销售部", 2000, [(100, 16), (100, 18), (100, 20)], "乙")
    path = make_department(tmp_path / "bias.xlsx", people)
    calibrate_workbook(path, today=dt.date(2026, 12, 1))
    tab = tab_rows(path)
    teams = section(tab, "评分偏差")
    assert [r[:8] for r in teams] == [["销售部", "乙", 3, 18, 1.63, 15, 3.42, 3],
                                      ["销售部", "甲", 3, 12, 1.63, 15, 3.42, -3]]
    shifts = {r[0]: r[5] for r in section(tab, "按部门尺度换算")}
    assert shifts["1000"] == 10.82 and shifts["2002"] == 19.18  # 15 ∓ 2 × 3.42 / 1.63
    assert shifts["1001"] == 15 and shifts["2001"] == 15  # a team's mean maps onto the department's


def test_a_large_employee_sheet_streamed_by_the_splice_gets_its_drop_downs(book, monkeypatch):
    from perf_addin.xlsx import splice

    monkeypatch.setattr(splice, "MIN_BYTES", 0)  # every sheet counts as large: the byte splice edits it
    score_workbook(book)
    calibrate_workbook(book, today=dt.date(2026, 12, 1))
    ws = openpyxl.load_workbook(book)["员工"]
    assert {str(v.sqref) for v in ws.data_validations.dataValidation} == {"Q2:Q11", "S2:S11"}
    assert ws["Q1"].value == "校准等级" and ws["M2"].value.startswith("=IF(")


def test_what_is_still_to_complete_is_paid_and_listed_apart_from_input_errors(book, capsys):
    """A calibrated grade without its reason and a potential that is no level leave the
    result standing: reconcile pays those rows, so it must not list them as not paid."""
    score_workbook(book)
    calibrate_workbook(book, today=dt.date(2026, 12, 1))
    edit(book, "员工", {"Q7": "优+", "S3": "maybe"})  # 1005 raised, no reason; 1001's potential
    rec = reconcile_workbook(book).rec
    pending = [p for p in rec.problems if not p.voids_result]
    assert sorted(p.cell for p in pending) == ["员工!Q7", "员工!S3"]
    assert not [p for p in rec.problems if p.voids_result]
    i = list(rec.ids).index("1005")
    assert rec.paid_cents[i] == 1200000  # paid on the calibrated grade, as the formula pays
    assert rec.paid_total == Decimal(12000 * 4 + 11000 * 2 + 10000 * 2 + 9000 + 8000)
    tab = tab_rows(book, "对账")
    assert [r[0] for r in section(tab, "输入错误（不发放）")] == ["无"]
    assert sorted(r[0] for r in section(tab, "待补充（照常发放）")) == ["员工!Q7", "员工!S3"]
    capsys.readouterr()
    main(["reconcile", str(book)])
    out = capsys.readouterr().out
    assert "待补充（照常发放） (2)" in out and "输入错误（不发放）" not in out


def test_a_score_that_changes_results_turns_the_calibration_tab_red_until_calibrate_runs(book, capsys):
    """The tab's proposals (who moves) were computed from the old results: score colours it
    red and says so; calibrate writes it anew, uncoloured; a no-op score leaves it alone."""
    from tests.test_cycle import tab_color
    score_workbook(book)
    calibrate_workbook(book, today=dt.date(2026, 12, 1))
    assert score_workbook(book).stale_calibration == [] and tab_color(book, "校准") is None
    edit(book, "员工", {"F2": 90})  # 1000's profit: 150 % -> 90 %
    capsys.readouterr()
    assert main(["score", str(book)]) == 0
    assert "校准 表是按改动前的结果校准的，已标成红色：请重新运行 perf-addin calibrate" in capsys.readouterr().out
    assert tab_color(book, "校准") == "FFC00000"
    calibrate_workbook(book, today=dt.date(2026, 12, 2))
    assert tab_color(book, "校准") is None


# ------------------------------------------------------------------ the calibrated grade explained on the tab

NOTE_ZH = "等级经绩效校准调整为 优-（按得分为 优+）：{reason}"


def cached_texts(path: Path, sheet: str) -> list[str]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    return [v for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]


def test_the_interview_tab_and_pack_explain_a_calibrated_grade(book, tmp_path):
    from perf_addin.jobs.share import share_workbook

    score_workbook(book)
    calibrate_workbook(book, today=dt.date(2026, 12, 1))
    # 1002 scores 125 (优+ by the bands); the meeting sets 优-
    edit(book, "员工", {"Q4": "优-", "R4": "跨部门项目延期"})
    report = write_interviews(book, only=["1002", "1003"])
    tabs = {t.employee_id: t.tab for t in report.tabs}
    texts = cached_texts(book, tabs["1002"])
    assert NOTE_ZH.format(reason="跨部门项目延期") in texts
    assert not any("结果无效" in t for t in texts)
    assert not any("绩效校准" in t for t in cached_texts(book, tabs["1003"]))  # no calibrated grade: no note

    # a new reason: score refreshes the note like the tab's other generated text
    edit(book, "员工", {"R4": "复议后维持优-"})
    assert tabs["1002"] in score_workbook(book).tabs_updated
    texts = cached_texts(book, tabs["1002"])
    assert NOTE_ZH.format(reason="复议后维持优-") in texts
    assert NOTE_ZH.format(reason="跨部门项目延期") not in texts

    packs = share_workbook(book, packs=tmp_path / "packs", only=["1002"]).packs.packs
    pack = openpyxl.load_workbook(packs[0], data_only=True)
    assert any(NOTE_ZH.format(reason="复议后维持优-") in cached_texts(packs[0], name) for name in pack.sheetnames)

    # the calibrated grade back to none: the note goes
    edit(book, "员工", {"Q4": None, "R4": None})
    score_workbook(book)
    assert not any("绩效校准" in t for t in cached_texts(book, tabs["1002"]))


def test_a_calibrated_grade_without_a_reason_asks_for_the_reason(book):
    score_workbook(book)
    calibrate_workbook(book, today=dt.date(2026, 12, 1))
    edit(book, "员工", {"Q4": "优-"})
    report = write_interviews(book, only=["1002"], include_errors=True)
    texts = cached_texts(book, report.tabs[0].tab)
    banner = next(t for t in texts if "员工!Q4" in t)
    assert "结果无效" not in banner and "校准理由" in banner
    note = next(t for t in texts if t.startswith("等级经绩效校准调整为 优-（按得分为 优+）"))
    assert "校准理由为空" in note  # the line under the grade says what is missing, too
    ws = openpyxl.load_workbook(book, data_only=True)[report.tabs[0].tab]
    assert "优-" in [v for row in ws.iter_rows(values_only=True) for v in row]


def test_an_english_tab_explains_a_calibrated_grade(tmp_path):
    path = make_department(tmp_path / "en.xlsx", rows(), header=EN)
    with_quotas(path, {"U1": "Quotas", "U2": "Unit", "V2": "company", "U3": "A+", "V3": "<=10%"})
    score_workbook(path)
    calibrate_workbook(path, today=dt.date(2026, 12, 1))
    header = tab_rows(path, "Staff")[0]
    grade, reason = (col_letter(header.index(h) + 1) for h in ("Calibrated grade", "Calibration reason"))
    edit(path, "Staff", {f"{grade}4": "Excellent", f"{reason}4": "project slipped"})
    report = write_interviews(path, only=["1002"])
    assert ("Grade set in calibration: Excellent (the score gives Outstanding): project slipped"
            in cached_texts(path, report.tabs[0].tab))


@pytest.mark.libreoffice
def test_the_tab_with_a_calibration_note_prints_on_one_a4_page(book, tmp_path, soffice):
    import subprocess

    from perf_addin.engines.libreoffice import pdf_page_count
    from perf_addin.jobs.interviews import print_tabs

    score_workbook(book)
    calibrate_workbook(book, today=dt.date(2026, 12, 1))
    reason = "跨部门项目延期两个月，客户验收推迟到下一考核周期；会议认为本期结果不宜按优+发放，" * 2
    edit(book, "员工", {"Q4": "优-", "R4": reason})
    tab = write_interviews(book, only=["1002"]).tabs[0].tab
    pdf, = print_tabs(book, [tab], tmp_path / "pdf", soffice)
    assert pdf_page_count(pdf) == 1
    assert "A4" in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    flat = "".join(text.split())
    assert "等级经绩效校准调整为优-（按得分为优+）" in flat and "".join(reason.split()) in flat
    # recalculated, the note's formula gives what the tab caches
    note = NOTE_ZH.format(reason=reason)
    assert note in cached_texts(book, tab)
    assert note in [v for row in soffice.read_sheets(book, recalc=True)[tab] for v in row]


def test_a_left_employees_tab_no_longer_shows_the_rows_new_reason(book):
    score_workbook(book)
    calibrate_workbook(book, today=dt.date(2026, 12, 1))
    edit(book, "员工", {"Q4": "优-", "R4": "跨部门项目延期"})
    tab = write_interviews(book, only=["1002"]).tabs[0].tab
    edit(book, "员工", {"A4": "1099", "R4": "别人的理由"})  # 1002 left; someone else took the row
    assert tab in write_interviews(book, only=[]).left
    texts = cached_texts(book, tab)
    assert not any("绩效校准" in t or "别人的理由" in t for t in texts)  # its note pointed at that row
