"""Reminder e-mail drafts for open remedies (DOMAIN.md §6: reminders by e-mail).

One ``.eml`` per remedy owner, listing their open and overdue items. Nothing is
sent: the files carry ``X-Unsent: 1``, so Outlook opens them as drafts, and
every other mail program opens them for review. The address is the owner's
邮箱/Email from the employee table (owners are matched by name, as typed on the
form); an owner not in the table gets ``unknown-<n>@example.invalid``, which no
mail server accepts, so it must be fixed before sending. With ``pdf`` each
draft carries the interview tabs of its items as one-page PDFs, printed for
all drafts in one LibreOffice run.
"""

from __future__ import annotations

import hashlib
import tempfile
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path
from typing import Sequence

from .collect import Remedy
from .department import EmployeeTable
from .interview import TEXTS
from .interview_settings import InterviewSettings
from .interviews import pdf_name, print_tabs
from .libreoffice import LibreOffice

PLACEHOLDER_DOMAIN = "example.invalid"


def address_of(name: str, emails: dict[str, str]) -> str:
    """The owner's address, or a placeholder that cannot be delivered."""
    if emails.get(name):
        return emails[name]
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    return f"unknown-{digest}@{PLACEHOLDER_DOMAIN}"


def body(owner: str, items: Sequence[Remedy], today: date) -> str:
    """The plain-text body: Chinese, then English, one line per item."""
    labels = {lng: TEXTS[lng]["items"] for lng in TEXTS}
    lines = [f"{owner}，您好：", "", f"以下绩效改进措施由您负责，尚未完成（截至 {today}）：", ""]
    for r in items:
        late = "【已逾期】" if r.overdue(today) else ""
        lines.append(f"- {late}{r.name}（{r.employee_id}）{labels['zh'].get(r.item, r.item)}：{r.action}；"
                     f"完成日期 {r.due or '未定'}")
    lines += ["", "完成后请告知人事，在跟踪表中标记为已完成。", "", "---", "",
              f"Dear {owner},", "", f"These agreed improvement actions are yours and still open (as of {today}):", ""]
    for r in items:
        late = "[OVERDUE] " if r.overdue(today) else ""
        lines.append(f"- {late}{r.name} ({r.employee_id}) {labels['en'].get(r.item, r.item)}: {r.action}; "
                     f"due {r.due or 'not set'}")
    lines += ["", "Please tell HR when done, so it is marked done on the follow-up tab."]
    return "\n".join(lines) + "\n"


def message(owner: str, to: str, sender: str, items: Sequence[Remedy], today: date,
            attachments: Sequence[Path] = ()) -> EmailMessage:
    overdue = sum(r.overdue(today) for r in items)
    msg = EmailMessage()
    msg["To"] = formataddr((owner, to))
    msg["From"] = sender
    msg["Subject"] = (f"绩效改进措施提醒：{len(items)} 项未完成（{overdue} 项逾期）/ "
                      f"Reminder: {len(items)} open improvement action(s), {overdue} overdue")
    msg["X-Unsent"] = "1"
    msg.set_content(body(owner, items, today))
    for pdf in attachments:
        msg.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf", filename=pdf.name)
    return msg


def write_reminders(path: Path, remedies: Sequence[Remedy], table: EmployeeTable, settings: InterviewSettings,
                    today: date, outdir: Path, pdf: bool = False, office: LibreOffice | None = None) -> list[Path]:
    """One draft per owner of an open remedy in ``outdir``; returns the files."""
    by_owner: dict[str, list[Remedy]] = {}
    for r in remedies:
        if not r.done:
            by_owner.setdefault(r.owner or "?", []).append(r)
    if not by_owner:
        return []
    frame = table.frame
    emails = {str(n): str(e) for n, e in zip(frame["name"], frame["email"]) if n and e} if "email" in frame else {}
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
                          [pdfs[t] for t in tabs if t in pdfs])
            target = outdir / (pdf_name(f"reminder-{owner}")[:-4] + ".eml")
            target.write_bytes(bytes(msg))
            written.append(target)
    return written


def _pdfs(path: Path, remedies: Sequence[Remedy], tmp: Path, office: LibreOffice | None) -> dict[str, Path]:
    tabs = list(dict.fromkeys(r.tab for r in remedies if not r.done))
    print_tabs(path, tabs, tmp, office)  # files named by ``pdf_name``, in sheet order
    return {tab: tmp / pdf_name(tab) for tab in tabs}


__all__ = ["address_of", "body", "message", "write_reminders"]
