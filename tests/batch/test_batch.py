"""``danvan reports`` on the demo data: complete, self-contained, incremental, identical on every path, safe in a browser.

One full batch (9 districts + province) is shared by most tests (session fixture); the other batches use two
districts. Expected figures are not recomputed here: the reports' numbers are the package's, tested in its own
modules; these tests check that the batch delivers them faithfully and safely.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from danvan_analysis.batch import BatchResult, BatchSettings, run_batch
from danvan_analysis.batch.manifest import read_manifest
from danvan_analysis.batch.runner import plan_batch

pytestmark = pytest.mark.slow

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
DISTRICTS = ("164", "165", "167", "168", "169", "170", "171", "172", "173")
EVIL_NOTE = "<script>window.__pwned=1</script> Ghi chú có mã độc"


REPORT_DATE = dt.date(2024, 3, 15)


def _settings(data: Path, out: Path, **changes: Any) -> BatchSettings:
    values: dict[str, Any] = {
        "year": 2023,
        "data_dir": data,
        "out_dir": out,
        "jobs": 2,
        "district_notebook": NOTEBOOKS / "district_report.ipynb",
        "province_notebook": NOTEBOOKS / "province_report.ipynb",
        "progress": False,
        # A fixed day: batches compared with the session's batch may run after midnight (they did, in CI).
        "report_date": REPORT_DATE,
    }
    values.update(changes)
    return BatchSettings(**values)


@pytest.fixture(scope="session")
def batch(sandbox: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[BatchResult, BatchSettings]:
    """The whole batch on the demo data, run once."""
    settings = _settings(sandbox / "data" / "demo", tmp_path_factory.mktemp("reports") / "2023")
    return run_batch(settings), settings


def _normalised(html: str) -> str:
    """Remove what may differ between two correct runs: nothing is expected, but ids and times would be."""
    html = re.sub(r"\bT_[0-9a-f_]+", "T_", html)  # pandas Styler ids
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d)?", "TIME", html)


def test_batch_produces_every_report(batch: tuple[BatchResult, BatchSettings]) -> None:
    result, settings = batch
    out = Path(settings.out_dir)
    assert result.ok, result.to_frame().to_string()
    html = sorted(p.name for p in out.glob("*.html"))
    assert len(html) == 11 and "index.html" in html and "province.html" in html  # 9 districts + province + index
    records = read_manifest(out)
    assert set(records) == {*DISTRICTS, "province", "shared"}
    for name in (*DISTRICTS, "province"):
        record = records[name]
        assert record.status == "ok" and record.error is None
        assert record.parameters["year"] == 2023 and record.parameters["shared_cache"]
        assert set(record.inputs) == {"data", "notebook", "package_version", "package", "plan"}
        assert record.started < record.ended and record.seconds > 0
        assert 0 <= record.headline["targets_met"] <= record.headline["targets_total"] == 14
        assert 0 < record.headline["satisfaction_low"] < record.headline["satisfaction"] < 100
        assert (out / record.log).is_file()
        # One day for the whole batch, in every page's subtitle.
        assert record.parameters["report_date"] == REPORT_DATE.isoformat() == "2024-03-15"
        assert "Lập ngày 15/03/2024" in (out / record.html).read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in (*DISTRICTS, "province"):
        assert f'href="{records[name].html}"' in index
    # The index shows the figures the reports recorded, formatted in Vietnamese.
    province = records["province"].headline
    assert f"{province['targets_met']}/{province['targets_total']}" in index
    from danvan_analysis.fmt import format_percent

    assert format_percent(province["satisfaction"], lang="vi", basis="percent") in index


def test_reports_are_self_contained_and_within_budget(batch: tuple[BatchResult, BatchSettings]) -> None:
    out = Path(batch[1].out_dir)
    for path in out.glob("*.html"):
        page = path.read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
        assert '<html lang="vi">' in page
        assert "<script" not in page.lower(), path.name
        assert not re.search(r"(src|href)=\"(https?:)?//", page), path.name
        assert len(page.encode("utf-8")) <= 1.5 * 1024 * 1024, path.name
        css = sum(len(s.encode("utf-8")) for s in re.findall(r"<style[^>]*>(.*?)</style>", page, re.S))
        assert css <= 20 * 1024, path.name
        assert "UserWarning" not in page and "DataWarning" not in page  # no stderr noise
        assert "shared_cache" not in page and "injected-parameters" not in page  # no parameter cells
    page = (out / "167-dinh-hoa.html").read_text(encoding="utf-8")
    assert "Huyện Định Hóa" in page and "Mục lục" in page
    assert page.count("data:image/png;base64,") >= 4


def test_unchanged_batch_is_skipped(batch: tuple[BatchResult, BatchSettings]) -> None:
    plan = plan_batch(batch[1])
    assert plan.tasks == () and plan.shared is None and len(plan.skipped) == 10


def test_fast_path_equals_papermill_cold_path(batch: tuple[BatchResult, BatchSettings], sandbox: Path) -> None:
    """A report from a reused kernel with the batch cache equals one from plain papermill computing everything."""
    import papermill

    from danvan_analysis.batch.export import export_html

    out = Path(batch[1].out_dir)
    records = read_manifest(out)
    reused = [n for n in DISTRICTS if "reused" in records[n].kernel]
    assert reused, "no report ran in a reused kernel"
    name = reused[-1]
    executed = papermill.execute_notebook(
        str(sandbox / "notebooks" / "district_report.ipynb"),
        None,
        # Defaults otherwise: ../data/demo, no shared cache; the batch's day in the Vietnamese form it may be typed in.
        parameters={"district": name, "report_date": "15/03/2024"},
        cwd=str(sandbox / "notebooks"),
        progress_bar=False,
    )
    cold = export_html(executed, lang="vi", title=records[name].title)
    fast = (out / records[name].html).read_text(encoding="utf-8")
    assert _normalised(fast) == _normalised(cold)


def test_the_province_reads_the_tables_the_command_prepared_and_equals_the_cold_path(
    batch: tuple[BatchResult, BatchSettings], sandbox: Path
) -> None:
    """The command computes the province's plan tables (the year's and the previous year's) while the kernels run the
    districts; the province report reads them, and its page equals plain papermill's computing everything itself."""
    import papermill

    from danvan_analysis.batch.export import export_html

    out = Path(batch[1].out_dir)
    records = read_manifest(out)
    shared = Path(records["province"].parameters["shared_cache"])
    stored = sorted(p.name for p in (shared / "plan_tables").rglob("*-province*.json"))
    # The previous year's: only the themes the targets read (all that last year's scorecard needs), named for them.
    assert len(stored) == 2 and stored[1] == "2023-province.json", stored
    assert re.fullmatch(r"2022-province-[0-9a-f]{12}\.json", stored[0]), stored
    executed = papermill.execute_notebook(
        str(sandbox / "notebooks" / "province_report.ipynb"),
        None,
        parameters={"report_date": "15/03/2024"},  # defaults: ../data/demo, no shared cache, every district linked
        cwd=str(sandbox / "notebooks"),
        progress_bar=False,
    )
    cold = export_html(executed, lang="vi", title=records["province"].title)
    fast = (out / records["province"].html).read_text(encoding="utf-8")
    assert _normalised(fast) == _normalised(cold)


