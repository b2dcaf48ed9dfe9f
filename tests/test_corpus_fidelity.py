"""Fidelity on files nobody here wrote: the Excel-made and the Apache POI corpora.

Every file is opened, written into (a value and a formula in its first editable
worksheet) and given a new sheet, saved to a copy; then the copy is compared part by
part with the original and read by openpyxl, python-calamine and LibreOffice. A file
the writer cannot handle safely must be refused with a clear, one-line
WorkbookError, never a traceback.
"""

from __future__ import annotations

import posixpath
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from ooxml_check import check_files
from xlsx_helpers import raw_streams
from perf_addin.engines.libreoffice import LibreOffice, read_csv_sheets
from perf_addin.xlsx import Cell, Formula, SheetSpec, Style, Workbook, WorkbookError
from perf_addin.xlsx.chart import BarChart

pytestmark = pytest.mark.corpus

NEW_SHEET = "perf-addin test"
MARK = "perf-written ✓"
#: a chart on the new sheet: a drawing, a chart and two relationship parts, typed and
#: related whatever conventions the original package follows
CHART = BarChart("chart", "values", f"'{NEW_SHEET}'!$A$1:$A$2", f"'{NEW_SHEET}'!$B$1:$B$2",
                 ("hello", ""), (0.0, 12.5), "D2", "J12")
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb"}


@dataclass
class Outcome:
    source: Path
    output: Path | None = None
    refused: str | None = None
    edited_sheet: str | None = None
    edited_part: str | None = None
    edited_row: int = 0
    new_part: str = ""
    huge: bool = False  # a sheet uses rows past 100,000: CSV export would take minutes
    allowed: set[str] = field(default_factory=set)


def corpus_files(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders for p in folder.iterdir()
                  if p.suffix.lower() in WORKBOOK_SUFFIXES)


def next_free_row(sheet_xml: bytes) -> int:
    rows = [int(r) for r in re.findall(rb'<(?:\w+:)?row[^>]*?\br="(\d+)"', sheet_xml)]
    return max(rows, default=0) + 1


def edit(source: Path, out_dir: Path) -> Outcome:
    """Write into one corpus file; a refusal is recorded, anything else propagates."""
    outcome = Outcome(source)
    try:
        with Workbook.open(source) as book:
            for entry in book.sheets:
                if not entry.is_worksheet or entry.state != "visible":
                    continue
                row = next_free_row(book.source.read(entry.part))
                outcome.huge |= row > 100_000
                if row > 1_048_576:
                    continue  # a sheet whose last row is used
                try:
                    book.set_cells(entry.name, {f"A{row}": MARK,
                                                f"B{row}": Cell(Formula("1+1", 2), Style())})
                except WorkbookError as exc:
                    if "protected" in str(exc):
                        continue
                    raise
                outcome.edited_sheet, outcome.edited_part, outcome.edited_row = entry.name, entry.part, row
                break
            book.add_sheet(SheetSpec(NEW_SHEET, cells={"A1": "hello", "B2": Cell(12.5, Style(bold=True))},
                                     merges=["A3:B4"], charts=[CHART]))
            outcome.new_part = book.sheet(NEW_SHEET).part
            outcome.allowed = {"[Content_Types].xml", book.workbook_part, book.rels_part,
                               outcome.edited_part or ""}
            output = out_dir / f"{source.parent.name}__{source.name}"
            book.save(output, backup=False)
            outcome.output = output
    except WorkbookError as exc:
        outcome.refused = str(exc)
    return outcome


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, excel_made_dir, poi_dir) -> list[Outcome]:
    out_dir = tmp_path_factory.mktemp("fidelity")
    return [edit(p, out_dir) for p in corpus_files(excel_made_dir, poi_dir)]


def written(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.output is not None]


def test_every_file_is_written_or_cleanly_refused(outcomes):
    assert len(outcomes) > 1300
    for o in outcomes:
        if o.refused:
            assert "\n" not in o.refused and o.source.name in o.refused, o.refused
    refused = [o for o in outcomes if o.refused]
    # Only the deliberately odd files may be refused (fuzzed, encrypted, strict,
    # protected, signed, shared): a handful, not a pattern.
    assert len(refused) < 60, [o.refused for o in refused]
    assert sum(o.source.parent.name == "excel-made" for o in refused) <= 12


