"""The feedback interview form (绩效反馈面谈表) as plain data: one A4 page per employee.

``interview_sheet(employee, settings, lang)`` is a pure function from one
employee's row and scores to a :class:`~perf_addin.xlsx.SheetSpec`; the writer
renders it into the workbook, and the same description could be rendered into a
live Excel sheet. No I/O happens here (``jobs/interviews.py`` is the job).

Layout decisions (DOMAIN.md §4–5):

* Eight columns A–H, A4 portrait, fitted to one page (``fit_width=1,
  fit_height=1``); the footer carries the employee ID, the tab name and the
  page number. Pages are numbered from 1 per tab and the footer shows no total
  (``&N``): printed together, LibreOffice counts the total over all tabs.
* Sections: 1 basic information, 2 the result, 3 the agenda with minutes
  (praise filled in from the items at or above target; about 80 % of the time
  on remedies), 4 remedies (one line per item below target, plus one "other"
  line), 5 confirmation, 6 next cycle, 7 signatures, 8 the facilitator's
  checklist of the eight common mistakes.
* Numbers of the result are formulas pointing back to the employee's row of the
  table (``='员工'!F12``) and to the result columns ``results.score_workbook``
  writes, with the engine's values cached; a corrected input updates the tab.
* The discretionary rating's "target" column shows the rating maximum (its points
  scale), but the maximum is no bar a person must reach: a rating below the rules
  sheet's ``rating_weak_below`` (default 15 of 20) is the weak item that gets a
  remedy line; the status formula compares with that cell.
* An employee whose inputs are unusable gets a red banner in place of the legend,
  naming the cells at fault, so the tab cannot pass for a finished result.
  A calibrated grade without a reason is applied all the same, so its banner asks
  for the reason instead of calling the result invalid.
* A grade the calibration meeting set in place of the score's is explained under
  the grade (the calibrated grade, the score's, the reason), in the input check's
  row: the bands printed elsewhere would contradict it otherwise, and using that
  row leaves every input field of the layout where it was.
* Long text is shown whole, on the same one page. Every wrapped cell's row is
  as tall as its text needs (``textfit``: wrapped lines estimated from the
  merged columns' widths, a CJK character counting as two Latin ones), also
  for what people typed: a regenerated tab computes its heights from the kept
  values. ``fit_height=1`` then scales the page, so a long objection makes the
  print a little smaller rather than cutting it off. Chosen over a smaller
  font everywhere (unreadable for the usual short entries) and over a
  continuation page (the form is one page of A4, DOMAIN.md §5, and a second
  page gets lost). Only a text that would not fit Excel's tallest row (409
  pt, some 800 Chinese characters in the widest field) gets a smaller font in
  its own cell.
* Fields people fill in are unlocked and yellow; the rest is protected without
  a password (against accidents, not people).

Input fields have stable ids (``remedy.profit.kind``, ``confirm.agreed``, ...);
``input_cells`` gives their addresses for a layout version and its remedy
lines. The tab's ``kind`` (``interview:v1;id=...;remedies=...``) records both,
so a regeneration finds every filled field of an older tab, also after the
set of remedy lines changed or a later layout version moved cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Mapping
from urllib.parse import quote, unquote

from perf_addin.domain import formulas as xf
from perf_addin.domain.interview_settings import REMEDY_SHARE, InterviewSettings
from perf_addin.forms.textfit import MAX_ROW_HEIGHT, fitting_font, text_height
from perf_addin.xlsx import Cell, CellError, Formula, ListValidation, Margins, PrintSetup, Protection, SheetSpec, Style
from perf_addin.xlsx.names import FORBIDDEN, MAX_SHEET_NAME, unique_sheet_name
from perf_addin.xlsx.refs import cell_ref

VERSION = "v1"
KIND_PREFIX = "interview"
ITEM_KEYS = ("profit", "tasks", "rating")
OTHER = "other"
WIDTH = 8  # columns A-H
NA = CellError("#N/A")
ID_CELL = "F4"  # the employee ID, fixed so a person (or a macro) can find it
SENIOR_LEVELS = ("高层", "中层", "高管", "senior", "middle")

# ----------------------------------------------------------------- styles

FONT_SIZE = 10
_BASE = dict(font_size=FONT_SIZE, border="thin", valign="center")
TITLE = Style(bold=True, font_size=16, halign="center", valign="center")
NOTE = Style(italic=True, font_size=9, font_color="595959", valign="center", wrap=True)
SECTION = Style(bold=True, font_size=11, font_color="FFFFFF", fill="1F4E79", valign="center")
LABEL = Style(bold=True, fill="F2F2F2", wrap=True, **_BASE)
HEAD = Style(bold=True, fill="DDEBF7", halign="center", wrap=True, **_BASE)
VALUE = Style(shrink=True, **_BASE)
TEXT = Style(wrap=True, **_BASE)
NUMBER = Style(halign="right", **_BASE)
PERCENT = Style(num_format='0"%"', halign="right", **_BASE)
MULTIPLIER = Style(num_format="0.0#", halign="right", **_BASE)
MONEY = Style(num_format="#,##0.00", halign="right", **_BASE)
CENTER = Style(halign="center", **_BASE)
WARN = Style(font_color="C00000", wrap=True, **_BASE)
BANNER = Style(bold=True, font_size=10, font_color="FFFFFF", fill="C00000", valign="center", wrap=True)
ERROR_TAB_COLOR = "ED7D31"  # orange: red already marks tabs of employees who left
INPUT = Style(fill="FFF2CC", wrap=True, locked=False, **_BASE)
INPUT_DATE = Style(fill="FFF2CC", num_format="yyyy-mm-dd", halign="center", locked=False, **_BASE)
INPUT_CHOICE = Style(fill="FFF2CC", halign="center", shrink=True, locked=False, **_BASE)
COL_WIDTHS = {1: 17, 2: 12, 3: 11, 4: 10, 5: 13, 6: 10, 7: 11, 8: 11}

# ----------------------------------------------------------------- texts

TEXTS: dict[str, dict[str, Any]] = {
    "zh": {
        "title": "绩效反馈面谈表",
        "legend": "黄色单元格由面谈参与人填写；其余内容由系统根据员工表和规则生成，已保护（无密码）。",
        "banner": "输入有误，结果无效：{cells}。请先修正员工表再面谈（修正后重新运行评分，本表随之更新）。",
        "banner_reason": "校准等级缺少校准理由：{cells}。请在员工表填写校准理由后重新运行评分，本表随之更新。",
        "tab": "面谈",
        "s1": "一、基本信息", "s2": "二、考核结果", "s3": "三、面谈议程（共 {m} 分钟）",
        "s4": "四、改进措施（未达成目标的项目逐项商定）", "s5": "五、结果确认", "s6": "六、下期计划",
        "s7": "七、签字确认", "s8": "八、主导人自查：避免八种常见错误（已避免的选 ✓）",
        "cycle": "考核周期", "id": "工号", "name": "姓名", "department": "部门", "level": "职级",
        "supervisor": "直接上级", "facilitator": "面谈主导人", "length": "建议时长",
        "length_value": "{m} 分钟，避免打扰", "place": "建议地点",
        "place_value": "{places}（环境轻松；不在领导办公室或正式会议室）",
        "participants": "参加人员", "participants_value": "被考核者 {name}；直接上级 {sup}；主导人 {fac}",
        "when": "面谈时间", "where": "实际地点",
        "specialist": "HR绩效专员", "clerk": "部门人事文员", "unnamed": "{role}（姓名待填）",
        "named": "{name}（{role}）",
        "item": "考核项目", "actual": "实际", "target": "目标", "attainment": "达成率", "weight": "权重",
        "points": "得分", "status": "情况",
        "items": {"profit": "公司盈利", "tasks": "任务必达成件数", "rating": "平时表现（上级评分）", OTHER: "其他"},
        "met": "达成", "missed": "未达成", "invalid": "输入有误",
        "score": "总分", "grade": "等级", "multiplier": "绩效倍数", "bonus": "奖金", "check": "输入检查",
        "grade_note": "等级说明", "calibrated": "等级经绩效校准调整为 {grade}（按得分为 {own}）", "reason_sep": "：",
        "step": "环节", "minutes": "分钟", "min": "分钟", "content": "内容与要点",
        "agenda": (
            ("1. 开场与肯定", "寒暄、奉茶，营造轻松氛围；直接上级先发言，肯定成绩，说明面谈目的："
                           "找出差距原因、商定改进措施、制定下期计划。"),
            ("2. 改进措施", "约 80% 的时间：逐项分析未达成项目的原因，从员工角度共同寻找措施（见第四部分）；"
                          "达成一致的写下来执行，有分歧的先搁置、会后再议。"),
            ("3. 确认结果", "员工确认考核结果并签字；对评分方法或数据准确性有异议的，用事实和数据沟通，"
                          "仍不一致的会后提交绩效委员会（见第五部分）。"),
            ("4. 下期计划", "商定改进计划、下期目标和考核计划（见第六部分）。"),
        ),
        "praise": "做得好的方面",
        "praise_item": "{item}达成 {att}（实际 {actual}，目标 {target}）",
        "praise_end": "。请继续保持！", "praise_none": "本期各项均未达到目标：肯定员工的投入和努力，再转入改进讨论。",
        "remedy_item": "项目（达成率）", "kind": "措施类型", "action": "具体措施", "owner": "负责人",
        "due": "完成日期", "agreed": "达成一致", "kept_line": "（已达成，保留原填写）",
        "kinds": ("培训机会", "自学或请教他人", "加倍努力", "工作技巧", "沟通"),
        "yes_no": ("是", "否"),
        "accept": "员工是否同意考核结果", "objection": "异议类型",
        "objections": ("评分方法", "数据准确性", "其他"),
        "notes": "异议说明及沟通记录", "outcome": "后续处理",
        "refer": "未达成一致：面谈后由主导人提交绩效委员会裁定", "accepted": "已确认，按考核结果执行",
        "current": "本期目标", "next_target": "下期目标", "plan": "考核计划与改进要点",
        "plan_all": "改进计划（含已商定的措施）", "follow_date": "下次跟进日期", "follow_owner": "跟进负责人",
        "role": "角色", "signature": "签字", "date": "日期",
        "employee": "被考核者", "archive": "面谈记录归档（HR）", "archive_date": "归档日期",
        "checklist": ("面谈场所正式、严肃", "面谈时间过短", "不倾听员工的意见", "语气不平等",
                      "上级单方面制定目标", "不从员工角度寻找改进措施", "只看结果，不看工作过程",
                      "面谈后不跟进遗留问题"),
        "tick": ("✓",),
        "footer": "&L工号 {id}&C&A&R第 &P 页",
    },
    "en": {
        "title": "Performance feedback interview",
        "legend": "Yellow cells are filled in by the participants; everything else is generated from the "
                  "employee table and the rules and is protected (no password).",
        "banner": "Input error, no valid result: {cells}. Correct the employee table before the interview "
                  "(score again and this tab follows).",
        "banner_reason": "Calibrated grade without a calibration reason: {cells}. Write the reason in the "
                         "employee table and score again; this tab follows.",
        "tab": "Interview",
        "s1": "1. Basic information", "s2": "2. Result", "s3": "3. Agenda ({m} minutes)",
        "s4": "4. Remedies (one line per item below target)", "s5": "5. Confirmation", "s6": "6. Next cycle",
        "s7": "7. Signatures", "s8": "8. Facilitator's checklist: eight common mistakes (✓ when avoided)",
        "cycle": "Cycle", "id": "Employee ID", "name": "Name", "department": "Department", "level": "Level",
        "supervisor": "Supervisor", "facilitator": "Facilitator", "length": "Time planned",
        "length_value": "{m} minutes, no interruptions", "place": "Suggested place",
        "place_value": "{places} (relaxed; not the leader's office or a formal conference room)",
        "participants": "Participants",
        "participants_value": "employee {name}; supervisor {sup}; facilitator {fac}",
        "when": "Date and time", "where": "Place used",
        "specialist": "HR performance specialist", "clerk": "department HR clerk",
        "unnamed": "{role} (name to be filled in)", "named": "{name} ({role})",
        "item": "Item", "actual": "Actual", "target": "Target", "attainment": "Attainment", "weight": "Weight",
        "points": "Points", "status": "Status",
        "items": {"profit": "Profit", "tasks": "Tasks completed", "rating": "Rating (supervisor)", OTHER: "Other"},
        "met": "met", "missed": "below target", "invalid": "input error",
        "score": "Score", "grade": "Grade", "multiplier": "Multiplier", "bonus": "Bonus", "check": "Input check",
        "grade_note": "Grade note", "calibrated": "Grade set in calibration: {grade} (the score gives {own})",
        "reason_sep": ": ",
        "step": "Step", "minutes": "Minutes", "min": "min", "content": "What happens",
        "agenda": (
            ("1. Open with praise", "Settle in, tea, small talk; the supervisor speaks first, affirms what "
                                    "went well and states the purpose: causes of the gaps, remedies, next plan."),
            ("2. Remedies", "About 80 % of the time: go through each item below target and look for remedies "
                            "from the employee's side (part 4); write down what is agreed, park disagreements."),
            ("3. Confirm the result", "The employee accepts and signs; objections to the scoring method or the "
                                      "data are discussed with facts; if still not agreed, the performance "
                                      "committee decides after the interview (part 5)."),
            ("4. Next cycle", "Agree the improvement plan, next cycle's targets and appraisal plan (part 6)."),
        ),
        "praise": "What went well",
        "praise_item": "{item} at {att} (actual {actual}, target {target})",
        "praise_end": ". Keep it up!",
        "praise_none": "No item reached its target this cycle: acknowledge the effort, then move to remedies.",
        "remedy_item": "Item (attainment)", "kind": "Remedy kind", "action": "Agreed action", "owner": "Owner",
        "due": "Due date", "agreed": "Agreed", "kept_line": " (met; kept as filled in)",
        "kinds": ("Training", "Self-study or ask for help", "More effort", "Work skills", "Communication"),
        "yes_no": ("Yes", "No"),
        "accept": "Employee agrees with the result", "objection": "Objection",
        "objections": ("Scoring method", "Data accuracy", "Other"),
        "notes": "Objection and discussion notes", "outcome": "Next step",
        "refer": "Not agreed: the facilitator refers the case to the performance committee",
        "accepted": "Agreed: the result stands",
        "current": "This cycle", "next_target": "Next target", "plan": "Appraisal plan and improvement points",
        "plan_all": "Improvement plan", "follow_date": "Follow-up date",
        "follow_owner": "Follow-up owner",
        "role": "Role", "signature": "Signature", "date": "Date",
        "employee": "Employee", "archive": "Archived by HR", "archive_date": "Archived on",
        "checklist": ("A formal, severe room", "Too short", "Not listening to the employee", "An unequal tone",
                      "Supervisor sets targets alone", "No remedies from the employee's side",
                      "Results only, not the work behind them", "No follow-up of open points"),
        "tick": ("✓",),
        "footer": "&LEmployee ID {id}&C&A&RPage &P",
    },
}

# ----------------------------------------------------------------- data


@dataclass(frozen=True)
class ItemLine:
    """One scored item of one employee, with where its inputs live.

    ``actual`` is the table's value as a reader gave it (the raw text when it is
    not a number, None when blank); ``attainment``/``points`` are the engine's,
    None when the inputs are unusable. ``target_ref`` of the rating is the rules
    cell of the rating maximum; ``weak_below``/``weak_ref`` (the rating only) are
    the rules' bar below which it is a weak item, and that bar's cell.
    """

    key: str
    actual: Any
    target: Any
    attainment: float | None
    weight: float
    points: float | None
    actual_ref: str
    target_ref: str
    weak_below: float | None = None
    weak_ref: str | None = None

    @property
    def met(self) -> bool | None:
        """At or above target (for the rating: not below its weak bar); None when it
        cannot be told."""
        if self.attainment is None:
            return None
        if self.weak_below is not None:
            return float(self.actual) >= self.weak_below
        return self.attainment >= 100


@dataclass(frozen=True)
class ResultCell:
    """A result column cell of the employee's row and the value it computes to."""

    ref: str | None
    value: Any = None


