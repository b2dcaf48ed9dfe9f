"""Interview scheduling: the pure planner (properties, exactness against brute force),
the settings, and the job on a real workbook (schedule tab, filled tabs, .ics)."""

from __future__ import annotations

import itertools
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from perf_addin.cli import SAMPLE, main
from perf_addin.forms.interview_form import input_cells, parse_kind
from perf_addin.domain.interview_settings import InterviewSettings, settings_from_grid, settings_rows
from perf_addin.jobs.interviews import existing_tabs, write_interviews
from perf_addin.domain.rules import RulesError
from perf_addin.domain.planner import Calendar, Request, plan
from perf_addin.jobs.schedule import KIND, ScheduleError, schedule_workbook
from perf_addin.xlsx import SheetSpec, Workbook, WorkbookError
from tests.test_interviews import at, grid, type_into

MONDAY = date(2026, 3, 2)

# ------------------------------------------------------------------ the planner


def check_valid(result, calendar: Calendar, blocked: dict) -> None:
    """No person or room twice at once, inside working hours, breaks and blocked times kept."""
    by_person: dict[str, list] = {}
    by_room: dict[str, list] = {}
    for b in result.bookings:
        assert b.end - b.start == timedelta(minutes=calendar.minutes)
        assert b.start.date().weekday() in calendar.weekdays and calendar.first <= b.start.date() <= calendar.last
        start = b.start.hour * 60 + b.start.minute
        assert any(a <= start and start + calendar.minutes <= e for a, e in calendar.hours)
        r = b.request
        for name in {r.employee, r.supervisor, r.facilitator} - {None}:
            by_person.setdefault(name, []).append(b)
            assert all(not (s < b.end and b.start < e) for s, e in blocked.get(name, ()))
        by_room.setdefault(b.room, []).append(b)
        assert all(not (s < b.end and b.start < e) for s, e in blocked.get(b.room, ()))
    for items in [*by_person.values(), *by_room.values()]:
        items.sort(key=lambda b: b.start)
        assert all(x.end <= y.start for x, y in zip(items, items[1:]))
    gap = timedelta(minutes=calendar.break_minutes)
    for fac in {b.request.facilitator for b in result.bookings}:
        own = sorted((b for b in result.bookings if b.request.facilitator == fac), key=lambda b: b.start)
        assert all(x.end + gap <= y.start for x, y in zip(own, own[1:]))


def brute_force_complete(requests, rooms, calendar, blocked) -> bool:
    """Whether some assignment of (start, room) to every request is valid – by enumeration."""
    starts = [datetime.combine(d, datetime.min.time()) + timedelta(minutes=m)
              for d in calendar.days() for a, e in calendar.hours
              for m in range(a, e - calendar.minutes + 1, 15)]
    slots = list(itertools.product(starts, rooms))
    length, gap = timedelta(minutes=calendar.minutes), timedelta(minutes=calendar.break_minutes)

    def ok(r, s, room, chosen) -> bool:
        names = {r.employee, r.supervisor, r.facilitator, room} - {None}
        if any(bs < s + length and s < be for n in names for bs, be in blocked.get(n, ())):
            return False
        for r2, s2, room2 in chosen:
            overlap = s2 < s + length and s < s2 + length
            if overlap and (room2 == room or names & ({r2.employee, r2.supervisor, r2.facilitator} - {None})):
                return False
            if r2.facilitator == r.facilitator and s2 < s + length + gap and s < s2 + length + gap:
                return False
        return True

    def search(i: int, chosen: list) -> bool:
        if i == len(requests):
            return True
        return any(ok(requests[i], s, room, chosen) and search(i + 1, chosen + [(requests[i], s, room)])
                   for s, room in slots)
    return search(0, [])


PEOPLE = ["A", "B", "C", "D"]
tiny = st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(["S", "T"]), st.sampled_from(["F", "G"])),
                min_size=1, max_size=4)
blocks = st.dictionaries(st.sampled_from(PEOPLE + ["S", "F", "R1"]),
                         st.lists(st.tuples(st.integers(0, 1), st.sampled_from([9 * 60, 9 * 60 + 30, 10 * 60]),
                                            st.sampled_from([30, 60, 90])), max_size=2), max_size=3)


