"""``danvan reports --year 2026 --province 12 --data DIR --plan PLAN --communes … --agencies`` (issue 14): another
province's batch on its own data and plan names that province everywhere and never Thái Nguyên, and a two-level
year writes the agency reports.

One small batch shared by the tests here: Lai Châu's synthetic data (``tests/conftest.py``: ``other_province``), two
of its communes (``--communes``), the province report and the provincial agencies' reports, in HTML, Word and Excel.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from danvan_analysis.batch import BatchResult, BatchSettings, run_batch
from danvan_analysis.registers import register_for

pytestmark = pytest.mark.slow

OTHER = "12"


@pytest.fixture(scope="module")
def other_batch(
    other_province: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[BatchResult, Path]:
    data, plan = other_province
    communes = register_for(2026, province=OTHER).units("commune")
    out = tmp_path_factory.mktemp("reports_lai_chau")
    settings = BatchSettings(
        year=2026,
        data_dir=data,
        out_dir=out,
        plan=plan,
        province_code=OTHER,
        communes=(communes[0].code, communes[1].code),
        agencies=True,
        jobs=2,
        progress=False,
        formats=("html", "docx", "xlsx"),
    )
    return run_batch(settings), out


def _text_of(path: Path) -> str:
    """Every text a reader sees in a report file: the HTML as it is, a Word or Excel file's XML parts."""
    if path.suffix == ".html":
        return path.read_text(encoding="utf-8")
    with zipfile.ZipFile(path) as archive:
        return "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml"))


def test_the_communes_asked_the_province_and_every_agency_are_written(other_batch: tuple[BatchResult, Path]) -> None:
    result, out = other_batch
    assert result.ok, result.failed
    reg = register_for(2026, province=OTHER)
    first, second = reg.units("commune")[:2]
    pages = sorted(p.name for p in out.glob("*.html") if p.name != "index.html")
    agencies = sorted(f"agency-{u.code.lower()}.html" for u in reg.units("agency"))
    assert pages == sorted([*(p.name for p in out.glob(f"{first.code}-*.html")),
                            *(p.name for p in out.glob(f"{second.code}-*.html")), "province.html", *agencies])  # fmt: skip
    assert len(pages) == 2 + 1 + len(agencies)
    for page in pages:  # each with its Word draft and Excel appendix
        assert (out / page).with_suffix(".docx").is_file() and (out / page).with_suffix(".xlsx").is_file()


def test_the_province_is_named_everywhere_and_thai_nguyen_nowhere(other_batch: tuple[BatchResult, Path]) -> None:
    _, out = other_batch
    files = [p for p in out.iterdir() if p.suffix in (".html", ".docx", ".xlsx")]
    assert len(files) > 3 * 25
    for path in files:
        text = _text_of(path)
        assert "Thái Nguyên" not in text and "THÁI NGUYÊN" not in text, path.name
        assert not re.search(r"Thai Nguyen", text, flags=re.IGNORECASE), path.name
    province = (out / "province.html").read_text(encoding="utf-8")
    assert "tỉnh Lai Châu (chính quyền địa phương hai cấp)" in province
    assert "kế hoạch MẪU" not in province  # the province's own plan: no "example plan" note
    assert "Tỉnh Lai Châu" in (out / "index.html").read_text(encoding="utf-8")
    assert "Báo Lai Châu" in (out / "agency-btn.html").read_text(encoding="utf-8")


def test_word_drafts_are_issued_in_the_province(other_batch: tuple[BatchResult, Path]) -> None:
    """The Word header: the province's People's Committee issues its report and heads its agencies' reports."""
    import docx

    _, out = other_batch

    def header(name: str) -> str:
        document = docx.Document(str(out / name))
        return " ".join(cell.text for cell in document.tables[0]._cells).replace("\n", " ")

    assert "UBND TỈNH LAI CHÂU" in header("province.docx") and "Lai Châu, ngày" in header("province.docx")
    assert "UBND TỈNH LAI CHÂU" in header("agency-snv.docx") and "SỞ NỘI VỤ" in header("agency-snv.docx")


def test_agency_reports_of_a_two_level_year_show_targets_tasks_and_reports(
    other_batch: tuple[BatchResult, Path],
) -> None:
    """As in 2023: targets 1 and 4a of an agency, its section IV tasks, its reports to the Department."""
    _, out = other_batch
    page = (out / "agency-snv.html").read_text(encoding="utf-8")
    assert "Sở Nội vụ" in page and "Mục IV." in page
    assert "Đúng hạn" in page or "Muộn" in page or "Chưa gửi" in page
    assert not re.search(r"huyện", page, flags=re.IGNORECASE)
