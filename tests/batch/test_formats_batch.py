"""``danvan reports --formats html,docx,pdf,xlsx`` on the demo data: every format of every report written beside the
HTML, listed in the manifest and the index, made again when missing, and a failing format fails its report alone."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from danvan_analysis.batch import BatchResult, BatchSettings, run_batch
from danvan_analysis.batch.manifest import read_manifest
from danvan_analysis.batch.runner import plan_batch
from danvan_analysis.errors import ParameterError
from danvan_analysis.files import hash_file

pytestmark = pytest.mark.slow

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"
ALL = ("html", "docx", "pdf", "xlsx")


def _settings(data: Path, out: Path, **changes: Any) -> BatchSettings:
    values: dict[str, Any] = {
        "year": 2023,
        "data_dir": data,
        "out_dir": out,
        "jobs": 2,
        "districts": ("167", "170"),
        "district_notebook": NOTEBOOKS / "district_report.ipynb",
        "province_notebook": NOTEBOOKS / "province_report.ipynb",
        "progress": False,
        "formats": ALL,
        "signer_name": "Nguyễn Văn A",
        "report_date": dt.date(2024, 3, 5),  # --date: the Word draft's date line and the page's subtitle
    }
    values.update(changes)
    return BatchSettings(**values)


@pytest.fixture(scope="module")
def batch(sandbox: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[BatchResult, BatchSettings]:
    settings = _settings(sandbox / "data" / "demo", tmp_path_factory.mktemp("formats") / "2023")
    return run_batch(settings), settings


def test_every_format_is_written_listed_and_linked(batch: tuple[BatchResult, BatchSettings]) -> None:
    result, settings = batch
    assert result.ok, result.to_frame()
    out = Path(settings.out_dir)
    records = read_manifest(out)
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in ("167", "170", "province"):
        record = records[name]
        assert sorted(record.files) == ["docx", "pdf", "xlsx"]
        stem = record.html.removesuffix(".html")
        for fmt, entry in record.files.items():
            assert entry["path"] == f"{stem}.{fmt}"
            assert hash_file(out / entry["path"]) == entry["sha256"]
            assert f'href="{entry["path"]}"' in index
        assert (out / f"{stem}.pdf").read_bytes().startswith(b"%PDF-")
        book = openpyxl.load_workbook(io.BytesIO((out / f"{stem}.xlsx").read_bytes()))
        assert book.sheetnames[0] == "Thông tin" and len(book.sheetnames) >= 5
        with zipfile.ZipFile(out / f"{stem}.docx") as draft:  # header and signature sit in layout tables
            text = re.sub(r"<[^>]+>", "", draft.read("word/document.xml").decode("utf-8"))
        assert "BÁO CÁO" in text and "Nguyễn Văn A" in text
        place = {"167": "Định Hóa", "170": "Võ Nhai", "province": "Thái Nguyên"}[name]
        assert f"{place}, ngày 05 tháng 03 năm 2024" in text  # the day asked, with leading zeros (Decree 30)
        assert "Lập ngày 05/03/2024" in (out / record.html).read_text(encoding="utf-8")
    assert not list(out.glob("*.tmp*")) and not list(out.glob(".*.tmp*"))


def test_a_missing_format_is_made_again(batch: tuple[BatchResult, BatchSettings]) -> None:
    settings = batch[1]
    out = Path(settings.out_dir)
    assert plan_batch(settings).tasks == ()  # nothing changed: nothing to do
    stem = read_manifest(out)["170"].html.removesuffix(".html")
    (out / f"{stem}.xlsx").unlink()
    rerun = run_batch(settings)
    assert [(r.name, r.status) for r in rerun.records if r.status != "skipped"] == [("170", "ok")]
    assert (out / f"{stem}.xlsx").is_file()
    # Asking for a format the set lacks remakes every report (the formats are part of the input key).
    assert len(plan_batch(_settings(settings.data_dir, out, formats=("html", "xlsx"))).tasks) == 3


def test_a_failing_format_fails_only_its_report(sandbox: Path, tmp_path: Path) -> None:
    """A broken earlier Word draft given with --keep-edits: that report fails with a message naming the format;
    the others are complete; the broken draft (the analyst's file) is kept, its stale copies removed."""
    out = tmp_path / "2023"
    out.mkdir()
    (out / "167-dinh-hoa.docx").write_bytes(b"not a word file")
    (out / "167-dinh-hoa.pdf").write_bytes(b"%PDF- stale")
    settings = _settings(sandbox / "data" / "demo", out, province=False, keep_edits=True, formats=("docx", "xlsx"))
    result = run_batch(settings)
    status = {r.name: r for r in result.records}
    assert status["170"].status == "ok" and (out / "170-vo-nhai.docx").is_file()
    assert status["167"].status == "failed" and re.match(r"docx: ReportError: .*not a Word file", status["167"].error)
    assert not (out / "167-dinh-hoa.html").exists() and not (out / "167-dinh-hoa.pdf").exists()
    assert (out / "167-dinh-hoa.docx").read_bytes() == b"not a word file"
    assert (out / "failed" / "167-dinh-hoa.ipynb").is_file()


def test_unknown_format_is_one_clear_error(sandbox: Path, tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"--formats odt: unknown format; expected some of html, docx, pdf, xlsx"):
        plan_batch(_settings(sandbox / "data" / "demo", tmp_path, formats=("html", "odt")))
