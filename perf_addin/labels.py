"""Display names of every field, in both languages the tool speaks (zh, en).

A workbook speaks one language (``EmployeeTable.language``) and every text the
tool writes – cells, CLI lines, invitations, reminders – uses it.  Code works
with field keys (``profit_actual``, ``remedy.rating.action``); people must only
ever see the label, so every place that shows a field asks ``label(key, lang)``.
The header reader recognises the employee table by the same names, which makes
this table the one source of the column names.

The input-check messages (``problem_text``) live here too: the reader and the
engine's range checks report the same kinds of problems, and both must word them
the same way in the workbook's language.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from functools import lru_cache
from typing import Any

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

# key -> (中文, English): the employee table's input columns, in sheet order.
INPUT_LABELS: dict[str, tuple[str, str]] = {
    "employee_id": ("工号", "Employee ID"),
    "name": ("姓名", "Name"),
    "department": ("部门", "Department"),
    "level": ("职级", "Level"),
    "supervisor": ("直接上级", "Supervisor"),
    "profit_actual": ("实际盈利", "Profit actual"),
    "profit_target": ("目标盈利", "Profit target"),
    "tasks_done": ("完成件数", "Tasks done"),
    "tasks_target": ("目标件数", "Tasks target"),
    "rating": ("平时表现", "Rating"),
    "base_bonus": ("奖金基数", "Base bonus"),
    "email": ("邮箱", "Email"),  # optional: where invitations and reminders go
}
# The columns people fill in during the calibration meeting (optional; ``calibrate`` adds
# them beside the table): a grade typed there wins over the score's grade everywhere.
MEETING_LABELS: dict[str, tuple[str, str]] = {
    "calibrated_grade": ("校准等级", "Calibrated grade"),
    "calibration_reason": ("校准理由", "Calibration reason"),
    "potential": ("潜力", "Potential"),
}
# Other header spellings the reader accepts besides the two labels.
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {"email": ("电子邮箱", "电子邮件", "E-mail"),
                                             "calibration_reason": ("校准原因",)}
# The columns the tool writes beside the table (and finance's override columns).
RESULT_LABELS: dict[str, tuple[str, str]] = {
    "score": ("得分", "Score"),
    "grade": ("等级", "Grade"),
    "multiplier": ("绩效倍数", "Multiplier"),
    "bonus": ("奖金", "Bonus"),
    "check": ("输入检查", "Input check"),
    "manual_multiplier": ("手工倍数", "Manual multiplier"),
    "override_reason": ("调整原因", "Override reason"),
}
# Values the engine derives, named in messages.
DERIVED_LABELS: dict[str, tuple[str, str]] = {
    "profit_points": ("公司盈利得分", "Profit points"),
    "task_points": ("任务得分", "Task points"),
    "profit_attainment": ("盈利达成率", "Profit attainment"),
    "task_attainment": ("任务达成率", "Task attainment"),
}
FIELD_LABELS: dict[str, tuple[str, str]] = INPUT_LABELS | MEETING_LABELS | RESULT_LABELS | DERIVED_LABELS
# The calibration's columns and headings (domain/calibration.py, nine_box.py, rater_bias.py).
# Kept apart from FIELD_LABELS: the employee-table reader must not take them for its columns.
CALIBRATION_LABELS: dict[str, tuple[str, str]] = {
    "calibration.group": ("校准组", "Calibration group"),
    "calibration.pooled": ("小部门合并", "Small departments pooled"),
    "calibration.company": ("全公司", "Whole company"),
    "calibration.head_count": ("人数", "Head count"),
    "calibration.quota": ("配额", "Quota"),
    "calibration.now": ("现有", "Now"),
    "calibration.proposed": ("建议", "Proposed"),
    "calibration.rank": ("排名", "Rank"),
    "calibration.proposed_grade": ("建议等级", "Proposed grade"),
    "calibration.calibrated_grade": MEETING_LABELS["calibrated_grade"],
    "calibration.reason": MEETING_LABELS["calibration_reason"],
    "calibration.tied": ("并列（需会议决定）", "Tied (the meeting decides)"),
    "calibration.gave_way": ("人数太少而放宽的配额", "Quotas relaxed for too few people"),
    "calibration.potential": ("潜力", "Potential"),
    "calibration.performance": ("绩效", "Performance"),
    "calibration.nine_box": ("九宫格", "9-box"),
    "calibration.rater_bias": ("评分偏差（仅供参考）", "Rater bias (advice only)"),
    "calibration.normalised_rating": ("按部门尺度换算的平时表现", "Rating on the department's scale"),
    "calibration.budget_fit": ("按奖金池调整", "Fitted to the pool"),
}


@lru_cache(maxsize=4096)

def is_chinese(text: str) -> bool:
    """Whether ``text`` holds a CJK character: how a header or a message shows its language."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def normalise(text: str) -> str:
    """A header or sheet name as compared with what the tool expects: NFKC (full-width
    letters and brackets as ASCII), case folded, ``_`` read as a space, surrounding
    spaces dropped and inner ones collapsed. The one rule for matching names, so a
    sheet the reader finds is the sheet the writer finds."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("_", " ")
    return " ".join(text.split())


def language_index(lang: str) -> int:
    """0 for zh, 1 for en; anything else is a programming error."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return LANGUAGES.index(lang)


