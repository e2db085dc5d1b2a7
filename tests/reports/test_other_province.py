"""Any province on the two-level map (issue 14): the province a report evaluates comes from its parameters and must
be the plan's; nothing on that path is Thái Nguyên's by constant. Fast checks (no notebook runs): the parameters,
the register in use, the batch's plan of reports; the batch itself is in ``tests/batch/test_other_province_batch.py``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from danvan_analysis.batch import BatchSettings
from danvan_analysis.batch.runner import plan_batch
from danvan_analysis.errors import ParameterError
from danvan_analysis.registers import register_for, register_of_year
from danvan_analysis.reports.commune import use_province, validate_commune_params
from danvan_analysis.reports.params import validate_agency_params
from danvan_analysis.units import province_code, province_unit, register, set_register

OTHER = "12"  # Lai Châu (tests/conftest.py: OTHER_PROVINCE)


@pytest.fixture(autouse=True)
def _shipped_register_after() -> Iterator[None]:
    """Each test leaves the shipped 2023 register in use, as it found it."""
    yield
    set_register(None)


def test_the_other_province_register_names_its_own_newspaper_and_province() -> None:
    """The one agency named after its province is named after the province of the register."""
    reg = register_for(2026, province=OTHER)
    assert reg.unit("BTN").name == "Báo Lai Châu"
    assert reg.unit(OTHER).name == "Tỉnh Lai Châu" and reg.unit(OTHER).name_en == "Lai Châu province"
    assert register_for(2026, province="01").unit("01").name_en == "Hà Nội city"
    assert register_for(2026).unit("BTN").name == "Báo Thái Nguyên"  # Thái Nguyên's unchanged
    assert register().unit("BTN").name == "Báo Thái Nguyên"


def test_commune_parameters_put_the_province_register_in_use(other_province: tuple[Path, Path]) -> None:
    data, plan = other_province
    commune = register_for(2026, province=OTHER).units("commune")[0]
    params = validate_commune_params(
        commune=commune.code, year=2026, data_dir=data, plan_file=str(plan), province=OTHER
    )
    assert params.commune == commune and params.province is not None and params.province.code == OTHER
    assert province_code() == OTHER and province_unit().name == "Tỉnh Lai Châu"
    # The loader of a 2026 file inside this report checks it against the same province's communes.
    assert register_of_year(2026) is register_for(2026, province=OTHER)
    assert register_of_year(2026, province="19") is register_for(2026)


@pytest.mark.parametrize("plan_given", [True, False])
def test_a_province_other_than_the_plan_s_is_refused(other_province: tuple[Path, Path], plan_given: bool) -> None:
    """Lai Châu's plan asked for Thái Nguyên, and Lai Châu with the shipped (Thái Nguyên) example plan."""
    data, plan = other_province
    province = "19" if plan_given else OTHER
    with pytest.raises(ParameterError) as info:
        validate_commune_params(
            commune="00001", year=2026, data_dir=data, plan_file=str(plan) if plan_given else "", province=province
        )
    message = str(info.value)
    assert "Parameter province" in message and "the plan must be that province's" in message
    assert ("plan of province 12" if plan_given else "the shipped EXAMPLE plan") in message


def test_a_year_with_districts_is_thai_nguyen_s_only() -> None:
    with pytest.raises(ParameterError, match=r"Thái Nguyên \(19\) only"):
        use_province(year=2023, province=OTHER)
    use_province(year=2023, province="19")
    assert province_code() == "19"


def test_agency_parameters_of_a_two_level_year(other_province: tuple[Path, Path]) -> None:
    """An agency of 2026 is evaluated on the two-level map of its province, on that province's plan."""
    data, plan = other_province
    params = validate_agency_params(agency="BTN", year=2026, data_dir=data, plan_file=str(plan), province=OTHER)
    assert params.agency.name == "Báo Lai Châu" and params.plan.spec.plan.province_code == OTHER
    assert register().two_level and province_code() == OTHER  # type: ignore[attr-defined]


