"""The one base of every error a user can act on.

Each job keeps its own error type (``CollectError``, ``ScheduleError``, ...) so a
caller can tell them apart, but all derive from ``UserError``: the command line and
the ribbon catch exactly ``USER_ERRORS`` and show the message as one line or one
message box. Anything else is a bug and reaches the log with its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """A reason to stop that the user can act on: one line naming the file, the
    sheet and the cell where there is one; nothing on disk has been changed."""


#: what the command line and the ribbon show as a message rather than as a bug
#: (an OSError – missing file, no permission, disk full – is the user's to fix too)
USER_ERRORS: tuple[type[BaseException], ...] = (UserError, OSError)
