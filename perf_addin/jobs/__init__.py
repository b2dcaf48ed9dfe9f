"""The jobs each command and ribbon button runs on one workbook.

score, interviews, schedule, share, collect, reconcile, seal, reminders: each
reads through ``book``, builds through ``domain`` and ``forms``, and writes
through ``xlsx``.
"""
