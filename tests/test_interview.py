"""The interview form as plain data: content per employee, inputs, print setup, names."""

from __future__ import annotations

import pytest

from perf_addin.forms.interview_form import (ID_CELL, OTHER, InterviewData, ItemLine, ResultCell, TabKind,
                                  agenda_minutes, facilitator, input_cells, interview_sheet, is_senior,
                                  parse_kind, praise_text, tab_name)
from perf_addin.domain.interview_settings import InterviewSettings, settings_from_grid, settings_rows
from perf_addin.domain.rules import RulesError
from perf_addin.xlsx import Cell, Formula, check_sheet_name
from perf_addin.xlsx.values import content

SETTINGS = InterviewSettings(cycle="2026 年度", hr_specialist="孙丽", hr_clerk="周静")
ROW = 12


def employee(level: str = "员工", profit=(3500, 3200, 109.0, 69.0), tasks=(90, 100, 90.0, 19.0),
             rating=(15, 15.0), name: str = "张伟", employee_id: str = "1024", **extra) -> InterviewData:
    """The article's profit (met), tasks below target, a rating of 15 of 20."""
    t = "'员工'!"
    items = (
        ItemLine("profit", profit[0], profit[1], profit[2], 60, profit[3], f"{t}F{ROW}", f"{t}G{ROW}"),
        ItemLine("tasks", tasks[0], tasks[1], tasks[2], 20, tasks[3], f"{t}H{ROW}", f"{t}I{ROW}"),
        ItemLine("rating", rating[0], 20, rating[1] / 20 * 100 if rating[1] is not None else None, 20,
                 rating[1], f"{t}J{ROW}", "规则!$B$12"),
    )
    return InterviewData(employee_id, name, "销售部", level, "刘军", items,
                         ResultCell(f"{t}L{ROW}", 103.0), ResultCell(f"{t}M{ROW}", "优-"),
                         ResultCell(f"{t}N{ROW}", 1.1), ResultCell(f"{t}O{ROW}", 11000.0),
                         ResultCell(f"{t}P{ROW}", ""), **extra)


def values(spec) -> dict[str, object]:
    return {ref: (c.value if isinstance(c, Cell) else c) for ref, c in spec.cells.items()}


def texts(spec) -> str:
    return "\n".join(str(v) for v in values(spec).values() if isinstance(v, str))


def row_of(spec, text: str) -> int:
    return next(int(ref[1:]) for ref, v in values(spec).items() if ref.startswith("A") and v == text)


# ------------------------------------------------------------------ who and what


@pytest.mark.parametrize("level, senior", [("高层", True), ("中层", True), ("中层管理", True), ("Senior", True),
                                           ("middle manager", True), ("基层管理", False), ("员工", False),
                                           ("Staff", False), ("", False)])
def test_facilitator_rule(level, senior):
    assert is_senior(level) is senior
    role, name = facilitator(level, SETTINGS, "zh")
    assert (role, name) == (("HR绩效专员", "孙丽") if senior else ("部门人事文员", "周静"))
    spec = interview_sheet(employee(level=level), SETTINGS)
    assert f"{name}（{role}）" in texts(spec)


def test_unnamed_facilitator_asks_for_the_name():
    spec = interview_sheet(employee(level="高层"), InterviewSettings())
    assert "HR绩效专员（姓名待填）" in texts(spec)


def test_header_holds_the_employee_and_the_interview_frame():
    spec = interview_sheet(employee(), SETTINGS)
    v = values(spec)
    assert v["A1"] == "绩效反馈面谈表" and v[ID_CELL] == "1024"
    body = texts(spec)
    for text in ("2026 年度", "张伟", "销售部", "刘军", "60 分钟", "会客室、接待室", "不在领导办公室"):
        assert text in body
    assert "被考核者 张伟；直接上级 刘军；主导人 周静（部门人事文员）" in body


def test_praise_lists_items_at_or_above_target_only():
    text = praise_text(employee(), "zh")
    assert "公司盈利达成 109%（实际 3,500，目标 3,200）" in text and "任务" not in text
    none_met = employee(profit=(2000, 3200, 63.0, 23.0))
    assert praise_text(none_met, "zh").startswith("本期各项均未达到目标")
    assert text in texts(interview_sheet(employee(), SETTINGS))


