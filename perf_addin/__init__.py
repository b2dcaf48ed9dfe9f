"""perf-addin: the performance-feedback cycle (绩效反馈) inside the department workbook.

The core (everything but ``udfs`` and ``ribbon``) never imports xlwings, so it runs
headless on any OS against workbook files.
"""

__version__ = "0.1.0"
