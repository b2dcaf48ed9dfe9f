"""Reading a department workbook: the employee table, the rules, what it holds now.

Read-only: these modules turn cell grids into plain data and never write.
"""
