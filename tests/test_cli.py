"""The command line as a user runs it: a real process, real files."""

import subprocess
import sys
import zipfile

import pytest

from perf_addin.cli import SAMPLE


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "perf_addin.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_demo_scores_a_copy_of_the_sample(tmp_path):
    before = SAMPLE.read_bytes()
    result = run("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "A− 优-" in result.stdout and "奖金合计" in result.stdout  # the Chinese sample speaks Chinese
    assert "员工!G18: 目标盈利必须大于 0，现为 0" in result.stdout
    assert (tmp_path / "perf-addin-demo" / SAMPLE.name).exists()
    assert SAMPLE.read_bytes() == before


def test_score_twice_reports_nothing_changed(tmp_path):
    book = tmp_path / "dept.xlsx"
    book.write_bytes(SAMPLE.read_bytes())
    assert run("score", str(book), cwd=tmp_path).returncode == 0
    second = run("score", str(book), cwd=tmp_path)
    assert second.returncode == 0 and "没有变化" in second.stdout


@pytest.mark.parametrize("content, message", [
    (b"not a workbook", "not an Excel workbook"),
    (None, "no such file"),
])
def test_bad_files_get_one_line_and_exit_2(tmp_path, content, message):
    book = tmp_path / "bad.xlsx"
    if content is not None:
        book.write_bytes(content)
    result = run("score", str(book), cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_broken_rule_names_its_cell(tmp_path):
    from perf_addin.xlsx import Workbook
    book = tmp_path / "dept.xlsx"
    book.write_bytes(SAMPLE.read_bytes())
    with Workbook.open(book) as wb:
        wb.set_cells("规则", {"B3": -5})
        wb.save(backup=False)
    before = book.read_bytes()
    result = run("score", str(book), cwd=tmp_path)
    assert result.returncode == 2 and "规则!B3" in result.stderr
    assert book.read_bytes() == before


def test_a_workbook_open_in_excel_is_left_alone(tmp_path):
    book = tmp_path / "dept.xlsx"
    book.write_bytes(SAMPLE.read_bytes())
    (tmp_path / "~$dept.xlsx").write_bytes(b"")
    result = run("score", str(book), cwd=tmp_path)
    assert result.returncode == 2 and "dept.xlsx 正在 Excel 中打开（锁定文件 ~$dept.xlsx）" in result.stderr
    assert "open in Excel" not in result.stderr  # the workbook speaks Chinese
    assert book.read_bytes() == SAMPLE.read_bytes()


def test_writer_refusals_follow_the_workbook_language(tmp_path):
    book = tmp_path / "dept.xlsx"
    run("demo", "--dir", str(tmp_path / "en"), "--lang", "en", cwd=tmp_path)
    book.write_bytes((tmp_path / "en" / SAMPLE.name).read_bytes())
    book.chmod(0o444)
    result = run("score", str(book), cwd=tmp_path)
    assert result.returncode == 2
    assert "dept.xlsx is read-only; make it writable or save elsewhere" in result.stderr
    book.chmod(0o644)
    book.write_bytes(SAMPLE.read_bytes())
    book.chmod(0o444)
    result = run("score", str(book), cwd=tmp_path)
    assert result.returncode == 2 and "dept.xlsx 是只读文件；请取消只读或另存到别处" in result.stderr


def test_bundled_workbooks_are_what_the_script_makes(tmp_path):
    script = SAMPLE.parent / "make_workbooks.py"
    copy = tmp_path / "make_workbooks.py"
    copy.write_text(script.read_text(encoding="utf-8").replace(
        "sys.path.insert(0, str(Path(__file__).resolve().parents[1]))", ""), encoding="utf-8")
    subprocess.run([sys.executable, str(copy)], check=True, capture_output=True)
    for name in ("template.xlsx", "sample_department.xlsx"):
        with zipfile.ZipFile(tmp_path / name) as made, zipfile.ZipFile(SAMPLE.parent / name) as kept:
            assert {n: made.read(n) for n in made.namelist()} == \
                   {n: kept.read(n) for n in kept.namelist()}, name


def _worked_demo(tmp_path):
    """A demo workbook HR has already worked in (a cell typed after the first demo)."""
    from tests.test_interviews import type_into
    folder = tmp_path / "demo"
    folder.mkdir()
    book = folder / SAMPLE.name
    book.write_bytes(SAMPLE.read_bytes())
    type_into(book, "员工", {"G18": 250000})
    return book, book.read_bytes()


@pytest.mark.parametrize("how", ["open in Excel", "read-only"])
def test_demo_again_refuses_a_locked_demo_workbook_and_touches_nothing(tmp_path, how):
    book, before = _worked_demo(tmp_path)
    if how == "open in Excel":
        (book.parent / ("~$" + book.name)).write_bytes(b"owner")
    else:
        book.chmod(0o444)
    result = run("demo", "--dir", str(book.parent), cwd=tmp_path)
    assert result.returncode == 2
    assert book.name in result.stderr and {"open in Excel": "正在 Excel 中打开", "read-only": "只读"}[how] in result.stderr
    assert book.read_bytes() == before
    assert not (book.parent / "perf-addin backups").exists()
    assert not (book.parent / "interviews").exists()


def test_demo_again_keeps_the_earlier_workbook_in_the_backups_folder(tmp_path):
    book, before = _worked_demo(tmp_path)
    result = run("demo", "--dir", str(book.parent), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    kept = sorted((book.parent / "perf-addin backups").glob("*.xlsx"))[0]  # then the demo's own saves
    assert kept.read_bytes() == before
    assert "之前的演示工作簿已保存在" in result.stdout and kept.name in result.stdout.replace("\n", "")
    assert book.read_bytes() != before and "A− 优-" in result.stdout
