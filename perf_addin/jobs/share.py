"""Preparing the workbook for email: a portable copy, per-employee packs, passwords.

* ``portable_copy`` – every ``PERF_*`` formula (which shows ``#NAME?`` where the
  add-in is missing) becomes the equivalent native formula from
  ``domain.formulas`` when its arguments are plain cell references and the
  workbook has a rules sheet, else its cached value (``values=True`` forces
  values everywhere). Written through the in-place writer to a new file, so
  every other part stays byte-identical. Cells of a shared-formula group get
  their own (translated) formula first, by the writer.
* ``write_packs`` – a NEW workbook per employee (``xlsx.fresh.new_workbook``),
  holding their interview tab with every formula replaced by its value (the
  formulas point at other people's rows) and a one-row result sheet. Nothing is
  copied from the department workbook, so no other employee's data can ride
  along in shared strings, names, cached values or document properties. The
  employee's own row includes their supervisor's name (it is on the form) and
  the facilitators named in the interview settings.
* The pack's tab carries what the employee's tab in the master holds: every
  filled input field (time and place from ``schedule``, remedies, signatures,
  objections already collected) goes into the regenerated form, with the
  master's remedy lines, so a pack that comes back (``collect``) adds to the
  master and never contradicts it. A tab of an unknown layout is refused,
  before any pack is written, rather than sent out blank.
* The PDF of a pack is printed from the interview tab alone: exactly one A4
  page (the result sheet is for reading on screen).
* ``encrypt`` – standard Office (agile, AES-256) encryption by msoffcrypto-tool;
  Excel and LibreOffice ask for the password.
* Passwords come from a column of the table (``password_column``) or are
  generated (``secrets``, 12 characters from an alphabet without look-alikes)
  and listed for HR in ``passwords.csv``. Every CSV cell that starts with
  ``= + - @`` (or a tab/CR) gets a leading apostrophe, so no spreadsheet reads
  it as a formula; in xlsx outputs text is always written as text.
* A pack an earlier run left in the folder for someone no longer in the table
  (their row of the password list, or a file named ``ID-name.xlsx``/``.pdf``
  whose ID is nobody's) is listed in the report (``PackReport.leftover``) as
  not sent – delete or keep – since a mass mailing of the folder would include
  it. Nothing is deleted: the pack may be someone's only copy, and its row's
  password still opens it when it comes back. The row is kept and its status
  column (``状态`` / ``Status``) says so; re-sending the employee clears it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from lxml import etree

from perf_addin.book.passwords import PASSWORD_HEADERS, PASSWORD_LIST, csv_safe, csv_text
from perf_addin.parallel import run_parallel
from perf_addin.domain import formulas as xf
from perf_addin.book.department import DepartmentError, held_back
from perf_addin.forms.interview_form import ITEM_KEYS, InterviewData, interview_sheet, parse_kind
from perf_addin.jobs.interviews import employee_data, existing_tabs, filled_fields, pdf_name
from perf_addin.book.session import DepartmentBook, opened
from perf_addin.book.snapshot import Snapshot, is_blank, snapshot_of
from perf_addin.xlsx import Cell, CellError, Formula, SheetSpec, Style, WorkbookError
from perf_addin.xlsx.fresh import new_workbook
from perf_addin.xlsx.refs import col_letter
from perf_addin.xlsx.xml import MAIN, q

Progress = Callable[[str], None]
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
PASSWORD_LENGTH = 12
PACK_HASH_COLUMN = "SHA-256"  # of the pack as written, to notice one changed since
#: the password list's last column: empty, or why a row's pack was not sent by the last run
STATUS_COLUMN = {"zh": "状态", "en": "Status"}
_PACK_NAME = re.compile(r"^[^-]+-.+\.(?:xlsx|pdf)$", re.IGNORECASE)
_PERF_CALL = re.compile(r"^(?:'[^']*'!|\[\d+\]!|[\w.]+!)?(PERF_[A-Z_]+)\((.*)\)$", re.IGNORECASE | re.DOTALL)
_PLAIN_REF = re.compile(r"^(?:(?:'[^']*'|[^\s'!(),]+)!)?\$?[A-Z]{1,3}\$?\d+$", re.IGNORECASE)
_PARALLEL_FROM = 40  # encrypting fewer files than this is faster in one process

#: what share says on the command line, in the workbook's language
MESSAGES: dict[str, dict[str, str]] = {
    "zh": {"portable": "便携副本 [bold]{path}[/]：{native} 个 PERF_* 公式改为原生公式，{values} 个改为其值",
           "packs": "个人文件包：[bold]{n}[/] 个，在 [bold]{folder}[/]（{how}）", "encrypted": "已加密",
           "not_encrypted": "[bold red]未加密[/]",
           "passwords": "给人事的密码清单：[bold]{path}[/]（仅您可读；用完请删除）",
           "pdfs": "PDF：{n} 个（PDF 不带密码）",
           "both": "--password-column 与 --generate-passwords 只能选一个", "what": "请说明要准备什么："
           "--portable OUT.xlsx 和/或 --packs DIR", "same_file": "便携副本必须是新文件，不能是工作簿本身",
           "unknown_id": "{name} 中没有工号为 {ids} 的员工", "no_column": "员工表中没有标题为 {column!r} 的列",
           "no_password": "{n} 名员工在 {column!r} 列中没有密码（第一位：{first}）；未写出任何文件包",
           "bad_tab": "{name} / {tab}：{error}；未写出任何文件包",
           "p_read": "读取工作簿", "p_build": "生成 {n} 个文件包", "p_pdf": "打印 PDF", "p_encrypt": "加密 {n} 个文件包",
           "p_portable": "写出便携副本",
           "held": "[red]因输入错误暂不发送[/]（不生成文件包；请改正单元格，或用 --include-errors）",
           "leftover": "[red]已不在员工表中[/]——本次未发送，请删除或保留（群发此文件夹前请先移走）",
           "leftover_line": "{eid} {name}：{files}", "leftover_listed": "；密码清单中已标注",
           "leftover_mark": "已不在员工表中：本次未发送（删除或保留）"},
    "en": {"portable": "Portable copy [bold]{path}[/]: {native} PERF_* formulas made native, {values} replaced "
                       "by their values",
           "packs": "Packs: [bold]{n}[/] in [bold]{folder}[/] ({how})", "encrypted": "encrypted",
           "not_encrypted": "[bold red]not encrypted[/]",
           "passwords": "Passwords for HR: [bold]{path}[/] (readable by you only; delete after use)",
           "pdfs": "PDFs: {n} (PDFs carry no password)",
           "both": "choose --password-column or --generate-passwords, not both",
           "what": "say what to prepare: --portable OUT.xlsx and/or --packs DIR",
           "same_file": "the portable copy must be a new file, not the workbook itself",
           "unknown_id": "no employee with ID {ids} in {name}",
           "no_column": "no column headed {column!r} in the employee table",
           "no_password": "{n} employees have no password in column {column!r} (first: the row of {first}); "
                          "no pack was written",
           "bad_tab": "{name} / {tab}: {error}; no pack was written",
           "p_read": "reading the workbook", "p_build": "building {n} packs", "p_pdf": "printing PDFs",
           "p_encrypt": "encrypting {n} packs", "p_portable": "writing the portable copy",
           "held": "[red]Held back for input errors[/] (no pack; fix the cell, or --include-errors)",
           "leftover": "[red]No longer in the table[/] – not sent by this run; delete or keep (move them out "
                       "before mailing the folder)",
           "leftover_line": "{eid} {name}: {files}", "leftover_listed": "; marked in the password list",
           "leftover_mark": "no longer in the table: not sent by this run (delete or keep)"},
}

#: keeping what an earlier share run left in the pack folder
KEEP_MESSAGES: dict[str, dict[str, str]] = {
    "zh": {"changed": "{file} 在上次生成后已被改动（可能是交回的已填文件）；未写出任何文件包。"
                      "请先把它移出该文件夹，再重新生成",
           "not_list": "{file}：不是 share 写出的密码清单（不是 UTF-8 文本）；未写出任何文件包"},
    "en": {"changed": "{file} was changed since share wrote it (a filled pack saved back?); no pack was "
                      "written. Move it out of the folder and run again",
           "not_list": "{file}: not a password list written by share (not UTF-8 text); no pack was written"},
}


# ------------------------------------------------------------------ text safety




# ------------------------------------------------------------------ portable copy


@dataclass
class PortableReport:
    path: Path
    native: list[str] = field(default_factory=list)  # cells now holding a native formula
    values: list[str] = field(default_factory=list)  # cells now holding the cached value


def portable_copy(path: str | Path | DepartmentBook, out: str | Path, values: bool = False) -> PortableReport:
    """Write ``out``: ``path`` with no ``PERF_*`` formula left (see module docstring)."""
    with opened(path) as session:
        return _portable_copy(session, Path(out), values)


def _portable_copy(session: DepartmentBook, out: Path, values: bool) -> PortableReport:
    if out.resolve() == session.path.resolve():
        raise WorkbookError(MESSAGES[_language(session)]["same_file"])
    report = PortableReport(out)
    rules = None
    with session.copy_writer() as book:  # the copy's edits never reach the workbook itself
        rules_sheet = session.rules_sheet
        if rules_sheet and not values:
            rules = session.rules
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
    #: packs in the folder of nobody in the table (written by an earlier run): not sent, not deleted
    leftover: list[Leftover] = field(default_factory=list)

    def leftover_lines(self, lang: str) -> list[str]:
        """One line per leftover employee, in ``lang``, for the command line."""
        m = MESSAGES[lang]
        return [m["leftover_line"].format(eid=x.employee_id, name=x.name, files=", ".join(p.name for p in x.files))
                + (m["leftover_listed"] if x.listed else "") for x in self.leftover]


@dataclass(frozen=True)
class Leftover:
    """An employee no longer in the table whose pack (or password-list row) an earlier
    run left in the folder. A mass mailing of the folder would send it, so share says
    so; it deletes nothing, since the pack or its password may still be needed (a
    pack that comes back late is opened with its row)."""

    employee_id: str
    name: str
    files: tuple[Path, ...]  # the pack and its PDF, those that exist
    listed: bool  # the password list has a row for it (marked in its status column)


@dataclass(frozen=True)
class MasterTab:
    """What an employee's interview tab in the master holds, for their pack."""

    tab: str
    remedies: tuple[str, ...]  # the tab's remedy lines
    kept: dict[str, Any]  # field id -> value, filled fields only


