"""Files the writer must refuse untouched, and saves that can never half-happen."""

import io
import os
import stat
import zipfile

import msoffcrypto
import pytest

from perf_addin.xlsx import SheetSpec, Workbook, WorkbookError, package
from perf_addin.xlsx.atomic import BACKUP_DIR, KEEP_BACKUPS
from xlsx_helpers import make_book, parts, raw_streams


def refused(path, match):
    before = path.read_bytes() if path.exists() else None
    with pytest.raises(WorkbookError, match=match) as info:
        with Workbook.open(path) as book:
            book.add_sheet(SheetSpec("New"))
            book.save()
    assert "\n" not in str(info.value)
    if before is not None:
        assert path.read_bytes() == before
    assert not (path.parent / BACKUP_DIR).exists()
    return str(info.value)


def test_not_a_zip(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("just text")
    refused(path, "not an Excel workbook")


def test_truncated_zip(tmp_path):
    path = make_book(tmp_path / "t.xlsx")
    path.write_bytes(path.read_bytes()[:-200])
    refused(path, "damaged or truncated")


def test_missing_workbook_part(tmp_path):
    src = make_book(tmp_path / "src.xlsx")
    path = tmp_path / "holey.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            if item.filename != "xl/workbook.xml":
                zout.writestr(item, zin.read(item))
    refused(path, "workbook part xl/workbook.xml is missing")


def test_encrypted(tmp_path):
    src = make_book(tmp_path / "src.xlsx")
    path = tmp_path / "secret.xlsx"
    with src.open("rb") as plain, path.open("wb") as out:
        office = msoffcrypto.OfficeFile(plain)
        office.encrypt("pw", out)
    refused(path, "password-encrypted")


def test_old_binary_xls(tmp_path):
    import xlwt
    book = xlwt.Workbook()
    book.add_sheet("Sheet1").write(0, 0, "old")
    path = tmp_path / "old.xlsx"  # misnamed on purpose: the content decides
    book.save(str(path))
    refused(path, r"old binary Excel workbook \(\.xls\)")


def test_xlsb_by_extension(tmp_path):
    path = make_book(tmp_path / "b.xlsb")
    refused(path, "xlsb")


def test_missing_file(tmp_path):
    refused(tmp_path / "nope.xlsx", "no such file")


def test_open_in_excel(tmp_path):
    path = make_book(tmp_path / "dept.xlsx")
    (tmp_path / "~$dept.xlsx").write_bytes(b"owner")
    refused(path, "open in Excel")


def test_read_only(tmp_path):
    path = make_book(tmp_path / "ro.xlsx")
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP)
    refused(path, "read-only")


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = make_book(tmp_path / "book.xlsx")
    before = path.read_bytes()

    def explode(*args, **kwargs):
        args[-1].write(b"PK partial")
        raise OSError("disk full")
    monkeypatch.setattr(package, "write_package", explode)
    with Workbook.open(path) as book:
        book.add_sheet(SheetSpec("New"))
        with pytest.raises(OSError, match="disk full"):
            book.save()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_backup_holds_the_previous_version(tmp_path):
    path = make_book(tmp_path / "book.xlsx")
    before = path.read_bytes()
    with Workbook.open(path) as book:
        book.add_sheet(SheetSpec("New"))
        kept = book.save()
    assert kept.parent.name == BACKUP_DIR and kept.read_bytes() == before
    assert path.read_bytes() != before


def test_backups_are_pruned(tmp_path):
    path = make_book(tmp_path / "book.xlsx")
    for i in range(KEEP_BACKUPS + 3):
        with Workbook.open(path) as book:
            book.set_cells("Data", {"A5": i})
            book.save()
    assert len(list((tmp_path / BACKUP_DIR).iterdir())) == KEEP_BACKUPS


def test_save_to_another_file_leaves_the_original(tmp_path):
    path = make_book(tmp_path / "book.xlsx")
    before = path.read_bytes()
    with Workbook.open(path) as book:
        book.add_sheet(SheetSpec("New"))
        assert book.save(tmp_path / "copy.xlsx") is None
    assert path.read_bytes() == before
    assert "xl/worksheets/sheet2.xml" in parts(tmp_path / "copy.xlsx")


def test_an_xlsm_keeps_its_macros(tmp_path, excel_made_dir):
    src = excel_made_dir / "macro01.xlsm"
    path = tmp_path / "m.xlsm"
    path.write_bytes(src.read_bytes())
    with Workbook.open(path) as book:
        book.add_sheet(SheetSpec("New", cells={"A1": 1}))
        book.save(backup=False)
    assert raw_streams(path)["xl/vbaProject.bin"] == raw_streams(src)["xl/vbaProject.bin"]
    assert b"macroEnabled" in parts(path)["[Content_Types].xml"]


def test_a_new_file_gets_ordinary_permissions(tmp_path):
    """A copy saved elsewhere (``save(to=…)``, ``share --portable``) is a new file like
    any other: 0644 under umask 022, not the 0600 of a temporary file."""
    path = make_book(tmp_path / "book.xlsx")
    old = os.umask(0o022)
    try:
        with Workbook.open(path) as book:
            book.add_sheet(SheetSpec("New"))
            book.save(tmp_path / "copy.xlsx")
        assert stat.S_IMODE((tmp_path / "copy.xlsx").stat().st_mode) == 0o644
        os.umask(0o027)
        with Workbook.open(path) as book:
            book.add_sheet(SheetSpec("New"))
            book.save(tmp_path / "private.xlsx")
        assert stat.S_IMODE((tmp_path / "private.xlsx").stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_saving_in_place_keeps_the_files_permissions(tmp_path):
    path = make_book(tmp_path / "book.xlsx")
    path.chmod(0o664)
    with Workbook.open(path) as book:
        book.add_sheet(SheetSpec("New"))
        book.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o664
