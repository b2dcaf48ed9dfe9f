"""Safe to email: portable copy (no #NAME?), per-employee packs with nobody else's data,
standard Office encryption, and text that never turns into a formula."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path

import msoffcrypto
import openpyxl
import pytest
import python_calamine as calamine

from perf_addin.cli import main
from perf_addin.book.department import read_employees
from perf_addin.domain.scoring import score_table
from perf_addin.book.passwords import csv_safe
from perf_addin.jobs.share import portable_copy, write_packs
from perf_addin.xlsx import Formula, Workbook
from finance_helpers import finance_book


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = finance_book(tmp_path_factory.mktemp("share"))
    with Workbook.open(path) as wb:  # a name that looks like a formula
        wb.set_cells("员工", {"B9": "=HYPERLINK(\"http://x\",\"click\")"})
        wb.save(backup=False)
    return path


@pytest.fixture(scope="module")
def with_udfs(book: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    """PERF_* calls in columns X:Z of the first five employees, cached like Excel would."""
    path = tmp_path_factory.mktemp("udf") / "udf.xlsx"
    shutil.copyfile(book, path)
    table = read_employees(path)
    scores = score_table(table.frame)
    cells, expected = {}, []
    for i, r in enumerate(table.rows[:5]):
        s, g, b = scores["score"].iat[i], scores["label_zh"].iat[i], scores["bonus"].iat[i]
        cells[f"X{r}"] = Formula(f"PERF_SCORE(F{r},G{r},H{r},I{r},J{r})", float(s))
        cells[f"Y{r}"] = Formula(f"PERF_GRADE(X{r})", g)
        cells[f"Z{r}"] = Formula(f"PERF_BONUS(K{r},X{r})", float(b))
        expected.append((r, s, g, b))
    with Workbook.open(path) as wb:
        wb.set_cells("员工", cells)
        wb.save(backup=False)
    return path, expected


def test_csv_cells_never_become_formulas() -> None:
    assert [csv_safe(v) for v in ("=1+1", "+1", "-2", "@SUM(A1)", "ok", None)] == \
        ["'=1+1", "'+1", "'-2", "'@SUM(A1)", "ok", ""]


def test_portable_copy_with_values_has_no_perf_call(with_udfs, tmp_path: Path) -> None:
    path, expected = with_udfs
    out = tmp_path / "values.xlsx"
    report = portable_copy(path, out, values=True)
    assert len(report.values) == 15 and not report.native
    with zipfile.ZipFile(out) as z:
        assert not any(b"PERF_" in z.read(n) for n in z.namelist())
        with zipfile.ZipFile(path) as original:  # nothing else changed
            changed = {n for n in z.namelist() if z.read(n) != original.read(n)}
    assert changed <= {"xl/worksheets/sheet1.xml", "xl/workbook.xml", "[Content_Types].xml",
                       "xl/_rels/workbook.xml.rels"}


@pytest.mark.libreoffice
def test_portable_copy_recalculates_without_the_addin(with_udfs, tmp_path: Path, soffice) -> None:
    path, expected = with_udfs
    out = tmp_path / "portable.xlsx"
    report = portable_copy(path, out)
    assert len(report.native) == 15
    before = soffice.read_sheets(path)["员工"]
    after = soffice.read_sheets(out)["员工"]
    assert any("#NAME?" in cell for row in before for cell in row)  # the problem being solved
    assert not any("#NAME?" in cell for sheet in soffice.read_sheets(out).values() for row in sheet
                   for cell in row)
    for r, score, grade, bonus in expected:
        x, y, z = after[r - 1][23:26]
        assert float(x) == pytest.approx(score) and y == grade and float(z) == pytest.approx(bonus)


@pytest.fixture(scope="module")
def packs(book: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("packs")
    return write_packs(book, folder, generate=True)


def _parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist()}


def _decrypt(path: Path, password: str) -> bytes:
    office = msoffcrypto.OfficeFile(path.open("rb"))
    office.load_key(password=password)
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue()


def test_packs_hold_no_other_employee(book: Path, packs) -> None:
    table = read_employees(book)
    frame = table.frame
    people = [(str(r.employee_id), r.name, r.supervisor, r.profit_actual) for r in frame.itertuples()]
    passwords = {row["文件"]: row["密码"] for row in csv.DictReader(
        packs.passwords.open(encoding="utf-8-sig"))}
    assert len(packs.packs) == 36 and len(packs.held) == 4  # input errors: no pack
    for pack in packs.packs:
        text = "\n".join(_parts(_decrypt(pack, passwords[pack.name])).values())
        own = next(p for p in people if pack.name.startswith(p[0] + "-"))
        allowed = {own[1], own[2], "孙丽", "周静"}  # the employee, their supervisor, the facilitators
        for eid, name, _, actual in people:
            if eid == own[0]:
                continue
            assert not re.search(rf"(?<!\d){eid}(?!\d)", text), f"{pack.name} holds ID {eid}"
            if name not in allowed:
                assert name not in text, f"{pack.name} holds {name}"
            if actual == actual and actual != own[3] and actual >= 1000:
                assert not re.search(rf"(?<![\d.]){int(actual)}(?![\d.])", text), f"{pack.name}: {actual}"


def test_formula_like_text_stays_text_in_packs(packs) -> None:
    passwords = {row["文件"]: row["密码"] for row in csv.DictReader(
        packs.passwords.open(encoding="utf-8-sig"))}
    pack = next(p for p in packs.packs if p.name.startswith("1006-"))
    parts = _parts(_decrypt(pack, passwords[pack.name]))
    assert "HYPERLINK" in parts["xl/worksheets/sheet2.xml"]
    assert "<f>" not in "".join(parts.values())  # values only, never formulas
    rows = {r["工号"]: r for r in csv.DictReader(packs.passwords.open(encoding="utf-8-sig"))}
    assert rows["1006"]["姓名"].startswith("'=HYPERLINK")  # neutralised for spreadsheets


def test_encryption_round_trip(packs) -> None:
    rows = list(csv.DictReader(packs.passwords.open(encoding="utf-8-sig")))
    pack = packs.folder / rows[0]["文件"]
    assert pack.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # an encrypted Office file
    data = _decrypt(pack, rows[0]["密码"])
    with calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as wb:
        assert wb.sheet_names == ["绩效反馈面谈", "结果"]
    with pytest.raises(Exception):
        _decrypt(pack, rows[0]["密码"] + "x")
    assert (packs.passwords.stat().st_mode & 0o077) == 0


def test_cli_share_password_column(book: Path, tmp_path: Path) -> None:
    assert main(["share", str(book), "--packs", str(tmp_path), "--only", "1001", "1002",
                 "--password-column", "工号"]) == 0
    assert len(list(tmp_path.glob("*.xlsx"))) == 2
    assert _decrypt(next(tmp_path.glob("1001-*.xlsx")), "1001")
    assert main(["share", str(book), "--packs", str(tmp_path), "--password-column", "nope"]) == 2
    assert main(["share", str(book)]) == 2


def test_cli_share_speaks_the_workbooks_language(book: Path, tmp_path: Path, capsys) -> None:
    assert main(["share", str(book), "--packs", str(tmp_path), "--only", "1001", "--generate-passwords"]) == 0
    out = capsys.readouterr().out
    assert "个人文件包" in out and "已加密" in out and "密码清单" in out
    assert "Packs" not in out and "encrypted" not in out


def _list_rows(path: Path) -> dict[str, list[str]]:
    """The password list by column position (ID, name, file, password), any header."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return {r[0]: r for r in list(csv.reader(f))[1:]}


