"""Other spreadsheet engines perf-addin drives: LibreOffice headless and Gnumeric.

Used to recalculate and print the workbooks the tool writes, so its numbers
are checked by an engine it did not write.
"""