def master_tabs(path: Path | DepartmentBook, lang: str = "en") -> dict[str, MasterTab]:
    """Employee ID -> their interview tab in the master.

    Opening the master through the writer also applies its refusals (an old .xls,
    an encrypted or damaged file …) before any pack is built. A tab of a layout this
    version cannot read is refused: its pack would go out without what people
    filled in.
    """
    out: dict[str, MasterTab] = {}
    with opened(path) as reader:
        book = reader.writer
        for eid, tab in existing_tabs(book).items():
            kind = parse_kind(book.owner_kind(tab))
            try:
                kept = filled_fields(reader.grid(tab), kind.version, kind.remedies)
            except ValueError as exc:
                raise WorkbookError(MESSAGES[lang]["bad_tab"].format(name=reader.path.name, tab=tab,
                                                                     error=exc)) from None
            out[eid] = MasterTab(tab, kind.remedies, kept)
    return out


def pack_form(e: InterviewData, own: MasterTab | None, settings: Any, lang: str) -> SheetSpec:
    """The pack's interview tab: the form regenerated from the employee's row, with the
    master tab's remedy lines and everything filled in on it."""
    kept: dict[str, Any] = {}
    if own is not None:
        e = replace(e, keep_remedies=frozenset(own.remedies) & frozenset(ITEM_KEYS))
        kept = own.kept
    return interview_sheet(e, settings, lang, name=_pack_tab(lang), kept=kept)


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


