"""What a plan file holds, as frozen pydantic models (the schema of ``docs/plan_file.md``).

The models check each value on its own (types, closed sets, the shape of a deadline); :mod:`.load` adds the checks
that need the whole file (task areas and units that exist, unique codes, measures the toolkit can compute) and turns
every problem into one line naming the file, the line and what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from danvan_analysis import vocab

Scope = Literal["province", "district", "commune", "agency"]
Comparison = Literal[">=", ">", "<=", "<", "==", "group_at_least", "not_growing"]
#: Comparisons that take a number as threshold.
NUMERIC_COMPARISONS = (">=", ">", "<=", "<", "==")
#: Scopes the scorecard can score today (a commune or agency scorecard is not built yet).
SCORED_SCOPES = ("province", "district")


def _nfc(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # codes written unquoted (code: 1, province_code: 19)
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


NfcStr = Annotated[str, BeforeValidator(_nfc), Field(min_length=1)]
#: A text that may be left empty (a signature field the signer fills in by hand).
OptionalText = Annotated[str, BeforeValidator(lambda v: "" if v is None else _nfc(v))]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Frozen):
    """A text in Vietnamese and English."""

    vi: NfcStr
    en: NfcStr

    def __call__(self, lang: str = "vi") -> str:
        return self.vi if lang == "vi" else self.en


class PlanInfo(_Frozen):
    """Who issued the plan, its title, year, province and the levels of government it applies to."""

    issuing_body: Text
    title: Text
    province_code: NfcStr
    year: int = Field(ge=2000, le=2100)
    levels: tuple[Literal["province", "district", "commune"], ...] = Field(min_length=1)
    document_number: NfcStr | None = None


class Period(_Frozen):
    """A reporting period: its code (as in the data), label and deadline (``MM-DD`` of the plan's year)."""

    code: NfcStr
    label: Text
    deadline: NfcStr

    @field_validator("code")
    @classmethod
    def _known_period(cls, value: str) -> str:
        if value not in vocab.Period.codes():
            raise ValueError(f"must be one of {', '.join(vocab.Period.codes())} (the periods of the data files)")
        return value

    @field_validator("deadline")
    @classmethod
    def _month_day(cls, value: str) -> str:
        match = re.fullmatch(r"(\d{1,2})-(\d{1,2})", value)
        if not match:
            raise ValueError("must be a month and day as MM-DD, e.g. 03-15")
        try:
            dt.date(2024, int(match[1]), int(match[2]))  # a leap year accepts 02-29
        except ValueError as err:
            raise ValueError(f"{value} is not a day of the year") from err
        return f"{int(match[1]):02d}-{int(match[2]):02d}"

    def deadline_in(self, year: int) -> dt.date:
        """Return the deadline in ``year``."""
        month, day = (int(p) for p in self.deadline.split("-"))
        return dt.date(year, month, day)


class Calendar(_Frozen):
    """The reporting calendar: periods with deadlines, the cut-off rule and the on-time rule."""

    cutoff: Literal["cumulative", "between_deadlines"] = "cumulative"
    on_time: Literal["on_or_before", "before"] = "on_or_before"
    periods: tuple[Period, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Calendar:
        codes = [p.code for p in self.periods]
        if len(set(codes)) != len(codes):
            raise ValueError(f"period codes must be unique, got {', '.join(codes)}")
        deadlines = [p.deadline for p in self.periods]
        if deadlines != sorted(deadlines):
            raise ValueError(f"deadlines must be in calendar order, got {', '.join(deadlines)}")
        return self


class TaskArea(_Frozen):
    """One of the plan's task areas (section III)."""

    code: int = Field(ge=1)
    label: Text


class Assignment(_Frozen):
    """What section IV asks of one or more agencies.

    ``units`` are register codes, or ``all_agencies`` / ``all_districts``; a body outside the state register is named
    in ``name`` with no unit.
    """

    section: NfcStr
    units: tuple[NfcStr, ...] = ()
    name: Text | None = None
    task_areas: tuple[int, ...] = ()
    assignment: Text


class Rules(_Frozen):
    """How report data and survey figures are counted where the plan leaves it open."""

    count_deputy_chaired_dialogues: bool = False
    min_respondents: int = Field(default=10, ge=1)
    ci_method: Literal["logit", "beta", "korn-graubard"] = "logit"


class Check(_Frozen):
    """One measure compared with a threshold for one scope.

    ``measure`` is ``<theme>.<indicator>`` (report data), ``indices.<INDEX>.rank|group`` or ``survey.<variable>``.
    ``also`` names further indicators of the same theme quoted beside the figure. ``if_none_required`` says what a
    zero denominator means (no unit had to do it): ``met`` when every unit reported, else ``no_data``.
    ``headline`` marks the check whose figure the scorecard row shows (default: the scope's first check).
    ``ci_verdict`` (survey measures): ``point`` judges the point estimate; ``flag`` also marks the verdict
    "not certain" when the 95 % confidence interval contains the threshold.
    """

    scope: Scope
    measure: NfcStr
    comparison: Comparison
    threshold: float | str | None = None
    evidence: Text | None = None
    also: tuple[NfcStr, ...] = ()
    if_none_required: Literal["met", "no_data"] = "no_data"
    headline: bool = False
    ci_verdict: Literal["point", "flag"] = "point"

    @field_validator("measure")
    @classmethod
    def _known_measure(cls, value: str) -> str:
        from danvan_analysis.indicators import THEMES

        theme, _, rest = value.partition(".")
        if theme == "indices":
            parts = rest.split(".")
            if len(parts) != 2 or parts[0] not in vocab.IndexCode.codes() or parts[1] not in ("rank", "group"):
                raise ValueError(f"indices.<{'|'.join(vocab.IndexCode.codes())}>.rank or .group")
        elif theme == "survey":
            if not rest.isidentifier():
                raise ValueError("survey.<variable>, e.g. survey.overall")
        elif theme not in THEMES:
            raise ValueError(f"<theme>.<indicator> with a theme of {', '.join(THEMES)}, or indices.…, survey.…")
        elif rest not in THEMES[theme].labels:
            raise ValueError(f"an indicator of {theme}: {', '.join(THEMES[theme].labels)}")
        return value

    @model_validator(mode="after")
    def _comparison_fits_measure(self) -> Check:
        from danvan_analysis.indicators import THEMES

        theme, indicator = self.theme, self.indicator
        numeric = self.comparison in NUMERIC_COMPARISONS
        if theme == "indices" and indicator.endswith(".group") and self.comparison != "group_at_least":
            raise ValueError("a PAPI group measure is compared with group_at_least")
        if theme in ("indices", "survey") and not indicator.endswith(".group") and not numeric:
            raise ValueError(f"a rank or survey share is compared with one of {', '.join(NUMERIC_COMPARISONS)}")
        if theme in THEMES:
            labels = THEMES[theme].labels
            if self.comparison == "group_at_least":
                raise ValueError("group_at_least is only for indices.PAPI.group")
            if self.comparison == "not_growing" and f"{indicator}_change" not in labels:
                raise ValueError(f"{self.measure} has no year-on-year change, so 'not_growing' cannot be judged")
            unknown = [a for a in self.also if a not in labels]
            if unknown:
                raise ValueError(
                    f"'also' names {', '.join(unknown)}; expected indicators of {theme}: {', '.join(labels)}"
                )
        elif self.also:
            raise ValueError("'also' is only for report-data measures")
        return self

    @field_validator("threshold")
    @classmethod
    def _threshold_fits(cls, value: float | str | None, info: ValidationInfo) -> float | str | None:
        comparison = info.data.get("comparison")
        if comparison in NUMERIC_COMPARISONS and not isinstance(value, int | float):
            raise ValueError(f"a number, since the comparison is {comparison!r}")
        if comparison == "group_at_least" and vocab.PapiGroup.parse(value) is None:
            raise ValueError(
                f"a PAPI group ({', '.join(vocab.PapiGroup.codes())}), since the comparison is group_at_least"
            )
        if comparison == "not_growing" and value is not None:
            raise ValueError("no threshold: 'not_growing' compares with the previous year")
        return value

    @property
    def theme(self) -> str:
        """The first part of the measure: a theme, ``indices`` or ``survey``."""
        return self.measure.split(".", 1)[0]

    @property
    def indicator(self) -> str:
        """The rest of the measure (``plan_issued``, ``PAR_INDEX.rank``, ``overall``)."""
        return self.measure.split(".", 1)[1] if "." in self.measure else ""

    @property
    def group_threshold(self) -> str | None:
        """The PAPI group code of a ``group_at_least`` check."""
        return vocab.PapiGroup.parse(self.threshold) if self.comparison == "group_at_least" else None


class Target(_Frozen):
    """A measurable target: wording, task area, whose threshold it is, and its checks per scope.

    In the file a target with one measure may write ``measure``, ``comparison``, ``threshold``, ``scopes`` and an
    ``evidence`` mapping (scope or ``all`` → text) at its own level instead of ``checks``; they are expanded to one
    check per scope.
    """

    code: NfcStr
    label: Text
    short: Text | None = None
    task_area: int | None = None
    threshold_source: Literal["plan", "toolkit"]
    checks: tuple[Check, ...] = Field(min_length=1)
    action: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _expand_shorthand(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "measure" not in data:
            return data
        if "checks" in data:
            raise ValueError("write either 'measure' (one measure for every scope) or 'checks', not both")
        data = dict(data)
        shared = {
            k: data.pop(k)
            for k in ("measure", "comparison", "threshold", "also", "if_none_required", "ci_verdict")
            if k in data
        }
        scopes = data.pop("scopes", None)
        if not isinstance(scopes, list) or not scopes:
            raise ValueError("a target with 'measure' needs 'scopes', a list such as [province, district]")
        evidence = data.pop("evidence", None) or {}
        if not isinstance(evidence, dict):
            raise ValueError("'evidence' must map a scope (or 'all') to a text with vi and en")
        data["checks"] = [{"scope": s, **shared, "evidence": evidence.get(s, evidence.get("all"))} for s in scopes]
        return data

    def checks_for(self, scope: str) -> tuple[Check, ...]:
        """The checks of one scope, the headline first."""
        checks = [c for c in self.checks if c.scope == scope]
        checks.sort(key=lambda c: not c.headline)
        return tuple(checks)

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scopes the target applies to, in the file's order."""
        return tuple(dict.fromkeys(c.scope for c in self.checks))


class WordSettings(_Frozen):
    """The Word draft of one kind of report: the signature block, the recipients and the document symbol.

    Blank by default: the draft then leaves the signature for the signer and lists only "Lưu: VT.".
    """

    signer_authority: OptionalText = ""
    signer_title: OptionalText = ""
    signer_name: OptionalText = ""
    recipients: tuple[NfcStr, ...] = ()
    symbol: NfcStr | None = None


class ReportSettings(_Frozen):
    """How the reports are issued (``report:``): per kind of report, and an office's own Word template."""

    district: WordSettings = WordSettings()
    province: WordSettings = WordSettings()
    agency: WordSettings = WordSettings()
    word_template: NfcStr | None = None


class PlanFile(_Frozen):
    """The whole file."""

    format: Literal[1]
    plan: PlanInfo
    calendar: Calendar
    task_areas: tuple[TaskArea, ...] = Field(min_length=1)
    agencies: tuple[Assignment, ...] = ()
    rules: Rules = Rules()
    targets: tuple[Target, ...] = Field(min_length=1)
    report: ReportSettings = ReportSettings()
