"""The whole feedback cycle, run by the real CLI on the sample, checked part by part.

Each command's output is compared with what it was written from: every XML part a
command added or changed must validate against the ECMA-376 schemas and follow the
rules Excel enforces beyond them (see ``ooxml_check``), unless the same problem is
already in the part it came from. Then a second strict reader, openxml-audit (a port
of the Open XML SDK's validator, which predicts Excel's repairs), opens every file.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest

from ooxml_check import Check, Schemas, introduced, read_parts
from perf_addin.cli import _parser, main
from perf_addin.xlsx import Formula, Workbook
from tests.test_collect import SIGNED_3, typed

PROJECT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT / "workbook" / "sample_department.xlsx"


@dataclass
class Written:
    step: str
    path: Path
    check: Check


def commands() -> set[str]:
    """The subcommands this version of the CLI has (later ones, e.g. calibrate, are
    checked once they exist)."""
    parser = _parser()
    actions = [a for a in parser._subparsers._group_actions if hasattr(a, "choices")]
    return set(actions[0].choices) if actions else set()


class Cycle:
    """Runs commands on one book, checking what each one wrote against the version
    before it."""

    def __init__(self, book: Path, schemas: Schemas) -> None:
        self.book, self.schemas = book, schemas
        self.results: list[Written] = []
        self.parts = read_parts(book)

    def run(self, step: str, *args: str) -> None:
        assert main([args[0], str(self.book), *args[1:]]) == 0, step
        after = read_parts(self.book)
        self.results.append(Written(step, self.book, introduced(self.parts, after, self.schemas)))
        self.parts = after

    def edit(self, step: str, cells: dict) -> None:
        """Cells put in through the writer's API, as the add-in does in Excel."""
        with Workbook.open(self.book) as wb:
            wb.set_cells("员工", cells)
            wb.save(backup=False)
        after = read_parts(self.book)
        self.results.append(Written(step, self.book, introduced(self.parts, after, self.schemas)))
        self.parts = after

    def new_file(self, step: str, path: Path, origin: dict[str, bytes] | None) -> None:
        self.results.append(Written(step, path, introduced(origin, read_parts(path), self.schemas)))


@pytest.fixture(scope="module")
def cycle(tmp_path_factory) -> Cycle:
    schemas = Schemas.load()
    folder = tmp_path_factory.mktemp("cycle")
    book = folder / "dept.xlsx"
    shutil.copyfile(SAMPLE, book)
    run = Cycle(book, schemas)
    available = commands()
    run.run("score", "score")
    run.run("interviews", "interviews")
    run.run("schedule", "schedule", "--from", "2026-03-02", "--to", "2026-03-13",
            "--ics", str(folder / "ics"))
    run.run("reconcile (chart, budget)", "reconcile", "--budget", "500000")
    run.run("seal", "seal", "--key-file", str(folder / "seal.key"), "--create-key")
    run.edit("PERF_* formulas typed", {
        "Z4": Formula("PERF_SCORE(F4,G4,H4,I4,J4)", 100.0), "AA4": Formula("PERF_GRADE(Z4)", "B"),
        "AB4": Formula("PERF_BONUS(K4,Z4)+1", 5001.0)})  # nested: becomes its value
    master = read_parts(book)
    assert main(["share", str(book), "--portable", str(folder / "portable.xlsx")]) == 0
    run.new_file("share --portable", folder / "portable.xlsx", master)
    assert main(["share", str(book), "--packs", str(folder / "packs"), "--only", "1002", "1003"]) == 0
    for pack in sorted((folder / "packs").glob("*.xlsx")):
        run.new_file("share --packs", pack, None)
    returned = folder / "returned.xlsx"
    shutil.copyfile(book, returned)
    typed(returned, "1002", {k: v for k, v in SIGNED_3.items() if k != "sign.employee"})
    run.run("collect", "collect", str(returned), "--today", "2026-04-01",
            "--reminders", str(folder / "eml"))
    if "calibrate" in available:
        run.run("calibrate", "calibrate")
    return run


def test_every_part_the_cycle_writes_is_valid(cycle):
    problems = [f"{w.step} ({w.path.name}): {p}" for w in cycle.results for p in w.check.problems]
    assert not problems, "\n".join(problems)
    # the check looked at real work: every step changed parts, most of them schema-described
    assert all(w.check.parts for w in cycle.results), [(w.step, w.check.parts) for w in cycle.results]
    assert sum(w.check.validated for w in cycle.results) > 100
    print(f"schema check: {sum(w.check.parts for w in cycle.results):,} parts written in "
          f"{len(cycle.results)} steps, {len({w.path for w in cycle.results})} files")


def test_a_second_strict_reader_opens_every_output(cycle):
    """openxml-audit (the Open XML SDK's rules, plus the repairs Excel is known to
    make) finds no error in the master, the portable copy or a pack."""
    from openxml_audit import OpenXmlValidator, ValidationSeverity
    validator = OpenXmlValidator(max_errors=0)
    files = {w.path for w in cycle.results}
    errors = []
    for path in sorted(files):
        result = validator.validate(str(path))
        errors += [f"{path.name}: {e.description} ({e.part_uri})" for e in result.errors
                   if e.severity is ValidationSeverity.ERROR]
    assert len(files) >= 4
    assert not errors, "\n".join(errors)


def test_the_portable_copy_has_ordinary_permissions(cycle):
    """A new file gets 0666 less the umask, like any program's new file (the
    temporary file it is renamed from is created 0600)."""
    umask = os.umask(0o022)
    os.umask(umask)
    portable = next(w.path for w in cycle.results if w.step == "share --portable")
    assert stat.S_IMODE(portable.stat().st_mode) == 0o666 & ~umask
