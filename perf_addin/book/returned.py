"""Opening the copies that come back: password lists, decryption, the writer's refusals.

A returned file is read as it is, or – when it is a password-encrypted Office
package, as msoffcrypto (which decrypts it) tells – from a decrypted temporary
copy. Its password comes from the list ``share --generate-passwords`` wrote
(``passwords.csv`` beside the returned file, or the lists given), found by the
pack's file name, else by the employee ID its name starts with; else the one
password given. Everything else – an old .xls, a damaged package, not a
workbook – is left to the writer's checks (``Workbook.open``), so every command
refuses a file in the same words. Decryption is half a second of key derivation
per pack, so it runs over the cores.

A file that cannot be read becomes an ``UnreadableFile`` with the reason in the
workbook's language; the caller lists it and goes on with the others.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from perf_addin.errors import UserError
from perf_addin.book.passwords import PASSWORD_LIST, read_password_list
from perf_addin.parallel import run_parallel
from perf_addin.xlsx.package import CFB_MAGIC

TEXTS: dict[str, dict[str, str]] = {
    "zh": {"no_password": "已加密，但没有它的密码（{where}中没有此文件，也未给 --password）",
           "wrong_password": "已加密，{where}中的密码打不开它（文件可能已用其他密码保存）",
           "not_office": "无法解密（{error}）", "list": "密码清单 {name}", "given": "--password",
           "no_list": "已加密，但没有找到密码清单（{folder} 中没有 passwords.csv），也未给 --password："
                      "请用 --passwords FILE 指定 share 写出的清单"},
    "en": {"no_password": "encrypted, and no password for it (not in {where}, and no --password given)",
           "wrong_password": "encrypted, and the password from {where} does not open it (saved with another "
                             "password?)",
           "not_office": "cannot be decrypted ({error})", "list": "the password list {name}",
           "given": "--password",
           "no_list": "encrypted, and no password list was found (no passwords.csv in {folder}) nor "
                      "--password given: give the list share wrote with --passwords FILE"},
}


class UnreadableFile(UserError):
    """One returned file could not be read; the run goes on with the others."""


@dataclass
class Passwords:
    """Where the password of an encrypted returned file comes from: the lists ``share``
    wrote (``lists``, read at once so a bad one stops the run before anything is
    merged; when none is given, the ``passwords.csv`` beside each file), else ``single``."""

    lists: Sequence[Path] = ()
    single: str | None = None
    _read: dict[Path, dict[str, dict[str, str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for given in self.lists:
            self._read[given] = read_password_list(given)

    def _rows(self, path: Path) -> tuple[str, bool, dict[str, tuple[str, ...]]]:
        """(name of the list that applies to ``path``, whether there is one, its rows by
        file name as (employee ID, name, file, password))."""
        lists = list(self.lists) or [p for p in (path.parent / PASSWORD_LIST,) if p.is_file()]
        rows: dict[str, tuple[str, ...]] = {}
        for candidate in lists:
            if candidate not in self._read:
                self._read[candidate] = read_password_list(candidate)
            rows.update({file: (*row.values(), "", "", "", "")[:4] for file, row in self._read[candidate].items()})
        return (lists[0].name if lists else PASSWORD_LIST), bool(lists), rows

    def lookup(self, path: Path, lang: str) -> tuple[list[str], str]:
        """(passwords to try, in order, and where they came from – "" when no list was
        found) for ``path``. A pack is found by its file name, else by the employee ID its
        (renamed) name starts with; a pack renamed past both ("何秀英-已填.xlsx") gets the
        passwords of the employees whose name its file name holds, then all the others
        (a list holds a department: a few key derivations). Rows are read by position
        (employee ID, name, file, password), whatever the header says."""
        m = TEXTS[lang]
        source, found, rows = self._rows(path)
        where = m["list"].format(name=source) if found else ""
        by_name = rows.get(path.name)
        by_id = next((r for r in rows.values() if r[0] and path.name.startswith(r[0] + "-")), None)
        exact = by_name or by_id
        if exact is not None and exact[3]:
            tries = [exact[3]]
        else:
            named = [r[3] for r in rows.values() if r[1] and r[1] in path.stem]
            tries = list(dict.fromkeys(p for p in (*named, *(r[3] for r in rows.values())) if p))
        if self.single and self.single not in tries:
            tries.append(self.single)
        return tries, (where if tries != [self.single] else m["given"])  # "": no list at all


#: what a returned copy may have been saved as: every one is read or listed as unreadable
#: (an .xls, .xlsb or .ods gets the writer's refusal), never skipped without a word
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def returned_files(paths: Sequence[str | Path]) -> list[Path]:
    """The files to collect: each path given, a folder standing for the workbooks in it
    (``share``'s pack folder, say, which also holds PDFs and the password list; Excel's
    ``~$`` lock files are not copies)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.suffix.lower() in WORKBOOK_SUFFIXES
                          and not f.name.startswith("~$") and f.is_file())
        else:
            out.append(p)
    return out


