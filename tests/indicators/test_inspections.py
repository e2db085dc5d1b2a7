"""Target 6 (≥ 1 inspection a year by the province and by each district), hand-counted.

2023: SNV → 164, 19 → 165, 164 → 05431, 164 → 05434, 171 → 05851; 2022: 165 → 05506 (ignored).
Province level: 2 (SNV, 19). Districts with their own inspection: 164 (2), 171 (1) → 2/9.
"""

from __future__ import annotations

import pandas as pd

from danvan_analysis.indicators import compute_inspection_indicators


def _inspections() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "inspection_id": ["i1", "i2", "i3", "i4", "i5", "i6"],
            "year": [2023, 2023, 2023, 2023, 2023, 2022],
            "inspecting_unit_code": ["SNV", "19", "164", "164", "171", "165"],
            "inspected_unit_code": ["164", "165", "05431", "05434", "05851", "05506"],
        }
    )


def test_province_level_and_district_coverage() -> None:
    table = compute_inspection_indicators(_inspections(), year=2023)
    province = table.get("inspections_province")
    assert (province.value, province.met) == (2, True)
    done = table.get("inspection_districts_done")
    assert (done.numerator, done.denominator, done.met) == (2, 9, False)
    assert table.get("inspections_district", unit_code="164").value == 2
    missing = {s.unit_code for s in table.shortfall_for("inspection_districts_done")}
    assert missing == {"165", "167", "168", "169", "170", "172", "173"}
    assert table.get("inspected_communes").value == 3


def test_district_scope() -> None:
    table = compute_inspection_indicators(_inspections(), year=2023, district="165")
    item = table.get("inspections_district")
    assert (item.value, item.met) == (0, False)  # its 2022 inspection does not count for 2023
    assert [s.unit_code for s in table.shortfall_for("inspections_district")] == ["165"]
    assert compute_inspection_indicators(_inspections(), year=2023, district="171").get("inspections_district").met


def test_no_provincial_inspection_fails() -> None:
    frame = _inspections()
    frame = frame[~frame["inspecting_unit_code"].isin(["SNV", "19"])]
    table = compute_inspection_indicators(frame, year=2023)
    assert table.get("inspections_province").met is False
