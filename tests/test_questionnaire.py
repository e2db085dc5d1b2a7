"""The questionnaire as an XLSForm: pyxform converts it, its choices are the contract's codes, its skip logic holds.

The XForm that pyxform (the XLSForm project's converter) produces is the reference: the choice names checked below
are those a tablet will store, read from the XForm's secondary instances, not from our own tables.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest

from danvan_analysis import vocab
from danvan_analysis.errors import ParameterError
from danvan_analysis.io.headers import PII_PATTERNS
from danvan_analysis.questionnaire import write_questionnaire
from danvan_analysis.schemas import get_spec
from danvan_analysis.schemas.survey_form import default_form
from danvan_analysis.text import fold
from danvan_analysis.units import register

xls2xform = pytest.importorskip("pyxform.xls2xform")

XF = "{http://www.w3.org/2002/xforms}"
#: pyxform warnings we accept: none. Keep the list explicit so an accepted warning is a reviewed decision.
ACCEPTED_WARNINGS: list[str] = []


@pytest.fixture(scope="module", params=["vi", "en"])
def form(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ElementTree.Element]:
    path = write_questionnaire(tmp_path_factory.mktemp("form") / f"form_{request.param}.xlsx", lang=request.param)
    result = xls2xform.convert(str(path))
    assert [w for w in result.warnings if w not in ACCEPTED_WARNINGS] == []
    return path, ElementTree.fromstring(result.xform)


def _instances(xform: ElementTree.Element) -> dict[str, list[ElementTree.Element]]:
    found = {}
    for instance in xform.iter(f"{XF}instance"):
        if instance.get("id"):
            found[instance.get("id")] = list(instance.iter(f"{XF}item"))
    return found


def _names(items: list[ElementTree.Element]) -> list[str]:
    return [item.findtext(f"{XF}name") for item in items]


def test_every_choice_list_holds_the_contracts_codes(form) -> None:
    _, xform = form
    lists = _instances(xform)
    spec = get_spec("survey")
    for column in ("sex", "age_group", "ethnicity", "education", "occupation", "area", "channel"):
        assert _names(lists[column]) == list(spec.column(column).codes()), column
    assert _names(lists["rating"]) == ["1", "2", "3", "4", "5", str(vocab.DONT_KNOW)]
    assert _names(lists["priority_areas"]) == vocab.PriorityArea.codes()
    assert _names(lists["districts"]) == list(register().district_codes)
    communes = {item.findtext(f"{XF}name"): item.findtext(f"{XF}district") for item in lists["communes"]}
    assert communes == {u.code: u.district_code for u in register().units("commune")}
    assert _names(lists["yes_no"]) == ["yes", "no"]


def test_every_item_is_a_rating_inside_its_block_and_element(form) -> None:
    _, xform = form
    binds = {b.get("nodeset"): b for b in xform.iter(f"{XF}bind")}
    for number in range(1, 34):
        element = "p" if number <= 14 else "s"
        block = "policy" if number <= 14 else "service"
        [path] = [p for p in binds if p.endswith(f"/q{number:02d}")]
        assert re.fullmatch(rf"/data/{block}/{element}\d/q{number:02d}", path), path
    body_selects = {s.get("ref").rsplit("/", 1)[-1] for s in xform.iter(f"{XF}select1")}
    assert set(vocab.ITEMS) <= body_selects
    assert any(s.get("ref") == "/data/priorities" for s in xform.iter(f"{XF}select"))


def test_skip_logic_references_existing_fields_and_gates_each_block(form) -> None:
    _, xform = form
    binds = {b.get("nodeset"): b for b in xform.iter(f"{XF}bind")}
    nodes = set(binds)
    referenced = []
    for bind in binds.values():
        for attribute in ("relevant", "constraint", "calculate"):
            referenced += re.findall(r"/data(?:/\w+)+", bind.get(attribute) or "")
    for itemset in xform.iter(f"{XF}itemset"):
        referenced += re.findall(r"/data(?:/\w+)+", itemset.get("nodeset") or "")
    assert referenced and set(referenced) <= nodes
    assert binds["/data/policy"].get("relevant").split() == ["/data/used_policy", "=", "'yes'"]
    assert binds["/data/service"].get("relevant").split() == ["/data/used_service", "=", "'yes'"]
    filters = [i.get("nodeset") for i in xform.iter(f"{XF}itemset")]
    assert any("district" in f and "/data/location/district_code" in f for f in filters)


def test_no_field_identifies_a_person(form) -> None:
    path, xform = form
    sheet = openpyxl.load_workbook(path, read_only=True)["survey"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    texts = [
        str(v) for row in rows[1:] for c, v in zip(header, row, strict=False) if v and (c == "name" or "label" in c)
    ]
    assert len(texts) > 100
    offenders = [t for t in texts for kind, pattern in PII_PATTERNS if pattern.search(fold(t))]
    assert offenders == []
    types = {row[0] for row in rows[1:]}
    assert not types & {"phonenumber", "deviceid", "simserial", "subscriberid", "email", "username", "geopoint"}
    instance = xform.find(f".//{XF}instance/{XF}data")
    assert instance is not None
    assert "respondent_id" in [child.tag.removeprefix(XF) for child in instance]


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
def test_odk_validate_accepts_the_form(form) -> None:
    """pyxform's bundled ODK Validate (the JavaRosa engine of ODK Collect) loads the XForm."""
    path, _ = form
    result = xls2xform.convert(str(path), validate=True)
    assert [w for w in result.warnings if w not in ACCEPTED_WARNINGS] == []


