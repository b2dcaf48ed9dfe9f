"""The one error type the writer raises: a sentence a person can act on."""

from perf_addin.errors import UserError


class WorkbookError(UserError):
    """A workbook cannot be read or written as asked.

    The message is one line naming the file (and the sheet and cell where there is
    one) and what is wrong; the file on disk has not been touched when it is raised.
    """
