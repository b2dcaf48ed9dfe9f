"""Preparing the workbook for email: a portable copy, per-employee packs, passwords.

* ``portable_copy`` – every ``PERF_*`` formula (which shows ``#NAME?`` where the
  add-in is missing) becomes the equivalent native formula from
  ``excel_formulas`` when its arguments are plain cell references and the
  workbook has a rules sheet, else its cached value (``values=True`` forces
  values everywhere). Written through the in-place writer to a new file, so
  every other part stays byte-identical. Cells of a shared-formula group get
  their own (translated) formula first, by the writer.
* ``build_pack`` – a NEW workbook per employee (``xlsx.fresh.new_workbook``),
  holding their interview tab with every formula replaced by its value (the
  formulas point at other people's rows) and a one-row result sheet. Nothing is
  copied from the department workbook, so no other employee's data can ride
  along in shared strings, names, cached values or document properties. The
  employee's own row includes their supervisor's name (it is on the form) and
  the facilitators named in the interview settings.
* ``encrypt`` – standard Office (agile, AES-256) encryption by msoffcrypto-tool;
  Excel and LibreOffice ask for the password.
* Passwords come from a column of the table (``password_column``) or are
  generated (``secrets``, 12 characters from an alphabet without look-alikes)
  and listed for HR in ``passwords.csv``. Every CSV cell that starts with
  ``= + - @`` (or a tab/CR) gets a leading apostrophe, so no spreadsheet reads
  it as a formula; in xlsx outputs text is always written as text.
"""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from lxml import etree

from . import excel_formulas as xf
from .department import DepartmentError, held_back
from .interview import interview_sheet
from .interview_settings import settings_from_grid
from .interviews import employee_data, pdf_name
from .snapshot import Snapshot, is_blank, read_snapshot
from .xlsx import Cell, CellError, Formula, SheetSpec, Style, Workbook, WorkbookError
from .xlsx.fresh import new_workbook
from .xlsx.refs import col_letter
from .xlsx.xml import MAIN, q

Progress = Callable[[str], None]
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
PASSWORD_LENGTH = 12
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PERF_CALL = re.compile(r"^(?:'[^']*'!|\[\d+\]!|[\w.]+!)?(PERF_[A-Z_]+)\((.*)\)$", re.IGNORECASE | re.DOTALL)
_PLAIN_REF = re.compile(r"^(?:(?:'[^']*'|[^\s'!(),]+)!)?\$?[A-Z]{1,3}\$?\d+$", re.IGNORECASE)
_PARALLEL_FROM = 40  # encrypting fewer files than this is faster in one process


# ------------------------------------------------------------------ text safety


def csv_safe(value: Any) -> str:
    """A cell for a CSV file that no spreadsheet will read as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# ------------------------------------------------------------------ portable copy


@dataclass
class PortableReport:
    path: Path
    native: list[str] = field(default_factory=list)  # cells now holding a native formula
    values: list[str] = field(default_factory=list)  # cells now holding the cached value


def portable_copy(path: str | Path, out: str | Path, values: bool = False) -> PortableReport:
    """Write ``out``: ``path`` with no ``PERF_*`` formula left (see module docstring)."""
    path, out = Path(path), Path(out)
    if out.resolve() == path.resolve():
        raise WorkbookError("the portable copy must be a new file, not the workbook itself")
    report = PortableReport(out)
    rules = None
    with Workbook.open(path) as book:
        rules_sheet = next((n for n in book.sheet_names if n.casefold() in ("规则", "rules")), None)
        if rules_sheet and not values:
            from .department import read_rules
            rules = read_rules(path)
        for entry in book.sheets:
            if not entry.is_worksheet:
                continue
            cells = {}
            for ref, formula, cached in perf_cells(book.source.read(entry.part)):
                native = None if rules is None else native_formula(formula, rules, rules_sheet)
                where = f"{entry.name}!{ref}"
                if native is not None:
                    cells[ref] = Formula(native, cached)
                    report.native.append(where)
                else:
                    cells[ref] = cached
                    report.values.append(where)
            if cells:
                book.set_cells(entry.name, cells)
        book.save(to=out, backup=False)
    return report


def perf_cells(sheet_xml: bytes) -> list[tuple[str, str, Any]]:
    """(cell, formula text, cached value) of every cell whose formula calls PERF_*;
    members of a shared group get the anchor's formula translated to their cell."""
    if b"PERF_" not in sheet_xml.upper():
        return []
    root = etree.fromstring(sheet_xml, etree.XMLParser(huge_tree=True, resolve_entities=False))
    ns = etree.QName(root).namespace or MAIN
    anchors: dict[str, tuple[str, str]] = {}
    for f in root.iter(q("f", ns)):
        if f.get("t") == "shared" and f.text:
            anchors[f.get("si")] = (f.getparent().get("r"), f.text)
    out = []
    for f in root.iter(q("f", ns)):
        text = f.text or ""
        if f.get("t") == "shared" and not text and f.get("si") in anchors:
            origin, anchor = anchors[f.get("si")]
            text = _translate(anchor, origin, f.getparent().get("r"))
        if "PERF_" in text.upper():
            out.append((f.getparent().get("r"), text, _cached(f.getparent(), ns)))
    return out