@dataclass(frozen=True)
class _Built:
    row: int
    data: bytes
    target: Path
    form: SheetSpec


def write_packs(path: str | Path | DepartmentBook, folder: str | Path, only: Sequence[str] | None = None,
                password_column: str | None = None, generate: bool = False, pdf: bool = False,
                progress: Progress = lambda step: None, workers: int | None = None,
                include_errors: bool = False) -> PackReport:
    """One pack per employee (or per ``only`` ID) in ``folder``; see the module docstring."""
    with opened(path) as session:
        return _write_packs(session, Path(folder), only, password_column, generate, pdf, progress, workers,
                            include_errors)


def _write_packs(session: DepartmentBook, folder: Path, only: Sequence[str] | None, password_column: str | None,
                 generate: bool, pdf: bool, progress: Progress, workers: int | None,
                 include_errors: bool) -> PackReport:
    if password_column and generate:
        raise WorkbookError(MESSAGES[_language(session)]["both"])
    progress(f"{session.path.name} …")
    session.writer  # noqa: B018 - the writer's refusals first, before anything else is read
    snap = snapshot_of(session)
    lang = snap.table.language
    tabs = master_tabs(session, lang)
    chosen = _chosen(snap, only)
    hold = held_back(snap.table, snap.rules, include_errors)  # included ones carry the tab's banner
    held, chosen = hold.held_lines(chosen), [i for i in chosen if not hold.held(i)]
    passwords = _passwords(snap, chosen, password_column, generate)
    listed = _listed(folder / PASSWORD_LIST, lang)
    if passwords is not None and generate:  # a re-sent pack opens with the password HR already has
        passwords.update(_listed_passwords(snap, chosen, listed))
    rules_sheet = snap.rules_sheet or "规则"
    settings = session.settings
    data = employee_data(snap.table, snap.rules, rules_sheet)
    folder.mkdir(parents=True, exist_ok=True)
    report = PackReport(folder, encrypted=passwords is not None, held=held)
    progress(MESSAGES[lang]["p_build"].format(n=len(chosen)))
    built = []
    for i in chosen:
        e = data[i]
        form = _values_only(pack_form(e, tabs.get(e.employee_id), settings, lang))
        built.append(_Built(i, new_workbook([form, _result_sheet(snap, i, lang)], title=e.name),
                            folder / (pdf_name(f"{e.employee_id}-{e.name}")[:-4] + ".xlsx"), form))
    _refuse_changed_packs(built, listed, lang)
    report.leftover = leftover_packs(folder, snap.texts("employee_id"), listed, {b.target for b in built})
    if pdf:
        progress(MESSAGES[lang]["p_pdf"])
        report.pdfs = _pdfs(built, folder)
    if passwords is None:
        for b in built:
            b.target.write_bytes(b.data)
    else:
        progress(MESSAGES[lang]["p_encrypt"].format(n=len(built)))
        _run_encryption([(b.data, passwords[b.row], str(b.target)) for b in built], workers)
        if generate:
            report.passwords = _password_list(snap, built, passwords, folder, listed, report.leftover)
    report.packs = [b.target for b in built]
    return report