@dataclass(frozen=True)
class CalibrationNote:
    """A grade the calibration meeting set in place of the score's: the tab says so,
    or the employee would read a grade the printed bands contradict. Labels are in
    the workbook's language; ``reason_ref`` is the reason's cell in the table."""

    grade: str
    score_grade: str
    reason: str = ""
    reason_ref: str | None = None


@dataclass(frozen=True)
class InterviewData:
    """Everything the form shows about one employee; built by the job, no I/O."""

    employee_id: str
    name: str
    department: str
    level: str
    supervisor: str
    items: tuple[ItemLine, ...]
    score: ResultCell
    grade: ResultCell
    multiplier: ResultCell
    bonus: ResultCell
    check: ResultCell
    rules_sheet: str = "规则"
    keep_remedies: frozenset[str] = field(default_factory=frozenset)
    errors: tuple[str, ...] = ()  # cells with unusable input (``员工!G18``): the tab shows a banner
    calibration: CalibrationNote | None = None  # a calibrated grade that differs from the score's
    missing_reason: tuple[str, ...] = ()  # calibrated grades (applied) without a reason: a banner asks for it

    def item(self, key: str) -> ItemLine:
        return next(i for i in self.items if i.key == key)

    @property
    def remedies(self) -> tuple[str, ...]:
        """The remedy lines: items below target, items whose line holds a person's
        entries from an earlier tab, and always one "other" line."""
        keys = [i.key for i in self.items if i.met is False or i.key in self.keep_remedies]
        return (*keys, OTHER)