def _settings(data: Path, out: Path, **changes: object) -> BatchSettings:
    return BatchSettings(**{"year": 2026, "data_dir": data, "out_dir": out, "progress": False, **changes})  # type: ignore[arg-type]


def test_the_batch_plan_names_the_province_everywhere(other_province: tuple[Path, Path], tmp_path: Path) -> None:
    data, plan = other_province
    reg = register_for(2026, province=OTHER)
    first, second = reg.units("commune")[:2]
    batch = plan_batch(
        _settings(data, tmp_path, plan=plan, province_code=OTHER, communes=(first.code, second.name), agencies=True)
    )
    names = [t.name for t in batch.tasks]
    assert names[:3] == [first.code, second.code, "province"]
    assert names[3:] == [u.code for u in reg.units("agency")]
    for task in batch.tasks:
        assert "Thái Nguyên" not in task.title, task.title
        assert task.parameters["province"] == OTHER
        assert task.parameters["plan_file"] == str(plan.resolve())
    province = next(t for t in batch.tasks if t.name == "province")
    assert province.title.endswith("Tỉnh Lai Châu") and province.notebook.name == "province_two_level_report.ipynb"
    assert province.parameters["linked_communes"] == f"{first.code},{second.code}"
    assert next(t for t in batch.tasks if t.name == "BTN").title.endswith("Báo Lai Châu")
    assert batch.shared is not None and batch.shared.parameters["province"] == OTHER


def test_agencies_of_thai_nguyen_in_2026_run_on_the_example_plan(tmp_path: Path) -> None:
    """Agencies in a two-level year are no longer left out: one agency report each, on the example plan."""
    (tmp_path / "data" / "2026").mkdir(parents=True)
    (tmp_path / "data" / "2026" / "survey.csv").write_text("respondent_id\n", encoding="utf-8")
    batch = plan_batch(_settings(tmp_path / "data", tmp_path / "out", agencies=True, communes=("05443",)))
    agencies = [t for t in batch.tasks if t.kind == "agency"]
    assert [t.name for t in agencies] == [u.code for u in register_for(2026).units("agency")]
    assert all(t.notebook.name == "agency_report.ipynb" and t.parameters["province"] == "19" for t in agencies)
    assert all(t.parameters["plan_file"] == "" for t in agencies)  # the notebook scores the shipped EXAMPLE plan


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"province_code": OTHER}, "the shipped EXAMPLE plan"),  # no plan: the example is Thái Nguyên's
        ({"province_code": "19", "plan": "PLAN"}, "plan of province 12"),
        ({"province_code": OTHER, "plan": "PLAN", "districts": ("164",)}, "no district"),
        ({"province_code": OTHER, "plan": "PLAN", "communes": ("Phường Phan Đình Phùng",)}, "No commune of Tỉnh Lai"),
        ({"province_code": "99", "plan": "PLAN"}, "is not a GSO province code"),
        ({"year": 2023, "province_code": OTHER}, r"Thái Nguyên (19) only"),
    ],
)
def test_the_batch_refuses_what_it_cannot_evaluate(
    other_province: tuple[Path, Path], tmp_path: Path, changes: dict[str, object], says: str
) -> None:
    data, plan = other_province
    changes = {k: (plan if v == "PLAN" else v) for k, v in changes.items()}
    with pytest.raises(ParameterError) as info:
        plan_batch(_settings(data, tmp_path / "out", **changes))
    assert says in str(info.value)
    assert not (tmp_path / "out").exists()  # stopped before anything is written


def test_command_exits_2_when_the_province_disagrees_with_the_plan(
    other_province: tuple[Path, Path], tmp_path: Path
) -> None:
    data, plan = other_province
    command = [sys.executable, "-m", "danvan_analysis.cli", "reports", "--year", "2026", "--data", str(data)]
    command += ["--plan", str(plan), "--province", "01", "--out", str(tmp_path / "out")]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert "--province 01 (Thành phố Hà Nội) is reported on" in run.stderr and "plan of province 12" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "out").exists()
