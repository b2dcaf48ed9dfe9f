"""A workbook Excel opened from OneDrive or SharePoint (an https:// full name) is
found in its synced local folder, laid out here in real folders as the OneDrive
client lays them out; with no copy, or two, the ribbon refuses with what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from perf_addin.errors import UserError
from perf_addin.excel.synced import (NotSyncedError, SyncPlaces, local_copies, local_workbook, place_kind,
                                     read_settings, setting_name)

BOOK = "绩效 2024.xlsx"


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK")
    return path


def windows(home: Path, **env: str) -> SyncPlaces:
    return SyncPlaces.of(env, home, platform="win32")


def test_personal_onedrive(tmp_path):
    book = touch(tmp_path / "OneDrive" / "HR" / "Q4 reviews" / BOOK)
    places = windows(tmp_path / "me", OneDrive=str(tmp_path / "OneDrive"))
    url = f"https://d.docs.live.net/f9d8c1184686d493/HR/Q4 reviews/{BOOK}"
    assert local_workbook(url, places) == book
    # the address as a browser spells it (percent-encoded) is the same file
    assert local_workbook("https://d.docs.live.net/F9D8C1184686D493/HR/Q4%20reviews/%E7%BB%A9%E6%95%88%202024.xlsx",
                          places) == book


def test_personal_onedrive_by_consumer_variable_and_default_folder(tmp_path):
    consumer = touch(tmp_path / "Personal" / BOOK)
    touch(tmp_path / "Business" / BOOK)  # the same name in the business folder must not be taken
    url = f"https://d.docs.live.net/abc/{BOOK}"
    places = windows(tmp_path, OneDriveConsumer=str(tmp_path / "Personal"), OneDrive=str(tmp_path / "Business"))
    assert local_copies(url, places) == [consumer]
    default = touch(tmp_path / "home" / "OneDrive" / BOOK)  # no variable at all: ~/OneDrive
    assert local_workbook(url, windows(tmp_path / "home")) == default


def test_onedrive_for_business(tmp_path):
    root = tmp_path / "OneDrive - Contoso"
    book = touch(root / "Performance" / BOOK)
    url = f"https://contoso-my.sharepoint.com/personal/li_lei_contoso_com/Documents/Performance/{BOOK}"
    assert place_kind(url) == "business"
    assert local_workbook(url, windows(tmp_path, OneDriveCommercial=str(root))) == book
    # 21Vianet (世纪互联) hosts Microsoft 365 in China under sharepoint.cn
    cn = f"https://contoso-my.sharepoint.cn/personal/li_lei_contoso_cn/Documents/Performance/{BOOK}"
    assert local_workbook(cn, windows(tmp_path, OneDriveCommercial=str(root))) == book


def test_sharepoint_library_synced_whole(tmp_path):
    """Site "Finance Team" (address FinanceTeam), library Shared Documents: the client
    syncs it to <tenant folder>/Finance Team - Documents, beside OneDrive - Contoso."""
    book = touch(tmp_path / "Contoso" / "Finance Team - Documents" / "2024" / BOOK)
    (tmp_path / "OneDrive - Contoso").mkdir()
    places = windows(tmp_path, OneDriveCommercial=str(tmp_path / "OneDrive - Contoso"))
    url = f"https://contoso.sharepoint.com/sites/FinanceTeam/Shared Documents/2024/{BOOK}"
    assert place_kind(url) == "libraries"
    assert local_workbook(url, places) == book


def test_sharepoint_library_with_a_localised_name(tmp_path):
    book = touch(tmp_path / "Contoso" / "Personalwesen - Dokumente" / BOOK)
    places = windows(tmp_path, OneDriveCommercial=str(tmp_path / "OneDrive - Contoso"))
    url = f"https://contoso.sharepoint.com/sites/Personalwesen/Freigegebene Dokumente/{BOOK}"
    assert local_workbook(url, places) == book


def test_sharepoint_one_folder_of_a_library_synced(tmp_path):
    """Syncing only the folder HR/2024 of the library gives <Site> - 2024, and the path
    goes on below that folder."""
    book = touch(tmp_path / "Contoso" / "People - 2024" / "Q4" / BOOK)
    places = windows(tmp_path, OneDriveCommercial=str(tmp_path / "OneDrive - Contoso"))
    url = f"https://contoso.sharepoint.com/sites/People/Shared Documents/HR/2024/Q4/{BOOK}"
    assert local_workbook(url, places) == book


def test_sharepoint_setting_names_the_root(tmp_path):
    book = touch(tmp_path / "D" / "Sync" / "People - Documents" / BOOK)
    touch(tmp_path / "Contoso" / "People - Documents" / BOOK)  # a stale copy elsewhere
    settings = {"SHAREPOINT_WIN": "%SYNCROOT%\\Sync".replace("\\", "/")}
    places = SyncPlaces.of({"OneDriveCommercial": str(tmp_path / "OneDrive - Contoso"),
                            "SyncRoot": str(tmp_path / "D")}, tmp_path, settings, platform="win32")
    url = f"https://contoso.sharepoint.com/sites/People/Shared Documents/{BOOK}"
    assert local_workbook(url, places) == book


def test_registered_mount_wins(tmp_path):
    """The client's own record (address -> folder) is used as it is, also when a
    folder of the library was synced on its own under a name of the user's."""
    book = touch(tmp_path / "Wherever" / "HR - 2024" / BOOK)
    places = SyncPlaces.of({}, tmp_path, mounts=[
        ("https://contoso.sharepoint.com/sites/People/Shared Documents/", tmp_path / "Wherever" / "HR - 2024")],
        platform="win32")
    url = f"https://contoso.sharepoint.com/sites/People/Shared Documents/2024/{BOOK}"
    assert local_workbook(url, places) == book