def test_a_village_list_makes_the_village_a_cascading_select(tmp_path: Path) -> None:
    villages = tmp_path / "villages.csv"
    villages.write_text(
        "commune_code,village_code,village_name\n5431,05431-01,Tổ 1\n05431,05431-02,Tổ 2\n05434,05434-01,Tổ 1\n",
        encoding="utf-8",
    )
    path = write_questionnaire(tmp_path / "form.xlsx", villages=villages)
    result = xls2xform.convert(str(path))
    assert result.warnings == []
    xform = ElementTree.fromstring(result.xform)
    items = _instances(xform)["villages"]
    assert [(i.findtext(f"{XF}name"), i.findtext(f"{XF}commune")) for i in items] == [
        ("05431-01", "05431"),
        ("05431-02", "05431"),
        ("05434-01", "05434"),
    ]
    assert any("/data/location/commune_code" in (i.get("nodeset") or "") for i in xform.iter(f"{XF}itemset"))


def test_bad_village_list_and_parameters_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "villages.csv"
    bad.write_text("commune_code,village_code,village_name\n99999,X,Tổ 1\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="line 2"):
        write_questionnaire(tmp_path / "form.xlsx", villages=bad)
    with pytest.raises(ParameterError, match="'vi' or 'en'"):
        write_questionnaire(tmp_path / "form.xlsx", lang="fr")
    with pytest.raises(ParameterError, match=r"\.xlsx"):
        write_questionnaire(tmp_path / "form.csv")
    assert not (tmp_path / "form.xlsx").exists()


def test_the_form_declares_every_contract_column_it_fills() -> None:
    """Every survey column except the design's (weight, stratum, psu) comes from a field of the form."""
    form = default_form()
    spec = get_spec("survey")
    filled = {c for c in spec.column_names if form.field_for_column(c) is not None}
    assert set(spec.column_names) - filled == {"weight", "stratum", "psu"}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "danvan_analysis.cli", *args], capture_output=True, text=True, encoding="utf-8"
    )


def test_cli_writes_the_form_and_refuses_a_bad_path_without_traceback(tmp_path: Path) -> None:
    result = _run("questionnaire", "--out", str(tmp_path / "form.xlsx"), "--lang", "en")
    assert result.returncode == 0, result.stderr
    settings = openpyxl.load_workbook(tmp_path / "form.xlsx", read_only=True)["settings"]
    assert list(settings.iter_rows(values_only=True))[1][3] == "English (en)"
    result = _run("questionnaire", "--out", str(tmp_path / "missing" / "form.xlsx"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "does not exist" in result.stderr
