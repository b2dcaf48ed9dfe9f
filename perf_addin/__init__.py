"""perf-addin: the performance-feedback cycle (绩效反馈) inside the department workbook.

Layers, from the inside out:

- ``domain``  – the rules, the scoring engine, native formulas, the interview planner (pure)
- ``book``    – reading a department workbook into plain data
- ``forms``   – the interview tab and calendar invitations as data
- ``jobs``    – what each command does: score, interviews, schedule, share, collect, reconcile, seal
- ``xlsx``    – the workbook writer that keeps what it does not understand
- ``engines`` – LibreOffice and Gnumeric, to recalculate and print
- ``excel``, ``cli`` – the edges: UDFs, ribbon, add-in build; the command line

Only ``excel`` imports xlwings, so everything else runs headless on any OS.
"""

__version__ = "0.1.0"
