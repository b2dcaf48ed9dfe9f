"""The one place perf-addin talks to LibreOffice headless.

LibreOffice is how the product prints interview tabs to PDF and how tests
recalculate workbooks without Excel.  Three of its habits shape this module:

* It shows the *cached* value of every formula in an .xlsx unless its user
  profile says "always recalculate on load", so every instance owns a
  throw-away profile that says so (or, for ``recalc=False``, says "never").
* Start-up costs about a second, so many files go through one process.
* It writes outputs named after the input's stem into one folder and says
  nothing about the files it could not load, so inputs are staged under
  unique names and each missing output is reported against its own input.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import weakref
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lxml import etree

from perf_addin.errors import UserError

ENV_SOFFICE = "PERF_ADDIN_SOFFICE"
INSTALL_HINT = "apt-get install -y libreoffice-calc-nogui"

#: Every sheet to its own UTF-8 file, comma separated, fields quoted as needed,
#: formatted cell text (sheet index -1 means "all sheets", one file each).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"

Target = Literal["pdf", "csv", "xlsx"]
_FILTERS: dict[str, str] = {
    "pdf": "pdf:calc_pdf_Export",
    "csv": CSV_FILTER,
    "xlsx": "xlsx:Calc Office Open XML",
}

# Where the official installers put soffice when it is not on PATH.
_WELL_KNOWN = (
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
)

_NS_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT = "/officeDocument"

# OOXMLRecalcMode / ODFRecalcMode: 0 = always recalculate, 1 = never, 2 = ask.
_PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
</oor:items>
"""


class LibreOfficeError(UserError, RuntimeError):
    """LibreOffice could not be run, or a whole batch went wrong."""


class LibreOfficeMissing(LibreOfficeError):
    """No soffice executable was found."""


class LibreOfficeTimeout(LibreOfficeError):
    """soffice ran past its time limit and was killed."""


@dataclass
class Conversion:
    """What became of one input file.

    ``outputs`` holds one path for PDF and XLSX; for CSV one path per sheet,
    in workbook order, and ``sheets`` maps each sheet name to its CSV.
    ``error`` is set when LibreOffice produced nothing (or too little).
    """

    source: Path
    outputs: list[Path] = field(default_factory=list)
    sheets: dict[str, Path] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def find_soffice() -> str | None:
    """Return the soffice to run: ``$PERF_ADDIN_SOFFICE``, else PATH, else a
    well-known install location; None when there is none."""
    override = os.environ.get(ENV_SOFFICE)
    if override:
        return _executable(override)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in _WELL_KNOWN if os.access(p, os.X_OK)), None)


def _executable(name: str) -> str | None:
    if os.path.isfile(name) and os.access(name, os.X_OK):
        return name
    return shutil.which(name)


def require_soffice() -> str:
    """Like :func:`find_soffice`, but raise with an install hint."""
    found = find_soffice()
    if found is None:
        override = os.environ.get(ENV_SOFFICE)
        where = f"${ENV_SOFFICE}={override!r} is not executable" if override else "no soffice on PATH"
        raise LibreOfficeMissing(f"LibreOffice headless not found ({where}); install it with: {INSTALL_HINT}")
    return found


