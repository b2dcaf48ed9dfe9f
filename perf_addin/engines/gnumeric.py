"""Gnumeric's ``ssconvert`` as a second, independent recalculating engine.

The native formulas must come out the same in every spreadsheet program, so
the parity tests recalculate each workbook twice: in LibreOffice
(``libreoffice.py``) and here, in Gnumeric, whose code shares nothing with it
(and which computes in 80-bit long double where the Debian build has it).

``ssconvert --recalc`` recalculates every formula after loading (without it,
cached values are exported), and the text exporter with ``format=raw`` writes
each value unformatted at full precision, errors by name (``#N/A``), one CSV
per sheet with ``-S`` and a ``%n`` (sheet index) output name.  One run takes
about 0.2 s, so there is no batching.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from perf_addin.engines.libreoffice import read_csv_sheets, workbook_sheet_names

ENV_SSCONVERT = "PERF_ADDIN_SSCONVERT"
INSTALL_HINT = "apt-get install -y gnumeric"
_EXPORT = ["-T", "Gnumeric_stf:stf_assistant", "-O", "format=raw separator=, eol=unix charset=UTF-8"]


class GnumericError(RuntimeError):
    """ssconvert is missing, failed, or exported less than every sheet."""


def find_ssconvert() -> str | None:
    """``$PERF_ADDIN_SSCONVERT``, else ``ssconvert`` on PATH; None when there is none."""
    override = os.environ.get(ENV_SSCONVERT)
    if override:
        return override if os.access(override, os.X_OK) else shutil.which(override)
    return shutil.which("ssconvert")


def recalculated_sheets(workbook: str | os.PathLike[str], *, timeout: float = 300) -> dict[str, list[list[str]]]:
    """Every sheet of ``workbook`` as Gnumeric recalculates it: rows of raw value texts."""
    ssconvert = find_ssconvert()
    if ssconvert is None:
        raise GnumericError(f"Gnumeric's ssconvert not found; install it with: {INSTALL_HINT}")
    names = workbook_sheet_names(workbook)
    with tempfile.TemporaryDirectory(prefix="perf-addin-gnumeric-") as tmp:
        source = Path(tmp, "in" + Path(workbook).suffix)
        shutil.copyfile(workbook, source)
        command = [ssconvert, "-S", "--recalc", *_EXPORT, str(source), str(Path(tmp, "out-%n.csv"))]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise GnumericError(f"ssconvert did not finish {workbook} within {timeout:g} s") from None
        outputs = {name: Path(tmp, f"out-{i}.csv") for i, name in enumerate(names)}
        missing = [name for name, path in outputs.items() if not path.exists()]
        if done.returncode != 0 or missing or not names:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GnumericError(f"ssconvert could not recalculate {workbook} "
                                f"(missing sheets: {missing}): {message[-1] if message else done.returncode}")
        return read_csv_sheets(outputs)
