"""Planning the feedback interviews: who meets when, and in which room. Pure: no I/O.

``plan(requests, rooms, calendar, blocked)`` places every interview (employee,
direct supervisor, facilitator) on a working day, inside the working hours, in
one of the rooms, so that

* no person and no room is in two interviews at once – a person is one name,
  whatever role: a supervisor who is also someone's employee is one calendar;
* a facilitator has at least ``break_minutes`` between two interviews;
* nobody's blocked times (and no room's) are touched;
* interviews already booked (``fixed``: kept from an earlier run, or typed by
  hand) are busy time for their people and room, breaks included – a run adds
  to a plan, it never moves what is there;
* holidays (``Calendar.holidays``) are no working days.

Time is discrete: a *tick* is the greatest common divisor of the interview
length, the break, the working-hour bounds and the edges of blocked times (15
minutes for the defaults; never finer than 5 minutes – a blocked time off that
grid is widened to it), so
every busy check is a slice of one ``bytearray`` per person and room – cheap
enough for a company (2,000 interviews in seconds, ``benchmarks/bench_schedule.py``).

The greedy pass takes the most constrained interviews first (most blocked time,
then the busiest supervisor and facilitator) and gives each the earliest start
and the first free room. Greedy can miss a schedule that exists, so a small
instance (a department: up to ``EXACT_LIMIT`` interviews) that greedy cannot
complete is searched exhaustively (backtracking, smallest choice first, within
``NODE_BUDGET`` steps and ``SEARCH_SECONDS``): if a complete schedule exists,
it is found; if the search ends without one, ``Plan.proven`` says none exists.
A person (or the rooms together) with more interviews than their free time can
hold proves it at once, without a search. Each interview left
over gets a reason naming who or what was never free.
"""

from __future__ import annotations

import math
import time as time_module
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from typing import Iterable, Mapping, Sequence

EXACT_LIMIT = 40
NODE_BUDGET = 200_000
SEARCH_SECONDS = 3.0
DAY = 24 * 60
MIN_TICK = 5


@dataclass(frozen=True)
class Request:
    """One interview to plan. ``supervisor`` None: not in the table (the head of the
    department), so only the employee and the facilitator are checked."""

    key: str  # the employee ID
    employee: str
    supervisor: str | None
    facilitator: str