def build(people, raw_blocks):
    requests = [Request(f"k{i}", f"{e}{i}" if i % 2 else e, s, f) for i, (e, s, f) in enumerate(people)]
    blocked = {n: [(datetime.combine(MONDAY + timedelta(d), datetime.min.time()) + timedelta(minutes=m),
                    datetime.combine(MONDAY + timedelta(d), datetime.min.time()) + timedelta(minutes=m + length))
                   for d, m, length in spans] for n, spans in raw_blocks.items()}
    return requests, blocked


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny, blocks, st.sampled_from([0, 15, 30]), st.integers(1, 2))
def test_tiny_instances_are_valid_and_exact(people, raw_blocks, brk, n_rooms):
    requests, blocked = build(people, raw_blocks)
    rooms = ["R1", "R2"][:n_rooms]
    calendar = Calendar(MONDAY, MONDAY + timedelta(1), hours=((9 * 60, 11 * 60),), break_minutes=brk)
    result = plan(requests, rooms, calendar, blocked)
    check_valid(result, calendar, blocked)
    assert len(result.bookings) + len(result.unplaced) == len(requests)
    if brute_force_complete(requests, rooms, calendar, blocked):
        assert not result.unplaced, result.unplaced
    else:
        assert result.unplaced and result.proven
        assert all(u.reason for u in result.unplaced)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 60), st.integers(1, 8), st.integers(1, 3), st.integers(1, 3), st.integers(0, 9999))
def test_larger_instances_never_double_book(n, sups, facs, n_rooms, seed):
    import random
    rng = random.Random(seed)
    requests = [Request(str(i), f"E{i}", f"S{rng.randrange(sups)}", f"F{rng.randrange(facs)}") for i in range(n)]
    blocked = {f"S{rng.randrange(sups)}": [(datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 12))]}
    calendar = Calendar(MONDAY, MONDAY + timedelta(4))
    result = plan(requests, [f"R{i}" for i in range(n_rooms)], calendar, blocked, exact_limit=0)
    check_valid(result, calendar, blocked)
    assert len(result.bookings) + len(result.unplaced) == n


def test_greedy_miss_is_repaired_by_the_exact_search():
    """Greedy takes X first (most blocked) at its earliest start, 9:15, which leaves the
    shared supervisor no hour for Y (free only at 9:00); the search finds Y 9:00, X 10:00."""
    calendar = Calendar(MONDAY, MONDAY, hours=((9 * 60, 11 * 60 + 15),), break_minutes=0)
    requests = [Request("x", "X", "S", "F"), Request("y", "Y", "S", "G")]
    blocked = {"X": [(datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 9, 15)),
                     (datetime(2026, 3, 3), datetime(2026, 3, 4))],
               "Y": [(datetime(2026, 3, 2, 10), datetime(2026, 3, 2, 11, 15))]}
    greedy = plan(requests, ["R"], calendar, blocked, exact_limit=0)
    assert [u.request.key for u in greedy.unplaced] == ["y"]
    result = plan(requests, ["R"], calendar, blocked)
    assert not result.unplaced
    assert {b.request.key: f"{b.start:%H:%M}" for b in result.bookings} == {"y": "09:00", "x": "10:00"}


def test_unplaced_reason_names_the_full_facilitator():
    calendar = Calendar(MONDAY, MONDAY, hours=((9 * 60, 11 * 60),))
    result = plan([Request(str(i), f"E{i}", "S" + str(i), "周静") for i in range(3)], ["R1", "R2"], calendar)
    assert len(result.bookings) == 1 and result.proven
    assert all("facilitator 周静" in u.reason and "every possible time" in u.reason for u in result.unplaced)


def test_benchmark_scale_runs_in_seconds():
    import sys
    import time
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_schedule import instance
    requests, rooms, calendar, blocked = instance(5, 10)
    began = time.perf_counter()
    result = plan(requests, rooms, calendar, blocked)
    assert time.perf_counter() - began < 10
    check_valid(result, calendar, blocked)
    assert len(result.bookings) == 250  # 5 facilitators × 5 a day × 10 days


# ------------------------------------------------------------------ settings


