"""The `danvan` command: every subcommand has help; user errors exit 2 with a message, never a traceback."""

from __future__ import annotations

import subprocess
import sys

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
