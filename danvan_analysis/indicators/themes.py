"""The one registry of report-data themes, and the one place their indicator tables are computed.

A **theme** is a dataset of report data (dialogues, religion, complaints, boards, plans, inspections, submissions)
with the indicator module that reads it. A report computes each theme's table once, with the settings its plan
gives (:meth:`danvan_analysis.plan.Plan.theme_settings`), and passes the same tables to the tables it shows and to
the scorecard, so a table and the target read from it can never disagree.

A dataset that is absent, or has no row for the year, gives ``None`` for its theme (the scorecard marks its targets
"no data"; the report says the data are missing); it is never computed from an empty frame, which would report
every unit as "sent no report".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pandas as pd

from danvan_analysis.errors import ParameterError
from danvan_analysis.indicators import boards, complaints, dialogues, inspections, plans, religion, submissions
from danvan_analysis.indicators._base import IndicatorTable, check_year, has_rows_of_year


@dataclass(frozen=True)
class Theme:
    """One report-data theme.

    Attributes
    ----------
    name : the theme, also the name of its dataset (:data:`danvan_analysis.schemas.DATASETS`).
    compute : ``compute(frame, *, year, district, [settings])`` → :class:`IndicatorTable`.
    labels : indicator code → (Vietnamese, English) label: every indicator the theme computes.
    settings_type : the settings dataclass ``compute`` accepts, or ``None``.
    """

    name: str
    compute: Callable[..., IndicatorTable]
    labels: Mapping[str, tuple[str, str]]
    settings_type: type | None = None

    @property
    def dataset(self) -> str:
        """The dataset the theme reads (the theme's own name)."""
        return self.name


#: Every report-data theme, in the order reports show them.
THEMES: Mapping[str, Theme] = MappingProxyType(
    {
        theme.name: theme
        for theme in (
            Theme("dialogues", dialogues.compute_dialogue_indicators, dialogues.LABELS, dialogues.DialogueSettings),
            Theme("religion", religion.compute_religion_indicators, religion.LABELS),
            Theme(
                "complaints", complaints.compute_complaint_indicators, complaints.LABELS, complaints.ComplaintSettings
            ),
            Theme("boards", boards.compute_board_indicators, boards.LABELS),
            Theme("plans", plans.compute_plan_indicators, plans.LABELS),
            Theme("inspections", inspections.compute_inspection_indicators, inspections.LABELS),
            Theme(
                "submissions",
                submissions.compute_submission_indicators,
                submissions.LABELS,
                submissions.SubmissionSettings,
            ),
        )
    }
)


def dataset_of(data: object, name: str) -> pd.DataFrame | None:
    """Return one dataset of a loaded bundle (an object with one attribute per dataset) or a mapping, or ``None``."""
    if data is None:
        return None
    value = data.get(name) if isinstance(data, Mapping) else getattr(data, name, None)
    if value is not None and not isinstance(value, pd.DataFrame):
        raise ParameterError(f"The {name!r} dataset must be a pandas DataFrame, got {type(value).__name__}.")
    return value


def compute_theme_tables(
    data: object,
    *,
    year: int,
    district: str | None = None,
    settings: Mapping[str, Any] | None = None,
    themes: tuple[str, ...] | None = None,
    reported: Iterable[str] = (),
) -> dict[str, IndicatorTable | None]:
    """Compute the indicator table of every theme (or of ``themes``) for the province or one district.

    Parameters
    ----------
    data : a loaded bundle (``danvan_analysis.io.DataBundle``) or a mapping ``{"plans": frame, …}``.
    year : reporting year.
    district : a district code or name; ``None`` for the province.
    settings : theme → its settings object (an instance of :attr:`Theme.settings_type`); others use their defaults.
    themes : the themes to compute (default: all, in :data:`THEMES` order).
    reported : themes whose dataset is known to have rows for ``year`` even if ``data`` has none left (data cut to
        a reporting period: no dialogue yet by 14/3 is a count of 0, not missing data).

    Returns
    -------
    dict
        theme → its table, or ``None`` when the dataset is absent or has no row for ``year``.
    """
    year = check_year(year)
    settings = dict(settings or {})
    wanted = tuple(THEMES) if themes is None else themes
    unknown = [t for t in (*wanted, *settings) if t not in THEMES]
    if unknown:
        raise ParameterError(f"Unknown theme(s) {', '.join(map(repr, unknown))}; the themes are {', '.join(THEMES)}.")
    tables: dict[str, IndicatorTable | None] = {}
    for name in wanted:
        theme = THEMES[name]
        frame = dataset_of(data, theme.dataset)
        empty = not has_rows_of_year(frame, year)
        if empty and (name not in set(reported) or frame is None or "year" not in frame.columns):
            tables[name] = None
            continue
        extra = {"settings": settings[name]} if name in settings else {}
        tables[name] = theme.compute(frame, year=year, district=district, **extra)
    return tables
