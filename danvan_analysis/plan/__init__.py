"""The plan as data: one YAML file describes one plan (its calendar, task areas, agencies and targets).

The scorecard, the reports and the narratives read targets, thresholds, deadlines and wording from a :class:`Plan`,
so next year's plan, or another province's, is a new file, not new code. The shipped default is the 2023 plan of the
Thái Nguyên Provincial People's Committee (``danvan_analysis/data/plans/thai_nguyen_2023.yaml``); the file format is
described in ``docs/plan_file.md``.

>>> from danvan_analysis.plan import load_plan
>>> plan = load_plan()                       # the shipped 2023 plan
>>> plan.target("5a").checks[0].comparison, plan.target("5a").checks[0].threshold
('>', 80.0)
>>> plan.deadline("Q1", 2023)
datetime.date(2023, 3, 15)
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from danvan_analysis.errors import ParameterError
from danvan_analysis.indicators import DialogueSettings, SubmissionSettings
from danvan_analysis.paths import package_data
from danvan_analysis.plan.load import parse_plan_text, read_plan_file
from danvan_analysis.plan.model import (
    SCORED_SCOPES,
    Assignment,
    Calendar,
    Check,
    Period,
    PlanFile,
    Rules,
    Target,
    TaskArea,
    Text,
)

#: Columns of :meth:`Plan.to_frame`.
TARGET_COLUMNS = [
    "target",
    "task_area",
    "label_vi",
    "label_en",
    "scope",
    "measure",
    "comparison",
    "threshold",
    "threshold_source",
]


@dataclass(frozen=True, eq=False)
class Plan:
    """A checked plan file.

    Attributes
    ----------
    spec : the file's content (:class:`~danvan_analysis.plan.model.PlanFile`).
    source : where it was read from.
    digest : SHA-256 of the file's text (report caches are keyed on it).
    """

    spec: PlanFile
    source: str
    digest: str

    # -- reading ---------------------------------------------------------------------------------------------------
    @property
    def year(self) -> int:
        """The plan's year."""
        return self.spec.plan.year

    @property
    def title(self) -> Text:
        """The plan's title."""
        return self.spec.plan.title

    @property
    def targets(self) -> tuple[Target, ...]:
        """The targets, in the plan's order."""
        return self.spec.targets

    @property
    def rules(self) -> Rules:
        """Counting rules (dialogue chairs, the survey's minimum respondents)."""
        return self.spec.rules

    @property
    def calendar(self) -> Calendar:
        """The reporting calendar."""
        return self.spec.calendar

    @property
    def task_areas(self) -> tuple[TaskArea, ...]:
        """The task areas (section III)."""
        return self.spec.task_areas

    @property
    def agencies(self) -> tuple[Assignment, ...]:
        """The assignments of section IV."""
        return self.spec.agencies

    def target(self, code: str) -> Target:
        """Return one target by code; raise :class:`ParameterError` naming the codes when it is not in the plan."""
        for target in self.targets:
            if target.code == code:
                return target
        raise ParameterError(
            f"The plan {self.source} has no target {code!r}; its targets are {', '.join(t.code for t in self.targets)}."
        )

    def targets_for(self, scope: str) -> tuple[Target, ...]:
        """The targets with at least one check for ``scope`` (``province``, ``district``, …)."""
        return tuple(t for t in self.targets if t.checks_for(scope))

    def threshold(self, measure: str, *, scope: str | None = None) -> float | None:
        """The numeric threshold of the first check on ``measure`` (of ``scope``), or ``None`` when none has one.

        Figures draw it as a reference line (e.g. ``plan.threshold("survey.overall")``).
        """
        for target in self.targets:
            for check in target.checks:
                wanted = check.measure == measure and (scope is None or check.scope == scope)
                if wanted and isinstance(check.threshold, int | float):
                    return float(check.threshold)
        return None

    def assignments_of(self, unit_code: str, *, kind: str = "agency") -> tuple[Assignment, ...]:
        """The section IV assignments that name a unit, or all units of its kind (``all_agencies``, ``all_communes``)."""
        group = {"agency": "all_agencies", "commune": "all_communes"}.get(kind, "all_districts")
        return tuple(a for a in self.agencies if unit_code in a.units or group in a.units)

    def period_code(self, text: object, *, what: str = "period") -> str | None:
        """The plan's period code a user wrote (``"Q1"``, ``"quý I"``, ``"9M"``); ``None`` for empty (the whole
        year). Raise :class:`ParameterError` naming ``what`` and the plan's periods otherwise."""
        from danvan_analysis import vocab

        shown = "" if text is None else str(text).strip()
        if not shown:
            return None
        code = vocab.Period.parse(shown)
        known = [p.code for p in self.calendar.periods]
        if code not in known:
            raise ParameterError(
                f"{what} {shown!r} is not a reporting period of the plan; expected one of {', '.join(known)} "
                "(or empty for the whole year)."
            )
        return code

    def period(self, code: str) -> Period:
        """Return a reporting period by code."""
        for period in self.calendar.periods:
            if period.code == code:
                return period
        codes = ", ".join(p.code for p in self.calendar.periods)
        raise ParameterError(f"The plan {self.source} has no reporting period {code!r}; its periods are {codes}.")

    def deadline(self, period: str, year: int | None = None) -> dt.date:
        """Return the deadline of a period's report in ``year`` (default: the plan's year)."""
        return self.period(period).deadline_in(self.year if year is None else year)

    def window(self, period: str, year: int | None = None) -> tuple[dt.date, dt.date]:
        """Return the first and last day whose events a period's report covers, by the plan's cut-off rule.

        ``cumulative``: from 1 January to the day before the deadline. ``between_deadlines``: from the previous
        period's deadline (the 15th) to the day before this one's (the 14th); the first period starts on 1 January.
        """
        year = self.year if year is None else year
        periods = self.calendar.periods
        index = [p.code for p in periods].index(self.period(period).code)
        end = periods[index].deadline_in(year) - dt.timedelta(days=1)
        if self.calendar.cutoff == "cumulative" or index == 0:
            return dt.date(year, 1, 1), end
        return periods[index - 1].deadline_in(year), end

    # -- settings the plan gives to the indicator modules ---------------------------------------------------------------
    def theme_settings(self, *, as_of: dt.date | None = None) -> dict[str, Any]:
        """Settings of the report-data themes (:func:`danvan_analysis.indicators.compute_theme_tables`)."""
        deadlines = {p.code: p.deadline for p in self.calendar.periods}
        return {
            "dialogues": DialogueSettings(count_deputy_chaired=self.rules.count_deputy_chaired_dialogues),
            "submissions": SubmissionSettings(on_time_rule=self.calendar.on_time, as_of=as_of, deadlines=deadlines),
        }

    def to_frame(self, *, scope: str | None = None) -> pd.DataFrame:
        """Return one row per target and check (the table ``danvan plan show`` prints)."""
        rows = []
        for target in self.targets:
            for check in target.checks:
                if scope is not None and check.scope != scope:
                    continue
                rows.append(
                    {
                        "target": target.code,
                        "task_area": target.task_area,
                        "label_vi": target.label.vi,
                        "label_en": target.label.en,
                        "scope": check.scope,
                        "measure": check.measure,
                        "comparison": check.comparison,
                        "threshold": check.threshold,
                        "threshold_source": target.threshold_source,
                    }
                )
        return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def load_plan(path: str | Path | None = None) -> Plan:
    """Read and check a plan file (``None`` or ``""``: the shipped 2023 Thái Nguyên plan).

    Raises
    ------
    PlanError
        listing every problem of the file, each with its line.
    InputFileError
        when the file cannot be read.
    """
    empty = path is None or (isinstance(path, str) and not path.strip())
    return _load(str(default_plan_path() if empty else Path(path)))  # type: ignore[arg-type]


def default_plan_path() -> Path:
    """The shipped default plan file."""
    return package_data("plans/thai_nguyen_2023.yaml")


@cache
def _load_cached(source: str, mtime_ns: int) -> Plan:
    model, text = read_plan_file(source)
    return Plan(spec=model, source=source, digest=hashlib.sha256(text.encode("utf-8")).hexdigest())


def _load(source: str) -> Plan:
    try:
        mtime = Path(source).stat().st_mtime_ns
    except OSError:
        mtime = -1  # read_plan_file raises the readable error
    return _load_cached(source, mtime)


def plan_from_text(text: str, *, source: str = "<plan>") -> Plan:
    """Check a plan given as YAML text (tests, notebooks)."""
    return Plan(
        spec=parse_plan_text(text, source=source), source=source, digest=hashlib.sha256(text.encode()).hexdigest()
    )


__all__ = [
    "SCORED_SCOPES",
    "TARGET_COLUMNS",
    "Assignment",
    "Calendar",
    "Check",
    "Period",
    "Plan",
    "PlanFile",
    "Rules",
    "Target",
    "TaskArea",
    "Text",
    "default_plan_path",
    "load_plan",
    "plan_from_text",
]
