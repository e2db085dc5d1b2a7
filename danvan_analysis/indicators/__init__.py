"""Indicators from report data, one module per theme of the 2023 plan.

:data:`THEMES` is the one registry of themes; :func:`compute_theme_tables` computes every theme's table for a unit.
Each ``compute_<theme>_indicators(frame, *, year, district=None, …)`` returns an
:class:`~danvan_analysis.indicators._base.IndicatorTable`: tidy rows (indicator, unit, year, period, numerator,
denominator, value, threshold, met), the units that fell short, and caveats (bilingual :class:`Note` values;
``table.caveat_lines("vi")`` gives them in one language). Denominators come from the 2023 unit
register, so a unit that sent no row counts as not done.

=================  ==========================================  ===========
theme              function                                    plan target
=================  ==========================================  ===========
plans              :func:`compute_plan_indicators`             1
dialogues          :func:`compute_dialogue_indicators`         3
boards             :func:`compute_board_indicators`            4
religion           :func:`compute_religion_indicators`         5
inspections        :func:`compute_inspection_indicators`       6
complaints         :func:`compute_complaint_indicators`        task area 4
submissions        :func:`compute_submission_indicators`       reporting
=================  ==========================================  ===========
"""

from danvan_analysis.indicators._base import (
    REASONS,
    Indicator,
    IndicatorTable,
    Note,
    Scope,
    Shortfall,
    category_label,
    check_year,
    has_rows_of_year,
    judge,
    resolve_scope,
    rows_of_year,
    unit_name,
)
from danvan_analysis.indicators.boards import compute_board_indicators
from danvan_analysis.indicators.complaints import ComplaintSettings, compute_complaint_indicators
from danvan_analysis.indicators.dialogues import DialogueSettings, compute_dialogue_indicators
from danvan_analysis.indicators.inspections import compute_inspection_indicators
from danvan_analysis.indicators.plans import compute_plan_indicators
from danvan_analysis.indicators.religion import compute_religion_indicators
from danvan_analysis.indicators.submissions import (
    SubmissionSettings,
    compute_submission_indicators,
    tabulate_submissions,
)
from danvan_analysis.indicators.themes import THEMES, Theme, compute_theme_tables, dataset_of

__all__ = [
    "REASONS",
    "THEMES",
    "ComplaintSettings",
    "DialogueSettings",
    "Indicator",
    "IndicatorTable",
    "Note",
    "Scope",
    "Shortfall",
    "SubmissionSettings",
    "Theme",
    "category_label",
    "check_year",
    "compute_board_indicators",
    "compute_complaint_indicators",
    "compute_dialogue_indicators",
    "compute_inspection_indicators",
    "compute_plan_indicators",
    "compute_religion_indicators",
    "compute_submission_indicators",
    "compute_theme_tables",
    "dataset_of",
    "has_rows_of_year",
    "judge",
    "resolve_scope",
    "rows_of_year",
    "tabulate_submissions",
    "unit_name",
]
