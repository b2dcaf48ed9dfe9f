"""How fast is the engine on 1,000,000 employees?  A plain script, not a test.

Compares ``score_table`` (validation, exact rounding, grades, bonus cents,
DataFrame) with a bare numpy expression of the same arithmetic (naive
rounding, no validation) and with a per-row Python loop (timed on a subsample
and extrapolated).  Run: ``python benchmarks/bench_scoring.py [rows]``.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Callable

import numpy as np

from perf_addin.domain.rules import Rules
from perf_addin.domain.scoring import score_table

RULES = Rules.default()


def make_inputs(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "profit_actual": rng.uniform(-1000, 8000, n).round(2),
        "profit_target": rng.uniform(100, 5000, n).round(2),
        "tasks_done": rng.integers(0, 200, n).astype(float),
        "tasks_target": rng.integers(1, 150, n).astype(float),
        "rating": rng.integers(0, 201, n) / 10,
        "base_bonus": rng.uniform(0, 50000, n).round(2),
    }


def bare_numpy(d: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """The same arithmetic with no validation and naive rounding."""
    def r(x, k):
        s = 10.0 ** k
        return np.sign(x) * np.floor(np.abs(x) * s + 0.5) / s
    pp = np.maximum(0, 60 + (r(r(d["profit_actual"] / d["profit_target"] * 100, 9), 0) - 100))
    tp = np.maximum(0, 20 + 0.1 * (r(r(d["tasks_done"] / d["tasks_target"] * 100, 9), 0) - 100))
    score = r(pp + tp + d["rating"], 9)
    mult = np.select([score > 120, score > 100, score >= 90, score >= 80], [1.2, 1.1, 1.0, 0.9], 0.8)
    grade = np.array(["A+", "A−", "B", "C", "D"], dtype=object)[
        np.select([score > 120, score > 100, score >= 90, score >= 80], [0, 1, 2, 3], 4)]
    return score, grade, r(d["base_bonus"] * mult, 2)


def python_row(pa: float, pt: float, td: float, tt: float, rating: float, base: float) -> tuple:
    """One employee in plain Python (what a cell-by-cell macro would do)."""
    def r(x, k):
        s = 10.0 ** k
        return math.copysign(math.floor(abs(x) * s + 0.5) / s, x)
    if not (pt > 0 and tt > 0 and 0 <= rating <= 20 and base >= 0):
        return None
    pp = max(0.0, 60 + (r(r(pa / pt * 100, 9), 0) - 100))
    tp = max(0.0, 20 + 0.1 * (r(r(td / tt * 100, 9), 0) - 100))
    score = r(pp + tp + rating, 9)
    for code, lower, inclusive, mult in (("A+", 120, False, 1.2), ("A−", 100, False, 1.1),
                                         ("B", 90, True, 1.0), ("C", 80, True, 0.9)):
        if score > lower or (inclusive and score == lower):
            return score, code, r(base * mult, 2)
    return score, "D", r(base * 0.8, 2)


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(n: int = 1_000_000) -> None:
    data = make_inputs(n)
    score_table({k: v[:1000] for k, v in data.items()}, RULES)  # warm-up

    engine = best_of(lambda: score_table(data, RULES))
    bare = best_of(lambda: bare_numpy(data))

    sub = 20_000
    rows = list(zip(*(data[k][:sub].tolist() for k in data)))
    loop = best_of(lambda: [python_row(*row) for row in rows], repeat=2) * n / sub

    one_by_one = 300
    single = [{k: [v[i]] for k, v in data.items()} for i in range(one_by_one)]
    per_row_engine = best_of(lambda: [score_table(s, RULES) for s in single], repeat=1) * n / one_by_one

    print(f"rows: {n:,}")
    print(f"{'method':<42}{'seconds':>10}{'vs engine':>12}")
    for name, t in (("score_table (engine)", engine), ("bare numpy, same arithmetic", bare),
                    (f"Python loop per row (from {sub:,}, extrap.)", loop),
                    (f"engine per row (from {one_by_one}, extrap.)", per_row_engine)):
        print(f"{name:<42}{t:>10.3f}{t / engine:>11.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
