"""Notebook parameters are data, never code, and never a way out of the data folder."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from danvan_analysis.errors import ParameterError
from danvan_analysis.reports.params import (
    SHARED_CACHE_FORMAT,
    report_stem,
    validate_district_params,
    validate_province_params,
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    (tmp_path / "2023").mkdir()
    (tmp_path / "2023" / "dialogues.csv").write_text("x\n", encoding="utf-8")
    return tmp_path


def _valid(folder: Path, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {"district": "164", "year": 2023, "data_dir": str(folder), "lang": "vi"}
    values.update(changes)
    return values


@pytest.mark.parametrize(
    ("given", "code"),
    [("164", "164"), (164, "164"), ("Định Hóa", "167"), ("huyen dinh hoa", "167"), ("TP. Sông Công", "165")],
)
def test_district_resolves_codes_and_names(data_dir: Path, given: object, code: str) -> None:
    """Codes (as text or the int papermill's -p makes of them) and names in any spelling resolve."""
    params = validate_district_params(**_valid(data_dir, district=given))
    assert params.district.code == code
    assert params.data_dir == data_dir.resolve()
    assert params.shared_cache is None


@pytest.mark.parametrize(
    "district",
    [
        "\"); import os; os.remove('x') #",
        "__import__('os').system('true')",
        "../../etc/passwd",
        "Hà Nội",
        "",
        True,
        3.5,
        "164\n",
    ],
)
def test_district_refuses_anything_but_a_district(data_dir: Path, district: object) -> None:
    with pytest.raises(ParameterError, match="district"):
        validate_district_params(**_valid(data_dir, district=district))


def test_unknown_district_message_suggests(data_dir: Path) -> None:
    with pytest.raises(ParameterError) as info:
        validate_district_params(**_valid(data_dir, district="Dinh Hoaa"))
    assert "Định Hóa" in str(info.value)  # the closest name is suggested
    assert "danvan units" in str(info.value)


@pytest.mark.parametrize("data_dir_value", ["../../etc/passwd", "/etc/passwd", "/etc", "", "/nonexistent/x"])
def test_data_dir_must_hold_the_year(data_dir: Path, data_dir_value: str) -> None:
    """Path traversal names no data folder with a 2023/ sub-folder: refused before anything is read."""
    with pytest.raises(ParameterError, match="data_dir"):
        validate_district_params(**_valid(data_dir, data_dir=data_dir_value))


def test_missing_year_lists_the_years_found(data_dir: Path) -> None:
    (data_dir / "2021").mkdir()
    with pytest.raises(ParameterError, match=r"no data for 2022.*years found: 2021, 2023"):
        validate_district_params(**_valid(data_dir, year=2022))


@pytest.mark.parametrize(
    ("name", "value"),
    [("lang", "fr"), ("lang", 1), ("year", True), ("year", "20x3"), ("year", 1999), ("suppression_threshold", 0)],
)
def test_simple_parameters_are_checked(data_dir: Path, name: str, value: object) -> None:
    with pytest.raises(ParameterError, match=name):
        validate_district_params(**_valid(data_dir, **{name: value}))


def test_shared_cache_must_be_ours(data_dir: Path, tmp_path: Path) -> None:
    """Only a folder with our meta.json for the same year is accepted; /etc/passwd or a foreign folder is not."""
    for bad in ["../../etc/passwd", str(tmp_path)]:
        with pytest.raises(ParameterError, match="shared_cache"):
            validate_district_params(**_valid(data_dir, shared_cache=bad))
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "meta.json").write_text(json.dumps({"format": SHARED_CACHE_FORMAT, "year": 2022}), encoding="utf-8")
    with pytest.raises(ParameterError, match="2023"):
        validate_district_params(**_valid(data_dir, shared_cache=str(cache)))
    (cache / "meta.json").write_text(json.dumps({"format": SHARED_CACHE_FORMAT, "year": 2023}), encoding="utf-8")
    assert validate_district_params(**_valid(data_dir, shared_cache=str(cache))).shared_cache == cache.resolve()


def test_province_params(data_dir: Path) -> None:
    params = validate_province_params(year="2023", data_dir=str(data_dir), lang="en")
    assert (params.year, params.lang) == (2023, "en")
    with pytest.raises(ParameterError, match="data_dir"):
        validate_province_params(year=2023, data_dir="../../etc/passwd")


def test_report_stem_comes_from_the_register() -> None:
    """File names are ASCII slugs of the resolved unit, whatever the user typed."""
    assert report_stem("167") == "167-dinh-hoa"
    assert report_stem("169") == "169-dong-hy"
    assert report_stem("164") == "164-thai-nguyen"
    assert report_stem("19") == "province"


@pytest.mark.parametrize("given", ["15/03/2024", "2024-03-15", " 15/03/2024 ", dt.date(2024, 3, 15)])
def test_report_date_takes_the_vietnamese_and_the_iso_form(data_dir: Path, given: object) -> None:
    assert validate_district_params(**_valid(data_dir, report_date=given)).report_date == dt.date(2024, 3, 15)


def test_an_empty_report_date_is_today(data_dir: Path) -> None:
    before = dt.date.today()
    dated = validate_district_params(**_valid(data_dir)).report_date
    assert dated is not None and before <= dated <= dt.date.today()


@pytest.mark.parametrize(
    "given", ["31/02/2024", "03/15/2024", "15.03.2024", "hôm nay", "15/03/1999", "2024-3", 20240315]
)
def test_report_date_refuses_anything_but_a_day(data_dir: Path, given: object) -> None:
    with pytest.raises(ParameterError, match="report_date") as caught:
        validate_district_params(**_valid(data_dir, report_date=given))
    assert repr(given) in str(caught.value) or type(given).__name__ in str(caught.value)
