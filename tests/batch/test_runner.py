"""The batch runner on tiny fixture notebooks: failures isolated, incremental reruns, atomic files, interruption."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import pytest

from danvan_analysis.batch import BatchSettings, run_batch, runner
from danvan_analysis.batch.manifest import read_manifest
from danvan_analysis.batch.runner import execute_plan, plan_batch
from danvan_analysis.errors import ParameterError
from danvan_analysis.files import HOST_TAG, remove_stale_temp_files

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).parent / "fixtures"


def _settings(data: Path, out: Path, **changes: object) -> BatchSettings:
    values: dict[str, object] = {
        "year": 2023,
        "districts": ("164", "165", "167"),
        "data_dir": data,
        "out_dir": out,
        "jobs": 2,
        "district_notebook": FIXTURES / "tiny_report.ipynb",
        "province_notebook": FIXTURES / "tiny_report.ipynb",
        "share_results": False,
        "progress": False,
    }
    values.update(changes)
    return BatchSettings(**values)  # type: ignore[arg-type]


def _visible_files(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.is_file() and not p.name.startswith("."))


def test_failures_are_isolated_and_kept(minimal_data: Path, tmp_path: Path) -> None:
    """A raising cell and a report over its time limit fail alone; their notebooks are kept; the rest is complete."""
    out = tmp_path / "out"
    plan = plan_batch(_settings(minimal_data, out))
    tasks = []
    for task in plan.tasks:
        if task.name == "165":
            task = replace(task, notebook=FIXTURES / "broken_cell.ipynb")
        if task.name == "167":
            task = replace(task, notebook=FIXTURES / "sleepy.ipynb", timeout=3)
        tasks.append(task)
    started = time.perf_counter()
    result = execute_plan(replace(plan, tasks=tuple(tasks)))
    assert time.perf_counter() - started < 120
    assert not result.ok
    statuses = {r.name: r.status for r in result.records}
    assert statuses == {"164": "ok", "165": "failed", "167": "timeout", "province": "ok"}
    assert set(result.failed) == {"165", "167"}
    assert {p.relative_to(out).as_posix() for p in _visible_files(out) if p.suffix in (".html", ".ipynb")} == {
        "164-thai-nguyen.html",
        "province.html",
        "index.html",
        "failed/165-song-cong.ipynb",
        "failed/167-dinh-hoa.ipynb",
    }
    failed = json.loads((out / "failed" / "165-song-cong.ipynb").read_text(encoding="utf-8"))
    errors = [o for c in failed["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors[0]["evalue"] == "broken on purpose"
    records = read_manifest(out)
    assert "ValueError: broken on purpose" in records["165"].error
    assert "time limit of 3 s" in records["167"].error
    assert records["164"].headline == {"district": "164", "targets_met": 3, "targets_total": 4}
    log = (out / "logs" / "164-thai-nguyen.log").read_text(encoding="utf-8")
    assert "noise that must not reach the HTML" in log  # stderr goes to the log, not the report
    assert "noise" not in (out / "164-thai-nguyen.html").read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Quá thời gian" in index and "failed/165-song-cong.ipynb" in index and "164-thai-nguyen.html" in index


def test_unchanged_reports_are_skipped_and_force_reruns(minimal_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_batch(_settings(minimal_data, out, districts=("164",), province=False))
    assert [r.status for r in first.records] == ["ok"]
    html = out / "164-thai-nguyen.html"
    written = html.stat().st_mtime_ns

    second = run_batch(_settings(minimal_data, out, districts=("164",), province=False))
    assert [r.status for r in second.records] == ["skipped"] and second.ok
    assert html.stat().st_mtime_ns == written

    forced = run_batch(_settings(minimal_data, out, districts=("164",), province=False, force=True))
    assert [r.status for r in forced.records] == ["ok"]
    assert html.stat().st_mtime_ns != written

    # Any input change reruns: a data file's bytes, a parameter, or a hand-edited report.
    (minimal_data / "2023" / "survey.csv").write_text("respondent_id\nR1\n", encoding="utf-8")
    assert [t.name for t in plan_batch(_settings(minimal_data, out, districts=("164",), province=False)).tasks] == [
        "164"
    ]
    run_batch(_settings(minimal_data, out, districts=("164",), province=False))
    assert not plan_batch(_settings(minimal_data, out, districts=("164",), province=False)).tasks
    assert plan_batch(_settings(minimal_data, out, districts=("164",), province=False, lang="en")).tasks
    html.write_text("edited", encoding="utf-8")
    assert plan_batch(_settings(minimal_data, out, districts=("164",), province=False)).tasks


def test_cold_path_gives_the_same_reports(minimal_data: Path, tmp_path: Path) -> None:
    """A fresh kernel per report (papermill's behaviour) and reused kernels give byte-identical HTML."""
    warm = run_batch(_settings(minimal_data, tmp_path / "warm", jobs=1))
    cold = run_batch(_settings(minimal_data, tmp_path / "cold", jobs=1, warm=False))
    assert warm.ok and cold.ok
    for name in ("164-thai-nguyen.html", "165-song-cong.html", "167-dinh-hoa.html", "province.html"):
        assert (tmp_path / "warm" / name).read_bytes() == (tmp_path / "cold" / name).read_bytes(), name


def test_killed_batch_leaves_no_partial_file_and_completes_on_rerun(minimal_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, str(FIXTURES / "run_fixture_batch.py"), str(minimal_data), str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    done: dict = {}
    while time.monotonic() < deadline:
        try:
            done = read_manifest(out)
        except Exception:  # never expected: the manifest is replaced atomically
            raise
        if len(done) >= 2:
            break
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert 2 <= len(done) < 10, "the batch was not interrupted half-way"
    for path in _visible_files(out):
        if path.suffix == ".html":
            assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), path
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
    before = read_manifest(out)
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    records = read_manifest(out)
    assert len(records) == 10 and all(r.status == "ok" for r in records.values())
    html = sorted(p.name for p in out.glob("*.html"))
    assert len(html) == 11  # 9 districts, the province, the index
    assert not list(out.rglob("*.tmp"))  # the rerun swept the temporary files of the killed run
    # Reports finished before the kill were not redone.
    assert all(records[name].started == record.started for name, record in before.items())


def test_command_exits_non_zero_when_a_report_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from danvan_analysis import cli
    from danvan_analysis.batch.runner import BatchResult

    seen: list[BatchSettings] = []

    def fake(settings: BatchSettings, *, early: object = None) -> BatchResult:
        assert early == ("early", settings)  # the worker the command started before planning is handed on
        seen.append(settings)
        return BatchResult(out_dir=Path("x"), records=(), seconds=0.0) if settings.force else _failed()

    def _failed() -> BatchResult:
        from danvan_analysis.batch.manifest import ReportRecord

        return BatchResult(Path("x"), (ReportRecord("165", "district", "t", "failed", "k"),), 0.0)

    monkeypatch.setattr("danvan_analysis.batch.runner.run_batch", fake)
    monkeypatch.setattr("danvan_analysis.batch.early.start_early_worker", lambda settings: ("early", settings))
    monkeypatch.setattr("danvan_analysis.batch.early.close_quietly", lambda early: None)
    runner = CliRunner()
    assert runner.invoke(cli.app, ["reports", "--districts", "165"]).exit_code == 1
    assert runner.invoke(cli.app, ["reports", "--force", "--jobs", "3", "--lang", "en"]).exit_code == 0
    assert seen[0].districts == ("165",) and seen[1].jobs == 3 and seen[1].lang == "en"


def test_a_later_year_folder_does_not_rebuild_an_unchanged_set(minimal_data: Path, tmp_path: Path) -> None:
    """A 2023 report reads 2023 and earlier years: adding 2024 leaves it current; changing 2022 does not."""
    out = tmp_path / "out"
    run_batch(_settings(minimal_data, out, districts=("164",), province=False))
    (minimal_data / "2024").mkdir()
    (minimal_data / "2024" / "survey.csv").write_text("respondent_id\nR9\n", encoding="utf-8")
    assert not plan_batch(_settings(minimal_data, out, districts=("164",), province=False)).tasks
    (minimal_data / "2022").mkdir()
    (minimal_data / "2022" / "survey.csv").write_text("respondent_id\nR1\n", encoding="utf-8")
    assert [t.name for t in plan_batch(_settings(minimal_data, out, districts=("164",), province=False)).tasks] == [
        "164"
    ]


def test_a_batch_is_dated_one_day_and_only_a_chosen_date_is_an_input(
    minimal_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every report of a batch gets the same report_date (the batch's day, so a batch run across midnight is dated
    one day); the next day leaves unchanged reports current, while a date the user chose (--date) reruns them."""
    out = tmp_path / "out"
    before = dt.date.today().isoformat()
    plan = plan_batch(_settings(minimal_data, out))
    after = dt.date.today().isoformat()
    days = {t.parameters["report_date"] for t in plan.tasks}
    assert len(plan.tasks) == 4 and len(days) == 1 and days <= {before, after}
    run_batch(_settings(minimal_data, out))

    class NextDay(dt.date):
        @classmethod
        def today(cls) -> NextDay:
            return cls(2031, 1, 2)

    monkeypatch.setattr(runner, "dt", type("FakeDatetime", (), {"date": NextDay}))
    assert plan_batch(_settings(minimal_data, out)).tasks == ()  # the next day: nothing changed, nothing to do
    forced = plan_batch(_settings(minimal_data, out, force=True))
    assert {t.parameters["report_date"] for t in forced.tasks} == {"2031-01-02"}
    monkeypatch.undo()

    chosen = _settings(minimal_data, out, report_date=dt.date(2024, 3, 15))
    assert [t.name for t in plan_batch(chosen).tasks] == ["164", "165", "167", "province"]
    assert {t.parameters["report_date"] for t in plan_batch(chosen).tasks} == {"2024-03-15"}
    run_batch(chosen)
    assert plan_batch(chosen).tasks == ()
    assert len(plan_batch(replace(chosen, report_date=dt.date(2024, 3, 16))).tasks) == 4


def test_the_province_links_only_reports_that_exist(minimal_data: Path, tmp_path: Path) -> None:
    """A subset run links the districts it makes and those already in the folder, never the others."""
    out = tmp_path / "out"
    plan = plan_batch(_settings(minimal_data, out, districts=("Định Hóa", "171")))
    province = next(t for t in plan.tasks if t.name == "province")
    assert province.parameters["linked_districts"] == "167,171"
    run_batch(_settings(minimal_data, out, districts=("167",)))
    later = plan_batch(_settings(minimal_data, out, districts=("164",)))
    province = next(t for t in later.tasks if t.name == "province")
    assert province.parameters["linked_districts"] == "164,167"


def test_no_demo_year_is_made_unless_asked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without --data, a year the demo folder lacks is an error naming the folder and `danvan demo`; nothing is written."""
    from danvan_analysis.errors import ParameterError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParameterError, match=r"danvan demo --year 2031") as caught:
        plan_batch(BatchSettings(year=2031, out_dir=tmp_path / "out", progress=False))
    assert "data/demo/2031" in str(caught.value)
    assert not (tmp_path / "data").exists()


def test_agencies_add_one_report_each(minimal_data: Path, tmp_path: Path) -> None:
    """--agencies: the 24 provincial agencies of the register, each its own report named after its code."""
    plan = plan_batch(
        _settings(minimal_data, tmp_path / "out", agencies=True, agency_notebook=FIXTURES / "tiny_report.ipynb")
    )
    agencies = [t for t in plan.tasks if t.kind == "agency"]
    assert len(agencies) == 24
    snv = next(t for t in agencies if t.name == "SNV")
    assert snv.stem == "agency-snv" and snv.parameters["agency"] == "SNV"
    assert "suppression_threshold" not in snv.parameters  # an agency report shows no survey cell


def test_a_killed_worker_fails_only_its_report_and_is_replaced(minimal_data: Path, tmp_path: Path) -> None:
    """SIGKILL of the worker running 165 (its notebook kills its kernel's parent): 165 fails with the signal named
    and a kept log; the worker is replaced and every other report is made."""
    out = tmp_path / "out"
    plan = plan_batch(_settings(minimal_data, out, districts=("164", "165", "167", "168", "169")))
    tasks = [replace(t, notebook=FIXTURES / "kill_worker.ipynb") if t.name == "165" else t for t in plan.tasks]
    result = execute_plan(replace(plan, tasks=tuple(tasks)))
    statuses = {r.name: r.status for r in result.records}
    assert statuses == {"164": "ok", "165": "failed", "167": "ok", "168": "ok", "169": "ok", "province": "ok"}
    records = read_manifest(out)
    assert records["165"].error == "the worker process died (signal 9, SIGKILL)"
    log = (out / records["165"].log).read_text(encoding="utf-8")
    assert "the worker process died (signal 9, SIGKILL)" in log and "kill_worker.ipynb" in log
    assert len(list(out.glob("*.html"))) == 6  # 5 districts less 165, the province, the index


def test_two_batches_into_one_folder_keep_every_record(minimal_data: Path, tmp_path: Path) -> None:
    """Two batches of different districts at once into one --out: both succeed, manifest and index list all four."""
    out = tmp_path / "out"
    driver = [sys.executable, str(FIXTURES / "run_fixture_batch.py"), str(minimal_data), str(out)]
    first = subprocess.Popen([*driver, "164,165"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen([*driver, "167,168"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for process in (first, second):
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    records = read_manifest(out)
    assert set(records) == {"164", "165", "167", "168", "province"}
    assert all(r.status == "ok" for r in records.values())
    index = (out / "index.html").read_text(encoding="utf-8")
    for stem in ("164-thai-nguyen", "165-song-cong", "167-dinh-hoa", "168-phu-luong"):
        assert f"{stem}.html" in index and (out / f"{stem}.html").is_file()
    assert not list(out.rglob("*.tmp"))


def test_start_up_sweep_removes_only_temp_files_of_dead_or_old_writers(tmp_path: Path) -> None:
    """A live writer's temp file stays; a dead writer's and an abandoned (old) one go."""
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    tag = HOST_TAG
    try:
        names = {
            "live": f".a.html.{tag}-{live.pid}.0123abcd.tmp",
            "dead": f".b.html.{tag}-{int(dead.stdout)}.0123abcd.tmp",
            "other_host": f".c.html.ffffff-{int(dead.stdout)}.0123abcd.tmp",
            "old": f".d.html.{tag}-{live.pid}.0123abcd.tmp",
        }
        for name in names.values():
            (tmp_path / name).write_text("in flight", encoding="utf-8")
        os.utime(tmp_path / names["old"], (time.time() - 7 * 3600,) * 2)
        removed = {p.name for p in remove_stale_temp_files(tmp_path)}
        assert removed == {names["dead"], names["old"]}
    finally:
        live.kill()
        live.wait()


def test_output_folder_that_is_a_file_is_one_clear_error(tmp_path: Path) -> None:
    """--out naming a file: exit 2, one line "cannot write to …", no traceback."""
    data = tmp_path / "data" / "2023"
    data.mkdir(parents=True)
    (data / "survey.csv").write_text("respondent_id\n", encoding="utf-8")
    out = tmp_path / "out.html"
    out.write_text("not a folder", encoding="utf-8")
    command = [sys.executable, "-m", "danvan_analysis.cli", "reports", "--data", str(tmp_path / "data"), "--out"]
    for target in (out, out / "sub"):
        result = subprocess.run([*command, str(target)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert f"cannot write to {target}" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert out.read_text(encoding="utf-8") == "not a folder"


def test_read_only_output_folder_is_one_clear_error(
    minimal_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only --out: ParameterError "cannot write to …" (exit 2 in the command) before any report runs."""
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    if os.access(out, os.W_OK):  # root ignores the mode bits: answer as the kernel does for anyone else
        real = os.open

        def read_only(path: object, flags: int, *args: object) -> int:
            if Path(str(path)).parent == out and flags & os.O_CREAT:
                raise PermissionError(13, "Permission denied", str(path))
            return real(path, flags, *args)

        monkeypatch.setattr(os, "open", read_only)
    try:
        with pytest.raises(ParameterError, match=f"^cannot write to {out}: Permission denied") as caught:
            run_batch(_settings(minimal_data, out))
        assert "\n" not in str(caught.value)
        assert list(out.iterdir()) == []
    finally:
        out.chmod(0o755)


def test_a_worker_skips_only_imports_it_never_uses(tmp_path: Path) -> None:
    """A local worker marks jsonschema's format-check libraries and papermill's HDFS client absent before importing
    them (~0.2 s of CPU less per worker): it still loads, parameterises, validates and exports notebooks, validation
    finds the same errors as in a process that imported everything, and neither pyarrow nor NumPy is loaded."""
    code = (
        "import sys, json\n"
        "from danvan_analysis.batch import pool\n"
        "if sys.argv[1] == 'worker': pool.skip_unused_worker_imports()\n"
        "import nbformat\n"
        "from danvan_analysis.batch.kernel import prepare_notebook, _register_engine\n"
        "from danvan_analysis.batch.export import get_exporter\n"
        "_register_engine(); get_exporter('vi')\n"
        f"nb = prepare_notebook(__import__('pathlib').Path({str(FIXTURES / 'tiny_report.ipynb')!r}), {{'district': '164'}})\n"
        "nbformat.validate(nb)\n"
        "bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])\n"
        "bad.cells[0].outputs = [{'output_type': 'display_data', 'data': {'text/plain': 1}, 'metadata': {}}]\n"
        "try:\n    nbformat.validate(bad); error = None\n"
        "except nbformat.ValidationError as exc:\n    error = exc.message\n"
        "absent = sorted(n for n in pool.JSONSCHEMA_FORMAT_MODULES + pool.PAPERMILL_OPTIONAL_MODULES"
        " if n in sys.modules and sys.modules[n] is None)\n"
        "print(json.dumps([error, absent, 'pyarrow' in sys.modules, 'numpy' in sys.modules]))\n"
    )
    runs = {}
    for kind in ("worker", "plain"):
        done = subprocess.run([sys.executable, "-c", code, kind], capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        runs[kind] = json.loads(done.stdout.strip().splitlines()[-1])
    worker, plain = runs["worker"], runs["plain"]
    assert worker[0] is not None and worker[0] == plain[0]  # the same validation error
    assert worker[1] == sorted(_skipped_names()) and plain[1] == []
    assert worker[2:] == [False, False]


@pytest.mark.parametrize(
    ("msg_type", "content"),
    [
        (
            "display_data",
            {"data": {"text/html": "<p>Xã Đồng Hỷ</p>", "image/png": "iVBOR"}, "metadata": {"a": {"b": 1}}},
        ),
        ("execute_result", {"data": {"text/plain": "3"}, "metadata": {}, "execution_count": 4}),
        ("stream", {"name": "stderr", "text": "cảnh báo\n"}),
        ("error", {"ename": "ValueError", "evalue": "sai", "traceback": ["Traceback", "ValueError: sai"]}),
    ],
)
def test_a_worker_records_the_outputs_nbformat_would(msg_type: str, content: dict[str, object]) -> None:
    """The worker's unvalidated ``output_from_msg`` gives the node nbformat's gives (same fields, order and types),
    raises ``ValueError`` for what is not an output as nbformat's does, and is the one nbclient uses once set."""
    import json

    import nbclient.client
    import nbformat

    from danvan_analysis.batch import pool

    msg = {"header": {"msg_type": msg_type}, "content": {**content, "transient": {}}, "parent_header": {}}
    ours, theirs = pool.output_from_msg(msg), nbformat.v4.output_from_msg(msg)
    assert ours == theirs and json.dumps(ours) == json.dumps(theirs)
    assert type(ours) is type(theirs) and all(type(ours[k]) is type(theirs[k]) for k in theirs)
    for other in ("status", "execute_input", "clear_output"):
        for make in (pool.output_from_msg, nbformat.v4.output_from_msg):
            with pytest.raises(ValueError, match="Unrecognized output msg type"):
                make({"header": {"msg_type": other}, "content": {}})
    before = nbclient.client.output_from_msg
    try:
        pool.skip_output_validation()
        assert nbclient.client.output_from_msg is pool.output_from_msg
    finally:
        nbclient.client.output_from_msg = before


def _skipped_names() -> list[str]:
    from danvan_analysis.batch import pool

    return [*pool.JSONSCHEMA_FORMAT_MODULES, *pool.PAPERMILL_OPTIONAL_MODULES]


def test_a_failing_shared_step_fails_alone_and_the_reports_compute_for_themselves(
    minimal_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The shared step runs in the command's process: an exception there is the step's failed record (error, log
    with the traceback, the warnings it gave), never the command's crash; the reports then run without the shared
    folder (they compute the same figures themselves), and the register in use is the one before the step."""
    from danvan_analysis import units
    from danvan_analysis.reports import shared

    seen = {}

    def broken(**_: object) -> None:
        seen["register"] = units.register()  # the step's year's map is in use inside the step
        warnings.warn("a warning of the shared step", UserWarning, stacklevel=1)
        raise RuntimeError("the survey could not be read")

    monkeypatch.setattr(shared, "build_shared_results", broken)
    before = units.register()
    out = tmp_path / "out"
    result = run_batch(_settings(minimal_data, out, share_results=True))
    records = read_manifest(out)
    step = records["shared"]
    assert step.status == "failed" and step.error == "RuntimeError: the survey could not be read"
    assert step.kernel == "none: the command's own process"
    log = (out / step.log).read_text(encoding="utf-8")
    assert "Traceback" in log and "the survey could not be read" in log and "a warning of the shared step" in log
    assert "a warning of the shared step" not in capsys.readouterr().err  # in the log, not on the terminal
    assert seen["register"] is before  # 2023: Thái Nguyên's districts, the shipped register
    assert units.register() is before
    for name in ("164", "165", "167", "province"):
        assert records[name].status == "ok" and records[name].parameters["shared_cache"] == "", name
    assert not result.ok  # the failed step is listed, and the command says so


def test_the_shared_step_puts_its_years_map_in_use_for_itself_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A two-level year's shared step evaluates on that year's map; the command's process keeps its own register."""
    from danvan_analysis import units
    from danvan_analysis.batch.pool import ReportTask
    from danvan_analysis.batch.runner import SHARED_CODE, run_shared_step
    from danvan_analysis.reports import shared

    seen = {}

    def record(**parameters: object) -> Path:
        seen.update(parameters, two_level=getattr(units.register(), "two_level", False))
        return Path(str(parameters["out"]))

    monkeypatch.setattr(shared, "build_shared_results", record)
    before = units.register()
    parameters = {"year": 2026, "data_dir": str(tmp_path), "out": str(tmp_path / "s"), "ci_method": "logit"}
    task = ReportTask("shared", "shared", "shared results", SHARED_CODE, parameters, "shared", "vi", 60, "k", {})
    outcome = run_shared_step(task)
    assert outcome.status == "ok" and outcome.error is None and outcome.html is None
    assert seen == {**parameters, "two_level": True}
    assert units.register() is before and not getattr(before, "two_level", False)
