"""The writers' first use paid before the reports start (:func:`danvan_analysis.batch.formats.warm_writers`)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from danvan_analysis.batch import formats
from danvan_analysis.batch.kernel import KernelSettings
from danvan_analysis.batch.pool import WorkerOptions, _start_lane

_PROBE = """
import json, sys
from danvan_analysis.batch import formats
before = {m: m in sys.modules for m in ("openpyxl", "docx")}
formats.warm_writers(tuple(sys.argv[1].split(",")))
after = {m: m in sys.modules for m in ("openpyxl", "docx")}
print(json.dumps({"before": before, "after": after, "warmed": sorted(formats._warmed)}))
"""


def _probe(asked: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, asked], check=True, capture_output=True, text=True, timeout=120
    )
    return json.loads(done.stdout)


def test_warming_imports_and_runs_each_asked_writer_once_in_a_fresh_process() -> None:
    seen = _probe("html,docx,xlsx")
    assert seen["before"] == {"openpyxl": False, "docx": False}  # a fresh process has neither
    assert seen["after"] == {"openpyxl": True, "docx": True}
    assert seen["warmed"] == ["docx", "xlsx"]


def test_html_and_pdf_alone_warm_no_writer() -> None:
    seen = _probe("html,pdf")
    assert seen["after"] == {"openpyxl": False, "docx": False}
    assert seen["warmed"] == []


def test_a_writer_is_warmed_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from danvan_analysis.batch.formats import xlsx

    calls: list[object] = []
    monkeypatch.setattr(formats, "_warmed", set())
    monkeypatch.setattr(xlsx, "write_xlsx", lambda blocks: calls.append(blocks) or b"")
    formats.warm_writers(("xlsx",))
    formats.warm_writers(("html", "xlsx"))
    assert calls == [[]]


def test_a_lane_warms_its_writers_and_a_failure_there_is_left_to_the_first_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[tuple[str, ...]] = []

    def failing(wanted: tuple[str, ...]) -> None:
        asked.append(tuple(wanted))
        raise OSError("disk full")

    monkeypatch.setattr(formats, "warm_writers", failing)
    options = WorkerOptions(kernel=KernelSettings(), warm=False, formats=("docx", "xlsx"))
    _start_lane(options, first=False)  # no kernel: the lane's own warm-up only; the failure does not escape
    assert asked == [("docx", "xlsx")]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_lane_builds_the_page_exporter_of_the_batch_language(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The exporter a lane builds while its kernel boots is the one its reports use: an English batch's first
    report does not build the English exporter after the lane built the Vietnamese one."""
    from danvan_analysis.batch import export

    built: list[str] = []
    real = export.export_html
    monkeypatch.setattr(
        export, "export_html", lambda nb, *, lang, title: built.append(lang) or real(nb, lang=lang, title=title)
    )
    _start_lane(WorkerOptions(kernel=KernelSettings(), warm=False, lang=lang), first=False)
    assert built == [lang]
    assert lang in export._local.exporters


def test_the_word_warm_up_saves_the_template_as_a_draft_is_saved() -> None:
    import io

    import docx

    from danvan_analysis.batch.formats.docx import STYLES, write_template_copy

    data = write_template_copy()
    names = {style.name for style in docx.Document(io.BytesIO(data)).styles}
    assert set(STYLES.values()) <= names  # the template's styles, which every draft uses
    assert write_template_copy() == data  # saved deterministically, as a draft is
