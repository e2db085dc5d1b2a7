"""Design-based survey estimation for the SIPAS-style citizen survey: estimates, indices, comparisons, models.

The flow for a report (each step one call; every result has ``.to_frame()``, ``_repr_html_`` and ``caveats``)::

    design = SurveyDesign()                                    # stratum = district, PSU = commune, weight
    sipas_indices(survey, design)                              # province + districts: item/element/aspect/overall
    sipas_indices(survey, design).tidy(year=2023)              # the tidy table plots and scorecard read
    sipas_indices(survey, commune_design(design, ssu="ssu"), by="commune_code")   # communes, village-based SE
    estimate(survey, design, ["q01", "q02"], kind="proportion", at_least=4, by=[None, "district_code"])
    priority_shares(survey, design); importance_performance(survey, design)
    compare_districts(survey, design)                          # each district vs the rest, Holm-adjusted
    compare_years(surveys_of_two_years, design)                # change with CI, independent samples
    sipas_trend(surveys_of_several_years, design)              # indices per year, province + districts
    fit_satisfaction_model(survey, design)                     # odds ratios, PSU-clustered design-based CIs
    fit_satisfaction_model(survey, design, domain=("district_code", "164"))   # a district, within the full design
    fit_satisfaction_model(survey, design).joint_test("age_group")            # Wald test of a predictor (regTermTest)
    estimate_ratio(survey, design, "y", "x", by="district_code")             # ratios of two variables
    estimate_quantiles(survey, design, "score", probs=0.5, by="district_code")   # medians, Woodruff intervals
    estimate_contrast(survey, design, "q01", by="district_code", contrasts={"164 - 165": {"164": 1, "165": -1}})
    rao_scott_test(survey, design, "area", "channel")                        # two-way table, Rao-Scott F
    cal = calibrate(survey, design, census_district_margin(), method="raking", bounds=(0.3, 3))   # weights
    estimate(cal.apply(survey), cal.design, "q01")                           # SEs account for the calibration

Glossary: **stratum** (design stratum, the district), **PSU** (primary sampling unit, the commune), **SSU** (the
village), **weight** (survey weight), **domain** (a subpopulation estimated from the full design: a district, a
commune, women in a district, ...), **index** (a SIPAS-style satisfaction index, in percent 0-100).

Intervals use each domain's own degrees of freedom (``EstimationSettings(df="domain")``) and, for proportions, the
logit (default) or Korn-Graubard interval (``ci_method``); rated columns follow their declared
:class:`ItemScale` (don't-know codes, validation). Variance: Taylor linearisation, PSUs with replacement within strata
(ultimate cluster), optional fpc with the second stage (``ssu_fpc``); see
:mod:`danvan_analysis.survey.estimate` for the conventions (df, CIs, deff) and
:mod:`danvan_analysis.survey._linearise` for the vectorised algorithm.
"""

from danvan_analysis.survey.calibration import CalibratedWeights, calibrate, census_district_margin, read_margin
from danvan_analysis.survey.compare import compare_districts, compare_years, sipas_trend
from danvan_analysis.survey.contrasts import estimate_contrast
from danvan_analysis.survey.design import Calibration, DesignWarning, SurveyDesign, commune_design
from danvan_analysis.survey.estimate import EstimationSettings, estimate
from danvan_analysis.survey.items import SIPAS_SCALE, ItemScale, item_scales
from danvan_analysis.survey.models import (
    SATISFACTION_PREDICTORS,
    ModelSettings,
    fit_ordinal_model,
    fit_satisfaction_model,
    satisfaction_outcome,
)
from danvan_analysis.survey.quantiles import estimate_quantiles
from danvan_analysis.survey.ratios import estimate_ratio
from danvan_analysis.survey.results import (
    Caveat,
    Comparison,
    Estimates,
    ImportancePerformance,
    ModelResult,
    PriorityShares,
    SipasIndices,
    SurveyResult,
)
from danvan_analysis.survey.sipas import (
    PRIORITY_ELEMENT,
    IndexRule,
    composite_parents,
    importance_performance,
    priority_shares,
    sipas_indices,
    sipas_items,
)
from danvan_analysis.survey.tables import rao_scott_test

__all__ = [
    "PRIORITY_ELEMENT",
    "SATISFACTION_PREDICTORS",
    "SIPAS_SCALE",
    "CalibratedWeights",
    "Calibration",
    "Caveat",
    "Comparison",
    "DesignWarning",
    "Estimates",
    "EstimationSettings",
    "ImportancePerformance",
    "IndexRule",
    "ItemScale",
    "ModelResult",
    "ModelSettings",
    "PriorityShares",
    "SipasIndices",
    "SurveyDesign",
    "SurveyResult",
    "calibrate",
    "census_district_margin",
    "commune_design",
    "compare_districts",
    "compare_years",
    "composite_parents",
    "estimate",
    "estimate_contrast",
    "estimate_quantiles",
    "estimate_ratio",
    "fit_ordinal_model",
    "fit_satisfaction_model",
    "importance_performance",
    "item_scales",
    "priority_shares",
    "rao_scott_test",
    "read_margin",
    "satisfaction_outcome",
    "sipas_indices",
    "sipas_items",
    "sipas_trend",
]