def test_generating_again_for_one_keeps_every_row_and_password(book: Path, tmp_path: Path) -> None:
    assert main(["share", str(book), "--packs", str(tmp_path), "--generate-passwords"]) == 0
    first = _list_rows(tmp_path / "passwords.csv")
    assert len(first) == 36
    assert main(["share", str(book), "--packs", str(tmp_path), "--only", "1002", "1001",
                 "--generate-passwords"]) == 0
    again = _list_rows(tmp_path / "passwords.csv")
    assert {k: r[:4] for k, r in again.items()} == {k: r[:4] for k, r in first.items()}
    pack = tmp_path / first["1002"][2]
    assert _decrypt(pack, first["1002"][3])  # the re-sent pack opens with the password HR has


def test_a_new_employee_is_added_to_an_earlier_list(book: Path, tmp_path: Path) -> None:
    assert main(["share", str(book), "--packs", str(tmp_path), "--only", "1001", "--generate-passwords"]) == 0
    first = _list_rows(tmp_path / "passwords.csv")
    assert main(["share", str(book), "--packs", str(tmp_path), "--only", "1002", "--generate-passwords"]) == 0
    rows = _list_rows(tmp_path / "passwords.csv")
    assert set(rows) == {"1001", "1002"} and rows["1001"][:4] == first["1001"][:4]
    assert _decrypt(tmp_path / rows["1002"][2], rows["1002"][3])


