"""Fixtures shared by the test folders: a project-like sandbox with the demo data (notebook and batch tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project-like folder: ``notebooks/`` (copies) and ``data/demo/`` (the demo data), as in a fresh clone.

    The notebooks' default ``data_dir`` (``../data/demo``) resolves here exactly as it does in the repository, and
    no test writes into the repository.
    """
    import shutil

    from danvan_analysis.demo import write_demo

    root = tmp_path_factory.mktemp("project")
    shutil.copytree(NOTEBOOKS, root / "notebooks")
    write_demo(root / "data" / "demo", years=[2021, 2022, 2023])
    return root


#: The other province of the tests of any province on the two-level map: Lai Châu (code 12, 38 communes and wards,
#: the fewest of the 34 provinces), a province whose data and plan the toolkit does not ship.
OTHER_PROVINCE = "12"


@pytest.fixture(scope="session")
def other_province(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Synthetic 2026 data and a plan file of :data:`OTHER_PROVINCE`: ``(data folder, plan file)``.

    Built here rather than by ``danvan demo``: the demo's realism (sizes, minority shares, the former Bắc Kạn) is
    Thái Nguyên's, and would be a false claim about another province. The two-level demo of Thái Nguyên (2,000
    respondents) is carried onto the other province's map: its first communes in register order become that
    province's communes one to one (the other rows are left out), the province's own rows get its code, and every
    "Thái Nguyên" in a text becomes the province's name. The folder carries the demo marker: every report says its
    figures are made up. The plan is the shipped EXAMPLE two-level plan with the province's code and name.
    """
    import pandas as pd

    from danvan_analysis import paths
    from danvan_analysis.demo.two_level import generate_year
    from danvan_analysis.registers import register_for

    target = register_for(2026, province=OTHER_PROVINCE)
    place = target.unit(OTHER_PROVINCE).short_name  # "Lai Châu"
    new = [u.code for u in target.units("commune")]
    old = [u.code for u in register_for(2026).units("commune")][: len(new)]
    codes = dict(zip(old, new, strict=True)) | {"19": OTHER_PROVINCE}
    dropped = {u.code for u in register_for(2026).units("commune")} - set(old)
    root = tmp_path_factory.mktemp("other_province")
    folder = root / "data" / "2026"
    folder.mkdir(parents=True)
    (root / "data" / paths.DEMO_MARKER).write_text("DỮ LIỆU MINH HỌA — test data\n", encoding="utf-8")
    for name, frame in generate_year(2026, respondents=2000, seed=11).items():
        frame = frame.copy()
        for column in ("commune_code", "unit_code", "inspected_unit_code", "stratum", "province_code"):
            if column in frame.columns:
                frame = frame[~frame[column].astype(str).isin(dropped)]
                frame[column] = frame[column].astype(str).map(lambda code: codes.get(code, code))
        if "psu" in frame.columns:  # villages "<commune>-07"
            frame["psu"] = [f"{codes[p[:5]]}{p[5:]}" for p in frame["psu"].astype(str)]
        for column in frame.columns:
            if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
                frame[column] = frame[column].astype(str).str.replace("Thái Nguyên", place, regex=False)
                frame.loc[frame[column] == "nan", column] = ""
        frame.to_csv(folder / f"{name}.csv", index=False, date_format="%Y-%m-%d")
    text = (paths.package_data("plans/example_two_level.yaml")).read_text(encoding="utf-8")
    plan = root / "plan_lai_chau_2026.yaml"
    plan.write_text(
        text.replace('province_code: "19"', f'province_code: "{OTHER_PROVINCE}"').replace("Thái Nguyên", place),
        encoding="utf-8",
    )
    return root / "data", plan
