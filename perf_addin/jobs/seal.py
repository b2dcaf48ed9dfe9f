"""Finance's seal: a keyed signature over each employee's bonus-relevant values.

``seal_workbook`` stores, per employee, HMAC-SHA256(key, canonical values) in a
hidden sheet this tool owns (``_perf_seal``); ``check_seal`` recomputes them and
names every row whose values changed since. The workbook travels (HR → managers →
employees → finance), so the signature is what tells finance that nobody changed
a target or a multiplier on the way.

Decisions:

* **The key never enters the workbook.** It comes from ``--key-file`` or the
  environment variable ``PERF_ADDIN_SEAL_KEY`` (at least 16 bytes; trailing
  whitespace of a key file is ignored). The seal sheet stores only a *key check* –
  the HMAC of a fixed text – so a wrong key is told apart from tampered rows
  (with a wrong key every row would look tampered; instead it is one clear message).
* **What is signed** (``SEALED_FIELDS``): employee ID, the five score inputs, base
  bonus, the multiplier and bonus as the workbook shows them (cached values), and
  the manual-override multiplier and reason. Names, departments and interview notes
  are not bonus-relevant and may change freely.
* **Canonical serialisation**: a JSON array, one entry per field, numbers as the
  shortest text that reads back as the same double (``3100``, ``1.1``), text
  stripped, blank as ``null`` – so a number typed as text ("3,100") that scoring
  later converts to 3100 is the same value, and a re-save by Excel (which keeps
  the same doubles) changes nothing.
* **Which field changed.** Besides the row's signature, each field gets a short
  tag (the first 8 hex digits of an HMAC over the ID, the field and its value),
  so a changed row is reported with the fields that changed ("实际盈利"), in the
  workbook's language. The row signature stays the proof; a tag only names the
  field, and without the key it reveals nothing. Seals written before tags
  existed (``v1``) still verify; their changed rows name no field.
* The seal sheet's labels are in the workbook's language; it is read by
  position, never by label.
* Rows are matched by employee ID (the n-th occurrence of a duplicated ID with the
  n-th signature of that ID); rows added or removed since sealing are reported too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from perf_addin.labels import label as field_label
from perf_addin.errors import UserError
from perf_addin.book.session import DepartmentBook, open_book
from perf_addin.book.snapshot import Snapshot, canon, field_values, is_blank, snapshot_of
from perf_addin.book.source import BookSource
from perf_addin.xlsx import Cell, SheetSpec, Style, Workbook, WorkbookError
from perf_addin.xlsx.values import number_text

SEAL_SHEET = "_perf_seal"
SEAL_KIND = "seal"
ENV_KEY = "PERF_ADDIN_SEAL_KEY"
MIN_KEY_BYTES = 16
VERSION = "perf-addin seal v2"
READABLE_VERSIONS = ("perf-addin seal v1", VERSION)
TAG_HEX = 8
SEALED_FIELDS = ("employee_id", "profit_actual", "profit_target", "tasks_done", "tasks_target",
                 "rating", "base_bonus", "multiplier", "bonus", "manual_multiplier", "override_reason")
_KEY_CHECK_TEXT = b"perf-addin seal key check v1"
_FIRST_ROW = 8  # signatures start here on the seal sheet


class SealError(UserError, ValueError):
    """No usable key, or a seal sheet this version cannot read."""


# ------------------------------------------------------------------ the key


#: the key's refusals, in the workbook's language
KEY_TEXTS = {
    "zh": {"no_file": "找不到封存密钥文件 {path}", "file": "密钥文件 {name}",
           "none": "没有封存密钥：请用 --key-file FILE 指定，或设置 {env}",
           "short": "{where}中的封存密钥短于 {n} 字节", "exists": "{path} 已存在；密钥文件从不覆盖"},
    "en": {"no_file": "seal key file {path} not found", "file": "key file {name}",
           "none": "no seal key: give --key-file FILE or set {env}",
           "short": "the seal key in {where} is shorter than {n} bytes",
           "exists": "{path} exists; a key file is never overwritten"},
}


def load_key(key_file: str | Path | None = None, lang: str = "en") -> bytes:
    """The key from ``key_file``, else from ``$PERF_ADDIN_SEAL_KEY``."""
    t = KEY_TEXTS[lang]
    if key_file is not None:
        path = Path(key_file)
        if not path.is_file():
            raise SealError(t["no_file"].format(path=path))
        key = path.read_bytes().rstrip()
        where = t["file"].format(name=path.name)
    elif os.environ.get(ENV_KEY):
        key = os.environ[ENV_KEY].strip().encode("utf-8")
        where = f"${ENV_KEY}"
    else:
        raise SealError(t["none"].format(env=ENV_KEY))
    if len(key) < MIN_KEY_BYTES:
        raise SealError(t["short"].format(where=where, n=MIN_KEY_BYTES))
    return key


def create_key_file(path: str | Path, lang: str = "en") -> Path:
    """A new random key (256 bits, hex) readable only by its owner; never overwrites."""
    path = Path(path)
    if path.exists():
        raise SealError(KEY_TEXTS[lang]["exists"].format(path=path))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32) + "\n")
    return path


def key_check(key: bytes) -> str:
    """Identifies the key without revealing it (an HMAC of a fixed text)."""
    return hmac.new(key, _KEY_CHECK_TEXT, hashlib.sha256).hexdigest()[:32]


# ------------------------------------------------------------------ signing


def canonical(values: list[Any]) -> bytes:
    """The bytes that are signed for one employee (see the module docstring)."""
    return _encoded([canon(v) for v in values])


def _encoded(canonical_values: list[Any]) -> bytes:
    return json.dumps(canonical_values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sealed_values(snap: Snapshot) -> list[list[Any]]:
    return field_values(snap, SEALED_FIELDS)


def _canonical_rows(snap: Snapshot) -> list[list[Any]]:
    return [[canon(v) for v in row] for row in sealed_values(snap)]


def signatures(snap: Snapshot, key: bytes, rows: list[list[Any]] | None = None) -> list[str]:
    """One HMAC per employee; ``rows`` are the canonical values when already computed."""
    rows = _canonical_rows(snap) if rows is None else rows
    return [hmac.digest(key, _encoded(v), "sha256").hex() for v in rows]


def row_tags(key: bytes, canonical_values: list[Any]) -> tuple[str, ...]:
    """One short tag per sealed field of one employee, from its canonical values
    (see the module docstring): HMAC over the ID, the field's name and its value."""
    head = f"{canonical_values[0]!r}|"
    return tuple(hmac.digest(key, f"{head}{name}|{v!r}".encode("utf-8"), "sha256").hex()[:TAG_HEX]
                 for name, v in zip(SEALED_FIELDS, canonical_values))


