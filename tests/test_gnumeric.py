"""perf_addin.engines.gnumeric against a real Gnumeric (ssconvert): no mocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import require
from perf_addin.engines.gnumeric import ENV_SSCONVERT, GnumericError, find_ssconvert, recalculated_sheets
from tests.test_libreoffice import CACHED, make_workbook


@pytest.fixture
def ssconvert() -> str:
    found = find_ssconvert()
    if found is None:
        require("Gnumeric's ssconvert not found: apt-get install -y gnumeric")
    return found


def test_recalc_replaces_the_cached_value_on_every_sheet(ssconvert: str, tmp_path: Path) -> None:
    book = make_workbook(tmp_path / "two sheets.xlsx", {"员工": {"A1": "=2+3", "B1": 'a, "b"'},
                                                       "规则": {"A1": "=NA()", "B1": "=1/0"}})
    assert recalculated_sheets(book) == {"员工": [["5", 'a, "b"']], "规则": [["#N/A", "#DIV/0!"]]}
    assert str(CACHED) not in str(recalculated_sheets(book))


def test_values_are_raw_and_in_long_double(ssconvert: str, tmp_path: Path) -> None:
    """Unformatted, at full precision: Debian's Gnumeric computes in 80-bit long
    double, so 10^310 is a number there (LibreOffice: #NUM!) and ROUND has no
    15-digit grace (100.4999999994996 stays below the half)."""
    book = make_workbook(tmp_path / "ld.xlsx", {"S": {"A1": "=1/3", "A2": "=ISNUMBER(10^300*10^10)",
                                                      "A3": "=ROUND(100.4999999994996,9)",
                                                      "A4": "=ROUND(1004999999995/1000000000000*100,9)"}})
    (third,), (big,), (grace,), (tie,) = recalculated_sheets(book)["S"]
    assert len(third) > 17 and third.startswith("0.333333333333333333")
    assert (big, grace, tie) == ("TRUE", "100.499999999", "100.5")


def test_an_unreadable_file_is_an_error(ssconvert: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(GnumericError, match="broken.xlsx"):
        recalculated_sheets(broken)


def test_missing_ssconvert_gives_an_install_hint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_SSCONVERT, str(tmp_path / "no-such-ssconvert"))
    assert find_ssconvert() is None
    with pytest.raises(GnumericError, match="apt-get install -y gnumeric"):
        recalculated_sheets(tmp_path / "any.xlsx")
