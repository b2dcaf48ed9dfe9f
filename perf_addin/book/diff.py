"""Two versions of one department workbook, compared employee by employee.

The workbook is emailed out and comes back; finance wants to know exactly what
changed in between: every input, score, multiplier and bonus, old → new, and who
was added or removed. Employees are matched by ID (the n-th occurrence of a
duplicated ID with the n-th in the other version); values are compared as the
seal compares them (``snapshot.canon``), so 3100 typed as "3,100" is no change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perf_addin.book.snapshot import Snapshot, canon, field_values

DIFF_FIELDS = ("profit_actual", "profit_target", "tasks_done", "tasks_target", "rating", "base_bonus",
               "score", "grade", "multiplier", "bonus", "manual_multiplier", "override_reason")


@dataclass(frozen=True)
class Change:
    """One value of one employee that differs between the versions."""

    employee_id: str
    name: str
    field: str
    old: Any
    new: Any
    cell: str  # where it is in the new version ("" when the column is gone)


@dataclass
class VersionDiff:
    old_path: Path
    changes: list[Change] = field(default_factory=list)
    added: list[tuple[str, str]] = field(default_factory=list)  # (ID, name) only in the new version
    removed: list[tuple[str, str]] = field(default_factory=list)  # only in the old version

    @property
    def affected(self) -> list[str]:
        """Employee IDs with any change, in order of first appearance."""
        return list(dict.fromkeys(c.employee_id for c in self.changes))


def _keyed(snap: Snapshot) -> dict[tuple[str, int], int]:
    seen: dict[str, int] = {}
    out = {}
    for i, eid in enumerate(str(v) for v in snap.table.frame["employee_id"]):
        n = seen.get(eid, 0)
        seen[eid] = n + 1
        out[(eid, n)] = i
    return out


def diff_snapshots(old: Snapshot, new: Snapshot) -> VersionDiff:
    """Every changed value, and the employees added or removed, old → new."""
    result = VersionDiff(old.path)
    old_rows, new_rows = _keyed(old), _keyed(new)
    old_values, new_values = field_values(old, DIFF_FIELDS), field_values(new, DIFF_FIELDS)
    old_names, new_names = old.texts("name"), new.texts("name")
    for key, j in new_rows.items():
        i = old_rows.get(key)
        if i is None:
            result.added.append((key[0], str(new_names[j])))
            continue
        for k, name in enumerate(DIFF_FIELDS):
            a, b = old_values[i][k], new_values[j][k]
            if canon(a) != canon(b):
                cell = new.table.cell(name, j) if new.column_of(name) else ""
                result.changes.append(Change(key[0], str(new_names[j]), name, a, b, cell))
    result.removed = [(key[0], str(old_names[i])) for key, i in old_rows.items() if key not in new_rows]
    return result
