"""Regenerate the bundled workbooks: ``template.xlsx`` and ``sample_department.xlsx``.

    python workbook/make_workbooks.py

Both are produced here, deterministically, so they can be rebuilt and checked by a
test. The template is an empty department workbook: the employee table's header,
input validation and number formats, and the rules sheet with DOMAIN.md's defaults.
The sample is the same with a realistic department of 40 people, including a few
deliberate input errors and numbers typed the way people really type them.
"""

from __future__ import annotations

import datetime
import random
import sys
from pathlib import Path
from typing import Any

import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from perf_addin.domain.interview_settings import (SETTINGS_COLUMN, InterviewSettings,  # noqa: E402
                                           settings_rows)
from perf_addin.domain.rules import RULES_SHEET, Rules, rules_to_rows  # noqa: E402

HERE = Path(__file__).resolve().parent
EMPLOYEE_SHEET = "员工"
TITLE_ROW, HEADER_ROW = 0, 2  # 0-based: a title, a blank row, then the header
HEADERS = ["工号", "姓名", "部门", "职级", "直接上级", "实际盈利", "目标盈利",
           "完成件数", "目标件数", "平时表现", "奖金基数"]
WIDTHS = [9, 10, 10, 10, 10, 12, 12, 10, 10, 10, 12]
LEVELS = ["高层", "中层", "基层管理", "员工"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛",
         "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "文", "丽", "海燕"]
# the same table in English (an English workbook speaks English everywhere)
EN_SHEETS = {"员工": "Employees", RULES_SHEET: "Rules"}
EN_HEADERS = ["Employee ID", "Name", "Department", "Level", "Supervisor", "Profit actual", "Profit target",
              "Tasks done", "Tasks target", "Rating", "Base bonus"]
EN_LEVELS = {"高层": "Senior manager", "中层": "Middle manager", "基层管理": "Team lead", "员工": "Staff"}
EN_SURNAMES = dict(zip(SURNAMES, ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
                                  "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Gao", "Lin", "Luo"]))
EN_GIVEN = dict(zip(GIVEN, ["Wei", "Fang", "Na", "Min", "Jing", "Qiang", "Lei", "Yang", "Yan", "Yong", "Jun",
                            "Jie", "Juan", "Tao", "Ming", "Chao", "Xiuying", "Xia", "Ping", "Gang", "Guiying",
                            "Jianhua", "Wen", "Li", "Haiyan"]))


def sample_rows(seed: int = 2026) -> list[list[Any]]:
    """40 employees of 销售部: one head, three middle managers, six team leads, staff."""
    rnd = random.Random(seed)
    names: list[str] = []
    while len(names) < 40:
        name = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
        if name not in names:
            names.append(name)
    levels = ["高层"] + ["中层"] * 3 + ["基层管理"] * 6 + ["员工"] * 30
    rows = []
    for i, (name, level) in enumerate(zip(names, levels)):
        boss = "" if i == 0 else names[0] if i < 4 else names[1 + (i % 3)] if i < 10 else names[4 + (i % 6)]
        target = rnd.choice([2400, 2800, 3000, 3200, 3600, 4000])
        actual = round(target * rnd.uniform(0.72, 1.3))
        tasks_target = rnd.choice([80, 100, 120])
        tasks_done = round(tasks_target * rnd.uniform(0.7, 1.35))
        rating = rnd.choice([12, 14, 15, 16, 17, 18, 19, 20])
        base = {"高层": 60000, "中层": 30000, "基层管理": 18000, "员工": 10000}[level]
        rows.append([1001 + i, name, "销售部", level, boss, actual, target,
                     tasks_done, tasks_target, rating, base])
    rows[5][5:10] = [3500, 3200, 120, 100, 20]  # the article's example: 111 points, 优-
    rows[7][5:10] = [201, 200, 100, 100, 15]  # 100.5 % rounds up to 101 %
    rows[11][5] = "3,100"  # numbers typed as text
    rows[12][6] = "０.３万"  # full-width digits with a 万 suffix
    rows[14][6] = 0  # input errors: a target of zero, ...
    rows[17][9] = 25  # ... a rating above 20, ...
    rows[20][7] = None  # ... a blank, ...
    rows[23][9] = "良好"  # ... and a word where a number belongs
    return rows


def _english_name(name: str) -> str:
    return f"{EN_GIVEN[name[1:]]} {EN_SURNAMES[name[0]]}" if name else name


def english_rows(seed: int = 2026) -> list[list[Any]]:
    """The sample department in English: names, department and levels translated,
    the same numbers and the same deliberate input errors ("good" for 良好)."""
    rows = []
    for row in sample_rows(seed):
        row = list(row)
        row[1], row[4] = _english_name(row[1]), _english_name(row[4])
        row[2], row[3] = "Sales", EN_LEVELS[row[3]]
        row[9] = "good" if row[9] == "良好" else row[9]
        row[6] = "3000 " if row[6] == "０.３万" else row[6]
        rows.append(row)
    return rows


