"""The `danvan` command: every subcommand has help; user errors exit 2 with a message, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

COMMANDS = ["demo", "validate", "template", "units", "reports"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "danvan_analysis.cli", *args], capture_output=True, text=True, encoding="utf-8"
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_has_help(command):
    result = _run(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_units_lists_the_nine_districts_with_commune_counts():
    result = _run("units")
    assert result.returncode == 0
    assert "Huyện Định Hóa" in result.stdout
    assert "177 communes" in result.stdout


def test_units_of_one_district():
    result = _run("units", "--district", "H. Võ Nhai")
    assert result.returncode == 0
    assert "170 Huyện Võ Nhai: 15 communes" in result.stdout


def test_user_error_exits_2_without_traceback():
    result = _run("units", "--district", "Huyện Phú Xuyênn")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "No district of Thái Nguyên (2023 register) is called 'Huyện Phú Xuyênn'" in result.stderr


@pytest.mark.parametrize("value", ["", " ", ",", " , ,"])
def test_empty_districts_is_an_error_not_all_districts(value: str) -> None:
    """``--districts ""`` (a script's variable that came out empty) must not run all nine districts."""
    result = _run("reports", "--districts", value, "--out", "/nonexistent/never-written")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--districts" in result.stderr and "no district given" in result.stderr


@pytest.mark.parametrize("value", ["31/02/2024", "03/15/2024", "mai"])
def test_a_date_that_is_no_day_is_a_usage_error(value: str) -> None:
    result = _run("reports", "--date", value, "--out", "/nonexistent/never-written")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--date" in result.stderr and value in result.stderr and "15/03/2024" in result.stderr
    assert not Path("/nonexistent/never-written").exists()


DATA = Path(__file__).parent / "data"


def test_validate_lists_every_problem_and_saves_them_for_the_reporting_unit(tmp_path):
    """A bad file: exit 1, every problem printed, the list saved as .xlsx, the input untouched."""
    source = DATA / "bad" / "complaints_many_problems.csv"
    before = source.read_bytes()
    saved = tmp_path / "problems.xlsx"
    result = _run("validate", "complaints", str(source), "--problems-out", str(saved))
    assert result.returncode == 1, result.stderr
    assert "problem(s); the file was not changed" in result.stderr
    problems = pd.read_excel(saved, dtype=str, engine="openpyxl")
    assert {"file", "row", "column", "value", "expected"} <= set(problems.columns)
    assert (problems["severity"] == "error").sum() >= 2
    assert source.read_bytes() == before


def test_validate_accepts_a_good_file():
    result = _run("validate", "dialogues", str(DATA / "good" / "dialogues.csv"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid dialogues data" in result.stdout


def test_template_then_validate_round_trip(tmp_path):
    """The workbook `danvan template` writes is read back by `danvan validate` with the same row numbers."""
    workbook = tmp_path / "plans.xlsx"
    result = _run("template", "plans", "--unit", "H. Đại Từ", "--year", "2023", "--out", str(workbook))
    assert result.returncode == 0, result.stderr
    assert openpyxl.load_workbook(workbook).sheetnames[0]
    # Unfilled, the template has one row per unit that must report: Đại Từ's People's Committee and its 29
    # communes; the only problem is the answer nobody has given yet.
    checked = _run("validate", "plans", str(workbook), "--problems-out", str(tmp_path / "p.csv"))
    assert checked.returncode == 1
    problems = pd.read_csv(tmp_path / "p.csv", dtype=str, encoding="utf-8-sig")
    assert set(problems["column"]) == {"issued"}
    assert len(problems) == 1 + 29


def test_demo_writes_every_dataset(tmp_path):
    result = _run("demo", "--years", "2023", "--respondents", "300", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    names = sorted(p.stem for p in (tmp_path / "2023").iterdir())
    assert {"survey", "dialogues", "religion", "complaints", "boards", "plans", "inspections", "submissions"} <= set(
        names
    )


# -- the process's end (process.end_process) ---------------------------------------------------------------------------

_ENDING = """
import atexit, sys, threading, time
from danvan_analysis.process import end_process
atexit.register(lambda: open(sys.argv[1], "w").write("atexit ran"))
print("written before the end")  # block-buffered: a pipe
sys.stderr.write("and on stderr\\n")
if sys.argv[2] == "thread":
    threading.Thread(target=lambda: (time.sleep(0.3), open(sys.argv[1] + ".thread", "w").write("done"))).start()
end_process(eval(sys.argv[3]))
"""


@pytest.mark.parametrize(
    ("code", "status", "stderr"),
    [("None", 0, ""), ("0", 0, ""), ("3", 3, ""), ("'bad input'", 1, "bad input\n")],
)
def test_end_process_keeps_exit_status_atexit_handlers_and_buffered_output(tmp_path, code, status, stderr):
    marker = tmp_path / "marker"
    result = subprocess.run(
        [sys.executable, "-c", _ENDING, str(marker), "-", code], capture_output=True, text=True, encoding="utf-8"
    )
    assert result.returncode == status
    assert result.stdout == "written before the end\n"
    assert result.stderr == "and on stderr\n" + stderr
    assert marker.read_text() == "atexit ran"


def test_end_process_waits_for_a_running_thread(tmp_path):
    """A non-daemon thread still running: the normal exit, which waits for it (os._exit would kill it)."""
    marker = tmp_path / "marker"
    result = subprocess.run(
        [sys.executable, "-c", _ENDING, str(marker), "thread", "4"], capture_output=True, text=True, encoding="utf-8"
    )
    assert result.returncode == 4
    assert (tmp_path / "marker.thread").read_text() == "done"
    assert marker.read_text() == "atexit ran"


def test_the_command_ends_its_process_with_the_commands_status(monkeypatch):
    """main() hands end_process what the command ended with: typer's status, or 2 for a user error."""
    from danvan_analysis import cli
    from danvan_analysis.errors import SchemaError

    ended: list[object] = []

    def end(code: object) -> None:
        ended.append(code)

    monkeypatch.setattr(cli, "end_process", end)
    monkeypatch.setattr(cli, "skip_unused_imports", lambda: ended.append("skipped"))  # not in the test process
    outcomes = iter([SystemExit(0), SystemExit(1), SchemaError("the file has problems"), None])

    def app() -> None:
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome

    monkeypatch.setattr(cli, "app", app)
    for _ in range(4):
        cli.main()
    assert ended == ["skipped", 0, "skipped", 1, "skipped", 2, "skipped", 0]
    assert _run("units").returncode == 0
    assert _run("nosuch").returncode == 2


_CHECKING = """
import json, sys
from danvan_analysis.process import skip_unused_imports
if sys.argv[1] == "imported":
    import hypothesis
if sys.argv[1] != "plain":
    skip_unused_imports()
import pandas as pd
import pandera as pa
from danvan_analysis.schemas import check_frame
verdicts = [list(pa.Check.isin(["a", "b"])(pd.Series(["a", "c"])).check_output), list(pa.Check.ge(2)(pd.Series([1, 3])).check_output)]
print(json.dumps([verdicts, sys.modules.get("hypothesis") is not None]))
"""


def test_the_command_skips_hypothesis_which_pandera_imports_for_nothing_it_uses():
    """pandera's first check imports hypothesis when it is installed (to synthesise data, which no command does):
    the command marks it absent first. The checks give the same verdicts; a process that imported it keeps it."""
    runs = {}
    for kind in ("plain", "skipped", "imported"):
        result = subprocess.run([sys.executable, "-c", _CHECKING, kind], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        runs[kind] = json.loads(result.stdout.strip().splitlines()[-1])
    assert runs["plain"] == [[[True, False], [False, True]], True]  # the test extra installs hypothesis
    assert runs["skipped"] == [runs["plain"][0], False]
    assert runs["imported"] == [runs["plain"][0], True]
