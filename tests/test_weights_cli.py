"""`danvan weights` end to end: the demo's KoboToolbox export plus a frame built from the demo's sample.

The expected design weights are the formula of docs/field_survey.md computed here by hand from the frame; the
calibrated totals are the shipped census figures.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from danvan_analysis.io import load_survey

CENSUS = Path(__file__).parents[1] / "danvan_analysis" / "data" / "district_population_2019.csv"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "danvan_analysis.cli", *args], capture_output=True, text=True, encoding="utf-8"
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, Path]:
    """The demo's 2023 export, and a frame of its sampled villages with seeded probabilities and sizes."""
    from danvan_analysis.demo import write_demo

    root = tmp_path_factory.mktemp("weights")
    write_demo(root, years=[2023], respondents=1500, seed=7, exports=True)
    survey = pd.read_parquet(root / "2023" / "survey.parquet")
    rng = np.random.default_rng(5)
    frame = survey[["district_code", "commune_code", "ssu"]].drop_duplicates().rename(columns={"ssu": "village_code"})
    communes = frame["commune_code"].unique()
    frame["commune_prob"] = frame["commune_code"].map(
        dict(zip(communes, rng.uniform(0.2, 0.6, len(communes)), strict=True))
    )
    frame["commune_villages"] = frame["commune_code"].map(
        dict(zip(communes, rng.integers(8, 20, len(communes)), strict=True))
    )
    frame["village_adults"] = rng.integers(300, 1500, len(frame))
    columns = ["district_code", "commune_code", "commune_prob", "commune_villages", "village_code", "village_adults"]
    frame[columns].to_csv(root / "frame.csv", index=False)
    return {"export": root / "2023" / "exports" / "survey_kobo.csv", "frame": root / "frame.csv", "root": root}


# load_survey sets the extra design_weight column aside with a note; the test reads it with pandas.
pytestmark = pytest.mark.filterwarnings("ignore:(?s).*column design_weight:UserWarning")


def test_weights_end_to_end_on_the_demo_export(demo, tmp_path):
    before = hashlib.sha256(demo["export"].read_bytes()).hexdigest()
    out = tmp_path / "weighted.csv"
    result = _run("weights", str(demo["export"]), "--frame", str(demo["frame"]), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert hashlib.sha256(demo["export"].read_bytes()).hexdigest() == before  # the input is untouched
    weighted = load_survey(out)  # a file in the contract's layout, weights included
    census = pd.read_csv(CENSUS, dtype={"district_code": str}).set_index("district_code")["population_2019"]
    sums = weighted.groupby("district_code")["weight"].sum()
    np.testing.assert_allclose(sums.to_numpy(), census.loc[sums.index].to_numpy(), rtol=1e-9)
    # Design weights by hand: 1/pi x M/m x A/r for each village.
    frame = pd.read_csv(demo["frame"], dtype={"district_code": str, "commune_code": str, "village_code": str})
    m = frame.groupby("commune_code")["village_code"].transform("size")
    frame["expected"] = 1 / frame["commune_prob"] * frame["commune_villages"] / m * frame["village_adults"]
    raw = pd.read_csv(out, dtype={"commune_code": str, "ssu": str})
    r = raw.groupby(["commune_code", "ssu"])["design_weight"].agg(["first", "size", "nunique"])
    assert (r["nunique"] == 1).all()
    expected = frame.set_index(["commune_code", "village_code"])["expected"].loc[r.index] / r["size"].to_numpy()
    np.testing.assert_allclose(r["first"].to_numpy(), expected.to_numpy(), rtol=1e-12)
    diagnostics = pd.read_csv(tmp_path / "weighted_weights.csv")
    assert set(diagnostics["section"]) == {"weights", "margin"}
    assert "kish_deff" in set(diagnostics["statistic"].dropna())


def test_weights_with_a_sex_age_margin_and_bounds_writes_parquet(demo, tmp_path):
    weighted = tmp_path / "w.csv"
    assert _run("weights", str(demo["export"]), "--frame", str(demo["frame"]), "--out", str(weighted)).returncode == 0
    data = load_survey(weighted)
    rows = data[data["sex"].notna() & data["age_group"].notna()]
    if len(rows) < len(data):
        pytest.skip("the demo export has refused sex/age answers; a margin needs them on every row")
    shares = rows.groupby(["sex", "age_group"])["weight"].sum() / rows["weight"].sum()
    total = pd.read_csv(CENSUS)["population_2019"].sum()
    margin = (shares * total * 1.0).rename("population").reset_index()
    margin.to_csv(tmp_path / "sex_age.csv", index=False)
    out = tmp_path / "w.parquet"
    args = ["weights", str(demo["export"]), "--frame", str(demo["frame"]), "--out", str(out)]
    result = _run(*args, "--margin", str(tmp_path / "sex_age.csv"), "--bounds", "0.2,5")
    assert result.returncode == 0, result.stderr
    got = pd.read_parquet(out)
    assert np.isclose(got["weight"].sum(), total, rtol=1e-9)
    g = got["weight"] / got["design_weight"]
    assert g.min() >= 0.2 - 1e-12 and g.max() <= 5 + 1e-12


def test_input_problems_exit_1_naming_the_file_row_and_column(demo, tmp_path):
    broken = tmp_path / "frame.csv"
    frame = pd.read_csv(demo["frame"], dtype=str)
    frame.loc[3, "commune_prob"] = "1.7"
    frame.to_csv(broken, index=False)
    result = _run("weights", str(demo["export"]), "--frame", str(broken), "--out", str(tmp_path / "o.csv"))
    assert result.returncode == 1
    assert "row 5" in result.stderr and "commune_prob" in result.stderr and str(broken.name) in result.stderr
    missing = tmp_path / "frame_short.csv"
    pd.read_csv(demo["frame"], dtype=str).iloc[1:].to_csv(missing, index=False)
    result = _run("weights", str(demo["export"]), "--frame", str(missing), "--out", str(tmp_path / "o.csv"))
    assert result.returncode == 1 and "not in the sampling frame" in result.stderr
    assert not (tmp_path / "o.csv").exists()


def test_the_input_file_is_never_the_output(demo, tmp_path):
    copy = tmp_path / "export.csv"
    copy.write_bytes(demo["export"].read_bytes())
    result = _run("weights", str(copy), "--frame", str(demo["frame"]), "--out", str(copy))
    assert result.returncode == 1 and "never modified" in result.stderr
    assert copy.read_bytes() == demo["export"].read_bytes()


def test_cannot_run_exits_2(demo, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = _run("weights", str(demo["export"]), "--frame", str(demo["frame"]), "--out", str(blocker / "o.csv"))
    assert result.returncode == 2, result.stderr
