"""Calendar invitations (.ics) for planned interviews. Pure: bytes out, no I/O.

One VCALENDAR per interview (``METHOD:REQUEST``), with the facilitator as
organizer and all three participants as attendees, and the agenda of DOMAIN.md
§4 as the description, so importing the file into Outlook (or Google, Apple,
Thunderbird) gives a meeting the facilitator can send.

Times are *floating* (``DTSTART:20260302T090000``, no ``TZID``, no ``Z``): the
workbook holds local times without a zone, and a floating time is read as the
local time of whoever imports it – right for a department in one place, and
what Outlook does on import. The ``UID`` is stable per cycle and employee, and
``SEQUENCE`` grows with each run, so a re-planned interview updates the earlier
invitation instead of adding a second one.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Mapping

from icalendar import Calendar, Event, vCalAddress, vText

from .interview import TEXTS, agenda_minutes
from .schedule import Booking

PRODID = "-//perf-addin//interview schedule//EN"
_SUBJECT = {"zh": "绩效反馈面谈：{name}", "en": "Performance feedback interview: {name}"}


def address(name: str, emails: Mapping[str, str]) -> str:
    """``mailto:`` of a person; a stable placeholder on ``example.invalid`` when the
    table gives no e-mail, so the file imports and the address is plainly to be fixed."""
    email = emails.get(name, "").strip()
    if email:
        return f"mailto:{email}"
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]
    return f"mailto:unknown-{digest}@example.invalid"


def agenda_text(minutes: int, lang: str) -> str:
    t = TEXTS[lang]
    return "\n".join(f"{step} ({m} {t['minutes']}): {text}"
                     for (step, text), m in zip(t["agenda"], agenda_minutes(minutes)))


def invite(booking: Booking, emails: Mapping[str, str], lang: str, cycle: str = "",
           stamp: datetime | None = None) -> bytes:
    """The .ics file of one interview."""
    r = booking.request
    stamp = stamp or datetime.now().replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = Event()
    uid_key = hashlib.sha1(f"{cycle}\x00{r.key}".encode("utf-8")).hexdigest()[:16]
    event.add("uid", f"interview-{uid_key}@perf-addin")
    event.add("sequence", int(stamp.timestamp()) // 60 % 2**31)
    event.add("dtstamp", stamp)
    event.add("dtstart", booking.start)  # naive datetime: floating time
    event.add("dtend", booking.end)
    event.add("summary", _SUBJECT[lang].format(name=r.employee))
    event.add("location", booking.room)
    minutes = int((booking.end - booking.start).total_seconds() // 60)
    event.add("description", agenda_text(minutes, lang))
    organizer = vCalAddress(address(r.facilitator, emails))
    organizer.params["cn"] = vText(r.facilitator)
    event["organizer"] = organizer
    for name in (r.employee, r.supervisor, r.facilitator):
        if name is None:
            continue
        attendee = vCalAddress(address(name, emails))
        attendee.params["cn"] = vText(name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee, encode=0)
    cal.add_component(event)
    return cal.to_ical()


__all__ = ["address", "agenda_text", "invite"]
