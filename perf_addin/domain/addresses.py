"""E-mail addresses of the people a workbook names, and the one placeholder rule.

Reminders (``reminders.py``) and invitations (``invites.py``) address people by
name. The address comes from the employee table's e-mail column (邮箱 / 电子邮件 /
Email / E-mail, see ``department.FIELD_ALIASES``), matched by the name as typed.
A person without one gets a stable placeholder on ``example.invalid`` – a domain
reserved never to resolve (RFC 6761), so nothing can reach a stranger – and the
job lists who has none, so HR fixes them before sending.
"""

from __future__ import annotations

import hashlib
from typing import Any, Iterable, Mapping

PLACEHOLDER_DOMAIN = "example.invalid"
#: the warning a job gives when it used placeholders, in the workbook's language
NO_ADDRESS = {"zh": "以下人员没有邮箱地址，已用无法投递的占位地址（{domain}），发送前请在员工表的邮箱列补上：{names}",
              "en": "no e-mail address for these people, so an undeliverable placeholder ({domain}) is used; "
                    "add them to the employee table's e-mail column before sending: {names}"}


def emails_of(frame: Any) -> dict[str, str]:
    """Name -> address from the employee table (a DataFrame with ``name`` and,
    when the table has the column, ``email``); blanks are left out."""
    if "email" not in frame:
        return {}
    return {str(n).strip(): str(e).strip() for n, e in zip(frame["name"], frame["email"])
            if n and e and str(e).strip() and str(e).strip().lower() != "nan"}


def placeholder(name: str) -> str:
    """The undeliverable address used for ``name``: the same on every run."""
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]
    return f"unknown-{digest}@{PLACEHOLDER_DOMAIN}"


def address_of(name: str, emails: Mapping[str, str]) -> str:
    """The person's address, or their placeholder."""
    found = (emails.get(name.strip()) or "").strip()
    return found or placeholder(name)


def is_placeholder(address: str) -> bool:
    return address.lower().endswith("@" + PLACEHOLDER_DOMAIN)


def without_address(names: Iterable[str], emails: Mapping[str, str]) -> list[str]:
    """The named people who get a placeholder, each once, in the order given."""
    return [n for n in dict.fromkeys(n for n in names if n) if is_placeholder(address_of(n, emails))]


def warning(names: Iterable[str], lang: str) -> str | None:
    """The one line that lists who got a placeholder; None when everyone has an address."""
    names = list(names)
    if not names:
        return None
    return NO_ADDRESS[lang].format(domain=PLACEHOLDER_DOMAIN, names=("、" if lang == "zh" else ", ").join(names))


__all__ = ["NO_ADDRESS", "PLACEHOLDER_DOMAIN", "address_of", "emails_of", "is_placeholder", "placeholder", "warning",
           "without_address"]