def is_senior(level: str) -> bool:
    """Senior and middle managers (中高层管理人员): 高层/中层, Senior/Middle (any case)."""
    text = level.strip().casefold()
    return any(text.startswith(prefix) for prefix in SENIOR_LEVELS)


def facilitator(level: str, settings: InterviewSettings, lang: str) -> tuple[str, str]:
    """(role, name) of the interview's facilitator, by DOMAIN.md §4's rule."""
    t = TEXTS[lang]
    if is_senior(level):
        return t["specialist"], settings.hr_specialist
    return t["clerk"], settings.hr_clerk


# ----------------------------------------------------------------- kind


@dataclass(frozen=True)
class TabKind:
    """What the ``kind`` marker of a generated tab records."""

    version: str
    employee_id: str
    remedies: tuple[str, ...]

    def text(self) -> str:
        return (f"{KIND_PREFIX}:{self.version};id={quote(self.employee_id, safe='')};"
                f"remedies={','.join(self.remedies)}")


def parse_kind(kind: str | None) -> TabKind | None:
    """The marker of an interview tab, or None for any other sheet."""
    if not kind or not kind.startswith(KIND_PREFIX + ":"):
        return None
    head, *pairs = kind.split(";")
    values = dict(p.split("=", 1) for p in pairs if "=" in p)
    remedies = tuple(k for k in values.get("remedies", "").split(",") if k)
    return TabKind(head.split(":", 1)[1], unquote(values.get("id", "")), remedies)


