"""The report notebooks: stored clean, thin, documented parameters, run under papermill, parameters refused."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"
NAMES = (
    "district_report.ipynb",
    "province_report.ipynb",
    "agency_report.ipynb",
    "explore.ipynb",
    "commune_report.ipynb",
    "province_two_level_report.ipynb",
)
ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult)


def _papermill(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "papermill", *args, "--no-progress-bar"]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("name", NAMES)
def test_stored_without_outputs(name: str) -> None:
    """nbstripout-clean: no outputs, no execution counts, no papermill metadata."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert "papermill" not in nb.metadata and "widgets" not in nb.metadata


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_thin(name: str) -> None:
    """No function or class definitions and no arithmetic: every figure comes from the package."""
    from IPython.core.inputtransformer2 import TransformerManager

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        # IPython's own transformer turns %magics into the Python calls they stand for.
        for node in ast.walk(ast.parse(TransformerManager().transform_cell(cell.source))):
            assert not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda), cell.source
            assert not isinstance(node, ast.AugAssign), cell.source
            assert not (isinstance(node, ast.BinOp) and isinstance(node.op, ARITHMETIC)), cell.source


PROVINCE_BASE = ["year", "data_dir", "lang", "suppression_threshold", "shared_cache", "plan_file"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "district_report.ipynb",
            [
                "district",
                "year",
                "data_dir",
                "lang",
                "suppression_threshold",
                "shared_cache",
                "plan_file",
                "period",
                "report_date",
            ],
        ),
        (
            "province_report.ipynb",
            [*PROVINCE_BASE, "linked_districts", "period", "report_date"],
        ),
        (
            "agency_report.ipynb",
            ["agency", "year", "data_dir", "lang", "shared_cache", "plan_file", "period", "province", "report_date"],
        ),
        ("explore.ipynb", ["data_dir", "year", "district", "lang", "plan_file"]),
        ("commune_report.ipynb", ["commune", *PROVINCE_BASE, "period", "province", "report_date"]),
        ("province_two_level_report.ipynb", [*PROVINCE_BASE, "linked_communes", "period", "province", "report_date"]),
    ],
)
def test_parameters_are_documented(name: str, expected: list[str]) -> None:
    """papermill --help-notebook lists every parameter with its type, default and help text."""
    import papermill

    found = papermill.inspect_notebook(str(NOTEBOOKS / name))
    assert list(found) == expected
    for parameter in found.values():
        assert parameter["help"] and parameter["inferred_type_name"] in ("str", "int")
    assert found["data_dir"]["default"] == '"../data/demo"'


