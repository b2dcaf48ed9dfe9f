"""The password list (``passwords.csv``) share writes for HR and collect reads back.

HR opens the list in a spreadsheet, so its header is in the workbook's language and
no cell can run as a formula (``csv_safe``); collect reads a list in either
language, and the internal keys an earlier version wrote.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from perf_addin.xlsx import WorkbookError

PASSWORD_LIST = "passwords.csv"
PASSWORD_COLUMNS = ("employee_id", "name", "file", "password")
PASSWORD_HEADERS = {"zh": ("工号", "姓名", "文件", "密码"), "en": ("Employee ID", "Name", "File", "Password")}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> str:
    """A cell for a CSV file that no spreadsheet will read as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(cell: str) -> str:
    """The text ``csv_safe`` wrote, with its protective apostrophe taken off again."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def read_password_list(path: str | Path) -> dict[str, dict[str, str]]:
    """The list ``share`` wrote: pack file name -> its row (employee_id, name, password).

    Refuses a file that is not such a list, naming it and what is missing."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    except UnicodeDecodeError:
        raise WorkbookError(f"{path.name}: not a password list written by share (not UTF-8 text)",
                            zh=f"{path.name}：不是 share 写出的密码清单（不是 UTF-8 文本）") from None
    if not rows:
        return {}
    columns = _password_columns(list(rows[0]))
    if columns is None:
        wanted = " / ".join(",".join(h) for h in PASSWORD_HEADERS.values())
        raise WorkbookError(f"{path.name}: not a password list written by share (header: {wanted})",
                            zh=f"{path.name}：不是 share 写出的密码清单（表头应为：{wanted}）")
    keyed = [{k: csv_text(r[c] or "") for k, c in columns.items()} for r in rows]
    return {r["file"]: r for r in keyed}


def _password_columns(header: list[str]) -> dict[str, str] | None:
    """Internal key -> header text of a password list, whichever language (or the
    internal keys of an earlier version) its header uses; None when it is not one."""
    for names in (*PASSWORD_HEADERS.values(), PASSWORD_COLUMNS):
        if set(names) <= set(header):
            return dict(zip(PASSWORD_COLUMNS, names))
    return None
