"""perf-addin: the performance-feedback cycle (绩效反馈) inside the department workbook.

Layers, from the inside out:

- ``domain``  – the rules, the scoring engine, native formulas, the interview planner (pure)
- ``book``    – reading a department workbook into plain data
- ``forms``   – the interview tab and calendar invitations as data
- ``jobs``    – what each command does: score, interviews, schedule, share, collect, reconcile, seal
- ``xlsx``    – the workbook writer that keeps what it does not understand
- ``engines`` – LibreOffice and Gnumeric, to recalculate and print
- ``excel``, ``cli`` – the edges: UDFs, ribbon, add-in build; the command line

Only ``excel`` imports xlwings, so everything else runs headless on any OS.

The public API (docs/api.md) is the names in ``__all__``: ``score`` a table,
``read_workbook`` a department workbook, and one function per job on a workbook's
path, the same functions the command line and the ribbon run. They are loaded on
first use, so ``import perf_addin`` (and every command's start) stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    # a table, a workbook, the rules
    "score": "perf_addin.api",
    "read_workbook": "perf_addin.api",
    "Department": "perf_addin.api",
    "Rules": "perf_addin.domain.rules",
    "Item": "perf_addin.domain.rules",
    "Rating": "perf_addin.domain.rules",
    "Band": "perf_addin.domain.rules",
    "Problem": "perf_addin.book.department",
    # the jobs, one per command, each on a workbook's path
    "score_workbook": "perf_addin.jobs.score",
    "write_interviews": "perf_addin.jobs.interviews",
    "schedule_workbook": "perf_addin.jobs.schedule",
    "share_workbook": "perf_addin.jobs.share",
    "collect_workbook": "perf_addin.jobs.collect",
    "reconcile_workbook": "perf_addin.jobs.reconcile",
    "calibrate_workbook": "perf_addin.jobs.calibrate",
    "seal_workbook": "perf_addin.jobs.seal",
    "load_key": "perf_addin.jobs.seal",
    "create_key_file": "perf_addin.jobs.seal",
    # what every refusal is
    "UserError": "perf_addin.errors",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # what type checkers and editors see; at run time ``__getattr__`` loads them
    from perf_addin.api import Department, read_workbook, score
    from perf_addin.book.department import Problem
    from perf_addin.domain.rules import Band, Item, Rating, Rules
    from perf_addin.errors import UserError
    from perf_addin.jobs.calibrate import calibrate_workbook
    from perf_addin.jobs.collect import collect_workbook
    from perf_addin.jobs.interviews import write_interviews
    from perf_addin.jobs.reconcile import reconcile_workbook
    from perf_addin.jobs.schedule import schedule_workbook
    from perf_addin.jobs.score import score_workbook
    from perf_addin.jobs.seal import create_key_file, load_key, seal_workbook
    from perf_addin.jobs.share import share_workbook


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use, and keep it."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'perf_addin' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