def test_one_remedy_line_per_item_below_target():
    e = employee()
    assert e.remedies == ("tasks", "rating", OTHER)
    spec = interview_sheet(e, SETTINGS)
    labels = [v for ref, v in values(spec).items() if ref.startswith("A") and isinstance(v, str)]
    assert "任务必达成件数（90%）" in labels and "平时表现（上级评分）（75%）" in labels
    assert not any(label.startswith("公司盈利（") for label in labels)
    all_met = employee(tasks=(120, 100, 120.0, 22.0), rating=(20, 20.0))
    assert all_met.remedies == (OTHER,)
    unusable = employee(tasks=(90, 0, None, None))  # a target of 0: neither praise nor remedy
    assert unusable.remedies == ("rating", OTHER)


def test_result_formulas_point_back_to_the_employee_row():
    spec = interview_sheet(employee(), SETTINGS)
    r = row_of(spec, "公司盈利")
    v = values(spec)
    assert v[f"B{r}"] == Formula(f"IF(ISBLANK('员工'!F{ROW}),\"\",'员工'!F{ROW})", 3500)
    assert f"'员工'!F{ROW}" in v[f"D{r}"].text and f"'员工'!G{ROW}" in v[f"D{r}"].text
    assert v[f"D{r}"].cached == 109.0 and v[f"F{r}"].cached == 69.0
    assert "规则!$B$3" == v[f"E{r}"].text  # profit weight, read live from the rules
    total = row_of(spec, "总分")
    assert v[f"B{total}"] == Formula(f"'员工'!L{ROW}", 103.0)
    assert v[f"D{total}"] == Formula(f"'员工'!M{ROW}", "优-")
    assert v[f"H{total}"] == Formula(f"'员工'!O{ROW}", 11000.0)


def test_unusable_inputs_cache_na_not_zero():
    spec = interview_sheet(employee(tasks=("", 100, None, None)), SETTINGS)
    r = row_of(spec, "任务必达成件数")
    v = values(spec)
    assert v[f"D{r}"].cached.code == "#N/A" and v[f"F{r}"].cached.code == "#N/A"
    assert v[f"G{r}"].cached == "输入有误"


# ------------------------------------------------------------------ inputs


def test_inputs_are_unlocked_and_marked_everything_else_locked():
    spec = interview_sheet(employee(), SETTINGS)
    inputs = input_cells("v1", employee().remedies)
    anchors = set(inputs.values())
    for ref, cell in spec.cells.items():
        if ref in anchors:
            assert cell.style.locked is False and cell.style.fill == "FFF2CC", ref
    locked = [ref for ref, c in spec.cells.items() if c.style.locked]
    assert len(locked) > 100 and spec.protection is not None and spec.protection.password == ""
    assert {"remedy.tasks.kind", "remedy.rating.agreed", "confirm.agreed", "confirm.objection",
            "confirm.notes", "next.plan", "sign.employee", "sign.facilitator.date", "check.8"} <= set(inputs)


def test_drop_downs_offer_the_seed_remedy_kinds_and_objections():
    spec = interview_sheet(employee(), SETTINGS)
    choices = {v.ref: v.choices for v in spec.validations}
    cells = input_cells("v1", employee().remedies)
    assert choices[cells["remedy.tasks.kind"]] == ("培训机会", "自学或请教他人", "加倍努力", "工作技巧", "沟通")
    assert choices[cells["confirm.agreed"]] == ("是", "否")
    assert choices[cells["confirm.objection"]] == ("评分方法", "数据准确性", "其他")


def test_committee_referral_follows_the_agreement_cell():
    cells = input_cells("v1", employee().remedies)
    spec = interview_sheet(employee(), SETTINGS, kept={"confirm.agreed": "否"})
    outcome = values(spec)[f"B{int(cells['confirm.agreed'][1:]) + 2}"]
    assert cells["confirm.agreed"] in outcome.text and "绩效委员会" in outcome.cached


def test_kept_values_go_back_into_their_fields():
    kept = {"remedy.tasks.action": "每周复盘任务清单", "confirm.agreed": "是", "sign.employee.date": 46000.0}
    spec = interview_sheet(employee(), SETTINGS, kept=kept)
    cells = input_cells("v1", employee().remedies)
    for fid, value in kept.items():
        assert spec.cells[cells[fid]].value == value