def settings_grid(**changes):
    from perf_addin.domain.interview_settings import KEYS
    rows = settings_rows(InterviewSettings(), KEYS)
    out = [[None] * 9 + row for row in rows]
    for row in out:
        if row[9] in changes:
            row[10] = changes[row[9]]
    return out


def test_settings_read_days_hours_break_rooms():
    s = settings_from_grid(settings_grid(work_days="周一-周三, Fri", work_hours="08:30-12:00；14:00-18:00",
                                         break_minutes=20.0, rooms="会客室;休息室"))
    assert s.work_days == (0, 1, 2, 4)
    assert s.work_hours == ((510, 720), (840, 1080))
    assert s.break_minutes == 20 and s.rooms == ("会客室", "休息室")
    assert settings_from_grid(settings_grid()).work_days == (0, 1, 2, 3, 4)


@pytest.mark.parametrize("key,value,word", [("rooms", "会客室;总经理办公室", "office"),
                                            ("rooms", "Meeting Room 3", "office"),
                                            ("work_hours", "9-12", "09:00"),
                                            ("work_hours", "12:00-09:00", "ends before"),
                                            ("work_days", "Funday", "weekday"),
                                            ("break_minutes", "-5", "0-240")])
def test_bad_settings_name_their_cell(key, value, word):
    with pytest.raises(RulesError) as err:
        settings_from_grid(settings_grid(**{key: value}))
    assert word in str(err.value) and "规则!K" in str(err.value)


# ------------------------------------------------------------------ the job


@pytest.fixture(scope="module")
def with_tabs(tmp_path_factory) -> Path:
    book = tmp_path_factory.mktemp("sched") / "dept.xlsx"
    shutil.copyfile(SAMPLE, book)
    write_interviews(book)
    return book


def copy(src: Path, tmp_path: Path) -> Path:
    target = tmp_path / "dept.xlsx"
    shutil.copyfile(src, target)
    return target


def add_unavailable(book: Path, rows: list[list]) -> None:
    cells = {f"{'ABC'[c]}{r + 1}": v for r, row in enumerate([["人员", "开始", "结束"], *rows])
             for c, v in enumerate(row)}
    with Workbook.open(book) as wb:
        wb.add_sheet(SheetSpec("不可用时间", cells))
        wb.save(backup=False)


def meeting(book: Path, tab: str) -> tuple:
    with Workbook.open(book) as wb:
        kind = parse_kind(wb.owner_kind(tab))
    cells = input_cells(kind.version, kind.remedies)
    rows = grid(book, tab)
    return at(rows, cells["meeting.when"]), at(rows, cells["meeting.place"])


def test_schedule_job_end_to_end(with_tabs, tmp_path):
    book = copy(with_tabs, tmp_path)
    add_unavailable(book, [["刘军", "2026-03-02", "2026-03-03"], ["周静", "2026-03-04 09:00", "2026-03-04 12:00"]])
    report = schedule_workbook(book, MONDAY, date(2026, 3, 13), ics_dir=tmp_path / "ics")
    assert len(report.plan.bookings) == 36 and not report.plan.unplaced  # 4 held back: input errors
    assert sum(n.startswith("输入有误，未安排：") for n in report.notes) == 4
    for b in report.plan.bookings:
        assert "刘军" not in (b.request.employee, b.request.supervisor) or b.start.date() > date(2026, 3, 3)
        assert not (b.request.facilitator == "周静" and b.start.date() == date(2026, 3, 4) and b.start.hour < 12)
    with Workbook.open(book) as wb:
        assert wb.owner_kind(report.tab) == KIND
        tabs = existing_tabs(wb)
    rows = grid(book, report.tab)
    times = [(r[0], r[1]) for r in rows[3:] if r[0]]
    assert times == sorted(times) and len(times) == 36
    first = report.plan.bookings[0]
    when, place = meeting(book, tabs[first.request.key])
    assert when == f"{first.start:%Y-%m-%d %H:%M}-{first.end:%H:%M}" and place == first.room
    assert len(report.filled) == 36
    # the tabs stay protected
    with Workbook.open(book) as wb, pytest.raises(WorkbookError, match="protected"):
        wb.set_cells(tabs[first.request.key], {"A1": "x"})