def _translate(formula: str, origin: str, target: str) -> str:
    from openpyxl.formula.translate import Translator
    return Translator("=" + formula, origin=origin).translate_formula(target)[1:]


def _cached(cell: etree._Element, ns: str) -> Any:
    v = cell.find(q("v", ns))
    if v is None or v.text is None:
        return None
    kind = cell.get("t")
    if kind == "str":
        return v.text
    if kind == "e":
        return CellError(v.text) if v.text in ("#N/A", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#REF!",
                                                 "#NULL!") else None
    if kind == "b":
        return v.text == "1"
    return float(v.text)


def native_formula(formula: str, rules, rules_sheet: str) -> str | None:  # noqa: ANN001 - Rules
    """The native twin of a ``PERF_*(refs…)`` call, or None when it is anything else
    (nested in an expression, given a rules range, or an unknown function)."""
    m = _PERF_CALL.match(formula.strip())
    if not m:
        return None
    args = [a.strip() for a in m.group(2).split(",")] if m.group(2).strip() else []
    if not all(_PLAIN_REF.match(a) for a in args):
        return None
    name, n = m.group(1).upper(), len(args)
    builders = {
        ("PERF_SCORE", 5): lambda: xf.score_formula(xf.RowRefs(*args), rules_sheet),
        ("PERF_PROFIT_POINTS", 2): lambda: xf.profit_points_formula(*args, sheet=rules_sheet),
        ("PERF_TASK_POINTS", 2): lambda: xf.task_points_formula(*args, sheet=rules_sheet),
        ("PERF_GRADE", 1): lambda: xf.grade_formula(args[0], rules, rules_sheet),
        ("PERF_MULTIPLIER", 1): lambda: xf.multiplier_formula(args[0], rules, rules_sheet),
        ("PERF_BONUS", 2): lambda: xf.bonus_formula(args[0], args[1], rules, rules_sheet),
    }
    build = builders.get((name, n))
    return None if build is None else build()


# ------------------------------------------------------------------ packs


def generate_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _values_only(spec: SheetSpec) -> SheetSpec:
    """The interview tab with each formula replaced by its value: the formulas point
    into the department workbook, which the pack does not contain."""
    cells = {}
    for ref, item in spec.cells.items():
        cell = item if isinstance(item, Cell) else Cell(item)
        value = cell.value.cached if isinstance(cell.value, Formula) else cell.value
        cells[ref] = Cell(value, cell.style)
    return replace(spec, cells=cells, kind="pack")


RESULT_FIELDS = ("employee_id", "name", "department", "level", "supervisor", "profit_actual", "profit_target",
                 "tasks_done", "tasks_target", "rating", "base_bonus", "score", "grade", "multiplier", "bonus")
