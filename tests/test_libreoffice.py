"""perf_addin.engines.libreoffice against a real LibreOffice: no mocks.

The recalc tests are what make every other LibreOffice-based test worth
anything: without them a test could be reading Excel's cached values.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest
import xlsxwriter

from perf_addin.engines.libreoffice import (
    ENV_SOFFICE,
    LibreOffice,
    LibreOfficeMissing,
    LibreOfficeTimeout,
    find_soffice,
    pdf_page_count,
    read_csv_sheets,
    workbook_sheet_names,
)

CACHED = 999


def make_workbook(path: Path, sheets: dict[str, dict[str, str]]) -> Path:
    """Write ``{sheet: {cell: formula or text}}``; every formula caches 999,
    a value no formula here computes, so a cached read is easy to spot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    for name, cells in sheets.items():
        sheet = workbook.add_worksheet(name)
        for cell, content in cells.items():
            if content.startswith("="):
                sheet.write_formula(cell, content, None, CACHED)
            else:
                sheet.write_string(cell, content)
    workbook.close()
    return path


@pytest.fixture
def two_plus_three(tmp_path: Path) -> Path:
    return make_workbook(tmp_path / "sum.xlsx", {"Sheet1": {"A1": "=2+3"}})


@pytest.mark.libreoffice
def test_recalc_replaces_the_cached_value(soffice: LibreOffice, two_plus_three: Path) -> None:
    assert soffice.read_sheets(two_plus_three, recalc=True) == {"Sheet1": [["5"]]}


@pytest.mark.libreoffice
def test_without_recalc_libreoffice_shows_the_cached_value(soffice: LibreOffice, two_plus_three: Path) -> None:
    assert soffice.read_sheets(two_plus_three, recalc=False) == {"Sheet1": [[str(CACHED)]]}


@pytest.mark.libreoffice
def test_prerounding_to_nine_decimals_changes_the_result(soffice: LibreOffice, tmp_path: Path) -> None:
    """201/200*100 is 100.49999999999999 in binary (FACTS.md)."""
    book = make_workbook(tmp_path / "round.xlsx", {"Round": {
        "A1": "=ROUND(201/200*100,0)",
        "A2": "=ROUND(ROUND(201/200*100,9),0)",
    }})
    assert soffice.read_sheets(book) == {"Round": [["100"], ["101"]]}


@pytest.mark.libreoffice
def test_every_sheet_gets_its_own_csv_named_stem_dash_sheet(soffice: LibreOffice, tmp_path: Path) -> None:
    sheets = {
        "Summary": {"A1": "=6*7", "B1": 'comma, "quote"'},
        "员工 评分": {"A1": "张三", "B1": "=1+1"},
        "Team Lead Notes": {"A1": "line one"},
    }
    book = make_workbook(tmp_path / "in put" / "绩效 反馈.xlsx", sheets)
    result = soffice.convert([book], "csv", tmp_path / "out")[book]

    assert result.ok, result.error
    assert list(result.sheets) == list(sheets)
    assert [p.name for p in result.outputs] == [f"绩效 反馈-{name}.csv" for name in sheets]
    assert read_csv_sheets(result) == {
        "Summary": [["42", 'comma, "quote"']],
        "员工 评分": [["张三", "2"]],
        "Team Lead Notes": [["line one"]],
    }


@pytest.mark.libreoffice
def test_pdf_has_pages(soffice: LibreOffice, tmp_path: Path) -> None:
    book = make_workbook(tmp_path / "面谈 tab.xlsx", {"面谈": {"A1": "绩效面谈记录", "A2": "=2+3"}})
    result = soffice.convert([book], "pdf", tmp_path / "out")[book]

    assert result.ok, result.error
    assert [p.name for p in result.outputs] == ["面谈 tab.pdf"]
    assert pdf_page_count(result.outputs[0]) >= 1


@pytest.mark.libreoffice
def test_page_count_without_pdfinfo_agrees(
    soffice: LibreOffice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = make_workbook(tmp_path / "three.xlsx", {f"S{i}": {"A1": "x"} for i in range(3)})
    pdf = soffice.convert([book], "pdf", tmp_path)[book].outputs[0]
    with_pdfinfo = pdf_page_count(pdf)
    monkeypatch.setenv("PATH", "")  # hides pdfinfo, so the pure-Python count runs
    assert pdf_page_count(pdf) == with_pdfinfo == 3


@pytest.mark.libreoffice
def test_many_files_go_through_one_soffice_process(soffice: LibreOffice, tmp_path: Path) -> None:
    books = [make_workbook(tmp_path / f"book{i}.xlsx", {"S": {"A1": f"={i}*10"}}) for i in range(5)]
    before = soffice.launches
    results = soffice.convert(books, "csv", tmp_path / "out")

    assert soffice.launches == before + 1
    assert [read_csv_sheets(results[b])["S"] for b in books] == [[[str(i * 10)]] for i in range(5)]


@pytest.mark.libreoffice
def test_a_broken_file_is_reported_and_the_rest_still_convert(soffice: LibreOffice, tmp_path: Path) -> None:
    good = make_workbook(tmp_path / "good.xlsx", {"S": {"A1": "=1+1"}})
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"this is not a zip package")
    missing = tmp_path / "missing.xlsx"
    also_good = make_workbook(tmp_path / "also good.xlsx", {"S": {"A1": "=2+2"}})

    for to in ("csv", "pdf"):
        results = soffice.convert([good, broken, missing, also_good], to, tmp_path / to)
        assert results[good].ok and results[also_good].ok
        assert str(broken) in results[broken].error
        assert str(missing) in results[missing].error
        assert results[broken].outputs == results[missing].outputs == []


