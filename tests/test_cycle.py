"""The cycle end to end, as HR runs it: demo, interviews, people type, inputs change, score again.

Nothing stale (interview tabs follow the table), nothing erased (what people typed
stays), nothing silently zero (a missing column or a bad row is said, not paid as 0).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from perf_addin.cli import SAMPLE
from perf_addin.xlsx import Formula, Workbook


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "perf_addin.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def sample_copy(tmp_path: Path, name: str = "dept.xlsx") -> Path:
    book = tmp_path / name
    book.write_bytes(SAMPLE.read_bytes())
    return book


# ------------------------------------------------------------------ a missing required column


@pytest.mark.parametrize("command", [("score",), ("reconcile",), ("interviews",), ("seal", "--key-file", "k.key",
                                                                                   "--create-key")])
def test_a_blank_base_bonus_header_is_one_error_and_nothing_is_written(tmp_path, command):
    book = sample_copy(tmp_path)
    with Workbook.open(book) as wb:
        wb.set_cells("员工", {"K3": None})  # the 奖金基数 header
        wb.save(backup=False)
    before = book.read_bytes()
    result = run(command[0], str(book), *command[1:], cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert result.stderr.strip().splitlines() == [
        "错误： dept.xlsx：员工!3:3 表头行缺少必需的列：奖金基数（补上列标题后再运行；未写入任何内容）"]
    assert "0.00" not in result.stdout
    assert book.read_bytes() == before
    assert not (tmp_path / "perf-addin backups").exists()


# ------------------------------------------------------------------ rules-sheet errors name a cell


def test_an_office_among_the_places_names_its_cell_in_full(tmp_path):
    book = sample_copy(tmp_path)
    with Workbook.open(book) as wb:
        wb.set_cells("规则", {"K6": "会客室、总经理办公室"})  # places; no rooms set
        wb.save(backup=False)
    result = run("schedule", str(book), "--from", "2026-03-02", "--to", "2026-03-06", cwd=tmp_path)
    assert result.returncode == 2
    assert "规则!K6:" in result.stderr and "总经理办公室" in result.stderr


# ------------------------------------------------------------------ the cycle: nothing stale, nothing erased


def grid(path: Path, sheet: str) -> list[list]:
    import python_calamine as calamine
    with calamine.CalamineWorkbook.from_path(str(path)) as book:
        return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def tab_of(book: Path, employee_id: str) -> tuple[str, dict[str, str]]:
    """The employee's interview tab and the addresses of its input fields."""
    from perf_addin.forms.interview_form import input_cells, parse_kind
    from perf_addin.jobs.interviews import existing_tabs
    with Workbook.open(book) as wb:
        tab = existing_tabs(wb)[employee_id]
        kind = parse_kind(wb.owner_kind(tab))
    return tab, input_cells(kind.version, kind.remedies)


def results_row(rows: list[list]) -> dict[str, object]:
    """总分 / 等级 / 绩效倍数 / 奖金 as the tab caches them (label, value, label, value ...)."""
    row = next(r for r in rows if r[0] == "总分")
    return {row[c]: row[c + 1] for c in (0, 2, 4, 6)}


