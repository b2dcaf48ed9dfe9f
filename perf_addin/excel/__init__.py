"""The Excel edge: UDFs, ribbon handlers, the VBA shim and the add-in build.

The only package that imports xlwings (and only in ``udfs`` and the live-Excel
host of ``ribbon``); everything it does is a thin call into the jobs.
"""