# ------------------------------------------------------------------ storing


@dataclass(frozen=True)
class StoredSeal:
    key_check: str
    sealed_at: str
    rows: list[tuple[str, str]]  # (employee ID, signature) in table order
    tags: list[tuple[str, ...]] = field(default_factory=list)  # per row, one per field; empty for v1


SHEET_TEXTS = {
    "zh": ("算法", "密钥校验", "封存时间", "字段", "说明", "财务保管密钥；本表不含密钥，也不含任何金额",
           "工号", "签名", "字段校验"),
    "en": ("algorithm", "key check", "sealed at", "fields", "note",
           "finance holds the key; this sheet holds no key and no amounts", "employee ID", "signature",
           "field tags"),
}


def seal_sheet(seal: StoredSeal, lang: str = "en") -> SheetSpec:
    bold = Style(bold=True)
    alg, check, at, fields, note, note_text, eid_head, sig_head, tag_head = SHEET_TEXTS[lang]
    sep = "、" if lang == "zh" else ", "
    cells: dict[str, Any] = {
        "A1": Cell(VERSION, bold),
        "A2": alg, "B2": "HMAC-SHA256",
        "A3": check, "B3": seal.key_check,
        "A4": at, "B4": seal.sealed_at,
        "A5": fields, "B5": sep.join(field_label(f, lang) for f in SEALED_FIELDS),
        "A6": note, "B6": note_text,
        "A7": Cell(eid_head, bold), "B7": Cell(sig_head, bold), "C7": Cell(tag_head, bold),
    }
    for i, (eid, sig) in enumerate(seal.rows):
        cells[f"A{_FIRST_ROW + i}"] = eid
        cells[f"B{_FIRST_ROW + i}"] = sig
        if i < len(seal.tags):
            cells[f"C{_FIRST_ROW + i}"] = " ".join(seal.tags[i])
    return SheetSpec(SEAL_SHEET, cells=cells, col_widths={1: 14, 2: 70, 3: 100}, kind=SEAL_KIND)


def read_seal(path: str | Path) -> StoredSeal | None:
    """The seal stored in the workbook, or None when it was never sealed."""
    with BookSource.open(path) as book:
        return seal_of(book)


