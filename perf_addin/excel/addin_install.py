"""Install the add-in into the user's Excel (Windows and macOS).

Installing is xlwings' own ``xlwings addin install --file perf_addin.xlam``:
it copies the file into Excel's startup folder (asking Excel where that is,
closing an open copy first) and on macOS also installs the AppleScript that
``RunPython`` needs. Then one file xlwings' VBA reads is written: the user
config ``perf_addin.conf`` naming this Python interpreter, because the
add-in itself carries no machine-specific path.

Excel does not run on Linux, so there these commands refuse with one line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from perf_addin.excel.addin_build import PROJECT_NAME, XLAM_NAME, build_xlam

SUPPORTED = ("win32", "darwin")


class AddinInstallError(OSError):
    """Installing or removing the add-in is not possible here; the message says why."""


def require_excel_platform(platform: str = sys.platform) -> None:
    if platform not in SUPPORTED:
        raise AddinInstallError("Excel is not available on this system (the add-in installs on "
                                "Windows and macOS); build it with `perf-addin addin build` and "
                                "install it on a machine with Excel")


def user_config_file(platform: str = sys.platform, home: Path | None = None) -> Path:
    """Where xlwings' VBA (``GetConfigFilePath`` with PROJECT_NAME perf_addin) looks."""
    home = home or Path.home()
    if platform == "darwin":  # Excel is sandboxed: its $HOME is its container
        return home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / f"{PROJECT_NAME}.conf"
    return home / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf"


def user_config_text(platform: str = sys.platform, interpreter: str = sys.executable) -> str:
    """The config lines, in the ``"KEY","value"`` form VBA's ``Input #`` reads."""
    key = "INTERPRETER_MAC" if platform == "darwin" else "INTERPRETER_WIN"
    return f'"{key}","{interpreter}"\n'


def _xlwings_addin(*args: str) -> None:
    command = [sys.executable, "-m", "xlwings.cli", "addin", *args]
    result = subprocess.run(command, capture_output=True, text=True)
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0 or "Error" in output:
        raise AddinInstallError(output.splitlines()[-1] if output else f"{' '.join(command)} failed")


def install(xlam: str | Path | None = None, platform: str = sys.platform) -> Path:
    """Install ``xlam`` (default: a fresh build) and point it at this Python."""
    require_excel_platform(platform)
    with tempfile.TemporaryDirectory(prefix="perf-addin-build-") as tmp:
        source = Path(xlam) if xlam else build_xlam(tmp)
        if source.name != XLAM_NAME:
            raise AddinInstallError(f"{source}: the add-in file must be named {XLAM_NAME}")
        _xlwings_addin("install", "--file", str(source))
    config = user_config_file(platform)
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(user_config_text(platform), encoding="utf-8")
    return config


def uninstall(platform: str = sys.platform) -> None:
    """Remove the add-in from Excel's startup folder and its user config."""
    require_excel_platform(platform)
    _xlwings_addin("remove", "--file", XLAM_NAME)
    config = user_config_file(platform)
    if config.exists():
        os.remove(config)


__all__ = ["AddinInstallError", "install", "require_excel_platform", "uninstall", "user_config_file",
           "user_config_text"]