def test_preparing_the_province_tables_never_fails_the_batch(caplog: pytest.LogCaptureFixture) -> None:
    """Bad parameters (or anything else) only leave the province report to compute its tables: logged, not raised;
    a batch without a shared folder, or whose province is the two-level one, prepares nothing."""
    from danvan_analysis.batch.pool import ReportTask
    from danvan_analysis.batch.runner import prepare_province_tables

    def province(**parameters: object) -> ReportTask:
        return ReportTask(
            name="province", kind="province", title="", notebook=Path("province_report.ipynb"), parameters=parameters,
            stem="province", lang="vi", timeout=60, key="k", inputs={},
        )  # fmt: skip

    with caplog.at_level("WARNING", logger="danvan_analysis.batch.runner"):
        prepare_province_tables(
            [province(year="năm ngoái", data_dir=".", linked_districts="", shared_cache="/nowhere")]
        )
    assert "the province's plan tables were not prepared (ParameterError" in caplog.text
    caplog.clear()
    prepare_province_tables([province(year=2023, linked_districts="")])  # no shared folder: the report computes
    prepare_province_tables([province(year=2023, linked_communes="", shared_cache="/nowhere")])  # two-level
    assert caplog.text == ""


def test_force_reruns_identically(batch: tuple[BatchResult, BatchSettings]) -> None:
    settings = batch[1]
    out = Path(settings.out_dir)
    before = (out / "170-vo-nhai.html").read_bytes()
    rerun = run_batch(_settings(settings.data_dir, out, districts=("170",), province=False, force=True))
    assert [(r.name, r.status) for r in rerun.records] == [("170", "ok")]
    assert (out / "170-vo-nhai.html").read_bytes() == before  # deterministic: same inputs, same bytes


