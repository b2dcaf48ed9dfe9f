"""Shared fixtures.

Anything a test needs from outside Python (LibreOffice, the shared corpora)
is skipped with a reason on a developer's machine where it is missing, but
fails under CI=true: a green CI must never be a silently skipped one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from perf_addin.engines.libreoffice import INSTALL_HINT, LibreOffice, find_soffice

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENV_CORPUS = "PERF_ADDIN_CORPUS"


def require(reason: str) -> None:
    """Skip the test, or fail it when running in CI."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required when CI=true)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def soffice() -> Iterator[LibreOffice]:
    """One LibreOffice (with its recalc-on-load profile) for the whole run,
    so the profile is built once."""
    if find_soffice() is None:
        require(f"LibreOffice headless not found: {INSTALL_HINT}")
    with LibreOffice() as office:
        yield office


def corpus_root() -> Path:
    """``$PERF_ADDIN_CORPUS``, else ``shared/corpus`` beside the project."""
    override = os.environ.get(ENV_CORPUS)
    return Path(override) if override else PROJECT_ROOT.parent / "shared" / "corpus"


#: what each corpus is, for the skip reason: neither is part of this repository
CORPUS_ORIGIN = {
    "excel-made": "about 1,000 small workbooks saved by Excel itself, one feature each",
    "poi": "the real-world and deliberately broken spreadsheets of Apache POI's test data",
}


def _corpus(name: str) -> Path:
    folder = corpus_root() / name
    if not folder.is_dir():
        require(f"fidelity corpus '{name}' ({CORPUS_ORIGIN[name]}) is not part of this repository and was "
                f"not found at {folder}; set {ENV_CORPUS} to the folder holding {name}/ to run these tests")
    return folder


@pytest.fixture(scope="session")
def excel_made_dir() -> Path:
    """Workbooks saved by Excel, one feature each (read-only: copy before writing)."""
    return _corpus("excel-made")


@pytest.fixture(scope="session")
def poi_dir() -> Path:
    """Apache POI's real-world and broken workbooks (read-only)."""
    return _corpus("poi")