def leftover_packs(folder: Path, ids: Sequence[str], listed: list[list[str]], written: set[Path]) -> list[Leftover]:
    """The packs in ``folder`` of employees not in the table: those the password list
    names, and files named like a pack (``ID-name.xlsx`` / ``.pdf``) whose ID is nobody's."""
    current = {str(i) for i in ids if str(i)}
    out: dict[str, Leftover] = {}
    for eid, name, file, *_ in listed:
        if eid not in current:
            pack = folder / file
            files = tuple(p for p in (pack, pack.with_suffix(".pdf")) if p.is_file())
            out[eid] = Leftover(eid, name, files, True)
    named = {p for x in out.values() for p in x.files}
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        if not _PACK_NAME.match(path.name) or path in written or path in named or not path.is_file():
            continue
        prefixes = [path.name[:i] for i, ch in enumerate(path.name) if ch == "-"]
        if any(p in current for p in prefixes):  # an employee's (an ID may hold a hyphen)
            continue
        eid = prefixes[0]
        before = out.get(eid, Leftover(eid, path.stem[len(eid) + 1:], (), False))
        out[eid] = replace(before, files=(*before.files, path))
    return list(out.values())


def _pack_tab(lang: str) -> str:
    return "绩效反馈面谈" if lang == "zh" else "Feedback interview"