@pytest.mark.libreoffice
def test_same_stem_in_two_folders_does_not_collide(soffice: LibreOffice, tmp_path: Path) -> None:
    first = make_workbook(tmp_path / "a" / "team.xlsx", {"S": {"A1": "first"}})
    second = make_workbook(tmp_path / "b" / "team.xlsx", {"S": {"A1": "second"}})
    results = soffice.convert([first, second], "csv", tmp_path / "out")

    assert [results[p].outputs[0].name for p in (first, second)] == ["team-S.csv", "team (2)-S.csv"]
    assert read_csv_sheets(results[first]) == {"S": [["first"]]}
    assert read_csv_sheets(results[second]) == {"S": [["second"]]}


@pytest.mark.libreoffice
def test_xlsx_output_and_refusal_to_overwrite_the_input(soffice: LibreOffice, tmp_path: Path) -> None:
    book = make_workbook(tmp_path / "book.xlsx", {"S": {"A1": "=2+3"}})
    with pytest.raises(ValueError, match="overwrite"):
        soffice.convert([book], "xlsx", tmp_path)
    saved = soffice.convert([book], "xlsx", tmp_path / "out")[book].outputs[0]
    assert workbook_sheet_names(saved) == ["S"]
    assert soffice.read_sheets(saved, recalc=False) == {"S": [["5"]]}  # recalculated, then cached


@pytest.mark.libreoffice
@pytest.mark.corpus
def test_excel_made_chart_sheet_is_exported_too(soffice: LibreOffice, excel_made_dir: Path, tmp_path: Path) -> None:
    book = excel_made_dir / "chartsheet01.xlsx"
    result = soffice.convert([book], "csv", tmp_path)[book]
    assert list(result.sheets) == workbook_sheet_names(book) == ["Sheet1", "Chart1"]


@pytest.mark.libreoffice
@pytest.mark.corpus
def test_poi_batch_with_corrupt_files(soffice: LibreOffice, poi_dir: Path, tmp_path: Path) -> None:
    good = [poi_dir / "reordered_sheets.xlsx", poi_dir / "unicodeSheetName.xlsx"]
    corrupt = [poi_dir / "xlsx-corrupted.xlsx"]
    results = soffice.convert(good + corrupt, "csv", tmp_path)

    assert [list(results[p].sheets) for p in good] == [["Sheet4", "Sheet2", "Sheet3", "Sheet1"], ["Sheet・1"]]
    assert not results[corrupt[0]].ok


def test_missing_soffice_gives_an_install_hint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_SOFFICE, str(tmp_path / "no-such-soffice"))
    assert find_soffice() is None
    with pytest.raises(LibreOfficeMissing, match="apt-get install -y libreoffice-calc-nogui"):
        LibreOffice()


@pytest.mark.skipif(sys.platform == "win32", reason="uses a POSIX shell script as a stand-in soffice")
def test_a_hung_soffice_is_killed_with_its_children(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A stand-in that never finishes, and leaves a child behind as soffice's
    launcher does, must be killed as a whole when the time is up."""
    child_pid = tmp_path / "child.pid"
    hang = tmp_path / "soffice"
    hang.write_text(f'#!/bin/sh\nsleep 300 &\necho $! > "{child_pid}"\nwait\n')
    hang.chmod(0o755)
    book = make_workbook(tmp_path / "book.xlsx", {"S": {"A1": "x"}})

    started = time.monotonic()
    with LibreOffice(str(hang)) as office, pytest.raises(LibreOfficeTimeout, match="killed.*book.xlsx"):
        office.convert([book], "pdf", tmp_path / "out", timeout=1)
    assert time.monotonic() - started < 30
    assert not _running(int(child_pid.read_text()))


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie awaiting its reaper."""
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        status = Path(f"/proc/{pid}/status")
        if status.exists() and "\nState:\tZ" in status.read_text():
            return False
        time.sleep(0.1)
    return True


def test_find_soffice_prefers_the_environment_override(monkeypatch: pytest.MonkeyPatch) -> None:
    shell = shutil.which("sh") or pytest.skip("no sh")
    monkeypatch.setenv(ENV_SOFFICE, shell)
    assert find_soffice() == shell


@pytest.mark.libreoffice
def test_round_gives_fifteen_digits_of_grace_and_overflow_is_num(soffice: LibreOffice, tmp_path: Path) -> None:
    """What scoring.excel_round reproduces (docs/rules.md): a value within 15
    significant digits of a half rounds up, one further away does not; a
    product no double holds is #NUM!."""
    book = make_workbook(tmp_path / "grace.xlsx", {"G": {
        "A1": "=ROUND(100.4999999994996,9)",
        "A2": "=ROUND(100.49999999949,9)",
        "A3": "=ROUND(1004999999995/1000000000000*100,9)",
        "A4": "=10^300*10^10",
        "A5": "=ISNUMBER(10^300*10^10)",
    }})
    assert soffice.read_sheets(book) == {"G": [["100.5"], ["100.499999999"], ["100.5"], ["#NUM!"], ["FALSE"]]}