def encrypted_package(path: Path) -> bool:
    """A password-encrypted Office package (what ``share`` and Excel's "Encrypt with
    Password" write), as msoffcrypto, which decrypts it, tells. Any other file – an old
    .xls among them – is left to the writer's checks, so it gets their message."""
    import msoffcrypto
    from msoffcrypto.format.ooxml import OOXMLFile
    with path.open("rb") as handle:
        if handle.read(len(CFB_MAGIC)) != CFB_MAGIC:
            return False
        handle.seek(0)
        try:
            office = msoffcrypto.OfficeFile(handle)
            return isinstance(office, OOXMLFile) and office.is_encrypted()
        except Exception:  # msoffcrypto raises several types for what it cannot parse
            return False


def readable_copies(files: Sequence[Path], keys: Passwords, lang: str, tmp: Path,
                    workers: int | None = None) -> dict[Path, Path | UnreadableFile]:
    """Each returned file -> what to read: the file itself, its decrypted copy in
    ``tmp``, or why it cannot be read. Decryption (half a second of key derivation per
    pack) runs over the cores."""
    m = TEXTS[lang]
    out: dict[Path, Path | UnreadableFile] = {}
    jobs: list[tuple[Path, list[str], str, Path]] = []  # file, passwords, where they came from, decrypted copy
    for n, path in enumerate(files):
        if not path.is_file() or not encrypted_package(path):
            out[path] = path  # the writer's checks decide (no such file, .xls, not a workbook …)
            continue
        passwords, where = keys.lookup(path, lang)
        if not passwords:
            out[path] = UnreadableFile(m["no_password"].format(where=where) if where
                                       else m["no_list"].format(folder=path.parent.name or "."))
            continue
        out[path] = tmp / f"{n}-{path.stem}.xlsx"
        jobs.append((path, passwords, where, out[path]))
    results = run_parallel(decrypt_to, [(str(p), pw, str(t)) for p, pw, _, t in jobs], workers)
    for (path, _, where, _), error in zip(jobs, results):
        if error == "wrong":
            out[path] = UnreadableFile(m["wrong_password"].format(where=where))
        elif error is not None:
            out[path] = UnreadableFile(m["not_office"].format(error=error))
    return out


def decrypt_to(job: tuple[str, Sequence[str], str]) -> str | None:
    """Decrypt ``source`` with the first of ``passwords`` that opens it into ``target``;
    None, "wrong" (no password did), or the name of the error. Module-level, so it runs
    in another process."""
    import msoffcrypto
    from msoffcrypto.exceptions import InvalidKeyError
    source, passwords, target = job
    for password in passwords:
        out = io.BytesIO()
        try:
            with open(source, "rb") as handle:
                office = msoffcrypto.OfficeFile(handle)
                office.load_key(password=password, verify_password=True)
                office.decrypt(out)
        except InvalidKeyError:
            continue
        except Exception as exc:  # msoffcrypto raises several types for damaged files
            return type(exc).__name__
        Path(target).write_bytes(out.getvalue())
        return None
    return "wrong"


__all__ = ["Passwords", "UnreadableFile", "decrypt_to", "encrypted_package", "readable_copies", "returned_files"]
