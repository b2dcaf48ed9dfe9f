"""How fast is calibration on 100,000 employees in 200 departments?  A plain script.

Times, on one synthetic company (scored by the engine first, not timed): the quota
parse, grouping with pooling, the forced fit (seats, counts, who moves, ties), the
budget fit of the whole pool to the cent, the rater-bias view and the 9-box.
Run: ``python benchmarks/bench_calibration.py [employees] [departments]``.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable

import numpy as np
import pandas as pd

from perf_addin.domain.budget_fit import fit_budget
from perf_addin.domain.calibration import forced_fit, group_keys
from perf_addin.domain.nine_box import nine_box
from perf_addin.domain.quotas import quota_rules
from perf_addin.domain.rater_bias import rater_bias
from perf_addin.domain.rules import Rules
from perf_addin.domain.scoring import score_table

RULES = Rules.default()
QUOTAS = [("优+", "≤10%", "V2"), ("优+、优-", "≤30%", "V3"), ("良好", "30%-70%", "V4"), ("差、极差", "≥10%", "V5")]


def make_company(n: int, departments: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 2 * n // departments, departments)  # some departments are tiny
    dept = np.repeat(np.arange(departments), sizes)[:n]
    dept = np.concatenate([dept, rng.integers(0, departments, n - len(dept))])
    data = {
        "profit_actual": rng.uniform(2000, 5000, n).round(0), "profit_target": np.full(n, 3200.0),
        "tasks_done": rng.integers(60, 140, n).astype(float), "tasks_target": np.full(n, 100.0),
        "rating": rng.integers(0, 21, n).astype(float), "base_bonus": rng.integers(500, 5000, n) * 10.0,
    }
    scored = score_table(data, RULES)
    return pd.DataFrame({
        "employee_id": [f"E{i:06d}" for i in range(n)], "department": [f"D{d:03d}" for d in dept],
        "supervisor": [f"S{d:03d}-{i % 4}" for i, d in enumerate(dept)],
        "grade": scored["grade"], "score": scored["score"], "rating": data["rating"],
        "profit_attainment": scored["profit_attainment"], "task_attainment": scored["task_attainment"],
        "base_bonus": data["base_bonus"], "potential": rng.choice(["低", "中", "高"], n),
    })


def best_of(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main(n: int = 100_000, departments: int = 200) -> None:
    company = make_company(n, departments)
    t_parse, q = best_of(lambda: quota_rules(QUOTAS, RULES, min_size=10))
    t_group, groups = best_of(lambda: group_keys(q, company["department"]))
    data = company.assign(group=groups)
    t_fit, fit = best_of(lambda: forced_fit(q, RULES, data))
    mult = fit.employees["proposed_multiplier"].to_numpy()
    pool = "123456789.01"
    t_budget, budget = best_of(lambda: fit_budget(company["base_bonus"], mult, company["employee_id"], pool))
    t_bias, _ = best_of(lambda: rater_bias(company, RULES))
    t_box, _ = best_of(lambda: nine_box(fit.employees["proposed_grade"], company["potential"],
                                         company["employee_id"], RULES))
    assert sum(budget.cents) == 12345678901
    core = t_parse + t_group + t_fit + t_budget
    print(f"{n:,} employees, {departments} departments -> {fit.counts['group'].nunique()} groups "
          f"(small ones pooled), {int(fit.employees['moved'].sum()):,} moved, {len(fit.ties)} ties, "
          f"{len(fit.gave_way)} bounds gave way")
    for name, t in (("quota parse", t_parse), ("groups", t_group), ("forced fit", t_fit),
                    ("budget fit", t_budget), ("quotas + fit + budget", core),
                    ("rater bias", t_bias), ("9-box", t_box)):
        print(f"  {name:<24}{t * 1000:9.1f} ms")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