TEMPLATE_SETTINGS = InterviewSettings(places=("会客室", "接待室"))
EN_SETTINGS = InterviewSettings(cycle="2026", hr_specialist="Sun Li", hr_clerk="Zhou Jing",
                                places=("reception room", "meeting lounge"))
SAMPLE_SETTINGS = InterviewSettings(cycle="2026 年度", hr_specialist="孙丽", hr_clerk="周静",
                                    places=("会客室", "接待室"))


def write_workbook(path: Path, rows: list[list[Any]], title: str,
                   interview: InterviewSettings = TEMPLATE_SETTINGS, lang: str = "zh") -> None:
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"title": title, "author": "perf-addin",
                       "created": datetime.datetime(2026, 1, 1)})  # reproducible bytes
    _employee_sheet(wb, rows, title, lang)
    _rules_sheet(wb, Rules.default(), interview, lang)
    wb.close()


def _employee_sheet(wb: xlsxwriter.Workbook, rows: list[list[Any]], title: str, lang: str = "zh") -> None:
    en = lang == "en"
    ws = wb.add_worksheet(EN_SHEETS[EMPLOYEE_SHEET] if en else EMPLOYEE_SHEET)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center",
                          "valign": "vcenter", "text_wrap": True})
    money = wb.add_format({"num_format": "#,##0"})
    ws.write(TITLE_ROW, 0, title, wb.add_format({"bold": True, "font_size": 14}))
    ws.write_row(HEADER_ROW, 0, EN_HEADERS if en else HEADERS, head)
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width, money if col in (5, 6, 10) else None)
    ws.set_row(HEADER_ROW, 30)
    ws.freeze_panes(HEADER_ROW + 1, 2)
    last = HEADER_ROW + max(len(rows), 200)
    for col in (5, 6, 7, 8, 10):
        positive = col in (6, 8)
        ws.data_validation(HEADER_ROW + 1, col, last, col, {
            "validate": "decimal", "criteria": ">" if positive else "between",
            **({"value": 0} if positive else {"minimum": -1e12, "maximum": 1e12}),
            "error_title": "Performance input" if en else "绩效输入",
            "error_message": ("Enter a number" + (" (above 0)" if positive else "")) if en else
                             ("请输入数字" + ("（大于 0）" if positive else "")),
            "error_type": "warning"})
    ws.data_validation(HEADER_ROW + 1, 9, last, 9, {
        "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 20,
        "input_title": "Rating" if en else "平时表现",
        "input_message": "The supervisor's rating, 0-20 points" if en else "直接上级评分，0–20 分",
        "error_message": "The rating is 0-20 points" if en else "平时表现为 0–20 分", "error_type": "warning"})
    ws.data_validation(HEADER_ROW + 1, 3, last, 3, {"validate": "list",
                                                    "source": [EN_LEVELS[v] for v in LEVELS] if en else LEVELS})
    for r, row in enumerate(rows, start=HEADER_ROW + 1):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)


def _rules_sheet(wb: xlsxwriter.Workbook, rules: Rules, interview: InterviewSettings, lang: str = "zh") -> None:
    ws = wb.add_worksheet(EN_SHEETS[RULES_SHEET] if lang == "en" else RULES_SHEET)
    bold = wb.add_format({"bold": True, "bg_color": "#E2EFDA", "border": 1})
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 10)
    ws.set_column(2, 3, 46)
    ws.set_column(4, 7, 14)
    for r, row in enumerate(rules_to_rows(rules)):
        header = r == 0 or (row[0] == "grade")
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value, bold if header else None)
    # the interview settings sit beside the fixed scoring layout (columns J-L)
    ws.set_column(SETTINGS_COLUMN, SETTINGS_COLUMN, 16)
    ws.set_column(SETTINGS_COLUMN + 1, SETTINGS_COLUMN + 1, 16)
    ws.set_column(SETTINGS_COLUMN + 2, SETTINGS_COLUMN + 2, 60)
    for r, row in enumerate(settings_rows(interview)):
        for c, value in enumerate(row):
            if value not in (None, ""):
                ws.write(r, SETTINGS_COLUMN + c, value, bold if r == 0 else None)


def main() -> None:
    write_workbook(HERE / "template.xlsx", [], "部门绩效考核表（模板）")
    write_workbook(HERE / "sample_department.xlsx", sample_rows(), "2026 年度绩效考核 – 销售部",
                   SAMPLE_SETTINGS)
    print("wrote", HERE / "template.xlsx", "and", HERE / "sample_department.xlsx")


if __name__ == "__main__":
    main()