class LibreOffice:
    """A soffice executable plus private user profiles, one per recalc mode.

    The private profile matters twice: it carries the recalc setting, and it
    keeps us from handing our job to a LibreOffice the user already has open
    (soffice forwards to a running instance of the same profile and returns
    at once).  For the same reason calls on one instance are serialised.
    """

    def __init__(self, soffice: str | None = None, *, batch_size: int = 200) -> None:
        self.executable = _executable(soffice) if soffice else require_soffice()
        if self.executable is None:
            raise LibreOfficeMissing(f"{soffice!r} is not executable; install LibreOffice with: {INSTALL_HINT}")
        self.batch_size = batch_size
        #: How many soffice processes this instance has started (tests use it).
        self.launches = 0
        self._root = Path(tempfile.mkdtemp(prefix="perf-addin-lo-"))
        self._lock = threading.Lock()
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._root, True)

    def close(self) -> None:
        """Delete the temporary profiles."""
        self._cleanup()

    def __enter__(self) -> LibreOffice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def profile(self, recalc: bool) -> Path:
        """The profile folder for one recalc mode, created on first use."""
        folder = self._root / ("profile-recalc" if recalc else "profile-cached")
        xcu = folder / "user" / "registrymodifications.xcu"
        if not xcu.exists():
            xcu.parent.mkdir(parents=True, exist_ok=True)
            xcu.write_text(_PROFILE_XCU.format(mode=0 if recalc else 1), encoding="utf-8")
        return folder

    def convert(
        self,
        files: Iterable[str | os.PathLike[str]],
        to: Target,
        outdir: str | os.PathLike[str],
        *,
        recalc: bool = True,
        timeout: float | None = None,
        infilter: str | None = None,
    ) -> dict[Path, Conversion]:
        """Convert many files with as few soffice starts as possible.

        Outputs land in ``outdir`` as LibreOffice would name them
        (``stem.pdf``, ``stem.xlsx``, ``stem-Sheet name.csv``); a stem used
        twice in one call becomes ``stem (2)``.  ``timeout`` is per soffice
        process (default: 60 s plus 10 s a file).  ``infilter`` forces an
        import filter, e.g. ``"Calc MS Excel 2007 VBA XML"`` for an .xlam.
        """
        if to not in _FILTERS:
            raise ValueError(f"cannot convert to {to!r}; choose one of {sorted(_FILTERS)}")
        sources = [Path(f) for f in files]  # results are keyed by the paths as given
        out = Path(outdir).resolve()
        out.mkdir(parents=True, exist_ok=True)
        stems = _unique_stems(sources)
        _refuse_overwriting_inputs(sources, stems, to, out)
        results: dict[Path, Conversion] = {}
        for start in range(0, len(sources), self.batch_size):
            batch = list(enumerate(sources[start : start + self.batch_size], start))
            results.update(self._convert_batch(batch, stems, to, out, recalc, timeout, infilter))
        return results

    def read_sheets(
        self, workbook: str | os.PathLike[str], *, recalc: bool = True, timeout: float | None = None
    ) -> dict[str, list[list[str]]]:
        """Every sheet of one workbook as LibreOffice computes and shows it."""
        with tempfile.TemporaryDirectory(prefix="perf-addin-csv-") as tmp:
            results = self.convert([workbook], "csv", tmp, recalc=recalc, timeout=timeout)
            result = next(iter(results.values()))
            if not result.ok:
                raise LibreOfficeError(result.error)
            return read_csv_sheets(result)

    def _convert_batch(
        self,
        batch: list[tuple[int, Path]],
        stems: list[str],
        to: str,
        out: Path,
        recalc: bool,
        timeout: float | None,
        infilter: str | None,
    ) -> dict[Path, Conversion]:
        with self._lock, tempfile.TemporaryDirectory(dir=self._root, prefix="job-") as tmp:
            staged_in, staged_out = Path(tmp, "in"), Path(tmp, "out")
            staged_in.mkdir()
            unreadable = {index: _stage(source, staged_in, index) for index, source in batch}
            names = [_stage_stem(i) + source.suffix for i, source in batch if unreadable[i] is None]
            limit = timeout if timeout is not None else 60 + 10 * len(batch)
            try:
                log = self._run(names, staged_in, staged_out, to, recalc, limit, infilter) if names else ""
            except LibreOfficeTimeout as exc:
                listed = ", ".join(str(source) for _, source in batch[:5])
                more = f" and {len(batch) - 5} more" if len(batch) > 5 else ""
                raise LibreOfficeTimeout(f"{exc}; the batch held {listed}{more}") from None
            return {
                source: Conversion(source, error=unreadable[index])
                if unreadable[index]
                else _collect(source, _stage_stem(index), staged_out, out, stems[index], to, log)
                for index, source in batch
            }

    def _run(
        self, names: list[str], cwd: Path, outdir: Path, to: str, recalc: bool, timeout: float, infilter: str | None
    ) -> str:
        """Run one soffice over ``names`` (relative to ``cwd``); return its stdout."""
        command = [
            self.executable,
            f"-env:UserInstallation={self.profile(recalc).as_uri()}",
            "--headless", "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
            "--convert-to", _FILTERS[to], "--outdir", str(outdir),
        ]
        if infilter:
            command.append(f"--infilter={infilter}")
        self.launches += 1
        process = subprocess.Popen(
            [*command, *names],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            **_own_process_group(),
        )
        try:
            stdout, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(process)
            process.communicate()
            raise LibreOfficeTimeout(
                f"LibreOffice did not finish {len(names)} file(s) within {timeout:g} s and was killed "
                f"(command: {self.executable} --convert-to {to})"
            ) from None
        return stdout.decode("utf-8", "replace")


def convert(
    files: Iterable[str | os.PathLike[str]],
    to: Target,
    outdir: str | os.PathLike[str],
    *,
    recalc: bool = True,
    timeout: float | None = None,
    infilter: str | None = None,
) -> dict[Path, Conversion]:
    """One-off :meth:`LibreOffice.convert` with a profile made for this call."""
    with LibreOffice() as office:
        return office.convert(files, to, outdir, recalc=recalc, timeout=timeout, infilter=infilter)


def read_csv_sheets(sheets: Conversion | Mapping[str, str | os.PathLike[str]]) -> dict[str, list[list[str]]]:
    """Each sheet's rows as lists of strings, keyed by sheet name in order."""
    mapping = sheets.sheets if isinstance(sheets, Conversion) else sheets
    return {name: _read_csv(Path(path)) for name, path in mapping.items()}


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def workbook_sheet_names(path: str | os.PathLike[str]) -> list[str]:
    """Sheet names of an OOXML workbook in tab order ([] if unreadable).

    Chart sheets and hidden sheets count: LibreOffice exports those too.
    """
    try:
        with zipfile.ZipFile(path) as package:
            root = _parse(package.read(_workbook_part(package)))
    except (OSError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, ValueError):
        return []
    # "{*}": Strict OOXML uses another namespace for the same element.
    return [sheet.get("name", "") for sheet in root.iter("{*}sheet")]


