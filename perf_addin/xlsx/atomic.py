"""Saving without ever leaving a half-written workbook, and keeping the last version.

The new file is written beside the old one, flushed to disk and renamed over it in
one step, so a crash or a full disk leaves either the old file or the new one. The
old one is kept in a ``perf-addin backups`` folder next to the workbook.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

from .errors import WorkbookError

BACKUP_DIR = "perf-addin backups"
KEEP_BACKUPS = 10


def lock_files(path: Path) -> list[Path]:
    """Excel's owner files for an open workbook: ``~$`` plus the name, with the first
    two characters dropped for long names."""
    names = {"~$" + path.name, "~$" + path.name[2:]}
    return [path.with_name(n) for n in sorted(names) if path.with_name(n).exists()]


def check_writable(path: Path) -> None:
    """Refuse before any work when the save could not succeed."""
    locks = lock_files(path)
    if locks:
        raise WorkbookError(f"{path.name} is open in Excel (lock file {locks[0].name}); "
                            "close it there and try again",
                            zh=f"{path.name} 正在 Excel 中打开（锁定文件 {locks[0].name}）；请在 Excel 中关闭后再试")
    if path.exists() and (not os.access(path, os.W_OK)
                          or not path.stat().st_mode & stat.S_IWUSR):
        raise WorkbookError(f"{path.name} is read-only; make it writable or save elsewhere",
                            zh=f"{path.name} 是只读文件；请取消只读或另存到别处")
    folder = path.parent if str(path.parent) else Path(".")
    if not os.access(folder, os.W_OK):
        raise WorkbookError(f"cannot write in the folder of {path.name}",
                            zh=f"无法在 {path.name} 所在的文件夹中写入")


def atomic_write(path: Path, write: Callable[[BinaryIO], None], backup: bool = True) -> Path | None:
    """Write ``path`` through ``write(file)``; return where the old version was kept."""
    check_writable(path)
    fd, tmp_name = tempfile.mkstemp(prefix=".~perf-addin-", suffix=path.suffix, dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        kept = keep_backup(path) if backup and path.exists() else None
        if path.exists():
            shutil.copymode(path, tmp)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return kept


def _umask() -> int:
    """The process's umask: ``mkstemp`` creates files 0600, while a new workbook should
    get the permissions any program's new file gets (0644 under the usual umask)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def keep_backup(path: Path) -> Path:
    """Keep the current ``path`` in the backups folder beside it; returns the copy."""
    folder = path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H%M%S.%f")
    target = folder / f"{path.stem} {stamp}{path.suffix}"
    try:
        os.link(path, target)  # the old inode lives on under the backup name
    except OSError:
        shutil.copy2(path, target)
    _prune(folder, path)
    return target


def _prune(folder: Path, path: Path) -> None:
    mine = sorted(p for p in folder.glob(f"{path.stem} *{path.suffix}")
                  if p.name[len(path.stem) + 1:len(path.stem) + 2].isdigit())
    for old in mine[:-KEEP_BACKUPS]:
        old.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open a directory; its rename is durable enough
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
