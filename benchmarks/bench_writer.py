"""Benchmark the in-place writer (a script, not a test).

    python benchmarks/bench_writer.py [--sheets 500] [--existing 2000]

1. Adding N interview-sized sheets (about 150 styled cells, a few merges, print
   setup each) to an existing workbook, against XlsxWriter writing the same N sheets
   to a new file, and against openpyxl loading, adding and saving.
2. The same additions into a workbook that already holds many sheets: the cost
   should follow what is written, not what is already there.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Callable

import openpyxl
import xlsxwriter
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from perf_addin.xlsx import Cell, Margins, PrintSetup, Protection, SheetSpec, Style, Workbook

LABEL = Style(bold=True, fill="DDEBF7", border="thin", valign="center")
VALUE = Style(border="thin", num_format="0.00", halign="right")
INPUT = Style(border="thin", locked=False, wrap=True, fill="FFF2CC")
ROWS, COLS = 30, 5  # 150 cells


def spec(i: int) -> SheetSpec:
    cells: dict[str, Cell] = {}
    for r in range(1, ROWS + 1):
        for c, letter in enumerate("ABCDE"):
            if c == 0:
                cells[f"{letter}{r}"] = Cell(f"项目 {r}", LABEL)
            elif c == 4:
                cells[f"{letter}{r}"] = Cell(None, INPUT)
            else:
                cells[f"{letter}{r}"] = Cell(i * 0.5 + r + c, VALUE)
    return SheetSpec(
        name=f"面谈-员工{i}-{1000 + i}", cells=cells,
        merges=["A1:E1", "B20:E22", "B24:E26", "B28:E29"],
        col_widths={1: 16, 2: 12, 3: 12, 4: 12, 5: 30}, row_heights={1: 28},
        print_setup=PrintSetup(margins=Margins(), print_area=f"A1:E{ROWS}", footer="&L1024&R&P"),
        protection=Protection(), kind="interview")


def base_workbook(path: Path, sheets: int) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    for s in range(sheets):
        ws = wb.add_worksheet(f"S{s}")
        ws.write_row(0, 0, ["工号", "姓名", "得分"])
        for r in range(1, 20):
            ws.write_row(r, 0, [r, f"员工{r}", 80 + r])
    wb.close()
    return path


def ours(base: Path, specs: list[SheetSpec], out: Path) -> None:
    with Workbook.open(base) as book:
        for s in specs:
            book.add_sheet(s)
        book.save(out, backup=False)


def with_xlsxwriter(specs: list[SheetSpec], out: Path) -> None:
    wb = xlsxwriter.Workbook(str(out))
    formats = {}

    def fmt(style: Style):
        if style not in formats:
            props = {"bold": style.bold, "border": 1 if style.border else 0,
                     "num_format": style.num_format, "text_wrap": style.wrap,
                     "locked": style.locked, "bg_color": f"#{style.fill}" if style.fill else None,
                     "align": style.halign,
                     "valign": "vcenter" if style.valign == "center" else style.valign}
            formats[style] = wb.add_format({k: v for k, v in props.items() if v is not None})
        return formats[style]
    for s in specs:
        ws = wb.add_worksheet(s.name)
        for ref, cell in s.cells.items():
            ws.write(ref, cell.value, fmt(cell.style))
        for m in s.merges:
            ws.merge_range(m, None)
        for col, width in s.col_widths.items():
            ws.set_column(col - 1, col - 1, width)
        ws.set_paper(9)
        ws.fit_to_pages(1, 1)
        ws.print_area(s.print_setup.print_area)
        ws.set_footer(s.print_setup.footer)
        ws.protect()
    wb.close()


def with_openpyxl(base: Path, specs: list[SheetSpec], out: Path) -> None:
    wb = openpyxl.load_workbook(base)
    thin = Side(style="thin")
    for s in specs:
        ws = wb.create_sheet(s.name)
        for ref, cell in s.cells.items():
            c = ws[ref]
            c.value = cell.value
            c.font = Font(bold=cell.style.bold)
            c.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if cell.style.fill:
                c.fill = PatternFill("solid", fgColor=cell.style.fill)
            c.alignment = Alignment(wrap_text=cell.style.wrap)
        for m in s.merges:
            ws.merge_cells(m)
        ws.page_setup.paperSize = 9
        ws.print_area = s.print_setup.print_area
    wb.save(out)


def timed(label: str, run: Callable[[], None], repeat: int = 3) -> float:
    best = min(_once(run) for _ in range(repeat))
    print(f"  {label:<58} {best:7.2f} s")
    return best


def _once(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sheets", type=int, default=500)
    parser.add_argument("--existing", type=int, default=2000)
    args = parser.parse_args()
    specs = [spec(i) for i in range(args.sheets)]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        small = base_workbook(tmp / "small.xlsx", 1)
        big = base_workbook(tmp / "big.xlsx", args.existing)
        print(f"Adding {args.sheets} interview-sized sheets (best of 3):")
        a = timed("perf-addin writer, into a 1-sheet workbook", lambda: ours(small, specs, tmp / "o1.xlsx"))
        x = timed("XlsxWriter, same sheets into a new file", lambda: with_xlsxwriter(specs, tmp / "x.xlsx"))
        timed("openpyxl load + add + save (reference)", lambda: with_openpyxl(small, specs, tmp / "p.xlsx"), 1)
        print(f"  → writer / XlsxWriter = {a / x:.2f}")
        print(f"Into a workbook that already holds {args.existing} sheets "
              f"({big.stat().st_size / 1e6:.1f} MB):")
        one_small = timed("add 1 sheet to the 1-sheet workbook", lambda: ours(small, specs[:1], tmp / "o2.xlsx"))
        one_big = timed(f"add 1 sheet to the {args.existing}-sheet workbook", lambda: ours(big, specs[:1], tmp / "o3.xlsx"))
        many_big = timed(f"add {args.sheets} sheets to the {args.existing}-sheet workbook",
                         lambda: ours(big, specs, tmp / "o4.xlsx"))
        print(f"  → {args.existing} existing sheets add {one_big - one_small:.3f} s to a one-sheet write; "
              f"{args.sheets} sheets cost {many_big - one_big:.2f} s more than one")


if __name__ == "__main__":
    main()
