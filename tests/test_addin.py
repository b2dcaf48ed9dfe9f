"""The add-in built from text: reproducible bytes, VBA read back verbatim,
a ribbon whose every button reaches a documented Python handler, UDF help."""

from __future__ import annotations

import inspect
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from oletools.olevba import VBA_Parser

from perf_addin.excel import addin_build as ab
from perf_addin import cli
from perf_addin.excel import ribbon
from perf_addin.excel import vba_udfs
from perf_addin.excel.addin_install import AddinInstallError, install, user_config_file, user_config_text
from perf_addin.excel.udf_specs import UDF_SPECS
from tests.conftest import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs" / "addin.md"


@pytest.fixture(scope="module")
def xlam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ab.build_xlam(tmp_path_factory.mktemp("xlam"))


@pytest.fixture(scope="module")
def macros(xlam: Path) -> dict[str, str]:
    parser = VBA_Parser(str(xlam))
    try:
        return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def test_same_sources_give_the_same_bytes(xlam: Path, tmp_path: Path) -> None:
    assert ab.build_xlam(tmp_path).read_bytes() == xlam.read_bytes()


def test_vba_project_alone_is_deterministic_and_leaves_random_alone() -> None:
    import random

    modules = ab.shim_modules()
    random.seed(1234)
    expected = random.random()
    random.seed(1234)
    first = ab.vba_project(modules)
    assert random.random() == expected  # the build put the caller's random state back
    assert ab.vba_project(modules) == first


def test_package_parts_and_content_types(xlam: Path) -> None:
    with zipfile.ZipFile(xlam) as z:
        names = z.namelist()
        assert names[0] == "[Content_Types].xml"
        assert {i.date_time for i in z.infolist()} == {ab.ZIP_DATE}
        types = z.read("[Content_Types].xml").decode()
        rels = z.read("_rels/.rels").decode()
        book = etree.fromstring(z.read("xl/workbook.xml"))
    assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in types
    assert 'PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"' in types
    assert 'Type="http://schemas.microsoft.com/office/2007/relationships/ui/extensibility" ' \
           'Target="customUI/customUI.xml"' in rels
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    assert book.find("m:workbookPr", ns).get("codeName") == "ThisWorkbook"
    assert [s.get("name") for s in book.iterfind("m:sheets/m:sheet", ns)] == [ab.CONFIG_SHEET]


def test_olevba_reads_back_exactly_our_vba(macros: dict[str, str]) -> None:
    for path in sorted(ab.SHIM_DIR.glob("*.bas")) + sorted(ab.SHIM_DIR.glob("*.cls")):
        module = ab.read_module(path)
        assert macros[module.name] == module.text, path.name
        assert module.text == path.read_bytes().decode("ascii").replace("\r\n", "\n").replace("\n", "\r\n")


def test_xlwings_vba_is_included_verbatim_but_for_its_project_name(macros: dict[str, str]) -> None:
    main, dictionary = ab.xlwings_modules()
    assert macros["xlwings"] == main.text
    assert macros["Dictionary"] == dictionary.text
    assert f'PROJECT_NAME As String = "{ab.PROJECT_NAME}"' in main.text
    assert "Public Function RunPython(" in main.text and "Function XLPy()" in main.text


def test_ribbon_is_well_formed_and_every_action_is_a_vba_sub(macros: dict[str, str]) -> None:
    buttons = ab.ribbon_buttons(ab.ribbon_xml())
    assert len(buttons) == 11
    for button, action in buttons.items():
        module, _, sub = action.partition(".")
        assert re.search(rf"^Public Sub {sub}\(control As IRibbonControl\)", macros[module], re.M), button


def test_ribbon_buttons_have_icons_and_bilingual_tips() -> None:
    root = etree.fromstring(ab.ribbon_xml())
    for button in root.iter(f"{{{ab.RIBBON_NS}}}button"):
        assert button.get("imageMso"), button.get("id")
        tip, supertip = button.get("screentip"), button.get("supertip")
        assert re.search(r"[\u4e00-\u9fff]", tip) and re.search(r"[A-Za-z]", tip)
        assert re.search(r"[\u4e00-\u9fff]", supertip) and re.search(r"[A-Za-z]{4}", supertip)


def test_ribbon_tips_describe_buttons_that_work_now() -> None:
    root = etree.fromstring(ab.ribbon_xml())
    tips = {b.get("id"): b.get("supertip") for b in root.iter(f"{{{ab.RIBBON_NS}}}button")}
    for button, tip in tips.items():
        assert "available once" not in tip and "发布后可用" not in tip, button
    assert "budget" in tips["perfReconcile"] and "预算" in tips["perfReconcile"]
    assert "encrypted pack" in tips["perfEmail"] and "加密" in tips["perfEmail"]