@pytest.mark.parametrize("name", ["district_report.ipynb", "province_report.ipynb", *NAMES[2:3], *NAMES[4:]])
def test_parameters_are_validated_right_after_the_parameters_cell(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    tags = [cell.metadata.get("tags", []) for cell in nb.cells]
    first = next(i for i, t in enumerate(tags) if "parameters" in t)
    assert "imports" in tags[first + 1]
    assert "validate_" in nb.cells[first + 2].source


@pytest.mark.slow
@pytest.mark.parametrize(
    ("parameter", "value", "message"),
    [
        ("district", "\"); import os; os.remove('x') #", "Parameter district"),
        ("data_dir", "../../etc/passwd", "Parameter data_dir"),
    ],
)
def test_injection_and_traversal_are_refused(
    sandbox: Path, tmp_path: Path, parameter: str, value: str, message: str
) -> None:
    """Through papermill's own CLI: the value arrives as text and the validation cell refuses it."""
    sentinel = tmp_path / "x"
    sentinel.write_text("must survive", encoding="utf-8")
    out = tmp_path / "out.ipynb"
    notebook = str(sandbox / "notebooks" / "district_report.ipynb")
    run = _papermill(notebook, str(out), "-p", parameter, value, "--cwd", str(tmp_path), cwd=tmp_path)
    assert run.returncode != 0
    assert sentinel.read_text(encoding="utf-8") == "must survive"
    executed = json.loads(out.read_text(encoding="utf-8"))
    errors = [o for c in executed["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors[0]["ename"] == "ParameterError" and message in errors[0]["evalue"]


@pytest.mark.slow
def test_explore_runs_top_to_bottom_with_its_defaults(sandbox: Path, tmp_path: Path) -> None:
    """As an analyst opens it in JupyterLab: kernel in notebooks/, default data_dir ../data/demo."""
    out = tmp_path / "explore.ipynb"
    run = _papermill("explore.ipynb", str(out), cwd=sandbox / "notebooks")
    assert run.returncode == 0, run.stderr[-3000:]
    executed = nbformat.read(out, as_version=4)
    shown = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert any("image/png" in o.get("data", {}) for o in shown)
    assert any("Huyện Định Hóa" in json.dumps(o, ensure_ascii=False) for o in shown)
    # The same scorecard as the district report (before the plan became a file, explore left out the survey row).
    from danvan_analysis.reports.params import validate_district_params
    from danvan_analysis.reports.views import build_district_view

    params = validate_district_params(district="167", year=2023, data_dir=str(sandbox / "data" / "demo"))
    counts = build_district_view(params).scorecard.summary()
    expected = f"Đạt {counts['met']}, Không đạt {counts['not_met']}, Chưa đủ dữ liệu {counts['no_data']}"
    assert any(expected in json.dumps(o, ensure_ascii=False) for o in shown), expected


@pytest.mark.slow
def test_report_notebooks_run_under_the_papermill_command_line(sandbox: Path, tmp_path: Path) -> None:
    """Outside the batch runner: plain `papermill` with -p (district by name, English) and -y (province); from the
    project root with --cwd notebooks as the README shows; then `danvan html`."""
    district_out = tmp_path / "district.ipynb"
    run = _papermill(
        "district_report.ipynb", str(district_out), "-p", "district", "H. Võ Nhai", "-p", "lang", "en",
        cwd=sandbox / "notebooks",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    district = json.dumps(nbformat.read(district_out, as_version=4), ensure_ascii=False)
    assert "Huyện Võ Nhai" in district and '"output_type": "error"' not in district
    # The README's export step: the executed notebook becomes the same kind of self-contained page.
    export = subprocess.run(
        [sys.executable, "-m", "danvan_analysis.cli", "html", str(district_out), "--lang", "en"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert export.returncode == 0, export.stderr
    page = district_out.with_suffix(".html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "Huyện Võ Nhai" in page

    province_out = tmp_path / "province.ipynb"
    run = _papermill(
        "province_report.ipynb", str(province_out), "-y", "year: 2023\nlang: vi", cwd=sandbox / "notebooks"
    )
    assert run.returncode == 0, run.stderr[-3000:]
    province = json.dumps(nbformat.read(province_out, as_version=4), ensure_ascii=False)
    assert "Tỉnh Thái Nguyên" in province and '"output_type": "error"' not in province


@pytest.mark.slow
def test_agency_report_shows_its_targets_tasks_and_late_report(sandbox: Path, tmp_path: Path) -> None:
    """Sở Tài chính (by name): targets 1, 4a and R, its section IV.7 task, and its 9-month report marked late."""
    out = tmp_path / "agency.ipynb"
    run = _papermill("agency_report.ipynb", str(out), "-p", "agency", "Sở Tài chính", cwd=sandbox / "notebooks")
    assert run.returncode == 0, run.stderr[-3000:]
    text = json.dumps(nbformat.read(out, as_version=4), ensure_ascii=False)
    assert '"output_type": "error"' not in text
    assert "Sở Tài chính" in text and "Mục IV.7" in text and "DỮ LIỆU MINH HỌA" in text
    from danvan_analysis.indicators import tabulate_submissions
    from danvan_analysis.io import load_bundle

    bundle = load_bundle(sandbox / "data" / "demo")
    mine = tabulate_submissions(bundle.submissions, year=2023).query("unit_code == 'STC'")
    late = int((mine["status"] == "late").sum())
    shown = "".join(
        "".join(o.get("data", {}).get("text/html", ""))
        for cell in nbformat.read(out, as_version=4).cells
        for o in cell.get("outputs", [])
    )
    assert shown.count("Muộn") == late  # one "Muộn" per late report shown, as the raw data have them