def test_input_addresses_depend_only_on_version_and_remedy_lines():
    one = input_cells("v1", ("tasks", OTHER))
    two = input_cells("v1", ("profit", "tasks", OTHER))
    assert "remedy.profit.kind" not in one and "remedy.profit.kind" in two
    assert int(two["confirm.agreed"][1:]) == int(one["confirm.agreed"][1:]) + 1
    with pytest.raises(ValueError):
        input_cells("v0", ())


def test_a_kept_remedy_line_survives_its_item_meeting_target():
    e = employee(tasks=(120, 100, 120.0, 22.0), keep_remedies=frozenset({"tasks"}))
    assert e.remedies == ("tasks", "rating", OTHER)
    assert "任务必达成件数（已达成，保留原填写）" in texts(interview_sheet(e, SETTINGS))


# ------------------------------------------------------------------ page and names


def test_one_a4_portrait_page_with_the_id_in_the_footer():
    spec = interview_sheet(employee(employee_id="A&B"), SETTINGS)
    setup = spec.print_setup
    assert (setup.paper, setup.landscape, setup.fit_width, setup.fit_height) == ("A4", False, 1, 1)
    last_row = max(int(ref[1:]) for ref in spec.cells if ref[0] == "A")
    assert setup.print_area == f"A1:H{last_row}"
    assert setup.footer.startswith("&L工号 A&&B") and "&P" in setup.footer
    assert max(spec.col_widths) == 8 and 45 <= last_row <= 60
    spec.check()


def test_kind_records_version_id_and_remedy_lines():
    spec = interview_sheet(employee(employee_id='x;id=1,"2"'), SETTINGS)
    kind = parse_kind(spec.kind)
    assert kind == TabKind("v1", 'x;id=1,"2"', ("tasks", "rating", OTHER))
    assert parse_kind("rules") is None and parse_kind(None) is None


def test_english_labels():
    spec = interview_sheet(employee(), SETTINGS, lang="en")
    body = texts(spec)
    assert "Performance feedback interview" in body and "周静 (department HR clerk)" in body
    assert spec.name == "Interview-张伟-1024" and spec.print_setup.footer.startswith("&LEmployee ID 1024")
    with pytest.raises(ValueError):
        interview_sheet(employee(), SETTINGS, lang="fr")


@pytest.mark.parametrize("name", ["张伟", "a/b", "[x]", "长" * 40, '=HYPERLINK("x")', "'quoted'", "History"])
def test_tab_names_are_valid_unique_and_keep_the_id(name):
    first = tab_name(name, "1024", "zh")
    check_sheet_name(first)
    second = tab_name(name, "1024", "zh", [first])
    check_sheet_name(second, [first])
    assert first.startswith("面谈-") and "1024" in first and second != first


def test_formula_looking_names_are_written_as_text():
    spec = interview_sheet(employee(name='=HYPERLINK("x")'), SETTINGS)
    name_cells = [c for c in spec.cells.values() if c.value == '=HYPERLINK("x")']
    assert name_cells and all(content(c.value).type == "inlineStr" for c in name_cells)


def test_agenda_gives_about_80_percent_to_remedies():
    assert agenda_minutes(60) == (6, 48, 3, 3)
    for total in (30, 45, 60, 90, 120):
        parts = agenda_minutes(total)
        assert sum(parts) == total and abs(parts[1] - 0.8 * total) <= 0.5


# ------------------------------------------------------------------ settings


def test_settings_table_round_trips_and_defaults():
    grid = [[None] * 9 + row for row in settings_rows(SETTINGS)]
    assert settings_from_grid(grid) == SETTINGS
    assert settings_from_grid(None) == InterviewSettings()
    assert InterviewSettings().places_for("zh") == ("会客室", "接待室")
    grid[4][10] = 45  # minutes
    grid[5][10] = "花园; 会客室"
    s = settings_from_grid(grid)
    assert s.minutes == 45 and s.places == ("花园", "会客室")


def test_bad_minutes_name_their_cell():
    grid = [[None] * 9 + row for row in settings_rows(SETTINGS)]
    grid[4][10] = "一小时"
    with pytest.raises(RulesError) as info:
        settings_from_grid(grid, "规则")
    assert info.value.cell == "规则!K5"


