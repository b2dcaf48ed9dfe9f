"""One language per workbook, end to end.

A whole cycle (demo, schedule, share, collect, reconcile with a diff) runs through
the command line on the Chinese sample and on the same department in English.
Every text the tool produced – the cells it wrote, every CLI line, the .ics
invitations, the .eml reminders – is searched for internal names (snake_case
keys, form field ids, ``None``, float reprs such as 19800.0), and the English
cycle for Chinese characters.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path

import msoffcrypto
import pytest
import python_calamine as calamine
import xlsxwriter
from icalendar import Calendar

from perf_addin.cli import SAMPLE, main
from perf_addin.book.department import read_employees
from perf_addin.labels import FIELD_LABELS, INPUT_LABELS, label, problem_text
from perf_addin.language import remembered_language
from perf_addin.xlsx import Workbook
from tests.test_collect import tabs_and_cells, typed

sys.path.insert(0, str(SAMPLE.parent))
import make_workbooks  # noqa: E402

LEAKS = [
    re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),  # profit_actual, tasks_done
    re.compile(r"\b(?:remedy|confirm|next|sign|meeting|archive|check)\.[a-z][a-z_.]*\b"),  # form field ids
    re.compile(r"\b(?:None|nan|NaN)\b"),
    re.compile(r"(?<![\d.])\d+\.0\b(?!\.\d)"),  # 19800.0
]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
TODAY = "2026-04-01"


def leaks(text: str) -> list[str]:
    return [m.group(0) for pattern in LEAKS for m in pattern.finditer(text)]


# ------------------------------------------------------------------ the cycle


def english_book(path: Path) -> Path:
    make_workbooks.write_workbook(path, make_workbooks.english_rows(), "2026 appraisal – Sales",
                                  make_workbooks.EN_SETTINGS, lang="en")
    return path


def strings(path: Path, password: str | None = None) -> dict[str, set[str]]:
    """Every text cell of every sheet (the rules sheet, a settings grid of keys, left out)."""
    data = path.read_bytes()
    if password is not None:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=password)
        out = io.BytesIO()
        office.decrypt(out)
        data = out.getvalue()
    book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    found: dict[str, set[str]] = {}
    for name in book.sheet_names:
        if name.casefold() in ("规则", "rules"):
            continue
        rows = book.get_sheet_by_name(name).to_python()
        found[name] = {v for row in rows for v in row if isinstance(v, str) and v.strip()} | {name}
    return found


def written(before: dict[str, set[str]], after: dict[str, set[str]]) -> list[str]:
    typed_by_people = set().union(*before.values())
    new = {v for texts in after.values() for v in texts} - typed_by_people
    return sorted(v.replace(SAMPLE.name, "<file>").replace("dept.xlsx", "<file>") for v in new)


def fill_returned(book: Path, returned: Path, lang: str) -> None:
    """A returned copy that fills remedies and contradicts the master's note."""
    tabs, cells = tabs_and_cells(book)
    eid = next(e for e, c in cells.items() if "remedy.profit.action" in c)
    zh = lang == "zh"
    typed(book, eid, {"confirm.notes": "主表记录" if zh else "master's note",
                      "remedy.other.action": "每周复盘" if zh else "weekly review"})
    shutil.copyfile(book, returned)
    typed(returned, eid, {"confirm.notes": "另一份记录" if zh else "another note",
                          "remedy.other.action": "每月复盘" if zh else "monthly review",
                          "remedy.profit.kind": "培训机会" if zh else "Training",
                          "remedy.profit.action": "参加销售培训" if zh else "sales training",
                          "remedy.profit.owner": "周静" if zh else "Zhou Jing",
                          "remedy.profit.due": 46100.0, "remedy.profit.agreed": "是" if zh else "Yes",
                          "confirm.agreed": "否" if zh else "No"})


def change_inputs(book: Path, lang: str) -> None:
    """Finance's override of one multiplier and a corrected rating: the diff has work."""
    table = read_employees(book)
    free = max([*table.columns.values(), *table.result_columns.values()]) + 1
    letters = [chr(64 + free), chr(65 + free)]
    head, row = table.header_row, table.rows[5]
    rating = chr(64 + table.columns["rating"])
    with Workbook.open(book) as wb:
        wb.set_cells(table.sheet, {f"{letters[0]}{head}": label("manual_multiplier", lang),
                                   f"{letters[1]}{head}": label("override_reason", lang),
                                   f"{letters[0]}{row}": 1.0,
                                   f"{letters[1]}{row}": "总经理批准" if lang == "zh" else "approved by the CEO",
                                   f"{rating}{table.rows[0]}": 16})
        wb.save()