# ----------------------------------------------------------------- names


def tab_name(name: str, employee_id: str, lang: str, existing: list[str] | tuple[str, ...] = ()) -> str:
    """``面谈-张伟-1024``: valid, unique, and the ID kept whole by shortening the name first."""
    def clean(text: str) -> str:
        return "".join("_" if c in FORBIDDEN or ord(c) < 32 else c for c in text)
    prefix, tail = TEXTS[lang]["tab"] + "-", "-" + clean(employee_id)[:12]
    room = MAX_SHEET_NAME - len(prefix) - len(tail) - 4  # leaves room for " (2)"
    return unique_sheet_name(prefix + clean(name)[:max(room, 1)] + tail, existing)


# ----------------------------------------------------------------- the form


class _Form:
    """Rows appended top to bottom; records every input field's address."""

    def __init__(self, kept: Mapping[str, Any]) -> None:
        self.kept = kept
        self.cells: dict[str, Cell] = {}
        self.merges: list[str] = []
        self.heights: dict[int, float] = {}
        self.inputs: dict[str, str] = {}
        self.validations: list[ListValidation] = []
        self.row = 0

    def next(self, height: float = 18) -> int:
        self.row += 1
        self.heights[self.row] = height
        return self.row

    def put(self, row: int, c1: int, c2: int, value: Any, style: Style) -> str:
        value = None if value == "" else value
        style = self._fit(row, c1, c2, value, style)
        for c in range(c1, c2 + 1):
            self.cells[cell_ref(row, c)] = Cell(value if c == c1 else None, style)
        if c2 > c1:
            self.merges.append(f"{cell_ref(row, c1)}:{cell_ref(row, c2)}")
        return cell_ref(row, c1)

    def _fit(self, row: int, c1: int, c2: int, value: Any, style: Style) -> Style:
        """Grow the row so wrapped text shows whole; a text too long even for
        Excel's tallest row gets a smaller font (see the module docstring)."""
        text = value.cached if isinstance(value, Formula) else value
        if not style.wrap or not isinstance(text, str) or not text:
            return style
        width = sum(COL_WIDTHS[c] for c in range(c1, c2 + 1))
        size = style.font_size or FONT_SIZE
        if text_height(text, width, size) > MAX_ROW_HEIGHT:
            size = fitting_font(text, width, size)
            style = replace(style, font_size=size)
        needed = min(text_height(text, width, size), MAX_ROW_HEIGHT)
        self.heights[row] = max(self.heights.get(row, 0), needed)
        return style

    def field(self, fid: str, row: int, c1: int, c2: int, style: Style = INPUT,
              choices: tuple[str, ...] = ()) -> str:
        ref = self.put(row, c1, c2, self.kept.get(fid), style)
        self.inputs[fid] = ref
        if choices:
            self.validations.append(ListValidation(ref, choices=choices))
        return ref

    def section(self, title: str) -> None:
        self.put(self.next(20), 1, WIDTH, title, SECTION)


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    return f"{value:,}" if isinstance(value, (int, float)) else str(value)


