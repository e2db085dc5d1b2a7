"""Reporting timeliness against the deadlines 15/3, 15/6, 15/9, 15/11, hand-counted for Sông Công (165).

Q1 received 15/03 (the deadline day) and again 20/03 (the first counts); H1 received 20/06; 9M row without a date;
no Y row.

- default rule (≤ the 15th): Q1 on time; H1 late 5 days; 9M, Y missing → 1/4 on time;
- literal rule ("before the 15th", ≤ the 14th): Q1 late 1 day; H1 late 6 days → 0/4;
- judged at 1 July 2023: only Q1 and H1 are due → 1/2.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from danvan_analysis.errors import ParameterError
from danvan_analysis.indicators import SubmissionSettings, compute_submission_indicators, tabulate_submissions
from danvan_analysis.units import AGENCIES

from ._reference import all_districts


@pytest.fixture
def submissions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": 2023,
            "unit_code": ["165", "165", "165", "165"],
            "period": ["Q1", "Q1", "H1", "9M"],
            "date_received": pd.to_datetime(["2023-03-15", "2023-03-20", "2023-06-20", None]),
        }
    )


def test_default_rule_counts_the_deadline_day_as_on_time(submissions: pd.DataFrame) -> None:
    table = compute_submission_indicators(submissions, year=2023, district="165")
    on_time = table.get("submission_on_time")
    assert (on_time.numerator, on_time.denominator, on_time.met) == (1, 4, False)
    assert table.get("submission_late").value == 1
    assert table.get("submission_missing").value == 2
    assert table.get("submission_days_late_max").value == 5
    shortfalls = [(s.period, s.reason, s.detail) for s in table.shortfall_for("submission_on_time")]
    assert shortfalls == [("H1", "late", "5"), ("9M", "missing", None), ("Y", "missing", None)]


def test_literal_rule_makes_the_deadline_day_late(submissions: pd.DataFrame) -> None:
    settings = SubmissionSettings(on_time_rule="before")
    detail = tabulate_submissions(submissions, year=2023, district="165", settings=settings)
    assert detail["status"].tolist() == ["late", "late", "missing", "missing"]
    assert detail["days_late"].tolist()[:2] == [1, 6]
    assert detail["deadline"].dt.strftime("%d/%m").tolist() == ["15/03", "15/06", "15/09", "15/11"]


def test_as_of_leaves_future_deadlines_out(submissions: pd.DataFrame) -> None:
    settings = SubmissionSettings(as_of=dt.date(2023, 7, 1))
    table = compute_submission_indicators(submissions, year=2023, district="165", settings=settings)
    on_time = table.get("submission_on_time")
    assert (on_time.numerator, on_time.denominator) == (1, 2)


def test_province_scope_expects_every_agency_and_district() -> None:
    """24 agencies + 9 districts, 4 reports each = 132 due; everyone on time except SYT's late Y report."""
    codes = [code for code, _, _ in AGENCIES] + all_districts()
    rows = [
        (2023, code, period, pd.Timestamp(2023, month, 14 if (code, period) != ("SYT", "Y") else 18))
        for code in codes
        for period, month in (("Q1", 3), ("H1", 6), ("9M", 9), ("Y", 11))
    ]
    frame = pd.DataFrame(rows, columns=["year", "unit_code", "period", "date_received"])
    table = compute_submission_indicators(frame, year=2023)
    on_time = table.get("submission_on_time")
    assert (on_time.numerator, on_time.denominator) == (131, 132)
    assert table.get("submission_on_time", dimension="period", category="Y").numerator == 32
    late = table.shortfall_for("submission_on_time")
    assert [(s.unit_code, s.detail) for s in late] == [("SYT", "3")]


def test_bad_rule_is_refused(submissions: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match="on_time_rule"):
        tabulate_submissions(submissions, year=2023, settings=SubmissionSettings(on_time_rule="soon"))  # type: ignore[arg-type]


def test_caveats_state_the_rule_with_the_plan_deadlines_as_dates(submissions: pd.DataFrame) -> None:
    """The on-time rule is stated with each period's deadline as dd/mm/yyyy, a moved deadline included."""
    settings = SubmissionSettings(on_time_rule="before", as_of=dt.date(2023, 7, 1), deadlines={"Q1": "03-10"})
    table = compute_submission_indicators(submissions, year=2023, district="165", settings=settings)
    vi, en = table.caveat_lines("vi"), table.caveat_lines("en")
    assert any("trước ngày hạn gửi" in line and "Quý I: 10/03/2023; 6 tháng: 15/06/2023" in line for line in vi)
    assert any("Q1: 10/03/2023; First half: 15/06/2023" in line for line in en)
    assert any("đến ngày 01/07/2023" in line for line in vi)
    assert any("judged at 01/07/2023" in line for line in en)


def test_ignored_units_are_named_from_the_register() -> None:
    """A commune's rows are ignored in the province table: the caveat gives its name, not its code."""
    rows = pd.DataFrame({"year": 2023, "unit_code": ["165", "05506"], "period": "Q1", "date_received": pd.NaT})
    table = compute_submission_indicators(rows, year=2023)
    (vi,) = [line for line in table.caveat_lines("vi") if "không thuộc diện báo cáo" in line]
    assert vi.endswith("Sở Nội vụ: Phường Lương Sơn.") and "05506" not in vi
    assert any(line.endswith("ignored: Phường Lương Sơn.") for line in table.caveat_lines("en"))