@dataclass(frozen=True)
class Calendar:
    """When interviews may happen: the dates ``first``..``last`` that fall on a working
    weekday, within the working-hour windows (minutes after midnight)."""

    first: date
    last: date
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    hours: tuple[tuple[int, int], ...] = ((9 * 60, 12 * 60), (13 * 60 + 30, 17 * 60 + 30))
    minutes: int = 60
    break_minutes: int = 15
    holidays: frozenset[date] = frozenset()

    def days(self) -> list[date]:
        count = (self.last - self.first).days + 1
        return [d for d in (self.first + timedelta(i) for i in range(max(count, 0)))
                if d.weekday() in self.weekdays and d not in self.holidays]

    def working(self, start: datetime, end: datetime) -> bool:
        """Whether a booking lies on a working day (not a holiday) within one working period."""
        day, a = start.date(), start.hour * 60 + start.minute
        b = a + int((end - start).total_seconds() // 60)
        return (day.weekday() in self.weekdays and day not in self.holidays
                and any(lo <= a and b <= hi for lo, hi in self.hours))


@dataclass(frozen=True)
class Booking:
    request: Request
    start: datetime
    end: datetime
    room: str


@dataclass(frozen=True)
class Unplaced:
    request: Request
    reason: str


@dataclass
class Plan:
    """Bookings sorted by time; ``proven`` is True when the exhaustive search showed
    that no schedule places everyone."""

    bookings: list[Booking] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    proven: bool = False


class _Grid:
    """Busy ticks per person and room over the planning period."""

    def __init__(self, calendar: Calendar, rooms: Sequence[str], edges: Iterable[datetime] = ()) -> None:
        c = calendar
        bounds = [b for window in c.hours for b in window]
        base = reduce(math.gcd, [c.minutes, c.break_minutes or c.minutes, DAY, *bounds])
        # blocked times that end at 9:15 make 9:15 a possible start, down to 5-minute steps
        fine = reduce(math.gcd, {e.hour * 60 + e.minute for e in edges}, base)
        self.tick = fine if fine >= MIN_TICK else base
        self.per_day = DAY // self.tick
        self.first = c.first
        self.length = c.minutes // self.tick
        self.gap = c.break_minutes // self.tick + (1 if c.break_minutes % self.tick else 0)
        self.size = ((c.last - c.first).days + 2) * self.per_day + self.length + self.gap
        self.starts = [self._tick(d, m) for d in c.days() for a, b in c.hours
                       for m in range(a, b - c.minutes + 1, self.tick)]
        self.rooms = list(rooms)
        self.busy: dict[str, bytearray] = {}
        self.gaps: dict[str, bytearray] = {}  # facilitators' bookings plus the break after each
        self.room_busy = {r: bytearray(self.size) for r in self.rooms}
        self.break_minutes = c.break_minutes

    def _tick(self, day: date, minute: int) -> int:
        return (day - self.first).days * self.per_day + minute // self.tick

    def at(self, tick: int) -> datetime:
        day, rest = divmod(tick, self.per_day)
        return datetime.combine(self.first + timedelta(day), time()) + timedelta(minutes=rest * self.tick)

    def person(self, name: str) -> bytearray:
        if name not in self.busy:
            self.busy[name] = bytearray(self.size)
        return self.busy[name]

    def block(self, name: str, start: datetime, end: datetime) -> int:
        """Mark ``name`` (a person or a room) busy; returns the ticks blocked inside the period."""
        origin = datetime.combine(self.first, time())
        a = max(0, math.floor((start - origin).total_seconds() / 60 / self.tick))
        b = min(self.size, math.ceil((end - origin).total_seconds() / 60 / self.tick))
        if a >= b:
            return 0
        target = self.room_busy[name] if name in self.room_busy else self.person(name)
        target[a:b] = b"\x01" * (b - a)
        return b - a

    def hold(self, booking: Booking) -> None:
        """A booking made before this run: busy time for its people and room, and the
        facilitator's break after it."""
        r = booking.request
        for name in {r.employee, r.supervisor, r.facilitator} - {None}:
            self.block(name, booking.start, booking.end)
        if booking.room in self.room_busy:
            self.block(booking.room, booking.start, booking.end)
        gaps = self.gaps.setdefault(r.facilitator, bytearray(self.size))
        origin = datetime.combine(self.first, time())
        a = max(0, math.floor((booking.start - origin).total_seconds() / 60 / self.tick))
        b = min(self.size, math.ceil((booking.end - origin).total_seconds() / 60 / self.tick) + self.gap)
        if a < b:
            gaps[a:b] = b"\x01" * (b - a)

    def people_free(self, r: Request, s: int) -> bool:
        e = s + self.length
        for name in (r.employee, r.supervisor, r.facilitator):
            if name is not None and 1 in self.person(name)[s:e]:
                return False
        gaps = self.gaps.get(r.facilitator)
        return gaps is None or 1 not in gaps[s:e + self.gap]

    def free_rooms(self, s: int) -> list[str]:
        e = s + self.length
        return [room for room in self.rooms if 1 not in self.room_busy[room][s:e]]

    def mark(self, r: Request, s: int, room: str, value: int) -> None:
        e, one = s + self.length, bytes([value]) * self.length
        for name in {r.employee, r.supervisor, r.facilitator} - {None}:
            self.person(name)[s:e] = one
        self.room_busy[room][s:e] = one
        gaps = self.gaps.setdefault(r.facilitator, bytearray(self.size))
        gaps[s:e + self.gap] = bytes([value]) * (self.length + self.gap)


def plan(requests: Sequence[Request], rooms: Sequence[str], calendar: Calendar,
         blocked: Mapping[str, Iterable[tuple[datetime, datetime]]] | None = None,
         exact_limit: int = EXACT_LIMIT, fixed: Sequence[Booking] = (), lang: str = "en") -> Plan:
    """Place every request around the ``fixed`` bookings; see the module docstring.

    ``Plan.bookings`` holds the new placements only; ``lang`` is the language of the
    reasons (they are shown in the workbook)."""
    if not rooms:
        raise ValueError("no room to hold the interviews in")
    blocked = {name: list(spans) for name, spans in (blocked or {}).items()}
    edges = [t for spans in blocked.values() for span in spans for t in span]
    edges += [t for b in fixed for t in (b.start, b.end)]
    grid = _Grid(calendar, rooms, edges)
    weight: Counter[str] = Counter()
    for name, spans in blocked.items():
        for start, end in spans:
            weight[name] += grid.block(name, start, end)
    for booking in fixed:
        grid.hold(booking)
    order = _order(requests, weight)
    overloaded = _over_capacity(grid, requests)
    placed: dict[str, tuple[int, str]] = {}
    left = []
    for r in order:
        slot = _first_slot(grid, r)
        if slot is None:
            left.append(r)
        else:
            grid.mark(r, *slot, 1)
            placed[r.key] = slot
    proven = False
    if left and overloaded:
        proven = True
    elif left and len(requests) <= exact_limit:
        placed, proven = _exact(grid, order, placed)
        left = [r for r in order if r.key not in placed]
    bookings = sorted((Booking(r, grid.at(placed[r.key][0]), grid.at(placed[r.key][0] + grid.length),
                               placed[r.key][1]) for r in requests if r.key in placed),
                      key=lambda b: (b.start, rooms.index(b.room)))
    return Plan(bookings, [Unplaced(r, _reason(grid, r, calendar, lang)) for r in left], proven)


def _order(requests: Sequence[Request], weight: Counter[str]) -> list[Request]:
    """Most constrained first: blocked time of the three, then the supervisor's and
    the facilitator's number of interviews (they have the least room to move)."""
    load = Counter(p for r in requests for p in (r.supervisor, r.facilitator) if p is not None)

    def key(r: Request) -> tuple:
        names = [n for n in (r.employee, r.supervisor, r.facilitator) if n is not None]
        return (-sum(weight[n] for n in names), -load[r.supervisor] if r.supervisor else 0,
                -load[r.facilitator], r.key)
    return sorted(requests, key=key)


def _capacity(grid: _Grid, busy: bytearray, span: int) -> int:
    """Most interviews of ``span`` ticks that fit one calendar: earliest-end greedy,
    optimal for intervals of equal length."""
    count, free_from = 0, -1
    for s in grid.starts:
        if s >= free_from and 1 not in busy[s:s + grid.length]:
            count, free_from = count + 1, s + span
    return count


def _over_capacity(grid: _Grid, requests: Sequence[Request]) -> bool:
    """True when some person, or all rooms together, cannot hold their interviews even
    alone – a proof that no complete schedule exists, found before any search."""
    rooms = sum(_capacity(grid, grid.room_busy[r], grid.length) for r in grid.rooms)
    if rooms < len(requests):
        return True
    load: Counter[tuple[str, bool]] = Counter()
    for r in requests:
        for name in {r.employee, r.supervisor} - {None, r.facilitator}:
            load[(name, False)] += 1
        load[(r.facilitator, True)] += 1
    return any(n > _capacity(grid, grid.person(name), grid.length + (grid.gap if fac else 0))
               for (name, fac), n in load.items())


def _first_slot(grid: _Grid, r: Request) -> tuple[int, str] | None:
    for s in grid.starts:
        if grid.people_free(r, s):
            rooms = grid.free_rooms(s)
            if rooms:
                return s, rooms[0]
    return None


def _options(grid: _Grid, r: Request) -> list[tuple[int, str]]:
    return [(s, room) for s in grid.starts if grid.people_free(r, s) for room in grid.free_rooms(s)]


def _exact(grid: _Grid, order: list[Request], greedy: dict[str, tuple[int, str]]
           ) -> tuple[dict[str, tuple[int, str]], bool]:
    """Backtrack over all requests for a complete schedule; keep greedy's if none.

    Returns the placement and whether the search proved that none is complete."""
    by_key = {r.key: r for r in order}
    for key, slot in greedy.items():
        grid.mark(by_key[key], *slot, 0)
    steps, deadline = [0], time_module.monotonic() + SEARCH_SECONDS
    found: dict[str, tuple[int, str]] = {}

    def search(todo: list[Request]) -> bool:
        if not todo:
            return True
        steps[0] += 1
        if steps[0] > NODE_BUDGET or time_module.monotonic() > deadline:
            raise TimeoutError
        choices = [(_options(grid, r), r) for r in todo]
        options, r = min(choices, key=lambda c: len(c[0]))
        rest = [t for t in todo if t is not r]
        for s, room in options:
            grid.mark(r, s, room, 1)
            found[r.key] = (s, room)
            if search(rest):
                return True
            grid.mark(r, s, room, 0)
            del found[r.key]
        return False

    proven = True
    try:
        complete = search(list(order))
    except TimeoutError:
        complete, proven = False, False
    if complete:
        return found, False
    for key, slot in found.items():
        grid.mark(by_key[key], *slot, 0)
    for key, slot in greedy.items():
        grid.mark(by_key[key], *slot, 1)
    return greedy, proven


_REASON = {
    "en": {"no_time": "no working day from {a} to {b} has {m} free minutes within the working hours",
           "employee": "employee", "supervisor": "supervisor", "facilitator": "facilitator",
           "rooms": "all rooms booked", "busy": "{who} busy or unavailable", "and": " and ",
           "every": "{who} at every possible time", "none_free": "no time when employee, supervisor, "
           "facilitator and a room are all free", "count": "{who} at {c} of {n}", "nobody": "nobody",
           "tail": "{head} in {a}..{b} (busy: {parts}; {n} possible start times)", "sep": ", "},
    "zh": {"no_time": "{a} 至 {b} 的工作日在工作时间内没有 {m} 分钟的空档",
           "employee": "被考核者", "supervisor": "直接上级", "facilitator": "面谈主导人",
           "rooms": "所有房间已被占用", "busy": "{who}没有空", "and": "、",
           "every": "{who}：所有可选时间都不行", "none_free": "找不到被考核者、直接上级、主导人和房间同时有空的时间",
           "count": "{who} {c}/{n}", "nobody": "无", "tail": "{head}（{a} 至 {b}；占用：{parts}；共 {n} 个可选开始时间）",
           "sep": "，"},
}


def _reason(grid: _Grid, r: Request, calendar: Calendar, lang: str = "en") -> str:
    """Who or what was never free, counted over the possible start times."""
    t = _REASON.get(lang, _REASON["en"])
    starts = grid.starts
    a, b = f"{calendar.first:%Y-%m-%d}", f"{calendar.last:%Y-%m-%d}"
    if not starts:
        return t["no_time"].format(a=a, b=b, m=calendar.minutes)
    e = grid.length
    count: Counter[tuple[str, str]] = Counter()
    for s in starts:
        for role, name in (("employee", r.employee), ("supervisor", r.supervisor)):
            if name is not None and 1 in grid.person(name)[s:s + e]:
                count[(role, name)] += 1
        gaps = grid.gaps.get(r.facilitator)
        if 1 in grid.person(r.facilitator)[s:s + e] or (gaps is not None and 1 in gaps[s:s + e + grid.gap]):
            count[("facilitator", r.facilitator)] += 1
        if not grid.free_rooms(s):
            count[("rooms", "")] += 1
    n = len(starts)

    def who(k: tuple[str, str]) -> str:
        return t["rooms"] if k[0] == "rooms" else f"{t[k[0]]} {k[1]}"
    full = [t["rooms"] if k[0] == "rooms" else t["busy"].format(who=who(k)) for k, c in count.items() if c == n]
    parts = [t["count"].format(who=who(k), c=c, n=n) for k, c in count.most_common()]
    head = t["every"].format(who=t["and"].join(full)) if full else t["none_free"]
    return t["tail"].format(head=head, a=a, b=b, parts=t["sep"].join(parts) or t["nobody"], n=n)


__all__ = ["Booking", "Calendar", "EXACT_LIMIT", "Plan", "Request", "Unplaced", "plan"]