def test_every_button_has_a_documented_handler_and_no_handler_lacks_a_button() -> None:
    buttons = set(ab.ribbon_buttons(ab.ribbon_xml()))
    assert buttons == set(ribbon.HANDLERS)
    docs = DOCS.read_text(encoding="utf-8")
    for button, handler in ribbon.HANDLERS.items():
        assert inspect.getdoc(handler), button
        assert f"`{button}`" in docs, f"{button} is missing from docs/addin.md"


def test_vba_callback_calls_dispatch_with_the_button_id(macros: dict[str, str]) -> None:
    assert """RunPython "import perf_addin.excel.ribbon as r; r.dispatch('" & control.Id & "')\"""" \
        in macros["PerfRibbon"]
    assert "PerfUdfs.RegisterFunctionHelp" in macros["ThisWorkbook"]


def test_config_sheet_names_the_udf_module(xlam: Path) -> None:
    with zipfile.ZipFile(xlam) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<t>UDF Modules</t>" in sheet and "<t>perf_addin.excel.udfs</t>" in sheet
    assert "Interpreter" not in sheet  # a blank key here would hide the user's config file
    assert not re.search(r"[A-Za-z]:\\|/home/|/Users/", sheet)


@pytest.mark.libreoffice
def test_libreoffice_opens_the_xlam(xlam: Path, soffice, tmp_path: Path) -> None:
    result = next(iter(soffice.convert([xlam], "csv", tmp_path, infilter="Calc MS Excel 2007 VBA XML",
                                       recalc=False).values()))
    assert result.ok, result.error
    assert list(result.sheets) == [ab.CONFIG_SHEET]
    rows = result.sheets[ab.CONFIG_SHEET].read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("UDF Modules,perf_addin.excel.udfs")


# ------------------------------------------------------------------ UDF wrappers


def test_generated_udf_module_is_up_to_date() -> None:
    checked_in = ab.read_module(ab.SHIM_DIR / vba_udfs.FILE_NAME).text  # line ends as Excel stores them
    assert checked_in == vba_udfs.module_text(), "run `perf-addin addin udfs`"


@pytest.mark.parametrize("name", sorted(UDF_SPECS))
def test_every_udf_has_a_wrapper_and_registered_help(name: str, macros: dict[str, str]) -> None:
    spec = UDF_SPECS[name]
    code = macros[vba_udfs.VBA_MODULE]
    args = [("Optional " if a == "rules" else "") + a for a, _ in spec.args]
    assert f"Function {name}({', '.join(args)})" in code
    assert f'XLPy.CallUDF("perf_addin.excel.udfs", "{name}", Array({", ".join(a for a, _ in spec.args)}), ' \
           "ActiveWorkbook, Application.Caller)" in code
    options = "\r\n".join(vba_udfs.macro_options(spec))
    assert options in code
    assert f"Category:={vba_udfs.vba_string(spec.category)}" in options
    assert options.count("\r\n            ") == len(spec.args)  # one help line per argument
    assert spec.description and all(text for _, text in spec.args)
    assert len(spec.description) <= 255 and all(len(t) <= 255 for _, t in spec.args)


def test_vba_string_spells_non_ascii_with_chrw() -> None:
    assert vba_udfs.vba_string('优+ "x"') == 'ChrW(&H4F18) & "+ ""x"""'
    assert vba_udfs.vba_string("") == '""'
    assert vba_udfs.module_text().isascii()


def test_non_ascii_vba_source_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "Bad.bas"
    bad.write_text('Attribute VB_Name = "Bad"\n\' 评分\n', encoding="utf-8")
    with pytest.raises(ab.AddinBuildError, match="ASCII"):
        ab.read_module(bad)


# ------------------------------------------------------------------ install, CLI


def test_install_refuses_without_excel_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(AddinInstallError, match="Excel is not available"):
        install(platform="linux")
    assert cli.main(["addin", "uninstall"]) == 2 or cli.sys.platform in ("win32", "darwin")
    assert len(capsys.readouterr().err.strip().splitlines()) <= 2


def test_user_config_points_xlwings_at_this_python(tmp_path: Path) -> None:
    assert user_config_file("win32", tmp_path) == tmp_path / ".perf_addin" / "perf_addin.conf"
    assert user_config_file("darwin", tmp_path).parts[-4:] == (
        "Containers", "com.microsoft.Excel", "Data", "perf_addin.conf")
    assert user_config_text("win32", r"C:\Py\python.exe") == '"INTERPRETER_WIN","C:\\Py\\python.exe"\n'
    assert user_config_text("darwin", "/usr/bin/python3").startswith('"INTERPRETER_MAC"')


def test_cli_build(tmp_path: Path, capsys: pytest.CaptureFixture[str], xlam: Path) -> None:
    assert cli.main(["addin", "build", "--out", str(tmp_path)]) == 0
    assert (tmp_path / ab.XLAM_NAME).read_bytes() == xlam.read_bytes()
