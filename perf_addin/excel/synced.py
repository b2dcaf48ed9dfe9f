"""Where a workbook that Excel opened from OneDrive or SharePoint lives on this computer.

With AutoSave on, Excel names such a workbook by its web address
(``Workbook.FullName`` is ``https://…``), although the OneDrive client keeps a
synced copy in a local folder. The jobs work on files, so the ribbon needs that
copy. The address says which kind of place it is, and each kind is synced to a
local folder by a known rule (the same rules xlwings applies to ``Book.fullname``,
with its settings of the same names):

=====================================================  ===================================
address                                                 local file
=====================================================  ===================================
``https://d.docs.live.net/<cid>/<path>``                 ``<personal root>/<path>``
``https://<tenant>-my.sharepoint.com/personal/<user>/``  ``<business root>/<path>``
``Documents/<path>``
``https://<tenant>.sharepoint.com/sites/<site>/``         ``<libraries root>/<Site> - <Library>/``
``<library>/<path>``                                     ``<path>``, or ``<Site> - <Folder>/…`` for
                                                         a synced folder inside the library
=====================================================  ===================================

Each root is the first of these that is set (``%OneDriveConsumer%`` set means the
personal OneDrive is there, whatever ``%OneDrive%`` says):

* personal root: the setting ``ONEDRIVE_CONSUMER_WIN`` (``_MAC``); ``%OneDriveConsumer%``;
  ``%OneDrive%``; ``~/OneDrive`` and macOS's ``~/Library/CloudStorage/OneDrive-Personal``;
* business root: ``ONEDRIVE_COMMERCIAL_WIN``; ``%OneDriveCommercial%``; ``%OneDrive%``;
  macOS's ``~/Library/CloudStorage/OneDrive-<Tenant>``;
* libraries roots: ``SHAREPOINT_WIN``; else the business root's sibling without
  ``OneDrive - `` (``C:\\Users\\me\\OneDrive - Contoso`` → ``C:\\Users\\me\\Contoso``),
  the business root itself (libraries added as shortcuts) and macOS's
  ``~/Library/CloudStorage/OneDrive-SharedLibraries-<Tenant>``.

A site's local folder carries its display name, which may hold spaces the address
drops (``Finance Team - Documents`` for ``/sites/FinanceTeam/Shared Documents``), and
the library's display name, which differs by language (``Documents``,
``Dokumente``, ``文档``); so the libraries root is looked through rather than guessed.
Windows also registers every synced folder with its address (``mounts``): when one
of those holds the file, it wins.

Only a file that exists counts: a copy that is not there, or two candidates that
could each be the workbook, is refused (``NotSyncedError``) with what to do, never
guessed – the jobs rewrite the file they are given. Pure: the caller passes the
environment, the home folder, the settings and the mounts, so the tests lay out real
folders as OneDrive does.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence
from urllib.parse import unquote, urlsplit

from perf_addin.errors import UserError

_SHAREPOINT_HOST = re.compile(r"^(?P<tenant>[^.]+)\.sharepoint\.[a-z.]+$")  # .com, .cn (21Vianet), .us, .de
_BUSINESS_HOST = re.compile(r"^[^.]+-my\.sharepoint\.[a-z.]+$")
_PERSONAL_HOST = "d.docs.live.net"
_VARIABLE = re.compile(r"%([^%]+)%|\$\{([^}]+)\}|\$([A-Za-z_][A-Za-z0-9_]*)")

NOT_SYNCED = {
    "zh": "此工作簿是从 OneDrive/SharePoint 打开的（{url}），本机没有找到它的同步副本。请用 OneDrive 同步它所在的"
          "文件夹（SharePoint 网页上的“同步”），或用“文件 > 另存为”把它保存到本机文件夹，然后再点此按钮。"
          "如果该文件夹同步在别处，请在 {config} 中把 {setting} 设为那个文件夹。",
    "en": "This workbook is open from OneDrive/SharePoint ({url}) and no synced copy of it was found on this "
          "computer. Sync its folder with OneDrive (Sync on the SharePoint page) or save it to a folder on this "
          "computer (File > Save As), then press the button again. If the folder is synced somewhere else, "
          "set {setting} in {config} to that folder.",
}
SEVERAL = {
    "zh": "此工作簿（{url}）在本机有多个可能的同步副本：{paths}。请在 {config} 中把 {setting} 设为存放正确副本的文件夹。",
    "en": "This workbook ({url}) has more than one possible synced copy on this computer: {paths}. Set {setting} "
          "in {config} to the folder that holds the right one.",
}


class NotSyncedError(UserError):
    """Excel names the workbook by a web address and this computer has no single
    local copy of it; the message says what to do."""


@dataclass(frozen=True)
class SyncPlaces:
    """The folders this computer syncs OneDrive and SharePoint to, by kind."""

    personal: tuple[Path, ...] = ()
    business: tuple[Path, ...] = ()
    libraries: tuple[Path, ...] = ()
    #: (web address, local folder) of every folder the OneDrive client registered
    mounts: tuple[tuple[str, Path], ...] = ()
    platform: str = sys.platform

    @classmethod
    def of(cls, env: Mapping[str, str], home: Path, settings: Mapping[str, str] | None = None,
           mounts: Iterable[tuple[str, str | Path]] = (), platform: str = sys.platform) -> SyncPlaces:
        """The places as the environment variables of the OneDrive client, the settings
        (``ONEDRIVE_CONSUMER_WIN`` …, which win when given) and macOS's
        ``~/Library/CloudStorage`` folders say."""
        def setting(kind: str) -> Path | None:
            value = _lookup(settings or {}, setting_name(kind, platform))
            return Path(_expand(value, env)) if value else None

        def first(*tiers: Sequence[Path | str | None]) -> list[Path]:
            """The first tier that names any folder: ``%OneDriveConsumer%`` set means
            the personal OneDrive is there, whatever ``%OneDrive%`` says."""
            return next(([Path(p) for p in tier if p] for tier in tiers if any(tier)), [])

        cloud = home / "Library" / "CloudStorage"
        mac = _children(cloud)
        commercial_env = _lookup(env, "OneDriveCommercial")
        personal = first([setting("personal")], [_lookup(env, "OneDriveConsumer")], [_lookup(env, "OneDrive")],
                         [home / "OneDrive", cloud / "OneDrive-Personal"])
        business = first([setting("business")], [commercial_env], [_lookup(env, "OneDrive")],
                         [p for p in mac if p.name.startswith("OneDrive-") and p.name != "OneDrive-Personal"
                          and not p.name.startswith("OneDrive-SharedLibraries-")])
        tenant = Path(commercial_env) if commercial_env else None
        libraries = first([setting("libraries")],
                          [*([tenant.with_name(tenant.name.removeprefix("OneDrive - "))]
                             if tenant and tenant.name.startswith("OneDrive - ") else []), *business,
                           *(p for p in mac if p.name.startswith("OneDrive-SharedLibraries-"))])
        return cls(tuple(_distinct(personal)), tuple(_distinct(business)), tuple(_distinct(libraries)),
                   tuple((str(url), Path(folder)) for url, folder in mounts), platform)


def setting_name(kind: str, platform: str = sys.platform) -> str:
    """The setting that names the local root of a kind of place on this platform."""
    base = {"personal": "ONEDRIVE_CONSUMER", "business": "ONEDRIVE_COMMERCIAL", "libraries": "SHAREPOINT"}[kind]
    return f"{base}_{'MAC' if platform == 'darwin' else 'WIN'}"


def is_web_address(full_name: str) -> bool:
    return "://" in full_name


def place_kind(url: str) -> str | None:
    """"personal", "business" or "libraries" for a OneDrive/SharePoint address, else None."""
    host = urlsplit(url).netloc.lower()
    if host == _PERSONAL_HOST:
        return "personal"
    if _BUSINESS_HOST.match(host):
        return "business"
    if _SHAREPOINT_HOST.match(host):
        return "libraries"
    return None


def local_copies(url: str, places: SyncPlaces) -> list[Path]:
    """Every existing local file the address may stand for, the registered mounts'
    first; usually one, none when the folder is not synced here."""
    parts = [unquote(p) for p in urlsplit(url).path.split("/") if p]
    found = [m for m in _from_mounts(url, places.mounts) if m.is_file()]
    if found:
        return _distinct(found)  # the client's own record of the folder: no need to guess
    kind = place_kind(url)
    if kind == "personal" and len(parts) >= 2:
        candidates = [root.joinpath(*parts[1:]) for root in places.personal]
    elif kind == "business" and len(parts) >= 4 and parts[0].casefold() == "personal":
        candidates = [root.joinpath(*parts[3:]) for root in places.business]
    elif kind == "libraries" and len(parts) >= 4 and parts[0].casefold() in ("sites", "teams"):
        candidates = list(_in_libraries(parts[1], parts[3:], places.libraries))
    else:
        candidates = []
    return _distinct(p for p in candidates if p.is_file())


def local_workbook(full_name: str, places: SyncPlaces, lang: str = "en", config: str = "perf_addin.conf") -> Path:
    """The file to run a job on: ``full_name`` itself when it is a local path, else
    the one local copy of the web address; ``NotSyncedError`` when there is none or
    more than one, in ``lang``, naming the setting that would point the way."""
    if not is_web_address(full_name):
        return Path(full_name)
    copies = local_copies(full_name, places)
    if len(copies) == 1:
        return copies[0]
    setting = setting_name(place_kind(full_name) or "libraries", places.platform)
    values = {"url": full_name, "config": config, "setting": setting}
    if not copies:
        raise NotSyncedError(NOT_SYNCED[lang].format(**values))
    raise NotSyncedError(SEVERAL[lang].format(paths=", ".join(map(str, copies)), **values))


def read_settings(text: str) -> dict[str, str]:
    """The ``"KEY","value"`` lines of an xlwings-style config file (``perf_addin.conf``)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(r'^\s*"([^"]*)"\s*,\s*"([^"]*)"\s*$', line)
        if m:
            out[m[1]] = m[2]
    return out