_HEAD = Style(bold=True, fill="E2EFDA", border="thin", halign="center", wrap=True)


def _result_sheet(snap: Snapshot, i: int, lang: str) -> SheetSpec:
    """The employee's own row: header and values as the workbook shows them."""
    header_line = snap.grid[snap.table.header_row - 1]
    cells: dict[str, Any] = {}
    col = 0
    for name in RESULT_FIELDS:
        column = snap.column_of(name)
        if column is None:
            continue
        col += 1
        header = header_line[column - 1] if column - 1 < len(header_line) else name
        value = snap.raw_column(column)[i] if name != "employee_id" else str(snap.table.frame["employee_id"].iat[i])
        cells[f"{col_letter(col)}1"] = Cell(str(header), _HEAD)
        cells[f"{col_letter(col)}2"] = _plain(value)
    return SheetSpec("结果" if lang == "zh" else "Result", cells=cells,
                     col_widths={c: 12 for c in range(1, col + 1)}, kind="pack")


def _plain(value: Any) -> Any:
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return str(value)


@dataclass
class PackReport:
    folder: Path
    packs: list[Path] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    passwords: Path | None = None
    encrypted: bool = False
    held: list[str] = field(default_factory=list)  # employees with input errors: no pack


def build_pack(spec: SheetSpec, result: SheetSpec, title: str) -> bytes:
    return new_workbook([_values_only(spec), result], title=title)


def encrypt(data: bytes, password: str) -> bytes:
    """Office agile encryption (what Excel writes for "Encrypt with Password")."""
    from msoffcrypto.format.ooxml import OOXMLFile
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def _encrypt_to(job: tuple[bytes, str, str]) -> str:
    data, password, target = job
    Path(target).write_bytes(encrypt(data, password))
    return target


def write_packs(path: str | Path, folder: str | Path, only: Sequence[str] | None = None,
                password_column: str | None = None, generate: bool = False, pdf: bool = False,
                progress: Progress = lambda step: None, workers: int | None = None,
                include_errors: bool = False) -> PackReport:
    """One pack per employee (or per ``only`` ID) in ``folder``; see the module docstring."""
    path, folder = Path(path), Path(folder)
    if password_column and generate:
        raise WorkbookError("choose --password-column or --generate-passwords, not both")
    progress("reading the workbook")
    snap = read_snapshot(path)
    chosen = _chosen(snap, only)
    hold = held_back(snap.table, snap.rules, include_errors)  # included ones carry the tab's banner
    held, chosen = hold.held_lines(chosen), [i for i in chosen if not hold.held(i)]
    passwords = _passwords(snap, chosen, password_column, generate)
    lang = snap.table.language
    rules_sheet = snap.rules_sheet or "规则"
    settings = settings_from_grid(snap.rules_grid, rules_sheet)
    data = employee_data(snap.table, snap.rules, rules_sheet)
    folder.mkdir(parents=True, exist_ok=True)
    report = PackReport(folder, encrypted=passwords is not None, held=held)
    progress(f"building {len(chosen)} packs")
    built = []
    for i in chosen:
        e = data[i]
        spec = interview_sheet(e, settings, lang, name=_pack_tab(lang))
        built.append((i, build_pack(spec, _result_sheet(snap, i, lang), e.name),
                      folder / (pdf_name(f"{e.employee_id}-{e.name}")[:-4] + ".xlsx")))
    if pdf:
        progress("printing PDFs")
        report.pdfs = _pdfs(built, folder)
    if passwords is None:
        for _, data_, target in built:
            target.write_bytes(data_)
    else:
        progress(f"encrypting {len(built)} packs")
        jobs = [(data_, passwords[i], str(target)) for i, data_, target in built]
        _run_encryption(jobs, workers)
        if generate:
            report.passwords = _password_list(snap, built, passwords, folder)
    report.packs = [target for _, _, target in built]
    return report


def _pack_tab(lang: str) -> str:
    return "绩效反馈面谈" if lang == "zh" else "Feedback interview"