@pytest.fixture(scope="session")
def damaged(sandbox: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[BatchResult, Path]:
    """A copy of the demo data where Võ Nhai's survey responses are lost and a Định Hóa note carries a script."""
    root = tmp_path_factory.mktemp("damaged")
    data = root / "data"
    shutil.copytree(sandbox / "data" / "demo", data)
    for year in (2021, 2022, 2023):
        survey = pd.read_parquet(data / str(year) / "survey.parquet")
        survey[survey["district_code"] != "170"].to_parquet(data / str(year) / "survey.parquet", index=False)
        (data / str(year) / "survey.csv").unlink()
    dialogues = data / "2023" / "dialogues.csv"
    frame = pd.read_csv(dialogues, dtype=str, keep_default_na=False)
    first = frame.index[frame["district_code"] == "167"][0]
    frame.loc[first, "note"] = EVIL_NOTE
    frame.to_csv(dialogues, index=False)
    return run_batch(_settings(data, root / "out", districts=("167", "170"), province=False)), root / "out"


def test_one_damaged_district_fails_alone(damaged: tuple[BatchResult, Path]) -> None:
    result, out = damaged
    assert not result.ok and result.failed == ("170",)
    statuses = {r.name: r.status for r in result.records}
    assert statuses == {"167": "ok", "170": "failed"}
    record = read_manifest(out)["170"]
    assert "no respondent of Huyện Võ Nhai (170)" in record.error
    kept = json.loads((out / record.failed_notebook).read_text(encoding="utf-8"))
    assert any(o.get("ename") == "ReportError" for c in kept["cells"] for o in c.get("outputs", []))
    assert not (out / "170-vo-nhai.html").exists()
    assert (out / "167-dinh-hoa.html").is_file()


@pytest.mark.parametrize("name", ["167-dinh-hoa.html", "province.html", "index.html"])
def test_reports_render_in_a_real_browser(
    batch: tuple[BatchResult, BatchSettings], browser: Any, open_page: Any, name: str
) -> None:
    path = Path(batch[1].out_dir) / name
    page, requests, problems = open_page(browser, path)
    try:
        assert problems == []
        assert [url for url in requests if not url.startswith("data:")] == [path.as_uri()]
        widths = page.evaluate("Array.from(document.images).map(img => img.complete ? img.naturalWidth : 0)")
        assert all(width > 0 for width in widths)
        text = page.inner_text("body")
        # Known Vietnamese strings render with their diacritics.
        expected = {"167-dinh-hoa.html": ("Huyện Định Hóa", "Đạt"), "province.html": ("Thái Nguyên", "Đạt")}
        for phrase in expected.get(name, ("Chỉ tiêu đạt", "Hoàn thành")):
            assert phrase in text, phrase
        assert "DỮ LIỆU MINH HỌA" in text  # made from demo data: the page says so
        banner = page.locator(".demo-banner").first.bounding_box()
        assert banner is not None and banner["y"] < 100  # at the top of the first screen
        if name != "index.html":
            assert widths, "a report without figures"
            link = page.locator("nav.toc a").nth(2)
            target = link.get_attribute("href")
            link.click()
            page.wait_for_function(f"location.hash === {json.dumps(target)}")
            top = page.evaluate(f"document.getElementById({json.dumps(target[1:])}).getBoundingClientRect().top")
            assert 0 <= top < 900
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{path.stem}.png"), full_page=False)
    finally:
        page.close()


def test_every_district_report_has_a_working_factors_section(batch: tuple[BatchResult, BatchSettings]) -> None:
    """The factors model is fitted on the province with district terms: every district shows odds ratios."""
    out = Path(batch[1].out_dir)
    for code in DISTRICTS:
        page = next(out.glob(f"{code}-*.html")).read_text(encoding="utf-8")
        assert "Tỷ số chênh" in page and "Không ước lượng được mô hình" not in page, code
        own = "Khi các đặc điểm của người trả lời như nhau" in page or "là đơn vị tham chiếu của mô hình" in page
        assert own, code  # the district's own term, or the note that it is the reference


def test_a_period_report_opens_on_its_period(sandbox: Path, tmp_path: Path, browser: Any, open_page: Any) -> None:
    """The Q1 report of a district: the first screen names the period and its deadline; interim verdicts; what is
    left to do by the end of the year; no survey figure."""
    settings = _settings(sandbox / "data" / "demo", tmp_path / "q1", districts=("170",), province=False, period="Q1")
    result = run_batch(settings)
    assert result.ok
    path = tmp_path / "q1" / "170-vo-nhai.html"
    page, _, problems = open_page(browser, path)
    try:
        assert problems == []
        text = page.inner_text("body")
        assert "Quý I 2023" in text and "15/03/2023" in text and "14/03/2023" in text
        assert "Còn phải làm đến cuối năm" in text and "Chưa đạt" in text
        assert "Mức độ hài lòng chung" not in text  # the survey is annual
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "170-vo-nhai-q1.png"), full_page=False)
    finally:
        page.close()


