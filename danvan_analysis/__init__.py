"""danvan-analysis: evaluation of the "dân vận" work of state agencies in Thái Nguyên.

The flow an analyst follows, one call a step::

    import danvan_analysis as dv

    bundle = dv.load_bundle("data/demo")                         # load + validate every dataset (one error lists all)
    design = dv.SurveyDesign()                                   # strata = districts, PSUs = communes, weights
    sipas = dv.sipas_indices(bundle.survey.query("year == 2023"), design)   # design-based indices, SE, CI
    plan = dv.load_plan()                                        # the plan file: targets, thresholds, calendar
    card = dv.score_targets(bundle, year=2023, district="Định Hóa", satisfaction=sipas, plan=plan)   # Đạt / …
    dv.plots.plot_target_heatmap(dv.score_all_districts(bundle, year=2023, satisfaction=sipas))
    dv.run_batch(dv.BatchSettings(year=2023))                    # all district reports + the province summary

Glossary (one word per idea):

unit
    Any reporting unit: the province (``19``), a **district** (3-digit GSO code), a **commune** (5-digit GSO code) or
    an **agency** (our own mnemonic code, e.g. ``SNV``). See :mod:`danvan_analysis.units`.
level
    Level of government: province / district / commune.
period
    Reporting period of the plan's calendar: ``Q1``, ``H1``, ``9M``, ``Y`` (deadlines 15/3, 15/6, 15/9, 15/11).
stratum, PSU, SSU, weight
    The survey design: districts, communes, villages, inverse inclusion probabilities.
domain
    A subpopulation an estimate is made for (a district, men, online users, …), estimated within the full design.
indicator
    A count or percent from report data, with numerator, denominator, period, level and unit.
target
    A measurable target of the plan file (:mod:`danvan_analysis.plan`; the shipped 2023 plan has six, target 2 split
    into its four indices); **status**: met / not_met / no_data.

Names are imported lazily so that ``import danvan_analysis`` (and the ``danvan`` command) stays fast and has no side
effects.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    # units
    "resolve_unit": "danvan_analysis.units",
    "register": "danvan_analysis.units",
    # load and validate
    "load_bundle": "danvan_analysis.io",
    "load_dataset": "danvan_analysis.io",
    "load_survey": "danvan_analysis.io",
    "validate_file": "danvan_analysis.io",
    "write_template": "danvan_analysis.workbooks",
    # estimate
    "SurveyDesign": "danvan_analysis.survey",
    "estimate": "danvan_analysis.survey",
    "sipas_indices": "danvan_analysis.survey",
    "sipas_trend": "danvan_analysis.survey",
    "priority_shares": "danvan_analysis.survey",
    "compare_districts": "danvan_analysis.survey",
    "compare_years": "danvan_analysis.survey",
    "fit_satisfaction_model": "danvan_analysis.survey",
    # score
    "load_plan": "danvan_analysis.plan",
    "score_targets": "danvan_analysis.scorecard",
    "score_all_districts": "danvan_analysis.scorecard",
    # report
    "BatchSettings": "danvan_analysis.batch",
    "run_batch": "danvan_analysis.batch",
}
_MODULES = {"plots", "fmt", "narrative", "indicators", "disclosure", "demo", "survey", "units", "vocab", "errors"}

__all__ = sorted([*_EXPORTS, *_MODULES])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    if name in _MODULES:
        return import_module(f"danvan_analysis.{name}")
    raise AttributeError(f"module 'danvan_analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