@pytest.mark.parametrize("key, value, zh, en", [
    ("minutes", "一小时", "面谈时长（minutes）必须是数字，现为 '一小时'", "interview minutes must be a number"),
    ("minutes", 5, "面谈时长（minutes）必须是 10 到 480 的整数，现为 5", "whole number 10-480"),
    ("work_days", "周八", "工作日（work_days）：'周八' 不是星期几", "'周八' is not a weekday"),
    ("work_hours", "17:00-09:00", "工作时间（work_hours）：'17:00-09:00' 的结束早于开始", "ends before it starts"),
    ("work_hours", "09:00-12:00,11:00-13:00", "中的时段互相重叠", "overlap"),
    ("break_minutes", 300, "休息时间（break_minutes）必须是 0 到 240 的整数，现为 300", "whole number 0-240"),
    ("rooms", "总经理办公室", "面谈房间（rooms）：总经理办公室 像是办公室", "looks like an office"),
])
def test_settings_refusals_speak_the_workbook_language(key, value, zh, en):
    grid = [[None] * 9 + row for row in settings_rows(SETTINGS)]
    row = next((r for r, cells in enumerate(grid) if cells[9] == key), None)
    if row is None:
        grid.append([None] * 9 + [key, None])
        row = len(grid) - 1
    grid[row][10] = value
    cell = f"规则!K{row + 1}"
    with pytest.raises(RulesError) as info:
        settings_from_grid(grid, "规则", "zh")
    assert info.value.cell == cell
    assert zh in info.value.message
    assert not any(word in info.value.message for word in ("must", "found", "write e.g."))
    with pytest.raises(RulesError) as info:
        settings_from_grid(grid, "规则", "en")
    assert info.value.cell == cell and en in info.value.message


def test_input_errors_put_a_red_banner_in_place_of_the_legend():
    from perf_addin.forms.interview_form import BANNER, ERROR_TAB_COLOR
    plain = interview_sheet(employee(), SETTINGS)
    assert values(plain)["A2"].startswith("黄色单元格") and plain.tab_color != ERROR_TAB_COLOR
    bad = interview_sheet(employee(errors=("员工!G12", "员工!J12")), SETTINGS)
    assert values(bad)["A2"].startswith("输入有误，结果无效：员工!G12、员工!J12。")
    assert bad.cells["A2"].style == BANNER and BANNER.fill == "C00000" and bad.tab_color == ERROR_TAB_COLOR
    en = interview_sheet(employee(errors=("Employees!G12",)), SETTINGS, "en")
    assert values(en)["A2"].startswith("Input error, no valid result: Employees!G12.")
    assert input_cells("v1", bad.kind.split("remedies=")[1].split(",")) == input_cells(
        "v1", plain.kind.split("remedies=")[1].split(","))  # no field moves


def test_a_rating_is_weak_below_its_threshold_and_the_status_formula_reads_the_rule():
    def with_rating(value: float) -> InterviewData:
        e = employee(rating=(value, value))
        items = tuple(ItemLine(**{**i.__dict__, "weak_below": 15.0, "weak_ref": "规则!$B$14"})
                      if i.key == "rating" else i for i in e.items)
        return InterviewData(**{**e.__dict__, "items": items})
    assert "rating" not in with_rating(17).remedies and "rating" not in with_rating(15).remedies
    assert "rating" in with_rating(14.5).remedies
    spec = interview_sheet(with_rating(17), SETTINGS)
    status = values(spec)[f"G{row_of(spec, '平时表现（上级评分）')}"]
    assert isinstance(status, Formula) and "规则!$B$14" in status.text and status.cached == "达成"


def test_rows_grow_with_the_text_people_typed():
    cells = input_cells("v1", employee().remedies)
    short = interview_sheet(employee(), SETTINGS, kept={"confirm.notes": "无"})
    long = interview_sheet(employee(), SETTINGS, kept={"confirm.notes": "数据有误" * 40,
                                                        "remedy.tasks.action": "复盘" * 40})
    notes_row, action_row = (int(cells[k][1:]) for k in ("confirm.notes", "remedy.tasks.action"))
    # 160 CJK characters in B:H (84 widths ≈ 43 a line): 4 lines; 80 in C:E (34 widths ≈ 17 a line): 5
    assert short.row_heights[notes_row] == 34 and long.row_heights[notes_row] >= 4 * 14.5
    assert long.row_heights[action_row] >= 5 * 14.5
    huge = interview_sheet(employee(), SETTINGS, kept={"confirm.notes": "长" * 3000})
    assert huge.row_heights[notes_row] <= 409 and huge.cells[cells["confirm.notes"]].style.font_size < 10
    assert huge.print_setup.fit_height == 1  # still one page
