"""Scheduler speed at company scale: 2,000 interviews, 200 supervisors, 5 facilitators,
10 rooms, two working weeks, with some blocked time.

Run ``python benchmarks/bench_schedule.py``. Note the capacity: 5 facilitators with
60-minute interviews, 15-minute breaks and 7 working hours a day hold at most
about 5 × 5 × 10 = 250 interviews in two weeks, so most of the 2,000 are reported
unplaced – the slow path, since each of them is tried at every start time (10
rooms also hold only 10 × 7 × 10 = 700). A second run with 50 facilitators and
40 rooms is a load of the same size that fits. A third run is the cycle's second
``schedule``: half of that plan is kept (fixed bookings) and the other 1,000
interviews are placed around it.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta

from perf_addin.domain.planner import Calendar, Request, plan


def instance(facilitators: int, n_rooms: int, seed: int = 7) -> tuple[list[Request], list[str], Calendar, dict]:
    rng = random.Random(seed)
    supervisors = [f"S{i:03d}" for i in range(200)]
    facs = [f"F{i:02d}" for i in range(facilitators)]
    requests = [Request(f"E{i:04d}", f"E{i:04d}", supervisors[i % 200], facs[i % facilitators])
                for i in range(2000)]
    rooms = [f"lounge {i}" for i in range(n_rooms)]
    calendar = Calendar(date(2026, 3, 2), date(2026, 3, 13))
    blocked: dict[str, list] = {}
    for name in rng.sample(supervisors, 60) + rng.sample([r.employee for r in requests], 300):
        day = calendar.first + timedelta(rng.randrange(12))
        start = datetime(day.year, day.month, day.day, rng.choice([9, 10, 14, 15]))
        blocked.setdefault(name, []).append((start, start + timedelta(hours=2)))
    return requests, rooms, calendar, blocked


def run(facilitators: int, n_rooms: int) -> None:
    requests, rooms, calendar, blocked = instance(facilitators, n_rooms)
    began = time.perf_counter()
    result = plan(requests, rooms, calendar, blocked)
    took = time.perf_counter() - began
    print(f"{facilitators:>3} facilitators, {n_rooms} rooms: {len(result.bookings)} placed, {len(result.unplaced)} unplaced "
          f"in {took:.2f} s")


def run_around_kept() -> None:
    requests, rooms, calendar, blocked = instance(50, 40)
    first = plan(requests, rooms, calendar, blocked)
    kept = first.bookings[::2]
    rest = [r for r in requests if r.key not in {b.request.key for b in kept}]
    began = time.perf_counter()
    result = plan(rest, rooms, calendar, blocked, fixed=kept)
    took = time.perf_counter() - began
    print(f" 50 facilitators, 40 rooms, {len(kept)} kept: {len(result.bookings)} placed around them, "
          f"{len(result.unplaced)} unplaced in {took:.2f} s")


if __name__ == "__main__":
    run(5, 10)
    run(50, 40)
    run_around_kept()
