"""What Excel's function wizard shows for each ``PERF_*`` function: plain data.

Kept apart from ``udfs`` (which imports xlwings) so the VBA generator and the
add-in build read the specs on any machine without xlwings loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

CATEGORY = "Performance"
ERROR_PREFIX = "#N/A: "
RULES_HELP = "Optional: the rules sheet table (e.g. 规则!A1:H20, starting at A1); omitted = default rules"


@dataclass(frozen=True)
class UdfSpec:
    """What Excel's function wizard shows for one PERF_* function."""

    name: str
    description: str
    args: tuple[tuple[str, str], ...]
    category: str = CATEGORY


UDF_SPECS: dict[str, UdfSpec] = {
    spec.name: spec
    for spec in (
        UdfSpec("PERF_SCORE", "Total performance score: profit points + task points + rating points.", (
            ("profit_actual", "Actual profit (may be 0 or negative)"),
            ("profit_target", "Profit target (> 0)"),
            ("tasks_done", "Must-complete tasks actually completed"),
            ("tasks_target", "Must-complete tasks target (> 0)"),
            ("rating", "Supervisor's discretionary rating (0-20 by default)"),
            ("rules", RULES_HELP),
        )),
        UdfSpec("PERF_PROFIT_POINTS", "Profit points: weight + slope × (attainment % − 100), floored at 0.", (
            ("actual", "Actual profit"), ("target", "Profit target (> 0)"), ("rules", RULES_HELP),
        )),
        UdfSpec("PERF_TASK_POINTS", "Task points: weight + slope × (attainment % − 100), floored at 0.", (
            ("done", "Tasks completed"), ("target", "Tasks target (> 0)"), ("rules", RULES_HELP),
        )),
        UdfSpec("PERF_GRADE", "Grade label (优+, 优-, 良好, 差, 极差) of a total score.", (
            ("score", "Total score"), ("rules", RULES_HELP),
        )),
        UdfSpec("PERF_MULTIPLIER", "Bonus multiplier of a total score (1.2 … 0.8 by default).", (
            ("score", "Total score"), ("rules", RULES_HELP),
        )),
        UdfSpec("PERF_BONUS", "Bonus paid: base bonus × multiplier, rounded half away from zero to cents.", (
            ("base_bonus", "Base bonus (>= 0)"), ("score", "Total score"), ("rules", RULES_HELP),
        )),
    )
}