def flat(rows: list[list]) -> str:
    return "\n".join(str(v) for r in rows for v in r if v not in ("", None))


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    folder = tmp_path_factory.mktemp("cycle")
    result = run("demo", "--dir", str(folder / "demo"), cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "demo" / SAMPLE.name, result


def test_demo_holds_back_the_employees_with_input_errors_and_names_the_cells(demo):
    book, result = demo
    out = " ".join(result.stdout.split())
    assert "因输入错误暂缓" in out and "--include-errors） (4):" in out
    assert "Held back" not in out and "Interview tabs" not in out  # a Chinese workbook's lines
    assert out.count("已保存。上一版本在") == 1  # one open, one save
    for cell in ("员工!G18", "员工!J21", "员工!H24", "员工!J27"):
        assert cell in out
    from perf_addin.jobs.interviews import existing_tabs
    with Workbook.open(book) as wb:
        tabs = existing_tabs(wb)
    assert len(tabs) == 36 and "1015" not in tabs  # row 18: profit target 0


def test_fixed_profit_updates_the_tab_and_keeps_what_was_typed(demo, tmp_path, soffice):
    book = tmp_path / "dept.xlsx"
    book.write_bytes(demo[0].read_bytes())
    tab, cells = tab_of(book, "1004")  # 罗刚, row 7: profit 3108 of 3200, tasks 124 of 100, rating 12
    before = grid(book, tab)
    assert results_row(before) == {"总分": 91.4, "等级": "良好", "绩效倍数": 1.0, "奖金": 30000.0}
    assert "公司盈利（97%）" in flat(before) and "平时表现（上级评分）（60%）" in flat(before)
    typed = {cells["remedy.profit.action"]: "每周拜访两家重点客户", cells["remedy.rating.action"]: "每月与上级复盘",
             cells["confirm.notes"]: "对任务数据无异议", cells["meeting.place"]: "花园"}
    with Workbook.open(book) as wb:  # the person, through the project's own writer (unlocked cells only)
        wb.fill_unlocked(tab, typed)
        wb.set_cells("员工", {"F7": 4000})  # the corrected profit
        wb.save(backup=False)

    result = run("score", str(book), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "perf-addin backups").iterdir())) == 1  # scored and refreshed in one save

    after = grid(book, tab)
    # 4000/3200 = 125 % -> 60 + 25 = 85; tasks 22.4; rating 12: 119.4 -> A− (100, 120] -> 1.1 -> 33,000.00
    assert results_row(after) == {"总分": 119.4, "等级": "优-", "绩效倍数": 1.1, "奖金": 33000.0}
    out = " ".join(result.stdout.split())
    assert f"随新结果更新的面谈表 (1): • {tab}" in out
    text = flat(after)
    assert "公司盈利达成 125%（实际 4,000，目标 3,200）" in text  # praise now names the new numbers
    assert "公司盈利（97%）" not in text and "公司盈利（已达成，保留原填写）" in text
    tab2, cells2 = tab_of(book, "1004")
    assert tab2 == tab
    from perf_addin.xlsx.refs import parse_cell
    for fid, ref in cells.items():
        if ref in typed:  # at the field's new address: the remedy lines changed, so fields moved
            r, c = parse_cell(cells2[fid])
            assert after[r - 1][c - 1] == typed[ref], fid

    # LibreOffice, recalculating everything, shows what the tab caches
    shown = soffice.read_sheets(book, recalc=True)[tab]
    for r, row in enumerate(after):
        for c, value in enumerate(row):
            if isinstance(value, float):
                assert float(shown[r][c].replace(",", "").rstrip("%")) == pytest.approx(value), (r, c)
            elif isinstance(value, str) and value:
                assert shown[r][c] == value, (r, c)

    again = run("score", str(book), cwd=tmp_path)
    assert "没有变化" in again.stdout and "随新结果更新" not in again.stdout


