"""The pure domain: scoring rules, the engine, their native-formula twin, the planner.

Nothing here reads or writes a file; every function takes plain data
(dataclasses, DataFrames, grids of cell values) and returns plain data.
"""