# ------------------------------------------------------------------ helpers


def _from_mounts(url: str, mounts: Sequence[tuple[str, Path]]) -> list[Path]:
    address = unquote(url).casefold()
    out = []
    for namespace, folder in mounts:
        prefix = unquote(namespace).casefold()
        if address.startswith(prefix):
            rest = [p for p in unquote(url)[len(prefix):].split("/") if p]
            out.append(folder.joinpath(*rest))
            # one folder of a library synced on its own registers the library's address
            name = folder.name.casefold()
            out += [folder.joinpath(*rest[i + 1:]) for i, part in enumerate(rest[:-1])
                    if name == part.casefold() or name.endswith(f" - {part}".casefold())]
    return out


def _in_libraries(site: str, path: list[str], roots: Sequence[Path]) -> Iterable[Path]:
    """Candidates in folders named ``<Site> - <Library>`` (the library synced whole) or
    ``<Site> - <Folder>`` (one folder of it synced, ``path`` then goes on below it)."""
    wanted = _squeezed(site)
    for root in roots:
        for folder in _children(root):
            for head, tail in _splits(folder.name):
                if _squeezed(head) != wanted:
                    continue
                yield folder.joinpath(*path)
                for i, part in enumerate(path[:-1]):
                    if part.casefold() == tail.casefold():
                        yield folder.joinpath(*path[i + 1:])


