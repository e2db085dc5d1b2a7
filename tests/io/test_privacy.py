"""The survey privacy guard: headers identifying people are refused (or dropped unread), the contract's and form's pass.

The headers below are the ones issue 11 found passing as "extra column ignored", written as clerks write them
(run together, camel case, English, Vietnamese with and without diacritics), plus the indirect identifiers.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from danvan_analysis.demo import generate_survey, survey_export
from danvan_analysis.errors import DataWarning, PrivacyError
from danvan_analysis.io import load_dataset, load_survey, validate_file
from danvan_analysis.io.headers import locate_header
from danvan_analysis.schemas import get_spec

GOOD = Path(__file__).parents[1] / "data" / "good"

# header, the kind the guard must name
IDENTIFYING = [
    ("hoten", "name"),
    ("HoTen", "name"),
    ("sodienthoai", "phone"),
    ("diachi", "address"),
    ("First name", "name"),
    ("Last name", "name"),
    ("Surname", "name"),
    ("Cellphone", "phone"),
    ("ID card", "ID number"),
    ("Citizen ID", "ID number"),
    ("Số BHXH", "ID number"),
    ("Mã số thuế", "ID number"),
    ("Mail", "e-mail"),
    ("Nơi thường trú", "address"),
    ("Quê quán", "address"),
    # indirect identifiers
    ("Ngày sinh", "date of birth"),
    ("Date of birth", "date of birth"),
    ("Tuổi", "exact age"),
    ("Age", "exact age"),
    ("GPS", "GPS coordinates"),
    ("Latitude", "GPS coordinates"),
    ("Longitude", "GPS coordinates"),
    ("Toạ độ", "GPS coordinates"),
    ("_geolocation", "GPS coordinates"),
    ("Số nhà", "house number"),
    ("House number", "house number"),
]


def _with_column(tmp_path: Path, header: str, value: str = "x") -> Path:
    """The good survey file with one more column, inserted second."""
    with open(GOOD / "survey.csv", encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    path = tmp_path / "survey.csv"
    with open(path, "w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows([[r[0], header if i == 0 else value, *r[1:]] for i, r in enumerate(rows)])
    return path


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return generate_survey(2023, respondents=120, seed=3)


def _good() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        return load_dataset("survey", GOOD / "survey.csv")


@pytest.mark.parametrize(("header", "kind"), IDENTIFYING, ids=[h for h, _ in IDENTIFYING])
def test_identifying_header_is_refused_and_dropped_unread(tmp_path: Path, header: str, kind: str) -> None:
    """Refused by default, an error row in validate_file, dropped with a warning (values unread) with drop_pii."""
    path = _with_column(tmp_path, header, value="15/03/1961")
    with pytest.raises(PrivacyError, match=f"'{header}' \\({kind}\\)"):
        load_survey(path)
    problems = validate_file("survey", path)
    assert problems[["row", "column", "check", "severity"]].values.tolist() == [[1, header, "personal_data", "error"]]
    with pytest.warns(DataWarning, match="dropped"):
        assert_frame_equal(load_survey(path, drop_pii=True), _good())


def test_indirect_identifiers_are_told_to_coarsen(tmp_path: Path) -> None:
    with pytest.raises(PrivacyError, match="age_group"):
        load_survey(_with_column(tmp_path, "Ngày sinh"))


def test_contract_columns_under_every_name_pass() -> None:
    """Every name, label and alias of the survey contract (``age_group``: "Nhóm tuổi", "Age group") maps, none is refused."""
    spec = get_spec("survey")
    for text in spec.header_aliases:
        _, header, _ = locate_header([[text]], spec, pii="raise", file="f")
        assert not header.pii and list(header.columns.values()) == [spec.header_aliases[text]], text


@pytest.mark.parametrize(
    ("style", "headers", "lang"), [("kobo", "names", "vi"), ("kobo", "labels", "vi"), ("odk", "labels", "en")]
)
def test_form_exports_with_their_meta_columns_pass(survey: pd.DataFrame, style: str, headers: str, lang: str) -> None:
    """Every column of a KoboToolbox / ODK export of the form (fields, labels, start/end/_uuid/deviceid) passes."""
    cells = survey_export(survey, style=style, headers=headers, lang=lang)
    cells.insert(2, "deviceid", "collect:abc")
    _, header, _ = locate_header([list(cells.columns)], get_spec("survey"), pii="raise", file="f")
    assert header.pii == {}


def test_kobo_geolocation_meta_column_is_refused_not_set_aside(survey: pd.DataFrame, tmp_path: Path) -> None:
    """``_geolocation`` is a meta column KoboToolbox adds, but it holds the interview's GPS point."""
    cells = survey_export(survey, style="kobo")
    cells["_geolocation"] = "[21.59, 105.84]"
    path = tmp_path / "kobo.csv"
    cells.to_csv(path, index=False)
    with pytest.raises(PrivacyError, match="_geolocation"):
        load_survey(path, require_weight=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = load_survey(path, require_weight=False, drop_pii=True)
    assert "_geolocation" not in frame.columns
    assert any("_geolocation" in str(w.message) and "dropped" in str(w.message) for w in caught)