def _chosen(snap: Snapshot, only: Sequence[str] | None) -> list[int]:
    ids = [str(v) for v in snap.table.frame["employee_id"]]
    if not only:
        return [i for i, eid in enumerate(ids) if eid]
    unknown = [o for o in only if o not in ids]
    if unknown:
        raise DepartmentError(f"no employee with ID {', '.join(unknown)} in {snap.path.name}")
    wanted = set(only)
    return [i for i, eid in enumerate(ids) if eid in wanted]


def _passwords(snap: Snapshot, chosen: list[int], column: str | None, generate: bool) -> dict[int, str] | None:
    if generate:
        return {i: generate_password() for i in chosen}
    if not column:
        return None
    col = snap.header_column(column)
    if col is None:
        raise DepartmentError(f"no column headed {column!r} in the employee table")
    raw = snap.raw_column(col)
    blank = [snap.table.cell("employee_id", i) for i in chosen if is_blank(raw[i])]
    if blank:
        raise DepartmentError(f"{len(blank)} employees have no password in column {column!r} "
                              f"(first: the row of {blank[0]}); no pack was written")
    return {i: (str(int(raw[i])) if isinstance(raw[i], float) and raw[i].is_integer() else str(raw[i]))
            for i in chosen}


def _run_encryption(jobs: list[tuple[bytes, str, str]], workers: int | None) -> None:
    """Key derivation (100,000 SHA-512 rounds per file) dominates: spread it over the cores."""
    workers = workers or min(os.cpu_count() or 1, 8)
    if workers < 2 or len(jobs) < _PARALLEL_FROM:
        for job in jobs:
            _encrypt_to(job)
        return
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_encrypt_to, jobs, chunksize=max(1, len(jobs) // (workers * 4))))


def _password_list(snap: Snapshot, built: list, passwords: dict[int, str], folder: Path) -> Path:
    target = folder / "passwords.csv"
    names = snap.texts("name")
    with target.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["employee_id", "name", "file", "password"])
        for i, _, pack in built:
            writer.writerow([csv_safe(snap.table.frame["employee_id"].iat[i]), csv_safe(names[i]),
                             csv_safe(pack.name), csv_safe(passwords[i])])
    os.chmod(target, 0o600)
    return target


def _pdfs(built: list, folder: Path) -> list[Path]:
    """PDFs of the (unencrypted) packs in one LibreOffice run. A PDF carries no
    password: send it only through a channel that is itself private."""
    from .libreoffice import LibreOffice, LibreOfficeError
    with tempfile.TemporaryDirectory(prefix="perf-addin-packs-") as tmp, LibreOffice() as office:
        sources = []
        for _, data_, target in built:
            source = Path(tmp) / target.name
            source.write_bytes(data_)
            sources.append(source)
        results = office.convert(sources, "pdf", folder, recalc=False)
        failed = [r.error for r in results.values() if not r.ok]
        if failed:
            raise LibreOfficeError(failed[0])
        return [folder / (s.stem + ".pdf") for s in sources]


# ------------------------------------------------------------------ the job


@dataclass
class ShareReport:
    portable: PortableReport | None = None
    packs: PackReport | None = None


def share_workbook(path: str | Path, portable: str | Path | None = None, values: bool = False,
                   packs: str | Path | None = None, only: Sequence[str] | None = None,
                   password_column: str | None = None, generate: bool = False, pdf: bool = False,
                   progress: Progress = lambda step: None, include_errors: bool = False) -> ShareReport:
    """What ``perf-addin share`` and the ribbon's "Prepare for email" do."""
    if portable is None and packs is None:
        raise WorkbookError("say what to prepare: --portable OUT.xlsx and/or --packs DIR")
    report = ShareReport()
    if portable is not None:
        progress("writing the portable copy")
        report.portable = portable_copy(path, portable, values)
    if packs is not None:
        report.packs = write_packs(path, packs, only, password_column, generate, pdf, progress,
                                   include_errors=include_errors)
    return report
