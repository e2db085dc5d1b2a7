"""Target 1: agencies, districts and communes that issued their plan for the year's "dân vận chính quyền" work.

Indicator ``plan_issued`` = units whose row says ``issued`` / units of the register in scope, as a percent, required
to be 100 %. The province scope counts the 24 provincial agencies, the 9 districts and the 177 communes; a district
scope counts the district's People's Committee and its communes. A unit without a row counts as not issued
(shortfall reason ``"no_row"``); a row with ``issued = False`` gives the reason ``"not_done"``. Breakdowns by unit kind
(agency / district / commune) and, for the province, one row set per district.
"""

from __future__ import annotations

import pandas as pd

from danvan_analysis.indicators._base import (
    IndicatorTable,
    TableBuilder,
    as_codes,
    as_flags,
    check_year,
    require_columns,
    resolve_scope,
    rows_of_year,
)

LABELS = {
    "plan_issued": (
        "Tỷ lệ cơ quan, đơn vị, địa phương ban hành kế hoạch công tác dân vận chính quyền",
        "Share of agencies, districts and communes that issued a plan",
    ),
}
COLUMNS = ["year", "unit_code", "issued"]


def compute_plan_indicators(plans: pd.DataFrame, *, year: int, district: str | None = None) -> IndicatorTable:
    """Compute target 1 (plans issued) for the province or one district.

    Parameters
    ----------
    plans : the plans dataset (one row per unit and year; see docs/design.md).
    year : reporting year.
    district : a district code or name; ``None`` for the whole province.

    Returns
    -------
    IndicatorTable
        ``plan_issued`` for the scope (threshold 100 %), by ``unit_kind``, and per district for the province.

    Examples
    --------
    >>> import pandas as pd
    >>> plans = pd.DataFrame({"year": [2023], "unit_code": ["164"], "issued": [True]})
    >>> table = compute_plan_indicators(plans, year=2023, district="164")
    >>> item = table.get("plan_issued")
    >>> (item.numerator, item.denominator)  # the district itself, none of its 32 communes
    (1, 33)
    """
    year = check_year(year)
    require_columns(plans, COLUMNS, dataset="plans")
    scope = resolve_scope(district)
    rows = rows_of_year(plans, year)
    codes = as_codes(rows["unit_code"])
    issued_flags = as_flags(rows["issued"])
    builder = TableBuilder("plans", year, scope, LABELS)
    builder.note_unknown_units(codes, dataset="plans", dataset_vi="kế hoạch", column="unit_code")
    # A unit with several rows (e.g. a plan and an amendment) has issued a plan when any row says so.
    issued = set(codes[issued_flags.to_numpy()])
    reported = set(codes)
    if rows.empty:
        builder.note(
            vi=f"Không có số liệu kế hoạch năm {year}: mọi cơ quan, đơn vị, địa phương được tính là chưa ban hành "
            "kế hoạch.",
            en=f"plans: no row for {year}; every unit counts as not having issued a plan.",
        )

    for current in scope.self_and_districts():
        builder.add_coverage(
            "plan_issued",
            current,
            ("agency", "district", "commune"),
            done=issued,
            reported=reported,
            dimension="unit_kind",
        )
    return builder.build()