def test_typed_time_is_kept_and_own_time_replaced(with_tabs, tmp_path):
    book = copy(with_tabs, tmp_path)
    schedule_workbook(book, MONDAY, date(2026, 3, 13))
    with Workbook.open(book) as wb:
        tabs = existing_tabs(wb)
        kind = parse_kind(wb.owner_kind(tabs["1002"]))
    cells = input_cells(kind.version, kind.remedies)
    type_into(book, tabs["1002"], {cells["meeting.when"]: "周五下午 3 点"})
    add_unavailable(book, [["刘勇", "2026-03-02", "2026-03-06"]])  # --replan moves 刘勇 (1011) to week two
    report = schedule_workbook(book, MONDAY, date(2026, 3, 13), replan=["1011"])
    assert meeting(book, tabs["1002"])[0] == "周五下午 3 点"
    assert any(tabs["1002"] in k and "周五下午 3 点" in k for k in report.kept)
    moved = next(b for b in report.plan.bookings if b.request.key == "1011")
    assert moved.start.date() >= date(2026, 3, 9)
    assert meeting(book, tabs["1011"])[0].startswith(f"{moved.start:%Y-%m-%d}")


def test_invitations_parse_back(with_tabs, tmp_path):
    book = copy(with_tabs, tmp_path)
    report = schedule_workbook(book, MONDAY, date(2026, 3, 13), ics_dir=tmp_path / "ics")
    assert len(report.invites) == 36
    by_key = {b.request.key: b for b in report.plan.bookings}
    b = by_key["1011"]
    path = next(p for p in report.invites if p.name.endswith("-1011.ics"))
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    assert str(cal["method"]) == "REQUEST"
    (event,) = cal.walk("VEVENT")
    assert event.decoded("dtstart") == b.start and event.decoded("dtstart").tzinfo is None
    assert event.decoded("dtend") == b.end
    assert str(event["location"]) == b.room
    attendees = event["attendee"]
    names = {str(a.params["cn"]) for a in attendees}
    assert names == {b.request.employee, b.request.supervisor, b.request.facilitator}
    assert all(str(a).startswith("mailto:") for a in attendees)
    assert "改进措施" in str(event["description"])
    assert str(event["organizer"].params["cn"]) == b.request.facilitator


def test_too_short_period_reports_who_and_why(with_tabs, tmp_path):
    book = copy(with_tabs, tmp_path)
    report = schedule_workbook(book, MONDAY, MONDAY)
    assert report.plan.unplaced
    assert all("面谈主导人" in u.reason or "房间" in u.reason for u in report.plan.unplaced)
    rows = grid(book, report.tab)
    assert sum(1 for r in rows if r and r[0] == "未安排") == len(report.plan.unplaced)


def test_bad_unavailable_cell_is_named(with_tabs, tmp_path):
    book = copy(with_tabs, tmp_path)
    add_unavailable(book, [["刘军", "next week", "2026-03-03"]])
    with pytest.raises(ScheduleError, match="不可用时间!B2"):
        schedule_workbook(book, MONDAY, date(2026, 3, 13))


def test_fill_unlocked_refuses_locked_cells(with_tabs, tmp_path):
    book = copy(with_tabs, tmp_path)
    with Workbook.open(book) as wb:
        tab = next(iter(existing_tabs(wb).values()))
        with pytest.raises(WorkbookError, match="locked"):
            wb.fill_unlocked(tab, {"A1": "x"})
        with pytest.raises(WorkbookError, match="not made by this tool"):
            wb.fill_unlocked("员工", {"A1": "x"})


def test_cli_schedule(with_tabs, tmp_path, capsys):
    book = copy(with_tabs, tmp_path)
    assert main(["schedule", str(book), "--from", "2026-03-02", "--to", "2026-03-13",
                 "--ics", str(tmp_path / "inv")]) == 0
    assert "面谈：新安排 36 场" in capsys.readouterr().out
    assert len(list((tmp_path / "inv").glob("*.ics"))) == 36
    assert main(["schedule", str(book), "--from", "2026-03-13", "--to", "2026-03-02"]) == 2