def _workbook_part(package: zipfile.ZipFile) -> str:
    """The workbook part's name, found the way Excel finds it (it need not be
    ``xl/workbook.xml``)."""
    try:
        rels = _parse(package.read("_rels/.rels"))
    except KeyError:
        return "xl/workbook.xml"
    for rel in rels.iter(f"{{{_NS_PKG_RELS}}}Relationship"):
        if rel.get("Type", "").endswith(_OFFICE_DOCUMENT):
            return rel.get("Target", "").lstrip("/")
    return "xl/workbook.xml"


def _parse(data: bytes) -> etree._Element:
    # The corpora hold entity bombs and XXE files: never expand entities.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(data, parser)


def pdf_page_count(path: str | os.PathLike[str]) -> int:
    """Pages in a PDF: poppler's ``pdfinfo`` when present, else a count of
    page objects (good for LibreOffice's PDFs, which use no object streams)."""
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo:
        done = subprocess.run([pdfinfo, os.fspath(path)], capture_output=True, timeout=60)
        match = re.search(rb"^Pages:\s+(\d+)", done.stdout, re.MULTILINE)
        if done.returncode == 0 and match:
            return int(match.group(1))
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", Path(path).read_bytes()))


def _stage_stem(index: int) -> str:
    return f"f{index:05d}"


def _stage(source: Path, folder: Path, index: int) -> str | None:
    """Copy an input under a plain unique name: no clashing stems, no
    spaces or leading dashes on soffice's command line, no lock files next
    to the user's file, and read-only sources are fine.  Returns the error
    that stops this one file, if any."""
    try:
        shutil.copyfile(source, folder / (_stage_stem(index) + source.suffix))
    except OSError as exc:
        return f"cannot read {source}: {exc.strerror or exc}"
    return None


def _unique_stems(sources: list[Path]) -> list[str]:
    """Output stems per input; a repeated stem gets `` (2)``, `` (3)``...
    Compared case-insensitively, as Windows and macOS folders would."""
    used: set[str] = set()
    stems = []
    for source in sources:
        stem, n = source.stem, 1
        while stem.casefold() in used:
            n += 1
            stem = f"{source.stem} ({n})"
        used.add(stem.casefold())
        stems.append(stem)
    return stems


def _refuse_overwriting_inputs(sources: list[Path], stems: list[str], to: str, out: Path) -> None:
    if to == "csv":
        return  # per-sheet names: "stem-sheet.csv" never equals an input converted to CSV
    inputs = {source.resolve() for source in sources}
    for stem in stems:
        if out / f"{stem}.{to}" in inputs:
            raise ValueError(f"converting would overwrite the input {out / f'{stem}.{to}'}; choose another outdir")


def _collect(source: Path, staged: str, staged_out: Path, out: Path, stem: str, to: str, log: str) -> Conversion:
    """Move one input's outputs to their final names and check they exist."""
    result = Conversion(source)
    if to != "csv":
        produced = staged_out / f"{staged}.{to}"
        if produced.exists():
            result.outputs.append(_move(produced, out / f"{stem}.{to}"))
        else:
            result.error = f"LibreOffice produced no {to.upper()} for {source} (unreadable or unsupported file?)"
        return result
    for sheet, csv_path in _csv_outputs(source, staged, staged_out, log).items():
        result.sheets[sheet] = _move(csv_path, out / f"{stem}-{sheet}.csv")
    result.outputs = list(result.sheets.values())
    expected = len(workbook_sheet_names(source))
    if not result.sheets:
        result.error = f"LibreOffice produced no CSV for {source} (unreadable or unsupported file?)"
    elif len(result.sheets) < expected:
        result.error = f"LibreOffice exported only {len(result.sheets)} of {expected} sheets of {source}"
    return result


def _csv_outputs(source: Path, staged: str, staged_out: Path, log: str) -> dict[str, Path]:
    """LibreOffice writes sheet S of ``f00001.xlsx`` as ``f00001-S.csv``; the
    staged stem has no dash, so the name after the first dash is the sheet.
    Order: the workbook's tab order, then LibreOffice's own output order."""
    prefix = staged + "-"
    found = {p.name[len(prefix) : -len(".csv")]: p for p in staged_out.glob(f"{staged}-*.csv")}
    order = {name: i for i, name in enumerate(workbook_sheet_names(source))}
    log_position = {name: log.find(str(path)) for name, path in found.items()}
    ranked = sorted(found, key=lambda name: (order.get(name, len(order)), log_position[name], name))
    return {name: found[name] for name in ranked}


def _move(source: Path, target: Path) -> Path:
    shutil.move(os.fspath(source), os.fspath(target))
    return target


def _own_process_group() -> dict[str, object]:
    """Start soffice in its own process group so a timeout kills its
    children too (soffice is a launcher around soffice.bin)."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/T", "/F", "/PID", str(process.pid)], capture_output=True)
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