def _cached(value: Any) -> Any:
    return NA if value is None else value


def _shown(ref: str) -> str:
    """A table cell as displayed: blank stays blank (a plain reference shows 0)."""
    return f"IF(ISBLANK({ref}),\"\",{ref})"


def _person(role: str, name: str, t: dict[str, Any]) -> str:
    return t["named"].format(name=name, role=role) if name else t["unnamed"].format(role=role)


def _basics(f: _Form, e: InterviewData, s: InterviewSettings, t: dict[str, Any], lang: str) -> None:
    f.section(t["s1"])
    role, fac_name = facilitator(e.level, s, lang)
    fac = _person(role, fac_name, t)
    pairs = ((("cycle", s.cycle), ("id", e.employee_id)),
             (("name", e.name), ("department", e.department)),
             (("level", e.level), ("supervisor", e.supervisor)),
             (("facilitator", fac), ("length", t["length_value"].format(m=s.minutes))))
    for (k1, v1), (k2, v2) in pairs:
        r = f.next()
        f.put(r, 1, 1, t[k1], LABEL)
        f.put(r, 2, 4, v1, VALUE)
        f.put(r, 5, 5, t[k2], LABEL)
        f.put(r, 6, 8, v2, VALUE)
    places = ("、" if lang == "zh" else " / ").join(s.places_for(lang))
    r = f.next()
    f.put(r, 1, 1, t["place"], LABEL)
    f.put(r, 2, 8, t["place_value"].format(places=places), VALUE)
    r = f.next()
    f.put(r, 1, 1, t["participants"], LABEL)
    f.put(r, 2, 8, t["participants_value"].format(name=e.name, sup=e.supervisor or "—", fac=fac), VALUE)
    r = f.next()
    f.put(r, 1, 1, t["when"], LABEL)
    f.field("meeting.when", r, 2, 4)
    f.put(r, 5, 5, t["where"], LABEL)
    f.field("meeting.place", r, 6, 8)


def _item_row(f: _Form, item: ItemLine, rules_sheet: str, t: dict[str, Any]) -> None:
    r = f.next()
    b, d, e_, fc = (cell_ref(r, c) for c in (2, 4, 5, 6))
    f.put(r, 1, 1, t["items"][item.key], LABEL)
    f.put(r, 2, 2, Formula(_shown(item.actual_ref), "" if item.actual is None else item.actual), NUMBER)
    if item.key == "rating":
        target = Formula(item.target_ref, item.target)
        attainment = Formula(f"IF(AND(ISNUMBER({fc}),{e_}>0),ROUND({fc}/{e_}*100,0),NA())",
                             _cached(item.attainment))
        points = xf.rating_points_formula(item.actual_ref, rules_sheet)
    else:
        target = Formula(_shown(item.target_ref), "" if item.target is None else item.target)
        attainment = Formula(xf.attainment_formula(item.actual_ref, item.target_ref, rules_sheet),
                             _cached(item.attainment))
        build = xf.profit_points_formula if item.key == "profit" else xf.task_points_formula
        points = build(item.actual_ref, item.target_ref, rules_sheet)
    f.put(r, 3, 3, target, NUMBER)
    f.put(r, 4, 4, attainment, PERCENT)
    f.put(r, 5, 5, Formula(xf.rule_ref(f"{item.key}_weight", sheet=rules_sheet), item.weight), NUMBER)
    f.put(r, 6, 6, Formula(points, _cached(item.points)), NUMBER)
    status = {True: t["met"], False: t["missed"], None: t["invalid"]}[item.met]
    bar = f"{d}>=100"
    if item.weak_below is not None:  # the rules cell, or the default where an older sheet has none
        bar = f"{cell_ref(r, 2)}>=IF(ISNUMBER({item.weak_ref}),{item.weak_ref},{_num_literal(item.weak_below)})"
    f.put(r, 7, 8, Formula(f'IF(ISNUMBER({d}),IF({bar},"{t["met"]}","{t["missed"]}"),"{t["invalid"]}")',
                           status), CENTER)