def test_included_employees_with_errors_are_marked_on_tab_schedule_and_pack(demo, tmp_path):
    book = tmp_path / "dept.xlsx"
    book.write_bytes(demo[0].read_bytes())
    result = run("interviews", str(book), "--include-errors", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    tab, _ = tab_of(book, "1015")
    rows = grid(book, tab)
    assert rows[1][0].startswith("输入有误，结果无效：员工!G18")
    from perf_addin.forms.interview_form import BANNER
    assert BANNER.fill == "C00000"

    plan = run("schedule", str(book), "--from", "2026-03-02", "--to", "2026-03-13", "--include-errors",
               "--ics", str(tmp_path / "ics"), cwd=tmp_path)
    assert plan.returncode == 0, plan.stderr
    schedule = grid(book, "面谈安排")
    row = next(r for r in schedule if len(r) > 3 and r[3] == "1015")
    assert row[8] == "输入有误：员工!G18"
    assert all(r[8] == "" for r in schedule[3:] if len(r) > 8 and r[3] not in ("1015", "1018", "1021", "1024"))
    assert len(list((tmp_path / "ics").glob("*.ics"))) == 40

    packs = run("share", str(book), "--packs", str(tmp_path / "packs"), "--include-errors", cwd=tmp_path)
    assert packs.returncode == 0, packs.stderr
    pack = next((tmp_path / "packs").glob("1015-*.xlsx"))
    import python_calamine as calamine
    with calamine.CalamineWorkbook.from_path(str(pack)) as wb:
        first = wb.get_sheet_by_name(wb.sheet_names[0]).to_python(skip_empty_area=False)
    assert first[1][0].startswith("输入有误，结果无效：员工!G18")


def test_by_default_no_slot_invitation_or_pack_for_errors(demo, tmp_path):
    book = tmp_path / "dept.xlsx"
    book.write_bytes(demo[0].read_bytes())
    plan = run("schedule", str(book), "--from", "2026-03-02", "--to", "2026-03-13", "--ics", str(tmp_path / "ics"),
               cwd=tmp_path)
    assert plan.returncode == 0, plan.stderr
    out = " ".join(plan.stdout.split())
    assert "输入有误，未安排：1015" in out and "员工!G18" in out  # in the workbook's language
    assert not list((tmp_path / "ics").glob("*-1015.ics")) and len(list((tmp_path / "ics").glob("*.ics"))) == 36
    packs = run("share", str(book), "--packs", str(tmp_path / "packs"), cwd=tmp_path)
    assert packs.returncode == 0, packs.stderr
    assert "因输入错误暂不发送" in packs.stdout and "1015 徐磊 – 员工!G18" in packs.stdout  # the workbook's language
    assert not list((tmp_path / "packs").glob("1015-*")) and len(list((tmp_path / "packs").glob("*.xlsx"))) == 36


def test_a_bad_weak_rating_threshold_names_its_cell_and_writes_nothing(tmp_path):
    book = sample_copy(tmp_path)
    with Workbook.open(book) as wb:
        wb.set_cells("规则", {"B14": "高"})
        wb.save(backup=False)
    before = book.read_bytes()
    result = run("score", str(book), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "错误： 规则!B14: “平时表现：低于此分数为薄弱项，面谈中商定改进措施”必须是数字，现为 '高'"]
    assert book.read_bytes() == before


def test_an_input_error_after_the_interviews_turns_the_existing_tab_into_a_warning(demo, tmp_path):
    book = tmp_path / "dept.xlsx"
    book.write_bytes(demo[0].read_bytes())
    tab, cells = tab_of(book, "1004")
    with Workbook.open(book) as wb:
        wb.fill_unlocked(tab, {cells["confirm.notes"]: "目标待核实"})
        wb.set_cells("员工", {"G7": 0})  # profit target 0: no valid result
        wb.save(backup=False)
    result = run("score", str(book), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert tab in result.stdout
    rows = grid(book, tab)
    assert rows[1][0].startswith("输入有误，结果无效：员工!G7")
    assert results_row(rows) == {"总分": "", "等级": "", "绩效倍数": "", "奖金": ""}  # #N/A, never 0
    _, cells2 = tab_of(book, "1004")
    from perf_addin.xlsx.refs import parse_cell
    r, c = parse_cell(cells2["confirm.notes"])
    assert rows[r - 1][c - 1] == "目标待核实"


# ------------------------------------------------------------------ typed overrides flow; blanked rows clear


def test_typed_overrides_flow_into_every_cached_value_and_the_total(demo, tmp_path, soffice):
    from test_interviews import type_into
    book = tmp_path / "dept.xlsx"
    book.write_bytes(demo[0].read_bytes())
    before = grid(book, "员工")
    paid = sum(v for row in before[3:] if isinstance(v := row[14], float))
    assert before[4][14] == 33000.0 and before[5][13:15] == [1.0, 30000.0]  # 1002, 1003
    type_into(book, "员工", {"O5": 40000, "N6": 1.5, "L7": 125})  # 1002's bonus, 1003's multiplier, 1004's score
    result = run("score", str(book), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    # 1004 (base 30,000) typed 125 -> A+ 1.2 -> 36,000 instead of 30,000; 1002 +7,000.
    # The bonus formula reads the score, not the multiplier cell: 1003 is still paid 30,000.
    assert f"奖金合计：{paid + 7000 + 6000:,.2f}（含 2 个手工填写的结果单元格）" in out
    after = grid(book, "员工")
    assert after[6][11:15] == [125.0, "优+", 1.2, 36000.0]
    tab2, _ = tab_of(book, "1002")
    tab3, _ = tab_of(book, "1003")
    tab4, _ = tab_of(book, "1004")
    assert results_row(grid(book, tab2))["奖金"] == 40000.0
    assert results_row(grid(book, tab3))["绩效倍数"] == 1.5
    assert results_row(grid(book, tab4)) == {"总分": 125.0, "等级": "优+", "绩效倍数": 1.2, "奖金": 36000.0}
    # LibreOffice, recalculating everything, shows what every sheet caches
    shown = soffice.read_sheets(book, recalc=True)
    for sheet in ("员工", tab2, tab3, tab4):
        assert_cached_equals_shown(grid(book, sheet), shown[sheet], sheet)


def assert_cached_equals_shown(cached: list[list], shown: list[list[str]], sheet: str) -> None:
    for r, row in enumerate(cached):
        for c, value in enumerate(row):
            if isinstance(value, float):
                assert float(shown[r][c].replace(",", "").rstrip("%")) == pytest.approx(value), (sheet, r, c)
            elif isinstance(value, str) and value:
                assert shown[r][c] == value, (sheet, r, c)


def test_a_blanked_employee_row_loses_its_results_but_keeps_typed_ones(demo, tmp_path, soffice):
    from test_interviews import type_into
    book = tmp_path / "dept.xlsx"
    book.write_bytes(demo[0].read_bytes())
    tab, _ = tab_of(book, "1003")
    type_into(book, "员工", {"O8": 12345})  # 1005's bonus typed by a person
    with Workbook.open(book) as wb:
        wb.set_cells("员工", {f"{c}{r}": None for c in "ABCDEFGHIJK" for r in (6, 8)})  # 1003 and 1005 blanked
        wb.set_cells("员工", {"O60": Formula("SUM(O4:O59)", 0)})  # a person's own total stays
        wb.save(backup=False)
    result = run("score", str(book), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = grid(book, "员工")
    assert rows[5][11:15] == ["", "", "", ""]
    assert rows[7][11:15] == ["", "", "", 12345.0]  # typed: kept, and listed
    assert "• 员工!O8: 12345" in result.stdout
    with Workbook.open(book) as wb:
        assert wb.formula_of("员工", "O60") == "SUM(O4:O59)"
    import pandas as pd
    frame = pd.read_excel(book, sheet_name="员工", header=2, engine="calamine")
    paid = frame["奖金"].sum() - 12345
    total = " ".join(result.stdout.split()).split("奖金合计：")[1].split()[0]
    assert f"{paid:,.2f}" == total
    # 1003's tab is kept (red) and shows no money, in the cache and recalculated
    assert results_row(grid(book, tab)) == {"总分": "", "等级": "", "绩效倍数": "", "奖金": ""}
    shown = soffice.read_sheets(book, recalc=True)[tab]
    row = next(r for r in shown if r[0] == "总分")
    assert [row[c] for c in (1, 3, 5, 7)] == ["", "", "", ""]
    again = run("score", str(book), cwd=tmp_path)
    assert "没有变化" in again.stdout


def test_interviews_only_for_a_held_back_employee_saves_nothing_and_exits_1(demo, tmp_path):
    book = tmp_path / "b.xlsx"
    book.write_bytes(demo[0].read_bytes())
    before = book.read_bytes()
    result = run("interviews", str(book), "--only", "1015", cwd=tmp_path)  # 1015: profit target 0
    assert result.returncode == 1, result.stdout
    assert "--only 指定的员工都因输入错误暂不生成面谈表" in " ".join(result.stderr.split())
    assert book.read_bytes() == before
    assert not (tmp_path / "perf-addin backups").exists()


# ------------------------------------------------------------------ the reconciliation after a change


def tab_color(book: Path, sheet: str) -> str | None:
    import zipfile
    from lxml import etree
    with Workbook.open(book) as wb:
        part = wb.sheet(sheet).part
    with zipfile.ZipFile(book) as z:
        root = etree.fromstring(z.read(part))
    color = root.find("{*}sheetPr/{*}tabColor")
    return None if color is None else color.get("rgb")


def test_a_reconciliation_older_than_the_scores_is_marked_until_reconciled_again(demo, tmp_path):
    """Finance must not read old money as current: after score changes a result, the
    对账 tab is coloured red and score says so; reconcile writes it anew, uncoloured."""
    book = tmp_path / "dept.xlsx"
    book.write_bytes(demo[0].read_bytes())
    assert run("reconcile", str(book), "--budget", "50万", cwd=tmp_path).returncode == 0
    assert tab_color(book, "对账") is None
    unchanged = run("score", str(book), cwd=tmp_path)
    assert unchanged.returncode == 0 and tab_color(book, "对账") is None  # nothing changed: not stale
    with Workbook.open(book) as wb:
        wb.set_cells("员工", {"F8": 3000})  # 1005's profit
        wb.save(backup=False)
    result = run("score", str(book), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert tab_color(book, "对账") == "FFC00000"
    assert "对账" in result.stdout and "reconcile" in result.stdout
    assert run("reconcile", str(book), cwd=tmp_path).returncode == 0
    assert tab_color(book, "对账") is None
