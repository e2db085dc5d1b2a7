"""load_bundle(set_aside=True): a row with an error is set aside with the district it belongs to, never silently."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from danvan_analysis.errors import SchemaError
from danvan_analysis.io import load_bundle


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    from danvan_analysis.demo import write_demo

    write_demo(tmp_path, years=[2023], respondents=600, seed=4)
    path = tmp_path / "2023" / "dialogues.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    first = frame.index[frame["district_code"] == "171"][0]
    frame.loc[first, "participants"] = "nhiều"
    frame.to_csv(path, index=False)
    return tmp_path


def test_the_bad_row_is_set_aside_and_named_with_its_district(folder: Path) -> None:
    with pytest.raises(SchemaError, match="participants"):
        load_bundle(folder)  # the default still refuses the whole folder
    bundle = load_bundle(folder, set_aside=True)
    raw = pd.read_csv(folder / "2023" / "dialogues.csv", dtype=str)
    assert len(bundle.dialogues) == len(raw) - 1
    rejected = bundle.rejected
    assert len(rejected) == 1
    row = rejected.iloc[0]
    assert (row["column"], row["value"], row["district_code"]) == ("participants", "nhiều", "171")
    assert int(row["row"]) == int(raw.index[raw["participants"] == "nhiều"][0]) + 2  # header = row 1