def _chosen(snap: Snapshot, only: Sequence[str] | None) -> list[int]:
    ids = [str(v) for v in snap.table.frame["employee_id"]]
    if not only:
        return [i for i, eid in enumerate(ids) if eid]
    unknown = [o for o in only if o not in ids]
    if unknown:
        raise DepartmentError(MESSAGES[snap.table.language]["unknown_id"].format(ids=", ".join(unknown),
                                                                                 name=snap.path.name))
    wanted = set(only)
    return [i for i, eid in enumerate(ids) if eid in wanted]


def _passwords(snap: Snapshot, chosen: list[int], column: str | None, generate: bool) -> dict[int, str] | None:
    if generate:
        return {i: generate_password() for i in chosen}
    if not column:
        return None
    col = snap.header_column(column)
    if col is None:
        raise DepartmentError(MESSAGES[snap.table.language]["no_column"].format(column=column))
    raw = snap.raw_column(col)
    blank = [snap.table.cell("employee_id", i) for i in chosen if is_blank(raw[i])]
    if blank:
        raise DepartmentError(MESSAGES[snap.table.language]["no_password"].format(n=len(blank), column=column,
                                                                                  first=blank[0]))
    return {i: (str(int(raw[i])) if isinstance(raw[i], float) and raw[i].is_integer() else str(raw[i]))
            for i in chosen}


def _run_encryption(jobs: list[tuple[bytes, str, str]], workers: int | None) -> None:
    """Key derivation (100,000 SHA-512 rounds per file) dominates: spread it over the cores."""
    run_parallel(_encrypt_to, jobs, workers, _PARALLEL_FROM)




def _password_list(snap: Snapshot, built: list[_Built], passwords: dict[int, str], folder: Path,
                   listed: list[list[str]], leftover: Sequence[Leftover] = ()) -> Path:
    """Write the list: the earlier rows kept (a re-sent employee's row updated in
    place), new employees added; each row ends with its pack's SHA-256 and a status,
    which says of an employee no longer in the table that their pack was not sent
    (the row stays: the password opens a pack that still comes back)."""
    target = folder / PASSWORD_LIST
    lang = snap.table.language
    names = snap.texts("name")
    gone = {x.employee_id for x in leftover if x.listed}
    rows = {r[0]: [csv_safe(c) for c in r[:5]] + [MESSAGES[lang]["leftover_mark"] if r[0] in gone else ""]
            for r in listed}
    for b in built:
        eid = str(snap.table.frame["employee_id"].iat[b.row])
        rows[eid] = [csv_safe(eid), csv_safe(names[b.row]), csv_safe(b.target.name),
                     csv_safe(passwords[b.row]), _sha256(b.target), ""]
    with target.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*PASSWORD_HEADERS[lang], PACK_HASH_COLUMN, STATUS_COLUMN[lang]])
        writer.writerows(rows.values())
    os.chmod(target, 0o600)
    return target


def _listed(path: Path, lang: str) -> list[list[str]]:
    """The rows of an earlier password list (by position: ID, name, file, password,
    SHA-256; any header), padded to five cells; none when there is no list."""
    if not path.is_file():
        return []
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))[1:]
    except UnicodeDecodeError:
        raise WorkbookError(KEEP_MESSAGES[lang]["not_list"].format(file=path)) from None
    cells = [[csv_text(c) for c in (r + [""] * 5)[:5]] for r in rows if r and r[0].strip()]
    return cells


