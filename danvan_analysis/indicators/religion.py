"""Target 5: religious outreach: dignitaries informed, hot spots, followers of unlawful organisations.

Report figures are cumulative from 1 January, so each district is read at the **latest period it reported in the
year** (``Y``, else ``9M``, else ``H1``, else ``Q1``); the ``period`` column says which, and a caveat names any
district read at an earlier period than the others. Indicators, for the scope, by religion, and per district:

- ``religion_informed``: dignitaries and officials informed / all dignitaries and officials, required **strictly
  greater than 80 %** (the plan says "Trên 80%", so exactly 80 % is not met).
- ``religion_hot_spots``: religious hot spots, required 0.
- ``religion_unlawful_followers`` and ``religion_unlawful_followers_prev`` (the same figure for the previous year,
  latest period) and ``religion_unlawful_followers_change`` (this year − previous year), required ≤ 0 ("not
  growing"). Without previous-year data the change is missing, so that sub-item has no data rather than passing.
- ``religion_venues``, ``religion_registered_activities``: counts, no requirement.

There is no register of dignitaries, so the denominator of ``religion_informed`` is the reported total. A district
with no row is listed as a shortfall (``"no_row"``) and left out of the provincial sums (a caveat says so).
"""

from __future__ import annotations

import pandas as pd

from danvan_analysis import vocab
from danvan_analysis.indicators._base import (
    IndicatorTable,
    Scope,
    TableBuilder,
    as_codes,
    as_counts,
    check_year,
    group_totals,
    judge,
    latest_period,
    percent,
    period_label,
    require_columns,
    resolve_scope,
    rows_at_latest_period,
    rows_of_year,
    total,
    total_in,
    unit_name,
    unit_names,
)
from danvan_analysis.units import register

LABELS = {
    "religion_informed": (
        "Tỷ lệ chức sắc, chức việc được thông tin, tuyên truyền chủ trương, chính sách",
        "Share of religious dignitaries and officials informed",
    ),
    "religion_hot_spots": ("Số điểm nóng về tôn giáo", "Religious hot spots"),
    "religion_unlawful_followers": (
        "Số người theo tổ chức tôn giáo bất hợp pháp",
        "Followers of unlawful religious organisations",
    ),
    "religion_unlawful_followers_prev": (
        "Số người theo tổ chức tôn giáo bất hợp pháp (năm trước)",
        "Followers of unlawful religious organisations (previous year)",
    ),
    "religion_unlawful_followers_change": (
        "Thay đổi số người theo tổ chức tôn giáo bất hợp pháp so với năm trước",
        "Change in followers of unlawful organisations since the previous year",
    ),
    "religion_venues": ("Số cơ sở thờ tự", "Places of worship"),
    "religion_registered_activities": ("Số hoạt động tôn giáo được đăng ký", "Registered religious activities"),
}
_COUNTS = (
    "dignitaries_total",
    "dignitaries_informed",
    "venues",
    "registered_activities",
    "hot_spots",
    "unlawful_followers",
)
COLUMNS = ["year", "period", "district_code", "religion", *_COUNTS]
#: The plan's threshold for informed dignitaries (strictly greater than).
INFORMED_THRESHOLD = 80.0


def compute_religion_indicators(religion: pd.DataFrame, *, year: int, district: str | None = None) -> IndicatorTable:
    """Compute target 5 for the province or one district.

    Parameters
    ----------
    religion : the religion dataset (district × period × religion), with the previous year's rows too when the
        "not growing" sub-item is wanted.
    year : reporting year.
    district : a district code or name; ``None`` for the whole province.

    Returns
    -------
    IndicatorTable
        The indicators listed in the module docstring.
    """
    year = check_year(year)
    require_columns(religion, COLUMNS, dataset="religion")
    scope = resolve_scope(district)
    builder = TableBuilder("religion", year, scope, LABELS)
    data = religion.copy()
    data["district_code"] = as_codes(data["district_code"])
    if not register().district_codes and "commune_code" in data.columns:
        # The two-level map: communes report where districts did; their code is the rows' reporting unit.
        data["district_code"] = as_codes(data["commune_code"])
    # Plain object strings: thousands of small comparisons below are much faster than on Arrow-backed strings.
    data["period"] = as_codes(data["period"])
    data["religion"] = as_codes(data["religion"])
    for column in _COUNTS:
        data[column] = as_counts(data[column])
    this_year = rows_of_year(data, year)
    builder.note_unknown_units(
        this_year["district_code"], dataset="religion", dataset_vi="tôn giáo", column="district_code"
    )
    current, periods = rows_at_latest_period(this_year, "district_code")
    previous, _ = rows_at_latest_period(rows_of_year(data, year - 1), "district_code")

    districts = [s.code for s in scope.district_scopes()]
    used = {d: periods[d] for d in districts if d in periods}
    _note_periods(builder, year, used)
    absent = [d for d in districts if d not in periods]
    if absent:
        builder.note(
            vi=f"Không có số liệu tôn giáo năm {year} của {unit_names(absent)}; các đơn vị này không được cộng vào "
            "tổng.",
            en=f"religion: no {year} row for {unit_names(absent)}; left out of the sums.",
        )
    no_previous = [d for d in used if d not in set(previous["district_code"])]
    if no_previous:
        builder.note(
            vi=f"Không có số liệu tôn giáo năm {year - 1} của {unit_names(no_previous)}; chưa so sánh được số người "
            "theo tổ chức tôn giáo bất hợp pháp với năm trước ở các đơn vị này.",
            en=f"religion: no {year - 1} row for {unit_names(no_previous)}; the change in followers of unlawful "
            "organisations has no data there.",
        )

    scope_period = latest_period(used.values()) or "Y"
    for current_scope in scope.self_and_districts():
        members = [s.code for s in current_scope.district_scopes()]
        period = scope_period if current_scope.is_province else periods.get(current_scope.code, "Y")
        _add_scope(builder, current_scope, period, current, previous, members)
        builder.short("religion_informed", current_scope.code, period, [d for d in members if d in absent], "no_row")
    return builder.build()