def header_aliases(key: str) -> tuple[str, ...]:
    """Every header text the reader takes as the column ``key``."""
    return (*FIELD_LABELS[key], *EXTRA_ALIASES.get(key, ()))


def label(key: str, lang: str) -> str:
    """The display name of a field: a table column or an interview-form field.

    An unknown key comes back as it is rather than failing a user's run; the
    language tests make sure no output ever needs that fallback.
    """
    i = language_index(lang)
    if key in FIELD_LABELS:
        return FIELD_LABELS[key][i]
    if key in CALIBRATION_LABELS:
        return CALIBRATION_LABELS[key][i]
    if "." in key:
        return form_field_label(key, lang) or key
    return key


# ------------------------------------------------------------ interview form fields


def form_field_label(fid: str, lang: str) -> str | None:
    """``remedy.rating.action`` -> 平时表现（上级评分）· 具体措施, from the form's own texts.

    The interview form (``interview.TEXTS``) already names every input it has;
    composing the label from those texts keeps one wording for the form and for
    every message about one of its fields.
    """
    from perf_addin.forms.interview_form import TEXTS  # the form module imports this one: import late

    t = TEXTS[lang]
    sep = "·" if lang == "zh" else " – "
    parts = fid.split(".")
    head, rest = parts[0], parts[1:]
    simple = {"meeting.when": "when", "meeting.place": "where", "confirm.agreed": "accept",
              "confirm.objection": "objection", "confirm.notes": "notes", "next.plan": "plan_all",
              "next.follow_date": "follow_date", "next.follow_owner": "follow_owner",
              "archive.by": "archive", "archive.date": "archive_date"}
    if fid in simple:
        return t[simple[fid]]
    if head == "remedy" and len(rest) == 2 and rest[0] in t["items"] and rest[1] in t:
        return f"{t['items'][rest[0]]}{sep}{t[rest[1]]}"
    if head == "next" and len(rest) == 2 and rest[0] in t["items"]:
        return f"{t['items'][rest[0]]}{sep}{t['next_target' if rest[1] == 'target' else 'plan']}"
    if head == "sign" and rest and rest[0] in t:
        return f"{t[rest[0]]}{sep}{t['date' if rest[1:] == ['date'] else 'signature']}"
    if head == "check" and len(rest) == 1 and rest[0].isdigit() and 0 < int(rest[0]) <= len(t["checklist"]):
        return t["checklist"][int(rest[0]) - 1]
    return None


def form_field_key(text: str) -> str:
    """The field id a form-field label (either language) stands for; any other text,
    an id written by an older version included, comes back unchanged."""
    return _form_field_keys().get(text, text)


@lru_cache(maxsize=1)
def _form_field_keys() -> dict[str, str]:
    from perf_addin.forms.interview_form import ITEM_KEYS, OTHER, VERSION, input_cells

    fids = input_cells(VERSION, (*ITEM_KEYS, OTHER))
    return {form_field_label(fid, lang) or fid: fid for lang in LANGUAGES for fid in fids}


# ------------------------------------------------------------ values as people read them


