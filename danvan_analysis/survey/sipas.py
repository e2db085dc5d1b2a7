"""SIPAS-style satisfaction indices with design-based SEs, improvement priorities and importance-performance.

Method
------
The SIPAS questionnaire (Ministry of Home Affairs, redesigned 2022) rates 33 items on a 1-5 scale, grouped into 9
elements and 2 aspects (policy: items 1-14; administrative service: items 15-33), see
``danvan_analysis/data/sipas_items.csv``. The official aggregation formula (Quyết định 1001/QĐ-BNV, 2023) was not
available, so the rule is a setting (:class:`IndexRule`); the default is the usual reading:

* item index = weighted share answering at or above the threshold (4 = satisfied, 5 = very satisfied) among those who
  answered the item (``<NA>`` and 9 = don't know are out of the denominator);
* element index = mean of its item indices; aspect index = mean of its element indices; overall = mean of the two
  aspects (``weighting="item"``: aspect and overall are means of their items instead);
* beside it, a mean-score index: the weighted mean rating rescaled to 0-100, ``(mean - 1) / 4 * 100``.

All indices are **percentages, 0-100**. Every composite is a linear combination ``sum_k a_k R_k`` of item ratios,
so its linearised variable is the same combination of the item linearised variables (delta method; Wolter 2007,
§6.3): its PSU totals are ``Z a``, and its variance comes from the design like any item's, never by averaging SEs.
Share indices get the logit interval (bounded in 0-100); mean-score indices the Wald interval.

Improvement priorities are the weighted shares ticking each ``pr_<area>``; :func:`importance_performance` pairs them
with the element each area improves (:data:`PRIORITY_ELEMENT`), in the manner of Martilla & James (1977),
"Importance-performance analysis", *Journal of Marketing* 41(1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
import pandas as pd

from danvan_analysis.errors import ParameterError, SchemaError
from danvan_analysis.paths import package_data
from danvan_analysis.survey import _linearise as lin
from danvan_analysis.survey.design import CompiledDesign, SurveyDesign, compile_design
from danvan_analysis.survey.estimate import (
    PROVINCE_AND_DISTRICTS,
    By,
    EstimationSettings,
    FamilyResult,
    build_caveats,
    domain_frame,
    estimate,
    parse_by,
    run_families,
    summarise,
)
from danvan_analysis.survey.items import ItemScale, check_codes
from danvan_analysis.survey.results import ImportancePerformance, PriorityShares, SipasIndices
from danvan_analysis.text import nfc
from danvan_analysis.vocab import PriorityArea

Measure = Literal["share", "mean_score"]

#: Element (code in sipas_items.csv) that each improvement-priority area would improve. The pairing follows the item
#: wording: policy information -> accountability items (q01-q02), consultation -> participation (q03-q04), simpler
#: procedures -> administrative procedures (q19-q22), processing time -> service results, delivered on time
#: (q28-q30), attitude -> civil servants (q23-q27), facilities and online services -> access to services (q15-q18),
#: feedback handling -> handling of feedback and petitions (q31-q33).
PRIORITY_ELEMENT: dict[str, str] = {
    PriorityArea.POLICY_INFO.value: "P1",
    PriorityArea.CONSULTATION.value: "P2",
    PriorityArea.PROCEDURES.value: "S2",
    PriorityArea.PROCESSING_TIME.value: "S4",
    PriorityArea.STAFF_ATTITUDE.value: "S3",
    PriorityArea.FACILITIES.value: "S1",
    PriorityArea.ONLINE_SERVICES.value: "S1",
    PriorityArea.FEEDBACK.value: "S5",
}

_ASPECTS = {
    "policy": ("Chính sách", "Policy"),
    "service": ("Cung ứng dịch vụ hành chính công", "Administrative services"),
}
_OVERALL = ("Chỉ số hài lòng chung", "Overall satisfaction")
_QUADRANTS = {
    "concentrate_here": "Tập trung cải thiện",
    "keep_up": "Duy trì",
    "low_priority": "Ưu tiên thấp",
    "possible_overkill": "Có thể dư nguồn lực",
}


@dataclass(frozen=True)
class IndexRule:
    """How item ratings are aggregated into SIPAS-style indices.

    Parameters
    ----------
    threshold
        An item counts as "satisfied" when rated at or above this (default 4: satisfied or very satisfied).
    weighting
        ``"equal"`` (default): element = mean of items, aspect = mean of elements, overall = mean of aspects.
        ``"item"``: element = mean of items, aspect and overall = means of all their items.
    measures
        Which indices to compute: ``"share"`` (% at or above the threshold) and/or ``"mean_score"`` (mean rating
        rescaled to 0-100).
    dont_know
        The "don't know / not applicable" code, out of the denominator like a missing answer.
    scale_min, scale_max
        The rating scale (1-5); ratings outside it other than ``dont_know`` are refused.
    """

    threshold: int = 4
    weighting: Literal["equal", "item"] = "equal"
    measures: tuple[Measure, ...] = ("share", "mean_score")
    dont_know: int = 9
    scale_min: int = 1
    scale_max: int = 5

    def __post_init__(self) -> None:
        if not self.scale_min < self.threshold <= self.scale_max:
            raise ParameterError(
                f"IndexRule(threshold={self.threshold!r}) must lie in ({self.scale_min}, {self.scale_max}]; "
                "4 = satisfied."
            )
        if self.weighting not in ("equal", "item"):
            raise ParameterError(f"IndexRule(weighting={self.weighting!r}): expected 'equal' or 'item'.")
        unknown = [m for m in self.measures if m not in ("share", "mean_score")]
        if unknown or not self.measures:
            raise ParameterError(
                f"IndexRule(measures={self.measures!r}): expected a non-empty subset of ('share', 'mean_score')."
            )


def sipas_items() -> pd.DataFrame:
    """Return the 33 SIPAS items with their aspect and element (``danvan_analysis/data/sipas_items.csv``)."""
    return _read_items().copy()


def composite_parents() -> dict[str, str]:
    """Each SIPAS index's parent composite: item → element, element → aspect, aspect → ``overall``.

    Disclosure control uses it: a composite is the mean of its parts, so a part withheld for too few respondents
    could be worked back out from a published composite and its other parts
    (:func:`danvan_analysis.disclosure.suppress_survey_table`).
    """
    items = _read_items()
    parents = dict(zip(items["item"], items["element"], strict=True))
    parents.update(dict(zip(items["element"], items["aspect"], strict=True)))
    parents.update({aspect: "overall" for aspect in items["aspect"].unique()})
    return parents


@cache
def _read_items() -> pd.DataFrame:
    # Read once per process, on first use (no import-time I/O); callers get copies.
    table = pd.read_csv(package_data("sipas_items.csv"), dtype=str, keep_default_na=False)
    for column in table.columns:
        table[column] = table[column].map(nfc)
    return table


def standard_composites(weighting: str) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`composite_matrix` of the packaged 33 items (internal; built once per process and weighting).

    Returns a copy of the index rows and a read-only ``A``: every estimator call needs them, and building them row
    by row takes tens of milliseconds, as long as the estimation kernel on a survey of a few thousand respondents.
    """
    meta, a = _standard_composites(weighting)
    return meta.copy(), a


