"""`danvan html --formats`: the copies of an executed notebook (papermill's output), as `danvan reports` writes them."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import openpyxl


def _danvan(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it (its exit codes come from ``main``)."""
    return subprocess.run(
        [sys.executable, "-m", "danvan_analysis.cli", *args], capture_output=True, text=True, encoding="utf-8"
    )


def test_html_command_writes_the_word_and_excel_copies_beside_the_page(
    executed: nbformat.NotebookNode, tmp_path: Path
) -> None:
    notebook = tmp_path / "dinh-hoa.ipynb"
    nbformat.write(executed, notebook)
    result = _danvan("html", str(notebook), "--formats", "html,docx,xlsx")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "dinh-hoa.html").read_text(encoding="utf-8")
    assert "Định Hóa" in page
    with zipfile.ZipFile(tmp_path / "dinh-hoa.docx") as docx:
        body = docx.read("word/document.xml").decode("utf-8")
    assert "BÁO CÁO" in body and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in body
    book = openpyxl.load_workbook(io.BytesIO((tmp_path / "dinh-hoa.xlsx").read_bytes()))
    assert book.sheetnames[0] == "Thông tin" and len(book.sheetnames) > 5


def test_html_command_refuses_an_unknown_format_before_writing(executed: nbformat.NotebookNode, tmp_path: Path) -> None:
    notebook = tmp_path / "report.ipynb"
    nbformat.write(executed, notebook)
    result = _danvan("html", str(notebook), "--formats", "html,odt")
    assert result.returncode == 2
    assert "odt" in result.stderr and "unknown format" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.ipynb"]