def test_untouched_parts_are_byte_identical(outcomes):
    """Untouched entries keep their stored (compressed) bytes, method, CRC and time stamp."""
    for o in written(outcomes):
        old, new = raw_streams(o.source), raw_streams(o.output)
        styles = {n for n in old if n.endswith("styles.xml")}  # appended to, by design
        for name, entry in old.items():
            if name in o.allowed or name in styles:
                continue
            if name.endswith("calcChain.xml") and name not in new:
                continue  # dropped on purpose: Excel rebuilds it
            assert name in new, f"{o.source.name}: lost {name}"
            assert new[name] == entry, f"{o.source.name}: {name} changed"
        added = {n for n in set(new) - set(old) if not n.startswith(("xl/charts/", "xl/drawings/"))
                 and n != f"xl/worksheets/_rels/{posixpath.basename(o.new_part)}.rels"}
        assert len(added) <= 2, (o.source.name, added)  # the new sheet (and styles if none)


def test_openpyxl_and_calamine_read_the_result(outcomes):
    problems = []
    for o in written(outcomes):
        try:
            openpyxl.load_workbook(o.source, read_only=True).close()
        except Exception:
            continue  # openpyxl cannot read the original either
        book = openpyxl.load_workbook(o.output, read_only=True)
        try:
            new_sheet = [list(r) for r in book[NEW_SHEET].iter_rows(values_only=True)]
            if new_sheet[0][0] != "hello" or new_sheet[1][1] != 12.5:
                problems.append((o.source.name, "openpyxl", new_sheet[:2]))
        finally:
            book.close()
        try:
            rows = CalamineWorkbook.from_path(str(o.output)).get_sheet_by_name(NEW_SHEET).to_python()
        except Exception as exc:  # calamine rejects some originals too
            try:
                CalamineWorkbook.from_path(str(o.source))
            except Exception:
                continue
            problems.append((o.source.name, "calamine", repr(exc)))
            continue
        if rows[0][0] != "hello" or rows[1][1] != 12.5:
            problems.append((o.source.name, "calamine", rows[:2]))
    assert not problems


def test_every_part_written_is_valid_where_the_original_was(outcomes):
    """Each XML part the write added or changed validates against the ECMA-376
    schemas and follows the rules Excel enforces beyond them (``ooxml_check``),
    except for faults the same part already had in the original."""
    done = written(outcomes)
    checks = check_files([(o.source, o.output) for o in done])
    problems = [f"{o.source.name}: {p}" for o, check in zip(done, checks) for p in check.problems]
    parts, validated = sum(c.parts for c in checks), sum(c.validated for c in checks)
    assert not problems, "\n".join(problems[:50])
    assert parts > 6 * len(done) and validated > 0.9 * parts
    print(f"schema check: {parts:,} parts of {len(done):,} files, {validated:,} schema-described")


@pytest.mark.libreoffice
def test_libreoffice_opens_every_result_with_the_written_values(outcomes, soffice, tmp_path):
    done = [o for o in written(outcomes) if not o.huge]
    assert len(done) > len(written(outcomes)) - 5
    halves = [done[0::2], done[1::2]]
    with LibreOffice() as second:
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(
                lambda job: job[0].convert([o.output for o in job[1]], "csv", tmp_path / job[2]),
                [(soffice, halves[0], "a"), (second, halves[1], "b")]))
    conversions = {**results[0], **results[1]}
    failed, wrong = [], []
    for o in done:
        conversion = conversions[o.output]
        if not conversion.ok:
            failed.append(o.source.name)
            continue
        sheets = read_csv_sheets(conversion)
        if sheets.get(NEW_SHEET, [[""]])[0][:1] != ["hello"]:
            wrong.append((o.source.name, NEW_SHEET))
        if o.edited_sheet and o.edited_sheet in sheets:
            rows = sheets[o.edited_sheet]
            row = rows[o.edited_row - 1] if len(rows) >= o.edited_row else []
            if row[:2] != [MARK, "2"]:
                wrong.append((o.source.name, o.edited_sheet, row[:2]))
    assert not wrong
    # LibreOffice itself fails on a few originals; those may fail on the copy too.
    if failed:
        originals = soffice.convert([o.source for o in done if o.source.name in failed],
                                    "csv", tmp_path / "orig")
        assert all(not c.ok for c in originals.values()), failed