@cache
def _standard_composites(weighting: str) -> tuple[pd.DataFrame, np.ndarray]:
    meta, a = composite_matrix(_read_items(), weighting)
    a.setflags(write=False)
    return meta, a


def composite_matrix(items: pd.DataFrame, weighting: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the index rows (level, code, names) and the matrix ``A`` (indices x items) of their item weights.

    Rows: the items, then the elements, the aspects and the overall index; each row of ``A`` sums to 1.
    """
    codes = items["item"].tolist()
    k = len(codes)
    rows: list[dict[str, str]] = []
    weights: list[np.ndarray] = []
    for i, row in items.iterrows():
        rows.append({"level": "item", "code": row["item"], "label_vi": row["text_vi"], "label_en": row["text_en"]})
        weights.append(np.eye(k)[i])
    element_rows: dict[str, np.ndarray] = {}
    for element, group in items.groupby("element", sort=False):
        w = np.zeros(k)
        w[group.index] = 1 / len(group)
        element_rows[element] = w
        first = group.iloc[0]
        rows.append(
            {"level": "element", "code": element, "label_vi": first["element_vi"], "label_en": first["element_en"]}
        )
        weights.append(w)
    aspect_rows: list[np.ndarray] = []
    for aspect, group in items.groupby("aspect", sort=False):
        if weighting == "equal":
            elements = group["element"].unique()
            w = np.mean([element_rows[e] for e in elements], axis=0)
        else:
            w = np.zeros(k)
            w[group.index] = 1 / len(group)
        aspect_rows.append(w)
        vi, en = _ASPECTS.get(aspect, (aspect, aspect))
        rows.append({"level": "aspect", "code": aspect, "label_vi": vi, "label_en": en})
        weights.append(w)
    overall = np.mean(aspect_rows, axis=0) if weighting == "equal" else np.full(k, 1 / k)
    rows.append({"level": "overall", "code": "overall", "label_vi": _OVERALL[0], "label_en": _OVERALL[1]})
    weights.append(overall)
    return pd.DataFrame(rows), np.vstack(weights)


@dataclass(frozen=True, eq=False)
class _IndexArrays:
    """Indices of one family for one measure, on the 0-100 scale (internal)."""

    estimate: np.ndarray
    z: np.ndarray
    var: np.ndarray
    n: np.ndarray
    n_psu: np.ndarray
    deff: np.ndarray
    df: np.ndarray


def sipas_indices(
    data: pd.DataFrame,
    design: SurveyDesign,
    *,
    by: By = PROVINCE_AND_DISTRICTS,
    rule: IndexRule | None = None,
    settings: EstimationSettings | None = None,
) -> SipasIndices:
    """Compute item, element, aspect and overall SIPAS-style indices (0-100) with design-based SEs and CIs.

    Parameters
    ----------
    data
        Survey data with q01-q33 (1-5, 9 = don't know, ``<NA>`` = missing) and the design columns.
    design
        The survey design.
    by
        Domains, as in :func:`~danvan_analysis.survey.estimate`; default ``(None, "district_code")``: the province
        and every district in one call (``None`` alone: the province only).
    rule
        The aggregation rule (threshold, weighting, measures).
    settings
        Confidence level and caveat thresholds.

    Returns
    -------
    SipasIndices
        One row per domain x measure x index (33 items, 9 elements, 2 aspects, overall).

    Raises
    ------
    SchemaError
        An item column is missing or holds a code outside 1-5 and 9.
    """
    rule = rule or IndexRule()
    settings = settings or EstimationSettings()
    items = _read_items()
    compiled = compile_design(data, design)
    results = _item_results(data, compiled, items, rule, parse_by(data, by))
    meta, a = standard_composites(rule.weighting)
    frames = []
    for r in results:
        domains = domain_frame([r])
        for m, measure in enumerate(rule.measures):
            arrays = _indices(
                r, a, block=slice(m * len(items), (m + 1) * len(items)), measure=measure, rule=rule, compiled=compiled
            )
            s = summarise(
                arrays.estimate / 100,
                arrays.var / 1e4,
                arrays.n_psu,
                arrays.df,
                arrays.n,
                compiled,
                proportion=measure == "share",
                settings=settings,
            )
            frames.append(_index_frame(domains, meta, measure, arrays, s))
    frame = pd.concat(frames, ignore_index=True)
    domain_columns = [c for c in frame.columns if c not in _INDEX_COLUMNS]
    frame = frame[domain_columns + _INDEX_COLUMNS]
    caveats = build_caveats(frame, compiled, settings, proportion=True, label_columns=("domain", "measure", "code"))
    title = f"SIPAS-style indices (0-100, threshold {rule.threshold}, {rule.weighting} weighting)"
    return SipasIndices(title=title, _table=frame, caveats=caveats)


_INDEX_COLUMNS = [
    "level",
    "code",
    "label_vi",
    "label_en",
    "measure",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "cv",
    "deff",
    "n",
    "n_psu",
    "df",
]


def priority_shares(
    data: pd.DataFrame,
    design: SurveyDesign,
    *,
    by: By = PROVINCE_AND_DISTRICTS,
    settings: EstimationSettings | None = None,
) -> PriorityShares:
    """Weighted share (0-100) ticking each improvement priority, with SE/CI, ranked within each domain.

    ``<NA>`` in a ``pr_<area>`` column means the respondent did not answer the priority question; such respondents
    are out of that share's denominator. ``rank`` 1 is the most-ticked area of the domain.
    """
    columns = [f"pr_{area.value}" for area in PriorityArea]
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise SchemaError(
            f"The survey data have no improvement-priority column(s) {missing}. Hint: the contract expects one "
            "nullable boolean pr_<area> column per vocab.PriorityArea."
        )
    result = estimate(data, design, columns, kind="proportion", success=1, by=by, settings=settings)
    frame = result.to_frame()
    frame.insert(frame.columns.get_loc("variable") + 1, "area", frame["variable"].str.removeprefix("pr_"))
    labels = {a.value: (a.vi, a.en) for a in PriorityArea}
    frame.insert(frame.columns.get_loc("area") + 1, "label_vi", frame["area"].map(lambda a: labels[a][0]))
    frame.insert(frame.columns.get_loc("label_vi") + 1, "label_en", frame["area"].map(lambda a: labels[a][1]))
    frame["rank"] = frame.groupby("domain", sort=False)["estimate"].rank(ascending=False, method="min")
    frame["rank"] = frame["rank"].astype("Int64")
    frame = frame.sort_values(["by", "domain", "rank"], kind="stable").reset_index(drop=True)
    return PriorityShares(title="Improvement priorities (% ticking each area)", _table=frame, caveats=result.caveats)


def importance_performance(
    data: pd.DataFrame,
    design: SurveyDesign,
    *,
    by: By = PROVINCE_AND_DISTRICTS,
    rule: IndexRule | None = None,
    settings: EstimationSettings | None = None,
) -> ImportancePerformance:
    """Pair each priority area's share (importance) with its element index (performance), per domain.

    The quadrant compares the area's priority share with the mean share of the areas in the domain, and its
    element index with the domain's overall index (share measure): ``concentrate_here`` = more wanted than average
    and below the overall index; ``keep_up``, ``low_priority``, ``possible_overkill`` the other three
    (Martilla & James 1977). The mapping area -> element is :data:`PRIORITY_ELEMENT`.
    """
    rule = rule or IndexRule(measures=("share",))
    if "share" not in rule.measures:
        rule = IndexRule(rule.threshold, rule.weighting, ("share",), rule.dont_know, rule.scale_min, rule.scale_max)
    priorities = priority_shares(data, design, by=by, settings=settings).to_frame()
    indices = sipas_indices(data, design, by=by, rule=rule, settings=settings).to_frame()
    indices = indices[indices["measure"] == "share"]
    elements = indices[indices["level"] == "element"][["domain", "code", "label_vi", "estimate", "ci_low", "ci_high"]]
    overall = indices[indices["level"] == "overall"].set_index("domain")["estimate"]
    domain_columns = list(priorities.columns[: priorities.columns.get_loc("variable")])
    table = priorities[[*domain_columns, "area", "label_vi", "estimate", "ci_low", "ci_high", "n", "rank"]].rename(
        columns={
            "label_vi": "area_vi",
            "estimate": "priority",
            "ci_low": "priority_ci_low",
            "ci_high": "priority_ci_high",
        }
    )
    table["element"] = table["area"].map(PRIORITY_ELEMENT)
    table = table.merge(
        elements.rename(
            columns={
                "code": "element",
                "label_vi": "element_vi",
                "estimate": "performance",
                "ci_low": "performance_ci_low",
                "ci_high": "performance_ci_high",
            }
        ),
        on=["domain", "element"],
        how="left",
    )
    mean_priority = table.groupby("domain", sort=False)["priority"].transform("mean")
    cut = table["domain"].map(overall)
    high_importance = table["priority"] >= mean_priority
    high_performance = table["performance"] >= cut
    quadrant = np.select(
        [high_importance & ~high_performance, high_importance & high_performance, ~high_importance & ~high_performance],
        ["concentrate_here", "keep_up", "low_priority"],
        default="possible_overkill",
    )
    table["quadrant"] = pd.array(quadrant, dtype="string")
    table["quadrant_vi"] = table["quadrant"].map(_QUADRANTS)
    table["overall_index"] = cut
    return ImportancePerformance(
        title="Importance-performance: improvement priorities vs element indices (0-100)", _table=table
    )


# --- internals shared with compare.py ------------------------------------------------------------------------------


def item_measures(items: Sequence[str], rule: IndexRule) -> list[lin.Measure]:
    """The kernel measures for every item and measure of ``rule``, measure-major (internal)."""
    threshold = float(rule.threshold)
    out = []
    for measure in rule.measures:
        for item in items:
            if measure == "share":
                out.append(
                    lin.Measure(
                        f"{item}:share",
                        item,
                        lambda v: (v >= threshold).astype(np.float64),
                        excluded=(float(rule.dont_know),),
                    )
                )
            else:
                out.append(lin.Measure(f"{item}:mean_score", item, _identity, excluded=(float(rule.dont_know),)))
    return out


def _item_results(
    data: pd.DataFrame,
    compiled: CompiledDesign,
    items: pd.DataFrame,
    rule: IndexRule,
    by: list[tuple[str, ...]],
) -> list[FamilyResult]:
    codes = items["item"].tolist()
    missing = [c for c in codes if c not in data.columns]
    if missing:
        raise SchemaError(
            f"The survey data lack the SIPAS item column(s) {missing}. Hint: the contract expects q01-q33 as "
            "nullable integers (1-5, 9 = don't know)."
        )
    scale = ItemScale.from_range(rule.scale_min, rule.scale_max, (rule.dont_know,))
    declared = dict.fromkeys(codes, scale)

    def check(totals: lin.CellTotals) -> None:
        check_codes(totals.value_counts, declared)

    return run_families(data, compiled, item_measures(codes, rule), by, check=check)


def _indices(
    r: FamilyResult, a: np.ndarray, *, block: slice, measure: str, rule: IndexRule, compiled: CompiledDesign
) -> _IndexArrays:
    est_items = r.estimate[:, block]
    est = est_items @ a.T
    combine = np.zeros((a.shape[0], r.z.shape[1]))
    combine[:, block] = a
    z, var = r.combined_variance(combine, compiled)
    involved = a > 0
    n = np.column_stack([np.where(involved[c], r.n[:, block], np.inf).min(axis=1) for c in range(a.shape[0])])
    n_psu = np.column_stack([np.where(involved[c], r.n_psu[:, block], np.inf).min(axis=1) for c in range(a.shape[0])])
    df = composite_df(r, a, block=block, compiled=compiled)
    k = est_items.shape[1]
    deff = np.full(est.shape, np.nan)
    deff[:, :k] = r.deff[:, block]
    offset, scale = index_scale(measure, rule)
    return _IndexArrays(
        estimate=(est - offset) * scale,
        z=z * scale,
        var=var * scale * scale,
        n=n,
        n_psu=n_psu,
        deff=deff,
        df=df,
    )


def composite_df(r: FamilyResult, a: np.ndarray, *, block: slice, compiled: CompiledDesign) -> np.ndarray:
    """Domain df of each composite (domains x indices): PSUs minus strata holding answers to any of its items."""
    present = (r.totals.cnt[:, block] > 0).astype(np.float64) @ (a > 0).T.astype(np.float64) > 0
    return lin.domain_df(r.totals.pair_domain, r.totals.pair_psu, present, r.family.n_domains, compiled)


def index_scale(measure: str, rule: IndexRule) -> tuple[float, float]:
    """``(offset, scale)`` taking a raw ratio to the 0-100 index: share x 100, mean (m - min) / (max - min) x 100."""
    if measure == "share":
        return 0.0, 100.0
    return float(rule.scale_min), 100.0 / (rule.scale_max - rule.scale_min)


def _index_frame(
    domains: pd.DataFrame, meta: pd.DataFrame, measure: str, arrays: _IndexArrays, s: dict[str, np.ndarray]
) -> pd.DataFrame:
    n_domains, n_indices = arrays.estimate.shape
    frame = domains.loc[domains.index.repeat(n_indices)].reset_index(drop=True)
    tiled = meta.iloc[np.tile(np.arange(n_indices), n_domains)].reset_index(drop=True)
    for column in ("level", "code", "label_vi", "label_en"):
        frame[column] = pd.array(tiled[column].tolist(), dtype="string")
    frame["measure"] = pd.array([measure] * len(frame), dtype="string")
    frame["estimate"] = arrays.estimate.reshape(-1)
    frame["se"] = s["se"].reshape(-1) * 100
    frame["ci_low"] = s["ci_low"].reshape(-1) * 100
    frame["ci_high"] = s["ci_high"].reshape(-1) * 100
    frame["cv"] = s["cv"].reshape(-1)
    frame["deff"] = arrays.deff.reshape(-1)
    frame["n"] = np.where(np.isfinite(arrays.n), arrays.n, 0).reshape(-1).round().astype("int64")
    frame["n_psu"] = np.where(np.isfinite(arrays.n_psu), arrays.n_psu, 0).reshape(-1).round().astype("int64")
    frame["df"] = s["df"].reshape(-1).astype("int64")
    return frame


def _identity(v: np.ndarray) -> np.ndarray:
    return v


def _at_least(threshold: float) -> Callable[[np.ndarray], np.ndarray]:
    def indicator(v: np.ndarray) -> np.ndarray:
        return (v >= threshold).astype(np.float64)

    return indicator