def _note_periods(builder: TableBuilder, year: int, used: dict[str, str]) -> None:
    """Say which period the figures are read at: one for all districts, or the latest and the exceptions."""
    if not used:
        builder.note(
            vi=f"Không có số liệu tôn giáo năm {year} trong phạm vi đánh giá; chưa thể đánh giá chỉ tiêu 5.",
            en=f"religion: no row for {year} in scope; target 5 cannot be assessed.",
        )
        return
    latest = latest_period(used.values()) or "Y"
    earlier = {d: p for d, p in used.items() if p != latest}
    if not earlier:
        builder.note(
            vi=f"Số liệu tôn giáo năm {year} là số liệu {period_label(latest, 'vi')}.",
            en=f"religion: figures are those of {period_label(latest, 'en')} of {year}.",
        )
        return
    listed = {
        "vi": "; ".join(f"{unit_name(d)} ({period_label(p, 'vi')})" for d, p in earlier.items()),
        "en": "; ".join(f"{unit_name(d)}, {period_label(p, 'en')}" for d, p in earlier.items()),
    }
    builder.note(
        vi=f"Số liệu tôn giáo năm {year}: phần lớn các huyện, thành phố lấy số liệu {period_label(latest, 'vi')}; "
        f"lấy số liệu kỳ sớm hơn: {listed['vi']}.",
        en=f"religion: most districts are read at {period_label(latest, 'en')}; earlier periods for: {listed['en']}.",
    )


def _add_scope(
    builder: TableBuilder,
    scope: Scope,
    period: str,
    current: pd.DataFrame,
    previous: pd.DataFrame,
    members: list[str],
) -> None:
    """Add the target 5 indicators of one scope (total and by religion) and its shortfalls."""
    now = current[current["district_code"].isin(members)]
    before = previous[previous["district_code"].isin(members)]
    code = scope.code
    # The scope's sums and each religion's in one grouping pass each, not a filtered copy per religion (a religion
    # without rows is left out, as before).
    overall = group_totals(now, list(_COUNTS))
    by_religion = group_totals(now, list(_COUNTS), by=now["religion"].astype(object))
    has_data = not now.empty
    for religion in [None, *vocab.Religion.codes()]:
        totals, key = (overall, "") if religion is None else (by_religion, religion)
        dimension = None if religion is None else "religion"
        if religion is not None and religion not in by_religion.index:
            continue
        builder.add(
            "religion_informed",
            unit_code=code,
            period=period,
            numerator=total_in(totals, key, "dignitaries_informed") if has_data else None,
            denominator=total_in(totals, key, "dignitaries_total") if has_data else None,
            threshold=INFORMED_THRESHOLD,
            rule=">",
            dimension=dimension,
            category=religion,
        )
        for indicator, column, threshold, rule in (
            ("religion_hot_spots", "hot_spots", 0.0, "<="),
            ("religion_unlawful_followers", "unlawful_followers", None, None),
            ("religion_venues", "venues", None, None),
            ("religion_registered_activities", "registered_activities", None, None),
        ):
            builder.add(
                indicator,
                unit_code=code,
                period=period,
                numerator=total_in(totals, key, column) if has_data else None,
                kind="count",
                threshold=threshold,
                rule=rule,  # type: ignore[arg-type]
                dimension=dimension,
                category=religion,
            )
    # "Not growing" compares like with like: only districts that reported in both years.
    both = sorted(set(now["district_code"]) & set(before["district_code"]))
    this_year = total(now.loc[now["district_code"].isin(both), "unlawful_followers"]) if both else None
    last_year = total(before.loc[before["district_code"].isin(both), "unlawful_followers"]) if both else None
    change = None if this_year is None or last_year is None else this_year - last_year
    builder.add("religion_unlawful_followers_prev", unit_code=code, period=period, numerator=last_year, kind="count")
    builder.add(
        "religion_unlawful_followers_change",
        unit_code=code,
        period=period,
        numerator=change,
        kind="count",
        threshold=0.0,
        rule="<=",
    )
    _add_shortfalls(builder, scope, period, now, before)


def _add_shortfalls(builder: TableBuilder, scope: Scope, period: str, now: pd.DataFrame, before: pd.DataFrame) -> None:
    """List the districts that miss a target 5 sub-item, with their own figures as detail."""
    columns = {
        "dignitaries_informed": "informed",
        "dignitaries_total": "dignitaries",
        "hot_spots": "hot_spots",
        "unlawful_followers": "followers",
    }
    by_district = now.groupby("district_code")[list(columns)].sum().rename(columns=columns)
    followers_before = before.groupby("district_code")["unlawful_followers"].sum()
    for district, row in by_district.iterrows():
        if judge(percent(row["informed"], row["dignitaries"]), INFORMED_THRESHOLD, ">") is False:
            builder.short(
                "religion_informed",
                scope.code,
                period,
                [district],
                "not_done",
                f"{row['informed']:.0f}/{row['dignitaries']:.0f}",
            )
        if row["hot_spots"] > 0:
            builder.short("religion_hot_spots", scope.code, period, [district], "not_done", f"{row['hot_spots']:.0f}")
        if district in followers_before.index and row["followers"] > followers_before[district]:
            builder.short(
                "religion_unlawful_followers_change",
                scope.code,
                period,
                [district],
                "not_done",
                f"{followers_before[district]:.0f} → {row['followers']:.0f}",
            )
