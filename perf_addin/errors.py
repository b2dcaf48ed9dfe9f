"""The one base of every error a user can act on.

Each job keeps its own error type (``CollectError``, ``ScheduleError``, ...) so a
caller can tell them apart, but all derive from ``UserError``: the command line and
the ribbon catch exactly ``USER_ERRORS`` and show the message as one line or one
message box. Anything else is a bug and reaches the log with its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """A reason to stop that the user can act on: one line naming the file, the
    sheet and the cell where there is one; nothing on disk has been changed.

    Layers that do not know the workbook's language (the writer, say) word the
    message in English and may give its Chinese wording as ``zh``; the command line
    and the ribbon show ``in_language(lang)``.
    """

    zh: str | None = None

    def __init__(self, *args: object, zh: str | None = None) -> None:
        super().__init__(*args)
        if zh is not None:
            self.zh = zh

    def in_language(self, lang: str) -> str:
        """The message in ``lang`` where a wording for it was given, else as raised."""
        return self.zh if lang == "zh" and self.zh else str(self)


def message_in(exc: BaseException, lang: str) -> str:
    """What the user is shown for ``exc`` in the workbook's language."""
    return exc.in_language(lang) if isinstance(exc, UserError) else str(exc)


#: what the command line and the ribbon show as a message rather than as a bug
#: (an OSError – missing file, no permission, disk full – is the user's to fix too)
USER_ERRORS: tuple[type[BaseException], ...] = (UserError, OSError)