def _num_literal(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _result_formula(cell: ResultCell) -> Any:
    return "—" if cell.ref is None else Formula(cell.ref, _cached(cell.value))


def _results(f: _Form, e: InterviewData, t: dict[str, Any]) -> None:
    f.section(t["s2"])
    r = f.next()
    for c, key in enumerate(("item", "actual", "target", "attainment", "weight", "points"), start=1):
        f.put(r, c, c, t[key], HEAD)
    f.put(r, 7, 8, t["status"], HEAD)
    for item in e.items:
        _item_row(f, item, e.rules_sheet, t)
    r = f.next(20)
    pairs = (("score", e.score, NUMBER), ("grade", e.grade, CENTER),
             ("multiplier", e.multiplier, MULTIPLIER), ("bonus", e.bonus, MONEY))
    for i, (key, cell, style) in enumerate(pairs):
        f.put(r, 2 * i + 1, 2 * i + 1, t[key], LABEL)
        f.put(r, 2 * i + 2, 2 * i + 2, _result_formula(cell), style)
    r = f.next()
    if e.calibration is not None:
        f.put(r, 1, 1, t["grade_note"], LABEL)
        f.put(r, 2, 8, _calibration_note(e.calibration, e.check, t), WARN)
        return
    f.put(r, 1, 1, t["check"], LABEL)
    check = "" if e.check.ref is None else Formula(_shown(e.check.ref), e.check.value or "")
    f.put(r, 2, 8, check, WARN)


def _text_literal(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _calibration_note(note: CalibrationNote, check: ResultCell, t: dict[str, Any]) -> Formula:
    """The row under the grade, for a calibrated grade: what the meeting set and
    why, then the input check's text if any (a missing reason says so there). The
    same row as the input check, so no input field of the layout moves; a formula
    on the reason's and the check's cells, so a correction shows before the next
    ``score`` (which rewrites the note itself)."""
    head = t["calibrated"].format(grade=note.grade, own=note.score_grade)
    sep = t["reason_sep"]
    expr, cached = _text_literal(head), head
    if note.reason_ref is not None:
        expr += f'&IF(TRIM({note.reason_ref})="","",{_text_literal(sep)}&{note.reason_ref})'
        cached += sep + note.reason if note.reason.strip() else ""
    if check.ref is not None:
        expr += f'&IF(ISBLANK({check.ref}),"",CHAR(10)&{check.ref})'
        cached += "\n" + check.value if check.value else ""
    return Formula(expr, cached)


def praise_text(e: InterviewData, lang: str) -> str:
    """What went well: the items at or above target, in the employee's numbers."""
    t = TEXTS[lang]
    met = [i for i in e.items if i.met]
    if not met:
        return t["praise_none"]
    sep = "；" if lang == "zh" else "; "
    parts = [t["praise_item"].format(item=t["items"][i.key], att=f"{_num(i.attainment)}%",
                                     actual=_num(i.actual), target=_num(i.target)) for i in met]
    return sep.join(parts) + t["praise_end"]


def agenda_minutes(total: int) -> tuple[int, int, int, int]:
    """Opening, remedies (~80 %), confirmation, next plan; they add up to ``total``."""
    remedies = round(total * REMEDY_SHARE)
    rest = total - remedies
    quarter = rest // 4
    return rest - 2 * quarter, remedies, quarter, quarter


def _agenda(f: _Form, e: InterviewData, s: InterviewSettings, t: dict[str, Any], lang: str) -> None:
    f.section(t["s3"].format(m=s.minutes))
    r = f.next()
    f.put(r, 1, 1, t["step"], HEAD)
    f.put(r, 2, 2, t["minutes"], HEAD)
    f.put(r, 3, 8, t["content"], HEAD)
    for i, ((step, text), minutes) in enumerate(zip(t["agenda"], agenda_minutes(s.minutes))):
        r = f.next(38)
        f.put(r, 1, 1, step, LABEL)
        f.put(r, 2, 2, minutes, CENTER)
        f.put(r, 3, 8, text, TEXT)
        if i == 0:
            r = f.next(40)
            f.put(r, 1, 1, t["praise"], LABEL)
            f.put(r, 2, 8, praise_text(e, lang), TEXT)


def _remedy_label(e: InterviewData, key: str, t: dict[str, Any], lang: str) -> str:
    label = t["items"][key]
    if key == OTHER:
        return label
    item = e.item(key)
    if item.met:
        return label + t["kept_line"]
    if item.attainment is None:
        return label
    return f"{label}（{_num(item.attainment)}%）" if lang == "zh" else f"{label} ({_num(item.attainment)}%)"


def _remedies(f: _Form, e: InterviewData, t: dict[str, Any], lang: str) -> None:
    f.section(t["s4"])
    r = f.next(26)
    for (c1, c2), key in zip(((1, 1), (2, 2), (3, 5), (6, 6), (7, 7), (8, 8)),
                             ("remedy_item", "kind", "action", "owner", "due", "agreed")):
        f.put(r, c1, c2, t[key], HEAD)
    for key in e.remedies:
        r = f.next(30)
        f.put(r, 1, 1, _remedy_label(e, key, t, lang), LABEL)
        f.field(f"remedy.{key}.kind", r, 2, 2, INPUT_CHOICE, t["kinds"])
        f.field(f"remedy.{key}.action", r, 3, 5)
        f.field(f"remedy.{key}.owner", r, 6, 6)
        f.field(f"remedy.{key}.due", r, 7, 7, INPUT_DATE)
        f.field(f"remedy.{key}.agreed", r, 8, 8, INPUT_CHOICE, t["yes_no"])


def _confirmation(f: _Form, t: dict[str, Any]) -> None:
    f.section(t["s5"])
    r = f.next(22)
    f.put(r, 1, 2, t["accept"], LABEL)
    agreed = f.field("confirm.agreed", r, 3, 3, INPUT_CHOICE, t["yes_no"])
    f.put(r, 4, 5, t["objection"], LABEL)
    f.field("confirm.objection", r, 6, 8, INPUT_CHOICE, t["objections"])
    r = f.next(34)
    f.put(r, 1, 1, t["notes"], LABEL)
    f.field("confirm.notes", r, 2, 8)
    r = f.next()
    f.put(r, 1, 1, t["outcome"], LABEL)
    no, yes = t["yes_no"][1], t["yes_no"][0]
    said = f.kept.get("confirm.agreed")
    cached = t["refer"] if said == no else t["accepted"] if said == yes else ""
    f.put(r, 2, 8, Formula(f'IF({agreed}="{no}","{t["refer"]}",IF({agreed}="{yes}","{t["accepted"]}",""))',
                           cached), WARN)


def _next_cycle(f: _Form, e: InterviewData, t: dict[str, Any]) -> None:
    f.section(t["s6"])
    r = f.next()
    for (c1, c2), key in zip(((1, 1), (2, 2), (3, 3), (4, 8)), ("item", "current", "next_target", "plan")):
        f.put(r, c1, c2, t[key], HEAD)
    for key in ("profit", "tasks"):
        item = e.item(key)
        r = f.next(22)
        f.put(r, 1, 1, t["items"][key], LABEL)
        f.put(r, 2, 2, Formula(_shown(item.target_ref), "" if item.target is None else item.target), NUMBER)
        f.field(f"next.{key}.target", r, 3, 3)
        f.field(f"next.{key}.plan", r, 4, 8)
    r = f.next(34)
    f.put(r, 1, 1, t["plan_all"], LABEL)
    f.field("next.plan", r, 2, 8)
    r = f.next()
    f.put(r, 1, 1, t["follow_date"], LABEL)
    f.field("next.follow_date", r, 2, 2, INPUT_DATE)
    f.put(r, 3, 4, t["follow_owner"], LABEL)
    f.field("next.follow_owner", r, 5, 8)


def _signatures(f: _Form, e: InterviewData, s: InterviewSettings, t: dict[str, Any], lang: str) -> None:
    f.section(t["s7"])
    r = f.next()
    for (c1, c2), key in zip(((1, 1), (2, 3), (4, 6), (7, 8)), ("role", "name", "signature", "date")):
        f.put(r, c1, c2, t[key], HEAD)
    fac = _person(*facilitator(e.level, s, lang), t)
    people = (("employee", t["employee"], e.name), ("supervisor", t["supervisor"], e.supervisor),
              ("facilitator", t["facilitator"], fac))
    for key, label, name in people:
        r = f.next(28)
        f.put(r, 1, 1, label, LABEL)
        f.put(r, 2, 3, name, VALUE)
        f.field(f"sign.{key}", r, 4, 6)
        f.field(f"sign.{key}.date", r, 7, 8, INPUT_DATE)
    r = f.next()
    f.put(r, 1, 1, t["archive"], LABEL)
    f.field("archive.by", r, 2, 3)
    f.put(r, 4, 6, t["archive_date"], LABEL)
    f.field("archive.date", r, 7, 8, INPUT_DATE)


def _checklist(f: _Form, t: dict[str, Any]) -> None:
    f.section(t["s8"])
    items = t["checklist"]
    for i in range(0, len(items), 2):
        r = f.next()
        for j, (c1, c2, box) in enumerate(((1, 3, 4), (5, 7, 8))):
            f.put(r, c1, c2, f"{i + j + 1}. {items[i + j]}", TEXT)
            f.field(f"check.{i + j + 1}", r, box, box, INPUT_CHOICE, t["tick"])


def _footer(t: dict[str, Any], employee_id: str) -> str:
    return t["footer"].format(id=employee_id[:40].replace("&", "&&"))


def build_form(e: InterviewData, s: InterviewSettings, lang: str,
               kept: Mapping[str, Any] | None = None) -> _Form:
    """All rows of the form, in order; ``interview_sheet`` wraps them in a spec."""
    if lang not in TEXTS:
        raise ValueError(f"language {lang!r} is not one of {sorted(TEXTS)}")
    t = TEXTS[lang]
    f = _Form(kept or {})
    r = f.next(30)
    f.put(r, 1, WIDTH, t["title"], TITLE)
    r = f.next(24)
    join = ("、" if lang == "zh" else ", ").join
    if e.errors:
        f.put(r, 1, WIDTH, t["banner"].format(cells=join(e.errors)), BANNER)
    elif e.missing_reason:  # the grade stands and is applied: only its reason is missing
        f.put(r, 1, WIDTH, t["banner_reason"].format(cells=join(e.missing_reason)), BANNER)
    else:
        f.put(r, 1, WIDTH, t["legend"], NOTE)
    _basics(f, e, s, t, lang)
    _results(f, e, t)
    _agenda(f, e, s, t, lang)
    _remedies(f, e, t, lang)
    _confirmation(f, t)
    _next_cycle(f, e, t)
    _signatures(f, e, s, t, lang)
    _checklist(f, t)
    return f


def interview_sheet(employee: InterviewData, settings: InterviewSettings, lang: str = "zh",
                    name: str | None = None, kept: Mapping[str, Any] | None = None,
                    tab_color: str = "4472C4") -> SheetSpec:
    """The interview tab of one employee as a sheet description.

    ``kept`` maps input field ids to what people filled in on an earlier tab; those
    values go back into their (possibly moved) cells. ``name`` defaults to
    :func:`tab_name` without regard to other sheets.
    """
    f = build_form(employee, settings, lang, kept)
    last = f"{cell_ref(f.row, WIDTH)}"
    setup = PrintSetup(paper="A4", landscape=False, fit_width=1, fit_height=1,
                       margins=Margins(left=0.5, right=0.5, top=0.55, bottom=0.6, header=0.25, footer=0.3),
                       print_area=f"A1:{last}", center_horizontally=True, first_page_number=1,
                       footer=_footer(TEXTS[lang], employee.employee_id))
    kind = TabKind(VERSION, employee.employee_id, employee.remedies)
    return SheetSpec(
        name=name or tab_name(employee.name, employee.employee_id, lang),
        cells=f.cells, merges=f.merges, col_widths=COL_WIDTHS, row_heights=f.heights,
        print_setup=setup, protection=Protection(format_rows=True), validations=f.validations,
        tab_color=ERROR_TAB_COLOR if employee.errors or employee.missing_reason else tab_color, show_gridlines=False, kind=kind.text())


def _placeholder(remedies: tuple[str, ...]) -> InterviewData:
    """An employee whose form has exactly the given remedy lines (for addresses only)."""
    items = tuple(ItemLine(k, 1, 1, 50.0 if k in remedies else 100.0, 1, 1, "A1", "A1") for k in ITEM_KEYS)
    empty = ResultCell(None)
    return InterviewData("0", "", "", "", "", items, empty, empty, empty, empty, empty)


_LOCAL_REF = re.compile(r"(?<![A-Za-z0-9_!$'])\$?([A-Z]{1,3})\$?(\d+)(?![A-Za-z0-9_(!])")


def dependent_cells(version: str, remedies: tuple[str, ...], lang: str,
                    kept: Mapping[str, Any]) -> dict[str, Cell]:
    """Address -> cell of every formula of a tab of that layout that reads one of the
    tab's own input cells, with the value the form caches for it given ``kept``.

    When a job types into a tab's inputs (``collect``), these are the cells whose
    cached value would go stale: a reader that does not calculate (pandas, a
    preview) would show the old one. The cells come from the form's own builder,
    so their formula, style and cached value are exactly what a regenerated tab
    holds. Raises ``ValueError`` for a layout version this code does not know."""
    if version != VERSION:
        raise ValueError(f"unknown interview layout {version!r}")
    form = build_form(_placeholder(tuple(k for k in remedies if k != OTHER)), InterviewSettings(), lang, kept)
    inputs = set(form.inputs.values())
    return {ref: cell for ref, cell in form.cells.items() if isinstance(cell.value, Formula)
            and any(f"{c}{r}" in inputs for c, r in _LOCAL_REF.findall(_without_strings(cell.value.text)))}


def _without_strings(formula: str) -> str:
    """A formula with its string literals blanked (a text may look like a cell address)."""
    return re.sub(r'"(?:[^"]|"")*"', '""', formula)


def input_cells(version: str, remedies: tuple[str, ...]) -> dict[str, str]:
    """Field id -> address of every input of a tab of that layout version and remedy
    lines. Only ``v1`` exists; a later version adds its own mapping here."""
    return dict(_input_cells(version, tuple(remedies)))


@lru_cache(maxsize=64)
def _input_cells(version: str, remedies: tuple[str, ...]) -> dict[str, str]:
    """Built once per layout (every refresh of every tab asks)."""
    if version != VERSION:
        raise ValueError(f"unknown interview layout {version!r}")
    return build_form(_placeholder(tuple(k for k in remedies if k != OTHER)),
                      InterviewSettings(), "zh").inputs