def test_no_local_copy_is_refused_with_what_to_do(tmp_path):
    places = windows(tmp_path, OneDrive=str(tmp_path / "OneDrive"))
    url = f"https://d.docs.live.net/abc/HR/{BOOK}"
    with pytest.raises(NotSyncedError) as zh:
        local_workbook(url, places, "zh")
    assert isinstance(zh.value, UserError)
    text = str(zh.value)
    assert url in text and "本机没有找到它的同步副本" in text and "另存为" in text and "ONEDRIVE_CONSUMER_WIN" in text
    with pytest.raises(NotSyncedError, match="no synced copy of it was found.*ONEDRIVE_COMMERCIAL_WIN"):
        local_workbook(f"https://contoso-my.sharepoint.com/personal/u/Documents/{BOOK}", places, "en")


def test_two_possible_copies_are_refused_not_guessed(tmp_path):
    a = touch(tmp_path / "Contoso" / "People - Documents" / BOOK)
    b = touch(tmp_path / "Contoso" / "People - Archive" / BOOK)
    places = windows(tmp_path, OneDriveCommercial=str(tmp_path / "OneDrive - Contoso"))
    url = f"https://contoso.sharepoint.com/sites/People/Shared Documents/{BOOK}"
    assert sorted(local_copies(url, places)) == sorted([a, b])
    with pytest.raises(NotSyncedError, match="more than one possible synced copy.*SHAREPOINT_WIN"):
        local_workbook(url, places)


def test_a_file_of_another_site_is_not_taken(tmp_path):
    touch(tmp_path / "Contoso" / "Sales - Documents" / BOOK)
    places = windows(tmp_path, OneDriveCommercial=str(tmp_path / "OneDrive - Contoso"))
    with pytest.raises(NotSyncedError):
        local_workbook(f"https://contoso.sharepoint.com/sites/People/Shared Documents/{BOOK}", places)


def test_local_names_pass_through_and_macos_settings(tmp_path):
    assert local_workbook(str(tmp_path / BOOK), SyncPlaces()) == tmp_path / BOOK
    assert setting_name("personal", "darwin") == "ONEDRIVE_CONSUMER_MAC"
    book = touch(tmp_path / "Library" / "CloudStorage" / "OneDrive-Personal" / BOOK)
    assert local_workbook(f"https://d.docs.live.net/abc/{BOOK}", SyncPlaces.of({}, tmp_path, platform="darwin")) == book


def test_config_lines():
    text = '"INTERPRETER_WIN","C:\\\\py\\\\python.exe"\n"SHAREPOINT_WIN","%USERPROFILE%\\\\Contoso"\n'
    assert read_settings(text) == {"INTERPRETER_WIN": "C:\\\\py\\\\python.exe", "SHAREPOINT_WIN": "%USERPROFILE%\\\\Contoso"}


# ------------------------------------------------------------------ the ribbon's host
# Excel itself does not run here: a stand-in book answers the three things the host
# asks of xlwings (Excel's full name, the sheet names, and the button's message box).


class _Name:
    def __init__(self, text: str):
        self.text = text

    def get(self) -> str:
        return self.text


class _Sheet:
    def __init__(self, name: str):
        self.name = name


class _Api:
    def __init__(self, full_name: str):
        self.full_name = _Name(full_name)
        self.FullName = full_name


class _App:
    def __init__(self):
        self.alerts: list[tuple[str, str]] = []
        self.status_bar = False
        self.screen_updating = True

    def alert(self, text: str, title: str = "", mode: str = "info") -> None:
        self.alerts.append((text, mode))


class _Book:
    def __init__(self, full_name: str, sheets: tuple[str, ...] = ("员工", "规则")):
        self.api, self.sheets, self.app = _Api(full_name), [_Sheet(s) for s in sheets], _App()


def test_host_finds_the_synced_copy_through_the_environment(tmp_path, monkeypatch):
    from perf_addin.excel.ribbon import XlwingsHost

    book = touch(tmp_path / "OneDrive" / "HR" / BOOK)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("OneDrive", str(tmp_path / "OneDrive"))
    assert XlwingsHost(_Book(f"https://d.docs.live.net/abc/HR/{BOOK}")).path == book


def test_host_setting_in_perf_addin_conf(tmp_path, monkeypatch):
    from perf_addin.excel.addin_install import user_config_file
    from perf_addin.excel.ribbon import XlwingsHost

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("OneDrive", raising=False)
    book = touch(tmp_path / "elsewhere" / BOOK)
    config = user_config_file(home=tmp_path / "home")
    config.parent.mkdir(parents=True)
    config.write_text(f'"{setting_name("personal")}","{tmp_path / "elsewhere"}"\n', encoding="utf-8")
    assert XlwingsHost(_Book(f"https://d.docs.live.net/abc/{BOOK}")).path == book


def test_a_button_on_an_unsynced_workbook_says_what_to_do_in_its_language(tmp_path, monkeypatch):
    from perf_addin.excel.ribbon import XlwingsHost, dispatch

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("OneDrive", str(tmp_path / "OneDrive"))
    excel = _Book(f"https://d.docs.live.net/abc/HR/{BOOK}")
    assert dispatch("perfScore", XlwingsHost(excel)) is False
    [(text, mode)] = excel.app.alerts
    assert mode == "critical" and "本机没有找到它的同步副本" in text and "Traceback" not in text
    english = _Book(f"https://contoso.sharepoint.com/sites/People/Shared Documents/{BOOK}", ("Employees",))
    assert dispatch("perfCheckInputs", XlwingsHost(english)) is False
    assert "no synced copy of it was found" in english.app.alerts[0][0]