def seal_of(book: BookSource) -> StoredSeal | None:
    """``read_seal`` of a workbook already read."""
    grid = book.grid(SEAL_SHEET)
    if grid is None:
        return None
    path = book.path
    cell = lambda r, c: grid[r][c] if r < len(grid) and c < len(grid[r]) else None  # noqa: E731
    if cell(0, 0) not in READABLE_VERSIONS:
        raise SealError(f"{Path(path).name}: the seal sheet is not a {VERSION!r} seal")
    rows, tags = [], []
    for r in range(_FIRST_ROW - 1, len(grid)):
        eid, sig = cell(r, 0), cell(r, 1)
        if is_blank(eid) and is_blank(sig):
            continue
        eid = number_text(eid) if isinstance(eid, float) else str(eid)
        rows.append((eid, str(sig or "")))
        tags.append(tuple(str(cell(r, 2) or "").split()))
    return StoredSeal(str(cell(2, 1) or ""), str(cell(3, 1) or ""), rows, tags)


@dataclass
class SealReport:
    path: Path
    employees: int
    backup: Path | None = None


def check_sealable(path: str | Path | DepartmentBook) -> None:
    """``seal_workbook``'s refusals alone: run before a new key file is written, so a
    refused seal leaves nothing behind."""
    if isinstance(path, DepartmentBook):
        _refuse_unsealable(path.writer, path.path)
        return
    with Workbook.open(path) as book:
        _refuse_unsealable(book, Path(path))


def _refuse_unsealable(book: Workbook, path: Path) -> None:
    book.check_writable()
    if SEAL_SHEET in book.sheet_names and book.owner_kind(SEAL_SHEET) != SEAL_KIND:
        raise WorkbookError(f"{path.name}: a sheet named {SEAL_SHEET} exists and was not made "
                            "by perf-addin")


def seal_workbook(path: str | Path, key: bytes, now: dt.datetime | None = None) -> SealReport:
    """Sign every employee's bonus-relevant values and store the signatures."""
    with open_book(path) as book:
        return seal_book(book, key, now)


def seal_book(session: DepartmentBook, key: bytes, now: dt.datetime | None = None) -> SealReport:
    """``seal_workbook`` on a workbook a command has open (read once, saved once)."""
    book = session.writer
    _refuse_unsealable(book, session.path)
    snap = snapshot_of(session)
    ids = [str(i) for i in snap.table.frame["employee_id"]]
    stamp = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0).isoformat()
    values = _canonical_rows(snap)
    seal = StoredSeal(key_check(key), stamp, list(zip(ids, signatures(snap, key, values))),
                      [row_tags(key, v) for v in values])
    book.add_sheet(seal_sheet(seal, snap.table.language), replace=True)
    book.set_sheet_state(SEAL_SHEET, "hidden")
    backup = session.save()
    return SealReport(session.path, len(ids), backup)


# ------------------------------------------------------------------ checking


@dataclass
class SealCheck:
    """The outcome of checking a seal; ``ok`` only when every row verified."""

    sealed_at: str = ""
    status: str = "ok"  # ok, unsealed, no key, wrong key
    changed: list[tuple[str, int]] = field(default_factory=list)  # (employee ID, table index)
    added: list[tuple[str, int]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: table index of a changed row -> the sealed fields whose values changed
    #: (internal names; ``labels.label`` says them); empty when the seal has no tags
    fields: dict[int, tuple[str, ...]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok" and not (self.changed or self.added or self.removed)

    @property
    def problems(self) -> bool:
        """Something finance must look at (an unsealed workbook is not a problem)."""
        return self.status in ("no key", "wrong key") or bool(self.changed or self.added or self.removed)


def check_seal(snap: Snapshot, stored: StoredSeal | None, key: bytes | None) -> SealCheck:
    """Compare the stored signatures with the workbook's values now."""
    if stored is None:
        return SealCheck(status="unsealed")
    if key is None:
        return SealCheck(stored.sealed_at, "no key")
    if not hmac.compare_digest(key_check(key), stored.key_check):
        return SealCheck(stored.sealed_at, "wrong key")
    check = SealCheck(stored.sealed_at)
    pending: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    tags = stored.tags or [()] * len(stored.rows)
    for (eid, sig), stored_tags in zip(stored.rows, tags):
        pending.setdefault(eid, []).append((sig, stored_tags))
    ids = [str(i) for i in snap.table.frame["employee_id"]]
    values = _canonical_rows(snap)
    for i, (eid, sig) in enumerate(zip(ids, signatures(snap, key, values))):
        queue = pending.get(eid)
        if not queue:
            check.added.append((eid, i))
            continue
        old_sig, old_tags = queue.pop(0)
        if not hmac.compare_digest(old_sig, sig):
            check.changed.append((eid, i))
            if len(old_tags) == len(SEALED_FIELDS):
                now = row_tags(key, values[i])
                check.fields[i] = tuple(name for name, a, b in zip(SEALED_FIELDS, old_tags, now)
                                        if not hmac.compare_digest(a, b))
    check.removed = [eid for eid, left in pending.items() for _ in left]
    return check