def _splits(name: str) -> Iterable[tuple[str, str]]:
    """Every way to read a folder name as ``<head> - <tail>``."""
    start = 0
    while (i := name.find(" - ", start)) >= 0:
        yield name[:i], name[i + 3:]
        start = i + 1


def _squeezed(text: str) -> str:
    """A site's name as its address spells it: no spaces, any case."""
    return "".join(text.split()).casefold()


def _children(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir())
    except OSError:
        return []


def _lookup(mapping: Mapping[str, str], name: str) -> str | None:
    """A variable or setting by name, in any case (Windows' are case-insensitive)."""
    if name in mapping:
        return mapping[name] or None
    folded = name.casefold()
    return next((v or None for k, v in mapping.items() if k.casefold() == folded), None)


def _expand(value: str, env: Mapping[str, str]) -> str:
    """``%OneDrive%\\Work``, ``$HOME/OneDrive`` and ``${HOME}`` with the given environment."""
    return _VARIABLE.sub(lambda m: _lookup(env, next(g for g in m.groups() if g)) or m[0], value)


def _distinct(paths: Iterable[Path]) -> list[Path]:
    seen: dict[str, Path] = {}
    for p in paths:
        seen.setdefault(str(p).casefold(), p)
    return list(seen.values())


__all__ = ["NotSyncedError", "SyncPlaces", "is_web_address", "local_copies", "local_workbook", "place_kind",
           "read_settings", "setting_name"]
