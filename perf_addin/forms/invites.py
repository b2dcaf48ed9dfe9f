"""Calendar invitations (.ics) for planned interviews. Pure: bytes out, no I/O.

One VCALENDAR per interview (``METHOD:REQUEST``), with the facilitator as
organizer and all three participants as attendees, and the agenda of DOMAIN.md
§4 as the description, so importing the file into Outlook (or Google, Apple,
Thunderbird) gives a meeting the facilitator can send.

Times are *floating* (``DTSTART:20260302T090000``, no ``TZID``, no ``Z``): the
workbook holds local times without a zone, and a floating time is read as the
local time of whoever imports it – right for a department in one place, and
what Outlook does on import. The ``UID`` is stable per cycle and employee
(``uid``), and the caller counts ``SEQUENCE`` (the workbook's schedule tab keeps
the last one written): an interview that moves gets a cancellation of the old
slot (``METHOD:CANCEL``, same UID, the next SEQUENCE) and a new request with the
one after, so a calendar that imported the first invitation drops it and takes
the new one instead of showing two.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Mapping

from icalendar import Calendar, Event, vCalAddress, vText

from perf_addin.domain.addresses import address_of
from perf_addin.forms.interview_form import TEXTS, agenda_minutes
from perf_addin.domain.planner import Booking

PRODID = "-//perf-addin//interview schedule//EN"
_SUBJECT = {"zh": "绩效反馈面谈：{name}", "en": "Performance feedback interview: {name}"}
_CANCELLED = {"zh": "已取消：{subject}", "en": "Cancelled: {subject}"}
_CANCEL_TEXT = {"zh": "此面谈时间已取消；如有新的时间，会另发邀请。",
                "en": "This interview time is cancelled; a new time, if any, comes in its own invitation."}


def uid(key: str, cycle: str = "") -> str:
    """The invitation's UID: the same for an employee's interview in a cycle, on every run."""
    digest = hashlib.sha1(f"{cycle}\x00{key}".encode("utf-8")).hexdigest()[:16]
    return f"interview-{digest}@perf-addin"


def address(name: str, emails: Mapping[str, str]) -> str:
    """``mailto:`` of a person; the placeholder of ``addresses.py`` when the table gives
    no e-mail, so the file imports and the address is plainly to be fixed."""
    return f"mailto:{address_of(name, emails)}"


def agenda_text(minutes: int, lang: str) -> str:
    t = TEXTS[lang]
    return "\n".join(f"{step} ({m} {t['min']}): {text}"
                     for (step, text), m in zip(t["agenda"], agenda_minutes(minutes)))


def invite(booking: Booking, emails: Mapping[str, str], lang: str, cycle: str = "",
           stamp: datetime | None = None, sequence: int = 0, cancel: bool = False) -> bytes:
    """The .ics file of one interview: a request, or (``cancel``) its cancellation."""
    r = booking.request
    stamp = stamp or datetime.now().replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancel else "REQUEST")
    event = Event()
    event.add("uid", uid(r.key, cycle))
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", booking.start)  # naive datetime: floating time
    event.add("dtend", booking.end)
    subject = _SUBJECT[lang].format(name=r.employee)
    event.add("summary", _CANCELLED[lang].format(subject=subject) if cancel else subject)
    event.add("location", booking.room)
    if cancel:
        event.add("status", "CANCELLED")
        event.add("description", _CANCEL_TEXT[lang])
    else:
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


__all__ = ["address", "agenda_text", "invite", "uid"]