#: The toolkit's own English phrases (sentences, labels, caveats, errors): none may reach a Vietnamese report.
ENGLISH = (
    "Target ", "Not met", "Insufficient data", "Evidence", "required", "Too few", "No data", "sent no report",
    "Hint", "province-level", "Traceback", "counts only", "chaired", "figures", "not certain", "respondents",
    "Reporting", "district", "commune", "Error", "estimate", "the ", " of ", " and ",
)  # fmt: skip


def test_vietnamese_reports_show_no_english_of_ours(batch: tuple[BatchResult, BatchSettings]) -> None:
    """Every page's visible text (not code names in attributes) is free of the toolkit's English phrases."""
    out = Path(batch[1].out_dir)
    pages = sorted(out.glob("*.html"))
    assert len(pages) == 11
    found = {}
    for page in pages:
        text = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
        hits = [phrase for phrase in ENGLISH if phrase in text]
        if hits:
            found[page.name] = hits
    assert found == {}


def test_script_in_data_shows_as_text(damaged: tuple[BatchResult, Path], browser: Any, open_page: Any) -> None:
    path = damaged[1] / "167-dinh-hoa.html"
    page, requests, problems = open_page(browser, path)
    try:
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert EVIL_NOTE in page.inner_text("body")
        assert problems == [] and [u for u in requests if not u.startswith("data:")] == [path.as_uri()]
    finally:
        page.close()


def test_local_dask_cluster_gives_the_same_reports(batch: tuple[BatchResult, BatchSettings], tmp_path: Path) -> None:
    """The same tasks on a dask LocalCluster with 2 worker processes: byte-identical reports."""
    settings = batch[1]
    result = run_batch(
        _settings(
            settings.data_dir, tmp_path / "dask", districts=("164", "172"), province=False, scheduler="local-dask"
        )
    )
    assert result.ok and [r.status for r in result.records] == ["ok", "ok"]
    for name in ("164-thai-nguyen.html", "172-pho-yen.html"):
        local = (Path(settings.out_dir) / name).read_text(encoding="utf-8")
        assert (tmp_path / "dask" / name).read_text(encoding="utf-8") == local, name


def test_one_bad_cell_fails_only_the_reports_it_concerns(sandbox: Path, tmp_path: Path) -> None:
    """A wrong count in one Đại Từ dialogue: Đại Từ and the province fail, naming file, row, column and value;
    Võ Nhai, whose rows are clean, gets its report; the input file is untouched."""
    data = tmp_path / "data"
    shutil.copytree(sandbox / "data" / "demo", data)
    path = data / "2023" / "dialogues.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame.index[frame["district_code"] == "171"][0], "participants"] = "nhiều"
    frame.to_csv(path, index=False)
    before = path.read_bytes()
    result = run_batch(_settings(data, tmp_path / "out", districts=("170", "171")))
    status = {r.name: r.status for r in result.records}
    assert status == {"170": "ok", "171": "failed", "province": "failed"}
    error = next(r.error for r in result.records if r.name == "171")
    assert "dialogues.csv" in error and "participants" in error and "nhiều" in error
    assert path.read_bytes() == before
