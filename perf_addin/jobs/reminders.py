"""Reminder e-mail drafts for open remedies (DOMAIN.md §6: reminders by e-mail).

One ``.eml`` per remedy owner, listing their open and overdue items, in the
workbook's language. Nothing is sent: the files carry ``X-Unsent: 1``, so
Outlook opens them as drafts, and every other mail program opens them for
review. The address is the owner's from the employee table's e-mail column
(owners are matched by name, as typed on the form); an owner without one gets
the placeholder of ``addresses.py``, and ``write_reminders`` returns who, so the
job can warn. With ``pdf`` each draft carries the interview tabs of its items
as one-page PDFs, printed for all drafts in one LibreOffice run.
"""

from __future__ import annotations

import tempfile
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from perf_addin.domain.addresses import PLACEHOLDER_DOMAIN, address_of, emails_of, without_address
from perf_addin.book.department import EmployeeTable
from perf_addin.book.session import DepartmentBook
from perf_addin.forms.interview_form import TEXTS
from perf_addin.domain.interview_settings import InterviewSettings
from perf_addin.jobs.interviews import pdf_name, print_tabs
from perf_addin.engines.libreoffice import LibreOffice

if TYPE_CHECKING:  # collect writes the reminders: a type only, not an import cycle
    from perf_addin.jobs.collect import Remedy

_T = {
    "zh": {"hello": "{owner}，您好：", "intro": "以下绩效改进措施由您负责，尚未完成（截至 {today}）：",
           "line": "- {late}{name}（{eid}）{item}：{action}；完成日期 {due}", "late": "【已逾期】",
           "no_due": "未定", "end": "完成后请告知人事，在跟踪表中标记为已完成。",
           "subject": "绩效改进措施提醒：{n} 项未完成（{overdue} 项逾期）"},
    "en": {"hello": "Dear {owner},", "intro": "These agreed improvement actions are yours and still open "
                                              "(as of {today}):",
           "line": "- {late}{name} ({eid}) {item}: {action}; due {due}", "late": "[OVERDUE] ",
           "no_due": "not set", "end": "Please tell HR when done, so it is marked done on the follow-up tab.",
           "subject": "Reminder: {n} open improvement action(s), {overdue} overdue"},
}


def body(owner: str, items: Sequence[Remedy], today: date, lang: str = "zh") -> str:
    """The plain-text body, one line per item, in the workbook's language."""
    t, labels = _T[lang], TEXTS[lang]["items"]
    lines = [t["hello"].format(owner=owner), "", t["intro"].format(today=today), ""]
    for r in items:
        lines.append(t["line"].format(late=t["late"] if r.overdue(today) else "", name=r.name, eid=r.employee_id,
                                      item=labels.get(r.item, r.item), action=r.action,
                                      due=r.due or t["no_due"]))
    lines += ["", t["end"]]
    return "\n".join(lines) + "\n"


def message(owner: str, to: str, sender: str, items: Sequence[Remedy], today: date,
            attachments: Sequence[Path] = (), lang: str = "zh") -> EmailMessage:
    overdue = sum(r.overdue(today) for r in items)
    msg = EmailMessage()
    msg["To"] = formataddr((owner, to))
    msg["From"] = sender
    msg["Subject"] = _T[lang]["subject"].format(n=len(items), overdue=overdue)
    msg["X-Unsent"] = "1"
    msg.set_content(body(owner, items, today, lang))
    for pdf in attachments:
        msg.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf", filename=pdf.name)
    return msg


def write_reminders(path: Path | DepartmentBook, remedies: Sequence[Remedy], table: EmployeeTable, settings: InterviewSettings,
                    today: date, outdir: Path, pdf: bool = False, office: LibreOffice | None = None
                    ) -> tuple[list[Path], list[str]]:
    """One draft per owner of an open remedy in ``outdir``; returns the files and
    the owners (and the sender) without an e-mail address, who got a placeholder."""
    by_owner: dict[str, list[Remedy]] = {}
    for r in remedies:
        if not r.done:
            by_owner.setdefault(r.owner or "?", []).append(r)
    if not by_owner:
        return [], []
    lang = table.language
    emails = emails_of(table.frame)
    clerk = settings.hr_clerk or settings.hr_specialist
    sender = formataddr((clerk or "HR", address_of(clerk, emails) if clerk else f"hr@{PLACEHOLDER_DOMAIN}"))
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="perf-addin-remind-") as tmp:
        pdfs = _pdfs(path, remedies, Path(tmp), office) if pdf else {}
        written = []
        for owner, items in sorted(by_owner.items()):
            items = sorted(items, key=lambda r: (r.due or date.max, r.employee_id))
            tabs = dict.fromkeys(r.tab for r in items)
            msg = message(owner, address_of(owner, emails), sender, items, today,
                          [pdfs[t] for t in tabs if t in pdfs], lang)
            target = outdir / (pdf_name(f"reminder-{owner}")[:-4] + ".eml")
            target.write_bytes(bytes(msg))
            written.append(target)
    return written, without_address([*sorted(by_owner), clerk], emails)


def _pdfs(path: Path | DepartmentBook, remedies: Sequence[Remedy], tmp: Path, office: LibreOffice | None) -> dict[str, Path]:
    tabs = list(dict.fromkeys(r.tab for r in remedies if not r.done))
    print_tabs(path, tabs, tmp, office)  # files named by ``pdf_name``, in sheet order
    return {tab: tmp / pdf_name(tab) for tab in tabs}


__all__ = ["body", "message", "write_reminders"]