@pytest.mark.parametrize("generate", [True, False])
def test_a_pack_changed_since_share_wrote_it_is_not_overwritten(book: Path, tmp_path: Path, capsys,
                                                                 generate: bool) -> None:
    assert main(["share", str(book), "--packs", str(tmp_path), "--only", "1001", "1002",
                 "--generate-passwords"]) == 0
    listed = (tmp_path / "passwords.csv").read_bytes()
    pack = tmp_path / _list_rows(tmp_path / "passwords.csv")["1001"][2]
    pack.write_bytes(b"what HR saved back: the filled pack")
    other = (tmp_path / _list_rows(tmp_path / "passwords.csv")["1002"][2]).read_bytes()
    how = ["--generate-passwords"] if generate else ["--password-column", "工号"]
    capsys.readouterr()
    assert main(["share", str(book), "--packs", str(tmp_path), "--only", "1001", "1002", *how]) == 2
    err = capsys.readouterr().err.replace("\n", "")
    assert pack.name in err and "已被改动" in err
    assert pack.read_bytes() == b"what HR saved back: the filled pack"
    assert (tmp_path / _list_rows(tmp_path / "passwords.csv")["1002"][2]).read_bytes() == other
    assert (tmp_path / "passwords.csv").read_bytes() == listed


def _delete_employee(book: Path, out: Path) -> tuple[str, str]:
    """A copy of ``book`` with its last employee's row deleted (as in Excel); their ID and name."""
    table = read_employees(book)
    eid, name, row = str(table.frame["employee_id"].iat[-1]), str(table.frame["name"].iat[-1]), table.rows[-1]
    wb = openpyxl.load_workbook(book)
    wb[table.sheet].delete_rows(row)
    wb.save(out)
    return eid, name


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_pack_of_someone_no_longer_in_the_table_is_listed_and_kept(book: Path, tmp_path: Path, capsys,
                                                                      monkeypatch, lang: str) -> None:
    """A mass mailing of the folder would send it: share says so, marks the password row,
    and deletes nothing (a pack that still comes back opens with that row's password)."""
    from tests.test_language import english_book
    source = book if lang == "zh" else english_book(tmp_path / "en.xlsx")
    packs = tmp_path / "packs"
    assert main(["share", str(source), "--packs", str(packs), "--generate-passwords", "--pdf"]) == 0
    first = _list_rows(packs / "passwords.csv")
    smaller = tmp_path / "smaller.xlsx"
    eid, name = _delete_employee(source, smaller)
    pack, pdf = packs / first[eid][2], (packs / first[eid][2]).with_suffix(".pdf")
    kept = pack.read_bytes()
    capsys.readouterr()
    monkeypatch.setenv("COLUMNS", "400")  # one line per entry
    assert main(["share", str(smaller), "--packs", str(packs), "--generate-passwords"]) == 0
    out = capsys.readouterr().out
    said = {"zh": ("已不在员工表中", "本次未发送", "删除或保留", "密码清单中已标注"),
            "en": ("No longer in the table", "not sent by this run", "delete or keep",
                   "marked in the password list")}[lang]
    assert all(text in out for text in said), out
    assert f"{eid} {name}" in out and pack.name in out and pdf.name in out
    assert pack.read_bytes() == kept and pdf.is_file()  # nothing deleted
    rows = _list_rows(packs / "passwords.csv")
    assert rows[eid][:4] == first[eid][:4]  # the password still opens a late return
    mark = {"zh": "已不在员工表中：本次未发送（删除或保留）",
            "en": "no longer in the table: not sent by this run (delete or keep)"}[lang]
    assert rows[eid][5] == mark
    assert all(r[5] == "" for k, r in rows.items() if k != eid)  # everyone else's row says nothing
    with (packs / "passwords.csv").open(encoding="utf-8-sig") as f:
        assert next(csv.reader(f))[-1] == {"zh": "状态", "en": "Status"}[lang]


def test_a_pack_named_file_of_nobody_in_the_table_is_listed_without_a_password_list(book: Path,
                                                                                    tmp_path: Path, capsys,
                                                                                    monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    (tmp_path / "9999-离职者.xlsx").write_bytes(b"an old pack")
    (tmp_path / "notes.xlsx").write_bytes(b"not a pack")
    assert main(["share", str(book), "--packs", str(tmp_path), "--only", "1001"]) == 0
    out = capsys.readouterr().out
    assert "9999 离职者：9999-离职者.xlsx" in out and "notes.xlsx" not in out
    assert "1002" not in out  # in the table, only not chosen this time
    assert (tmp_path / "9999-离职者.xlsx").read_bytes() == b"an old pack"
