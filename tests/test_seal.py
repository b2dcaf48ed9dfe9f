"""The seal: HMAC over each employee's bonus-relevant values, key never in the file."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from perf_addin.cli import main
from perf_addin.jobs.seal import (ENV_KEY, SEAL_SHEET, SealError, check_seal, create_key_file, load_key,
                             read_seal, seal_workbook)
from perf_addin.book.snapshot import read_snapshot
from perf_addin.xlsx import Workbook
from finance_helpers import finance_book

KEY = b"finance-key-0123456789abcdef"


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = finance_book(tmp_path_factory.mktemp("seal"))
    seal_workbook(path, KEY)
    return path


def _copy(src: Path, folder: Path) -> Path:
    shutil.copyfile(src, folder / src.name)
    return folder / src.name


def test_untouched_workbook_verifies(sealed: Path) -> None:
    check = check_seal(read_snapshot(sealed), read_seal(sealed), KEY)
    assert check.ok and check.status == "ok"
    with Workbook.open(sealed) as book:
        assert book.sheet(SEAL_SHEET).state == "hidden" and book.owner_kind(SEAL_SHEET) == "seal"


def test_key_is_nowhere_in_the_package(sealed: Path) -> None:
    with zipfile.ZipFile(sealed) as z:
        assert not any(KEY in z.read(n) or KEY.hex().encode() in z.read(n) for n in z.namelist())


def test_a_changed_row_is_reported(sealed: Path, tmp_path: Path) -> None:
    path = _copy(sealed, tmp_path)
    with Workbook.open(path) as book:
        book.set_cells("员工", {"G6": 2500, "B7": "renamed"})  # a target (1003) and a name (not sealed)
        book.save(backup=False)
    check = check_seal(read_snapshot(path), read_seal(path), KEY)
    assert [eid for eid, _ in check.changed] == ["1003"] and check.problems


def test_wrong_key_and_missing_key_are_reported(sealed: Path) -> None:
    snap, stored = read_snapshot(sealed), read_seal(sealed)
    assert check_seal(snap, stored, b"another-key-0123456789").status == "wrong key"
    assert check_seal(snap, stored, None).status == "no key"


def test_key_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key_file = create_key_file(tmp_path / "finance.key")
    assert len(load_key(key_file)) == 64 and (key_file.stat().st_mode & 0o077) == 0
    with pytest.raises(SealError, match="never overwritten"):
        create_key_file(key_file)
    monkeypatch.delenv(ENV_KEY, raising=False)
    with pytest.raises(SealError, match="no seal key"):
        load_key(None)
    monkeypatch.setenv(ENV_KEY, "short")
    with pytest.raises(SealError, match="shorter"):
        load_key(None)


def test_cli_exit_status_says_tampered(sealed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _copy(sealed, tmp_path)
    monkeypatch.setenv(ENV_KEY, KEY.decode())
    assert main(["reconcile", str(path)]) == 0
    with Workbook.open(path) as book:
        book.set_cells("员工", {"K8": 1})  # base bonus of 1005
        book.save(backup=False)
    assert main(["reconcile", str(path)]) == 1
    monkeypatch.setenv(ENV_KEY, "a-wrong-key-of-enough-length")
    assert main(["reconcile", str(path)]) == 1
    monkeypatch.delenv(ENV_KEY)
    assert main(["seal", str(path)]) == 2  # no key: one-line error


def test_a_changed_row_names_the_fields_in_the_workbooks_language(sealed: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import re
    import openpyxl
    path = _copy(sealed, tmp_path)
    with Workbook.open(path) as book:
        book.set_cells("员工", {"F6": 4321, "K6": 12345, "B7": "renamed"})  # 1003: profit actual, base bonus
        book.save(backup=False)
    snap = read_snapshot(path)
    check = check_seal(snap, read_seal(path), KEY)
    i = list(snap.table.frame["employee_id"]).index("1003")
    assert check.changed == [("1003", i)] and check.fields[i] == ("profit_actual", "base_bonus")
    monkeypatch.setenv(ENV_KEY, KEY.decode())
    assert main(["reconcile", str(path)]) == 1
    out = re.sub(r"\s+", "", capsys.readouterr().out)
    assert "1003刘洋：封存后被修改：实际盈利、奖金基数" in out
    assert "profit_actual" not in out and "base_bonus" not in out and "changedaftersealing" not in out
    rows = openpyxl.load_workbook(path, data_only=True)["对账"]
    texts = [c.value for row in rows.iter_rows() for c in row if isinstance(c.value, str)]
    assert "封存后被修改：实际盈利、奖金基数" in texts
    assert any(t.startswith("封存于") and "1 行被修改" in t for t in texts)


def test_the_seal_sheet_speaks_the_workbooks_language(sealed: Path) -> None:
    import openpyxl
    ws = openpyxl.load_workbook(sealed)[SEAL_SHEET]
    assert ws["A3"].value == "密钥校验" and "实际盈利" in ws["B5"].value and "profit_actual" not in ws["B5"].value
    assert ws["A7"].value == "工号" and len(ws["C8"].value.split()) == 11


def test_a_seal_without_field_tags_still_verifies(sealed: Path, tmp_path: Path) -> None:
    """A seal written before the field tags (v1) verifies; a changed row names no field."""
    from perf_addin.jobs.seal import StoredSeal
    stored = read_seal(sealed)
    old = StoredSeal(stored.key_check, stored.sealed_at, stored.rows)
    assert check_seal(read_snapshot(sealed), old, KEY).ok
    path = _copy(sealed, tmp_path)
    with Workbook.open(path) as book:
        book.set_cells("员工", {"F6": 4321})
        book.save(backup=False)
    check = check_seal(read_snapshot(path), old, KEY)
    assert [e for e, _ in check.changed] == ["1003"] and check.fields == {}


@pytest.mark.parametrize("how", ["open in Excel", "not a workbook"])
def test_create_key_writes_no_key_when_the_seal_is_refused(tmp_path: Path, capsys, how: str) -> None:
    book = finance_book(tmp_path)
    if how == "open in Excel":
        (book.parent / ("~$" + book.name)).write_bytes(b"owner")
    else:
        book.write_bytes(b"not a workbook")
    before = book.read_bytes()
    key = tmp_path / "finance.key"
    assert main(["seal", str(book), "--key-file", str(key), "--create-key"]) == 2
    assert book.name in capsys.readouterr().err
    assert not key.exists() and book.read_bytes() == before
