"""The cycle as HR runs it: demo → schedule → share --packs --generate-passwords →
an employee fills their pack → collect → the master holds it all; again: no change.

A pack must carry everything its employee's interview tab holds (time and place
from ``schedule``, whatever was already collected), print to exactly one A4 page,
and come back through ``collect`` with the password list ``share`` wrote."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import msoffcrypto
import openpyxl
import pytest

from perf_addin.cli import main
from perf_addin.book.department import read_employees
from perf_addin.forms.interview_form import input_cells, parse_kind
from perf_addin.jobs.interviews import existing_tabs
from perf_addin.book.passwords import PASSWORD_COLUMNS
from perf_addin.jobs.share import encrypt
from perf_addin.xlsx import Workbook
from tests.test_interviews import at, grid, type_into

WHO = "1002"  # the employee who fills in their pack
OTHER_ONE = "1005"  # one whose pack comes back with the wrong password
#: what HR had collected on the master before the packs went out
ALREADY = {"remedy.other.action": "每月与上级复盘一次", "confirm.objection": "数据准确性",
           "remedy.other.due": 46162.0}  # 2026-05-20, typed into a date cell
#: what the employee types into the pack
TYPED = {"sign.employee": "何秀英", "confirm.notes": "同意改进计划", "next.plan": "下季度参加销售培训"}


def tab_cells(book: Path) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    with Workbook.open(book) as wb:
        tabs = existing_tabs(wb)
        kinds = {eid: parse_kind(wb.owner_kind(tab)) for eid, tab in tabs.items()}
    return tabs, {eid: input_cells(k.version, k.remedies) for eid, k in kinds.items()}


def decrypt(path: Path, password: str) -> bytes:
    with path.open("rb") as handle:
        office = msoffcrypto.OfficeFile(handle)
        office.load_key(password=password)
        out = io.BytesIO()
        office.decrypt(out)
    return out.getvalue()


def passwords(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "passwords.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header = dict(zip(rows[0], PASSWORD_COLUMNS))  # the list speaks the workbook's language
    return {row[0]: {header[h]: v for h, v in zip(rows[0], row) if h in header} for row in rows[1:]}


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """demo → schedule → (HR notes something) → share packs with generated passwords."""
    root = tmp_path_factory.mktemp("cycle")
    assert main(["demo", "--dir", str(root / "demo")]) == 0
    book = root / "demo" / "sample_department.xlsx"
    assert main(["schedule", str(book), "--from", "2026-03-02", "--to", "2026-03-13",
                 "--ics", str(root / "ics")]) == 0
    tabs, cells = tab_cells(book)
    type_into(book, tabs[WHO], {cells[WHO][f]: v for f, v in ALREADY.items()})
    assert main(["share", str(book), "--packs", str(root / "packs"), "--generate-passwords", "--pdf"]) == 0
    master = grid(book, tabs[WHO])
    when, place = (at(master, cells[WHO][f]) for f in ("meeting.when", "meeting.place"))
    assert when and place  # schedule filled them in
    return {"root": root, "book": book, "packs": root / "packs", "tabs": tabs, "cells": cells,
            "when": when, "place": place}


def pack_of(cycle: dict, eid: str) -> Path:
    return cycle["packs"] / passwords(cycle["packs"])[eid]["file"]


def test_a_pack_carries_schedule_and_what_was_collected(cycle) -> None:
    data = decrypt(pack_of(cycle, WHO), passwords(cycle["packs"])[WHO]["password"])
    sheet = openpyxl.load_workbook(io.BytesIO(data))["绩效反馈面谈"]
    cells = cycle["cells"][WHO]
    assert sheet[cells["meeting.when"]].value == cycle["when"]
    assert sheet[cells["meeting.place"]].value == cycle["place"]
    for fid, value in ALREADY.items():
        if fid.endswith(".due"):
            assert sheet[cells[fid]].value == datetime(2026, 5, 20) and sheet[cells[fid]].is_date
        else:
            assert sheet[cells[fid]].value == value, fid


def test_each_pack_pdf_is_one_a4_page_with_the_employee(cycle) -> None:
    pdfs = sorted(cycle["packs"].glob("*.pdf"))
    assert len(pdfs) == len(passwords(cycle["packs"])) >= 30  # one per pack (input errors are held back)
    for pdf in (pdfs[0], pdfs[1], pdfs[-1]):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"^Pages:\s+1$", info, re.MULTILINE), (pdf.name, info)
        assert "(A4)" in info
    text = subprocess.run(["pdftotext", "-layout", str(cycle["packs"] / (pack_of(cycle, WHO).stem + ".pdf")),
                           "-"], capture_output=True, text=True, check=True).stdout
    assert "何秀英" in text and WHO in text and cycle["place"] in text


def fill_pack(pack: Path, password: str, values: dict[str, str], cells: dict[str, str]) -> None:
    """The employee opens the pack (password), types, saves (Excel keeps the password)."""
    book = openpyxl.load_workbook(io.BytesIO(decrypt(pack, password)))
    sheet = book["绩效反馈面谈"]
    for fid, value in values.items():
        sheet[cells[fid]] = value
    out = io.BytesIO()
    book.save(out)
    pack.write_bytes(encrypt(out.getvalue(), password))


def test_filled_packs_come_back_with_the_password_list(cycle, tmp_path, capsys) -> None:
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(cycle["book"], book)
    back = tmp_path / "returned"
    back.mkdir()
    rows = passwords(cycle["packs"])
    mine, theirs = (back / rows[e]["file"] for e in (WHO, OTHER_ONE))
    shutil.copyfile(pack_of(cycle, WHO), mine)
    fill_pack(mine, rows[WHO]["password"], TYPED, cycle["cells"][WHO])
    shutil.copyfile(pack_of(cycle, OTHER_ONE), theirs)
    fill_pack(theirs, rows[OTHER_ONE]["password"], {"sign.employee": "高涛"}, cycle["cells"][OTHER_ONE])
    theirs.write_bytes(encrypt(decrypt(theirs, rows[OTHER_ONE]["password"]), "not-the-one-HR-has"))
    junk = back / "notes.xlsx"
    junk.write_bytes(b"not a workbook at all")

    code = main(["collect", str(book), str(mine), str(theirs), str(junk),
                 "--passwords", str(cycle["packs"] / "passwords.csv")])
    out = capsys.readouterr()
    assert code != 0  # two files could not be read …
    said = out.out + out.err
    assert theirs.name in said and junk.name in said
    master = grid(book, cycle["tabs"][WHO])  # … and the third was merged all the same
    for fid, value in TYPED.items():
        assert at(master, cycle["cells"][WHO][fid]) == value, fid
    assert at(grid(book, cycle["tabs"][OTHER_ONE]), cycle["cells"][OTHER_ONE]["sign.employee"]) in (None, "")
    for fid, value in ALREADY.items():  # nothing the master had is lost, no conflict
        shown = at(master, cycle["cells"][WHO][fid])
        assert (str(shown)[:10] == "2026-05-20") if fid.endswith(".due") else shown == value, fid
    assert "冲突" not in out.out

    assert main(["collect", str(book), str(mine), "--passwords", str(cycle["packs"] / "passwords.csv")]) == 0
    assert "没有变化" in capsys.readouterr().out  # the second run changes nothing


@pytest.mark.libreoffice
def test_the_tracking_tab_of_the_department_prints_on_a4_landscape(cycle, tmp_path, soffice) -> None:
    from tests.test_collect import pdf_pages, print_sheet
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(cycle["book"], book)
    assert main(["collect", str(book)]) == 0
    pdf = print_sheet(book, "跟踪", soffice, tmp_path / "print")
    pages = pdf_pages(pdf)
    assert 2 <= len(pages) <= 3 and all((round(w), round(h)) == (842, 595) for w, h in pages)
    texts = [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True,
                            text=True, check=True).stdout for n in range(1, len(pages) + 1)]
    assert all("绩效跟踪" in t for t in texts)  # the title rows repeat on every page
    names = [t.split("-")[1] for t in cycle["tabs"].values()]  # everyone with an interview tab
    assert len(names) >= 30 and all(n in "".join(texts) for n in names)
    assert "跟进人" in texts[0]  # the last column of the widest section fits the page width


def test_the_password_list_beside_the_packs_is_found(cycle, tmp_path) -> None:
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(cycle["book"], book)
    back = tmp_path / "packs"
    shutil.copytree(cycle["packs"], back)
    pack = back / passwords(back)[WHO]["file"]
    fill_pack(pack, passwords(back)[WHO]["password"], {"sign.employee": "何秀英"}, cycle["cells"][WHO])
    assert main(["collect", str(book), str(back)]) == 0  # the folder: its packs, not the PDFs or the list
    assert at(grid(book, cycle["tabs"][WHO]), cycle["cells"][WHO]["sign.employee"]) == "何秀英"


def test_a_pack_from_the_scheduled_master_holds_nobody_else(cycle) -> None:
    import zipfile
    data = decrypt(pack_of(cycle, WHO), passwords(cycle["packs"])[WHO]["password"])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        text = "\n".join(z.read(n).decode("utf-8") for n in z.namelist())
    frame = read_employees(cycle["book"]).frame
    me = frame[frame["employee_id"] == WHO].iloc[0]
    allowed = {me["name"], me["supervisor"], "孙丽", "周静"}  # the employee, supervisor, facilitators
    for eid, name in zip(frame["employee_id"], frame["name"]):
        if eid != WHO:
            assert not re.search(rf"(?<!\d){eid}(?!\d)", text), eid
            assert name in allowed or name not in text, name


def test_a_renamed_pack_is_opened_by_the_name_in_its_file_name(cycle, tmp_path, capsys) -> None:
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(cycle["book"], book)
    back = tmp_path / "back"
    back.mkdir()
    shutil.copyfile(cycle["packs"] / "passwords.csv", back / "passwords.csv")
    pack = back / "何秀英-已填.xlsx"  # renamed by the employee: no ID, no original name
    shutil.copyfile(pack_of(cycle, WHO), pack)
    fill_pack(pack, passwords(back)[WHO]["password"], {"sign.employee": "何秀英"}, cycle["cells"][WHO])
    assert main(["collect", str(book), str(back)]) == 0
    assert at(grid(book, cycle["tabs"][WHO]), cycle["cells"][WHO]["sign.employee"]) == "何秀英"


def test_no_password_list_beside_a_pack_says_so_and_how_to_give_one(cycle, tmp_path, capsys) -> None:
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(cycle["book"], book)
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copyfile(pack_of(cycle, WHO), alone / pack_of(cycle, WHO).name)
    assert main(["collect", str(book), str(alone)]) == 1
    err = capsys.readouterr().err
    assert "没有找到密码清单" in err and "--passwords FILE" in err and "中没有此文件" not in err
    assert main(["collect", str(book), str(alone), "--passwords", str(cycle["packs"] / "passwords.csv")]) == 0


def test_a_pack_that_disagrees_leaves_the_master_showing_the_committee_referral(cycle, tmp_path) -> None:
    """The employee answers 否 in their pack: after collect, the master's outcome line
    caches the committee referral (pandas and previews read the cached value)."""
    eid = "1012"
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(cycle["book"], book)
    rows = passwords(cycle["packs"])
    back = tmp_path / rows[eid]["file"]
    shutil.copyfile(pack_of(cycle, eid), back)
    cells = cycle["cells"][eid]
    fill_pack(back, rows[eid]["password"], {"confirm.agreed": "否"}, cells)
    assert main(["collect", str(book), str(back), "--passwords", str(cycle["packs"] / "passwords.csv")]) == 0
    outcome = f"B{int(cells['confirm.notes'][1:]) + 1}"
    master = grid(book, cycle["tabs"][eid])
    assert at(master, cells["confirm.agreed"]) == "否"
    assert at(master, outcome) == "未达成一致：面谈后由主导人提交绩效委员会裁定"