def _listed_passwords(snap: Snapshot, chosen: list[int], listed: list[list[str]]) -> dict[int, str]:
    known = {r[0]: r[3] for r in listed if r[3]}
    ids = snap.table.frame["employee_id"]
    return {i: known[str(ids.iat[i])] for i in chosen if str(ids.iat[i]) in known}


def _refuse_changed_packs(built: list[_Built], listed: list[list[str]], lang: str) -> None:
    """A pack changed since share wrote it (a filled one saved back into the folder,
    say) is a person's work: refuse before writing rather than replace it by a blank."""
    recorded = {r[2]: r[4] for r in listed if r[4]}
    for b in built:
        want = recorded.get(b.target.name)
        if want and b.target.is_file() and _sha256(b.target) != want:
            raise WorkbookError(KEEP_MESSAGES[lang]["changed"].format(file=b.target))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()






def _pdfs(built: list[_Built], folder: Path) -> list[Path]:
    """One-page PDFs of the packs' interview tabs, printed in one LibreOffice run from
    files holding that tab alone. A PDF carries no password: send it only through a
    channel that is itself private."""
    from perf_addin.engines.libreoffice import LibreOffice, LibreOfficeError, pdf_page_count
    with tempfile.TemporaryDirectory(prefix="perf-addin-packs-") as tmp, LibreOffice() as office:
        sources = []
        for b in built:
            source = Path(tmp) / b.target.name
            source.write_bytes(new_workbook([b.form], title=b.target.stem))
            sources.append(source)
        results = office.convert(sources, "pdf", folder, recalc=False)
        failed = [r.error for r in results.values() if not r.ok]
        if failed:
            raise LibreOfficeError(failed[0])
        pdfs = [folder / (s.stem + ".pdf") for s in sources]
        for pdf in pdfs:
            if pdf_page_count(pdf) != 1:
                raise LibreOfficeError(f"{pdf.name}: the interview tab printed to {pdf_page_count(pdf)} pages, "
                                       "not one")
        return pdfs


# ------------------------------------------------------------------ the job


@dataclass
class ShareReport:
    portable: PortableReport | None = None
    packs: PackReport | None = None
    language: str = "en"  # the workbook's, for what the CLI says


def share_workbook(path: str | Path, portable: str | Path | None = None, values: bool = False,
                   packs: str | Path | None = None, only: Sequence[str] | None = None,
                   password_column: str | None = None, generate: bool = False, pdf: bool = False,
                   progress: Progress = lambda step: None, include_errors: bool = False) -> ShareReport:
    """What ``perf-addin share`` and the ribbon's "Prepare for email" do."""
    with opened(path) as session:
        return share_book(session, portable, values, packs, only, password_column, generate, pdf, progress,
                          include_errors)


def share_book(session: DepartmentBook, portable: str | Path | None = None, values: bool = False,
               packs: str | Path | None = None, only: Sequence[str] | None = None,
               password_column: str | None = None, generate: bool = False, pdf: bool = False,
               progress: Progress = lambda step: None, include_errors: bool = False) -> ShareReport:
    """``share_workbook`` on a workbook a command has open (read once; the workbook
    itself is not written)."""
    if portable is None and packs is None:
        raise WorkbookError(MESSAGES[_language(session)]["what"])
    session.writer  # noqa: B018 - the writer's refusals (an old .xls, encrypted, damaged …) come first
    report = ShareReport(language=_language(session))
    if portable is not None:
        progress(MESSAGES[report.language]["p_portable"])
        report.portable = portable_copy(session, portable, values)
    if packs is not None:
        report.packs = write_packs(session, packs, only, password_column, generate, pdf, progress,
                                   include_errors=include_errors)
    return report


def _language(book: DepartmentBook) -> str:
    """The workbook's language; English for a workbook without an employee table."""
    from perf_addin.errors import UserError
    try:
        return book.language
    except UserError:
        return "en"