def run(capsys, *argv: object) -> str:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    assert code in (0, 1), out.err
    return out.out + out.err


def cycle(book: Path, tmp: Path, capsys, lang: str, first: list[str]) -> dict[str, list[str]]:
    """Run ``first`` (the demo, or score and interviews), then every other command on
    ``book``; what each kind of output said, by source."""
    original = strings(SAMPLE if first[0] == "demo" else book)
    cli = [run(capsys, *first)]
    if first[0] != "demo":
        cli.append(run(capsys, "interviews", book))
    cli.append(run(capsys, "schedule", book, "--from", "2026-03-02", "--to", "2026-03-13", "--ics", tmp / "ics"))
    cli.append(run(capsys, "share", book, "--packs", tmp / "packs", "--generate-passwords"))
    cli.append(run(capsys, "share", book, "--portable", tmp / "portable.xlsx"))
    shutil.copyfile(book, tmp / "old.xlsx")
    fill_returned(book, tmp / "returned.xlsx", lang)
    cli.append(run(capsys, "collect", book, tmp / "returned.xlsx", "--today", TODAY, "--reminders", tmp / "rem"))
    cli.append(run(capsys, "collect", book, tmp / "returned.xlsx", "--today", TODAY))  # again: nothing new
    change_inputs(book, lang)
    cli.append(run(capsys, "score", book))
    cli.append(run(capsys, "reconcile", book, "--diff", tmp / "old.xlsx"))
    with open(tmp / "packs" / "passwords.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    pack, password = tmp / "packs" / rows[1][2], rows[1][3]
    cells = written(original, strings(book)) + written(original, strings(tmp / "portable.xlsx")) \
        + written(original, strings(pack, password))
    return {"cli": [_unpathed(text, tmp) for text in cli], "cells": cells,
            "ics": [_event_text(p) for p in sorted((tmp / "ics").glob("*.ics"))],
            "eml": [_mail_text(p) for p in sorted((tmp / "rem").glob("*.eml"))]}


def _unpathed(text: str, tmp: Path, names: tuple[str, ...] = (SAMPLE.name, "dept.xlsx")) -> str:
    """CLI output without the file paths and names it shows (they are the user's, not the
    tool's text); rich may wrap a long name inside a table title."""
    for name in names:
        text = re.sub(r"\s*".join(map(re.escape, name)), "<file>", text)
    text = re.sub(r"\s*\n\s*", " ", text)  # rich wraps long lines
    text = text.replace(str(tmp), "<tmp>")
    # a path may be wrapped (a space in it) but never runs across Chinese text or the <file> it holds
    return re.sub(r"<tmp>[^<\u3000-\u9fff\uff00-\uffef]*?\.(?:xlsx|csv)\b|<tmp>[^\s<]*", "<path>", text)


def _event_text(path: Path) -> str:
    event = next(iter(Calendar.from_ical(path.read_bytes()).walk("VEVENT")))
    return "\n".join(str(event.get(k, "")) for k in ("SUMMARY", "DESCRIPTION", "LOCATION"))


def _mail_text(path: Path) -> str:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    parts = [p.get_content() for p in message.walk() if p.get_content_type() == "text/plain"]
    return "\n".join([str(message["Subject"]), *parts])


@pytest.fixture
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")


@pytest.fixture
def zh_cycle(tmp_path, capsys, wide, soffice) -> dict[str, list[str]]:
    demo = tmp_path / "demo"
    return cycle(demo / SAMPLE.name, tmp_path, capsys, "zh", ["demo", "--dir", str(demo)])


def test_chinese_cycle_leaks_no_internal_name(zh_cycle):
    assert zh_cycle["ics"] and zh_cycle["eml"] and zh_cycle["cells"]
    found = {kind: sorted({leak for text in texts for leak in leaks(text)}) for kind, texts in zh_cycle.items()}
    assert found == {"cli": [], "cells": [], "ics": [], "eml": []}
    cli = "\n".join(zh_cycle["cli"])
    assert "目标盈利必须大于 0，现为 0" in cli and "员工!G18" in cli  # the input check, in Chinese, with its cell
    assert "平时表现必须在 0 到 20 之间，现为 25" in cli
    assert "其他·具体措施" in cli  # the conflict names the form field by its label
    assert "没有变化" in cli and "已保存。上一版本在" in cli
    assert "面谈表：已写入" in cli and "因输入错误暂缓" in cli  # the interviews' lines
    assert "只有奖金基数有误时照常计分，只空出奖金" in cli  # the heading is true of a bad base bonus
    assert not re.search(r"Held back|Interview tabs|Input errors|Not written|One-page", cli)


def test_english_cycle_is_english_everywhere(tmp_path, capsys, wide, soffice):
    book = english_book(tmp_path / "dept.xlsx")
    out = cycle(book, tmp_path, capsys, "en", ["score", str(book)])
    assert out["ics"] and out["eml"] and out["cells"]
    found = {kind: sorted({leak for text in texts for leak in leaks(text)}) for kind, texts in out.items()}
    assert found == {"cli": [], "cells": [], "ics": [], "eml": []}
    chinese = {kind: sorted({t for t in texts if CJK.search(t)}) for kind, texts in out.items()}
    assert chinese == {"cli": [], "cells": [], "ics": [], "eml": []}
    cli = "\n".join(out["cli"])
    assert "Employees!G18: Profit target must be > 0, found 0" in cli
    assert "Other – Agreed action" in cli
    assert "Nothing changed" in cli


# ------------------------------------------------------------------ the labels


def test_every_field_has_two_labels_and_the_reader_knows_them():
    from perf_addin.book.department import match_header
    for key, (zh, en) in FIELD_LABELS.items():
        assert CJK.search(zh) and not CJK.search(en) and en[0].isupper(), key
        assert label(key, "zh") == zh and label(key, "en") == en
    for key in (*INPUT_LABELS, "score", "grade", "multiplier", "bonus", "check", "manual_multiplier"):
        for lang in ("zh", "en"):
            assert match_header(label(key, lang)) == (key, 0), (key, lang)


def test_every_form_field_has_a_label_per_language_and_reads_back():
    from perf_addin.forms.interview_form import ITEM_KEYS, OTHER, VERSION, input_cells
    from perf_addin.labels import form_field_key, form_field_label
    fids = list(input_cells(VERSION, (*ITEM_KEYS, OTHER)))
    assert len(fids) > 40
    for lang in ("zh", "en"):
        names = [form_field_label(f, lang) for f in fids]
        assert None not in names and len(set(names)) == len(names), lang  # unique, so they read back
        assert all(form_field_key(n) == f for n, f in zip(names, fids))
    assert label("remedy.rating.action", "zh") == "平时表现（上级评分）·具体措施"
    assert label("remedy.rating.action", "en") == "Rating (supervisor) – Agreed action"
    assert form_field_key("confirm.notes") == "confirm.notes"  # an id written by an older version


def test_problem_texts_in_both_languages():
    assert problem_text("positive", "profit_target", "zh", value=0.0) == "目标盈利必须大于 0，现为 0"
    assert problem_text("positive", "profit_target", "en", value=0.0) == "Profit target must be > 0, found 0"
    assert problem_text("range", "rating", "en", low=0.0, high=20.0, value=25.5) == \
        "Rating must be between 0 and 20, found 25.5"
    assert problem_text("text", "rating", "zh", value="良好") == "平时表现是文字“良好”，不是数字"


# ------------------------------------------------------------------ choosing the language


def test_remembered_language_beats_the_headers():
    from perf_addin.language import decide_language
    assert decide_language(["工号", "姓名"]) == "zh"
    assert decide_language(["Employee ID", "Name"]) == "en"
    assert decide_language(["工号", "姓名"], "en") == "en"
    assert decide_language(["Employee ID"], "zh") == "zh"


def test_a_bad_language_cell_is_refused_with_its_cell():
    from perf_addin.domain.rules import RulesError
    grid = [[None] * 9 + ["interview", "value"], [None] * 9 + ["language", "klingon"]]
    with pytest.raises(RulesError) as err:
        remembered_language(grid, "规则")
    assert err.value.cell == "规则!K2" and "zh or en" in str(err.value)
    assert remembered_language([[None] * 9 + ["language", "English"]]) == "en"
    assert remembered_language([[None] * 9 + ["language", "中文"]]) == "zh"
    assert remembered_language([[None] * 9 + ["cycle", "2026"]]) is None


def test_lang_option_is_remembered_on_the_rules_sheet(tmp_path, capsys, wide):
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(SAMPLE, book)
    out = run(capsys, "score", book, "--lang", "en")
    assert "Workbook language: English" in out and "Input errors (until fixed the row gets no score; " \
        "a bad base bonus alone blanks only the bonus)" in " ".join(out.split())
    assert "员工!G18: Profit target must be > 0, found 0" in " ".join(out.split())
    rules = calamine.CalamineWorkbook.from_path(str(book)).get_sheet_by_name("规则").to_python()
    assert ["language", "en"] in [row[9:11] for row in rules]
    table = read_employees(book)
    assert table.language == "en"
    sheet = calamine.CalamineWorkbook.from_path(str(book)).get_sheet_by_name("员工").to_python()
    assert [sheet[table.header_row - 1][c - 1] for c in sorted(table.result_columns.values())] == \
        ["Score", "Grade", "Multiplier", "Bonus", "Input check"]
    check = sheet[17][table.result_columns["check"] - 1]
    assert check == "G18: Profit target must be > 0, found 0"
    again = run(capsys, "score", book)  # no --lang: the remembered language
    assert "Workbook language" not in again and "Nothing changed" in again and "输入错误" not in again
    back = run(capsys, "score", book, "--lang", "zh")
    assert "工作簿语言：中文" in back and "员工!G18: 目标盈利必须大于 0，现为 0" in " ".join(back.split())
    assert read_employees(book).language == "zh"


def test_a_workbook_without_rules_sheet_gets_one_named_in_its_language(tmp_path, capsys, wide):
    book = tmp_path / "dept.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    ws = wb.add_worksheet("Staff")
    ws.write_row(0, 0, [label(k, "en") for k in INPUT_LABELS if k != "email"])
    ws.write_row(1, 0, ["7", "Ann Lee", "Sales", "Staff", "", 100, 100, 10, 10, 15, 1000])
    wb.close()
    run(capsys, "score", book, "--lang", "en")
    with Workbook.open(book) as opened:
        assert opened.sheet_names == ["Staff", "Rules"]
    assert read_employees(book).language == "en"


def test_error_lines_speak_the_workbooks_language(tmp_path, capsys, wide):
    zh, en = tmp_path / "zh.xlsx", english_book(tmp_path / "en.xlsx")
    shutil.copyfile(SAMPLE, zh)
    for book, sheet in ((zh, "规则"), (en, "Rules")):
        with Workbook.open(book) as wb:
            wb.set_cells(sheet, {"B3": "sixty"})  # profit_weight
            wb.save()
    assert main(["score", str(zh)]) == 2
    assert capsys.readouterr().err.startswith("错误：")
    assert main(["score", str(en)]) == 2
    assert capsys.readouterr().err.startswith("error:")


def test_demo_in_english(tmp_path, capsys, wide, soffice):
    out = run(capsys, "demo", "--dir", tmp_path / "demo", "--lang", "en")
    text = " ".join(out.split())
    assert "Copied the sample department to" in text and "Workbook language: English" in text
    assert "Profit target must be > 0" in text
    assert read_employees(tmp_path / "demo" / SAMPLE.name).language == "en"
    assert not leaks(_unpathed(out, tmp_path))


# ------------------------------------------------------------------ the password list


def test_password_list_speaks_the_workbooks_language_and_reads_back(tmp_path, capsys, wide):
    from perf_addin.book.passwords import read_password_list
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(SAMPLE, book)
    run(capsys, "share", book, "--packs", tmp_path / "zh", "--generate-passwords")
    with open(tmp_path / "zh" / "passwords.csv", encoding="utf-8-sig") as f:
        zh = list(csv.reader(f))
    assert zh[0] == ["工号", "姓名", "文件", "密码", "SHA-256", "状态"]
    listed = read_password_list(tmp_path / "zh" / "passwords.csv")
    assert listed[zh[1][2]] == {"employee_id": zh[1][0], "name": zh[1][1], "file": zh[1][2], "password": zh[1][3]}
    en = english_book(tmp_path / "en.xlsx")
    run(capsys, "share", en, "--packs", tmp_path / "en", "--generate-passwords")
    with open(tmp_path / "en" / "passwords.csv", encoding="utf-8-sig") as f:
        assert next(csv.reader(f)) == ["Employee ID", "Name", "File", "Password", "SHA-256", "Status"]


@pytest.mark.parametrize("header", ["工号,姓名,文件,密码", "Employee ID,Name,File,Password",
                                    "employee_id,name,file,password"])
def test_collect_reads_a_password_list_in_either_language_or_the_old_header(tmp_path, header):
    from perf_addin.book.passwords import read_password_list
    from perf_addin.xlsx import WorkbookError
    listed = tmp_path / "passwords.csv"
    listed.write_text(f"{header}\n'=7,Ann,7-Ann.xlsx,'-pw1\n", encoding="utf-8-sig")
    assert read_password_list(listed) == {"7-Ann.xlsx": {"employee_id": "=7", "name": "Ann", "file": "7-Ann.xlsx",
                                                         "password": "-pw1"}}
    listed.write_text("who,secret\n7,x\n", encoding="utf-8-sig")
    with pytest.raises(WorkbookError, match="passwords.csv: not a password list"):
        read_password_list(listed)


# ------------------------------------------------------------------ error lines and the one source of labels


def test_an_unreadable_table_gets_the_prefix_of_its_messages_language(tmp_path, capsys):
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(SAMPLE, book)
    with Workbook.open(book) as wb:
        wb.set_cells("员工", {"G3": "目标"})  # 目标盈利 no longer: the table cannot be read
        wb.save()
    assert main(["score", str(book)]) == 2
    err = capsys.readouterr().err
    assert "目标盈利" in err and err.startswith("错误：") and "error:" not in err
    assert main(["score", str(tmp_path / "missing.xlsx")]) == 2  # an English message keeps English
    assert capsys.readouterr().err.startswith("error:")


def test_seal_lines_speak_the_workbooks_language(tmp_path, capsys, wide):
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(SAMPLE, book)
    assert main(["seal", str(book), "--create-key"]) == 2
    assert capsys.readouterr().err.startswith("错误： --create-key 需要 --key-file")
    assert main(["seal", str(book), "--key-file", str(tmp_path / "none.key")]) == 2
    assert "找不到封存密钥文件" in capsys.readouterr().err
    en = english_book(tmp_path / "en.xlsx")
    assert main(["seal", str(en), "--key-file", str(tmp_path / "none.key")]) == 2
    assert "seal key file" in capsys.readouterr().err


def test_collect_and_diff_name_fields_through_labels():
    from perf_addin.jobs import collect
    from perf_addin.book import diff
    assert not hasattr(diff, "field_label") and collect.field_label is label
    assert collect._field_id(label("check.2", "zh")) == "check.2"
    assert collect._field_id("八、主导人自查·" + label("check.2", "zh")) == "check.2"  # an earlier version's label
    assert collect._field_id("8. Facilitator's checklist – " + label("check.2", "en")) == "check.2"
    assert collect._field_id("remedy.rating.action") == "remedy.rating.action"


def test_lang_that_changes_the_language_keeps_one_backup_of_the_book_as_it_was(tmp_path, capsys, wide):
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(SAMPLE, book)
    out = run(capsys, "score", book, "--lang", "en")
    backups = sorted((tmp_path / "perf-addin backups").glob("dept *.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == SAMPLE.read_bytes()
    assert backups[0].name.replace(" ", "") in re.sub(r"\s", "", out)  # the saved line names that one


def test_progress_steps_and_tab_notes_speak_the_workbooks_language(tmp_path):
    """What the progress line and Excel's status bar show while a job runs, and the notes
    listed after it, are in the workbook's language too."""
    from perf_addin.jobs.interviews import write_interviews
    from perf_addin.jobs.reconcile import reconcile_workbook
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(SAMPLE, book)
    steps: list[str] = []
    report = write_interviews(book, progress=steps.append)
    reconcile_workbook(book, progress=steps.append)
    assert "正在计算 40 名员工的得分" in steps and "正在写入对账表" in steps and "正在保存" in steps
    english = [s for s in steps if re.search(r"[A-Za-z]{3,}", s.replace(book.name, ""))]
    assert not english, english
    table = read_employees(book)
    assert report.skipped == [] and table.language == "zh"
    with Workbook.open(book) as wb:  # a tab whose employee left: its note is Chinese
        wb.set_cells(table.sheet, {f"A{table.rows[0]}": None})
        wb.save(backup=False)
    from perf_addin.jobs.score import score_workbook
    notes = score_workbook(book).tab_notes
    assert any(n.endswith("该员工已不在员工表中（标签已标红）") for n in notes), notes
    assert not any(re.search(r"[A-Za-z]{3,}", n) for n in notes), notes


def test_missing_files_and_unknown_ids_are_named_in_the_workbooks_language(tmp_path, capsys, wide):
    zh = tmp_path / "zh.xlsx"
    shutil.copyfile(SAMPLE, zh)
    assert main(["interviews", str(zh), "--only", "9999"]) == 2
    assert capsys.readouterr().err.strip() == "错误： 员工表 员工 中没有工号为 9999 的员工"
    assert main(["reconcile", str(zh), "--diff", str(tmp_path / "old.xlsx")]) == 2
    assert capsys.readouterr().err.strip() == "错误： old.xlsx：文件不存在"
    main(["interviews", str(zh)])
    capsys.readouterr()
    assert main(["collect", str(zh), str(tmp_path / "returned.xlsx")]) == 1
    out = capsys.readouterr()
    assert "returned.xlsx: 文件不存在" in out.out + out.err and "no such file" not in out.out + out.err
    assert main(["addin", "press", "perfNoSuchButton", str(zh)]) == 2
    assert capsys.readouterr().err.startswith("错误：")