def shown(value: Any, lang: str) -> str:
    """A value the way a person would type it: 19800 not 19800.0, 空 not None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "（空）" if lang == "zh" else "(blank)"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        v = float(value)
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return f"{v:.10g}" if math.isfinite(v) else str(v)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


# ------------------------------------------------------------ input-check messages

# kind -> (中文, English); {field} is the field's label, {value} the value as typed.
PROBLEMS: dict[str, tuple[str, str]] = {
    "blank": ("{field}为空（或是 #N/A 等 Excel 错误值）",
              "{field} is blank (or holds an Excel error value such as #N/A)"),
    "boolean": ("{field}是 {value}，不是数字", "{field} is {value}, not a number"),
    "date": ("{field}是日期/时间（{value}），不是数字", "{field} is a date/time ({value}), not a number"),
    "percent": ("{field}是文字“{value}”：此处不接受百分数，请填写数值",
                "{field} is text '{value}': percentages are not accepted here, enter the plain number"),
    "text": ("{field}是文字“{value}”，不是数字", "{field} is text '{value}', not a number"),
    "not_finite": ("{field}必须是有限的数字，现为 {value}", "{field} must be a finite number, found {value}"),
    "id_boolean": ("{field}是 {value}，不是工号", "{field} is {value}, not an ID"),
    "duplicate_id": ("{field} {value} 重复出现（首次在 {where}）", "{field} {value} appears twice (first at {where})"),
    "positive": ("{field}必须大于 0，现为 {value}", "{field} must be > 0, found {value}"),
    "non_negative": ("{field}不能为负数，现为 {value}", "{field} must be >= 0, found {value}"),
    "range": ("{field}必须在 {low} 到 {high} 之间，现为 {value}",
              "{field} must be between {low} and {high}, found {value}"),
    "too_large": ("{field}过大，无法计算", "{field} is too large to compute"),
    "unknown_grade": ("{field}“{value}”不是等级（可用：{known}）", "{field} '{value}' is not a grade (known: {known})"),
    "no_reason": ("填写了{field}“{value}”但{reason}为空：请写明理由",
                  "{field} '{value}' is filled in but the {reason} is blank: give the reason"),
    "potential": ("{field}必须是 低、中 或 高（或 low、medium、high），现为“{value}”",
                  "{field} must be low, medium or high (or 低, 中, 高), found '{value}'"),
}


def problem_text(kind: str, field: str, lang: str, **values: Any) -> str:
    """One input-check message, naming the field by its label."""
    template = PROBLEMS[kind][language_index(lang)]
    return template.format(field=label(field, lang), **{k: shown(v, lang) if not isinstance(v, str) else v
                                                        for k, v in values.items()})


# What a job says while it works (the command line's progress line, Excel's status bar)
# and the notes it lists afterwards: key -> (中文, English).
JOB_TEXTS: dict[str, tuple[str, str]] = {
    "scoring": ("正在计算 {n} 名员工的得分", "scoring {n} employees"),
    "results": ("正在写入结果列", "writing result columns"),
    "tabs": ("正在写入 {n} 张面谈表", "writing {n} interview tabs"),
    "saving": ("正在保存", "saving"),
    "printing": ("正在将 {n} 张面谈表打印为 PDF", "printing {n} tabs to PDF"),
    "reconciling": ("正在核对 {n} 名员工", "reconciling {n} employees"),
    "comparing": ("正在与另一版本比较", "comparing with the other version"),
    "reconcile_tab": ("正在写入对账表", "writing the reconciliation tab"),
    "quotas": ("正在读取强制分布配额", "reading the quota rules"),
    "calibrating": ("正在校准 {n} 名员工", "calibrating {n} employees"),
    "left_tab": ("{tab}：该员工已不在员工表中（标签已标红）",
                 "{tab}: the employee is no longer in the table (tab coloured red)"),
    "tab_unknown": ("{tab}：{reason}；此表保持原样", "{tab}: {reason}; the tab is left alone"),
    "row": ("{sheet} 第 {row} 行", "{sheet} row {row}"),
    "no_id": ("{where}：没有工号，不生成面谈表", "{where}: no employee ID, so no tab"),
    "repeated_id": ("{where}：工号 {eid} 重复出现；只有第一行生成面谈表",
                    "{where}: employee ID {eid} appears again; only the first row gets a tab"),
}


def job_text(key: str, lang: str, **values: object) -> str:
    """A job's progress step or note in the workbook's language."""
    return JOB_TEXTS[key][language_index(lang)].format(**values)


__all__ = ["CALIBRATION_LABELS", "DEFAULT_LANGUAGE", "FIELD_LABELS", "INPUT_LABELS", "LANGUAGES", "MEETING_LABELS", "PROBLEMS", "RESULT_LABELS",
           "form_field_key", "form_field_label", "header_aliases", "is_chinese", "job_text", "label", "problem_text", "shown"]
