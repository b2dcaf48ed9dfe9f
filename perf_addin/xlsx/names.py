"""Sheet names and defined names: what Excel accepts, checked before writing."""

from __future__ import annotations

import re

from .errors import WorkbookError

MAX_SHEET_NAME = 31
FORBIDDEN = set('[]:*?/\\')
RESERVED = {"history"}


def sheet_name_problem(name: str, existing: list[str] | tuple[str, ...] = ()) -> str | None:
    """Why Excel would refuse ``name`` as a new sheet's name, or None if it is fine."""
    if not name or not name.strip():
        return "a sheet name cannot be empty"
    if len(name) > MAX_SHEET_NAME:
        return f"sheet name {name!r} is longer than {MAX_SHEET_NAME} characters"
    bad = sorted(FORBIDDEN.intersection(name))
    if bad:
        return f"sheet name {name!r} contains {' '.join(bad)}, which Excel forbids"
    if any(ord(c) < 32 for c in name):
        return f"sheet name {name!r} contains a control character"
    if name.startswith("'") or name.endswith("'"):
        return f"sheet name {name!r} may not start or end with an apostrophe"
    if name.casefold() in RESERVED:
        return f"sheet name {name!r} is reserved by Excel"
    if name.casefold() in {n.casefold() for n in existing}:
        return f"the workbook already has a sheet named {name!r} (names ignore case)"
    return None


def check_sheet_name(name: str, existing: list[str] | tuple[str, ...] = ()) -> None:
    problem = sheet_name_problem(name, existing)
    if problem:
        raise WorkbookError(problem)


def unique_sheet_name(wanted: str, existing: list[str] | tuple[str, ...] = ()) -> str:
    """A valid name as close to ``wanted`` as Excel allows, unique in ``existing``:
    forbidden characters become '_', long names are shortened, and a clash gets
    ' (2)', ' (3)', ... within the 31 characters."""
    clean = "".join("_" if c in FORBIDDEN or ord(c) < 32 else c for c in wanted).strip()
    clean = clean.strip("'").strip() or "Sheet"
    if clean.casefold() in RESERVED:
        clean += "_"
    taken = {n.casefold() for n in existing}
    candidate = clean[:MAX_SHEET_NAME].rstrip("'")
    n = 2
    while candidate.casefold() in taken:
        suffix = f" ({n})"
        candidate = clean[:MAX_SHEET_NAME - len(suffix)].rstrip("'") + suffix
        n += 1
    return candidate


_NAME = re.compile(r"^[A-Za-z_\\\u00a0-\uffff][A-Za-z0-9_.\\\u00a0-\uffff]*$")
_LOOKS_LIKE_REF = re.compile(r"^([A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[RrCc])$")


def check_defined_name(name: str) -> None:
    """Excel's rule for a defined name (``_xlnm.`` names are its built-in ones)."""
    if name.startswith("_xlnm."):
        return
    if len(name) > 255 or not _NAME.match(name) or _LOOKS_LIKE_REF.match(name):
        raise WorkbookError(f"{name!r} is not a valid Excel name")
