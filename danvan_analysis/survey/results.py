"""Immutable result objects of the survey module: a tidy table, numbered caveats, and an HTML view for JupyterLab.

Every estimator returns a subclass of :class:`SurveyResult`. ``to_frame()`` returns a copy of the tidy table (one row
per domain x quantity), so a caller can never alter the result; ``caveats`` lists what the estimator detected (small
n, high CV, single-PSU strata, domains without an estimable variance), numbered in the order found, in English and
Vietnamese. Presentation (rounding, suppression, labels) belongs to ``fmt``/``disclosure``, not here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Caveat:
    """One thing a reader of the estimates must know.

    Attributes
    ----------
    code
        Stable machine code: ``small_n``, ``high_cv``, ``single_psu_strata``, ``few_psus``, ``boundary``,
        ``no_answers``, ``model``.
    message
        English text, naming the domains/variables concerned.
    message_vi
        Vietnamese text.
    rows
        Number of result rows concerned.
    """

    code: str
    message: str
    message_vi: str
    rows: int = 0


@dataclass(frozen=True, eq=False)
class SurveyResult:
    """Base class: a tidy table plus numbered caveats.

    Attributes
    ----------
    title
        One-line description of what was estimated.
    caveats
        The caveats, in order; number ``i`` (1-based) in the HTML view is ``caveats[i - 1]``.
    """

    title: str
    _table: pd.DataFrame = field(repr=False)
    caveats: tuple[Caveat, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of the tidy table."""
        return self._table.copy()

    def __len__(self) -> int:
        return len(self._table)

    def caveat_lines(self, lang: str = "en") -> list[str]:
        """Return the caveats as numbered lines in ``lang`` (``"en"`` or ``"vi"``)."""
        return [f"{i}. {c.message_vi if lang == 'vi' else c.message}" for i, c in enumerate(self.caveats, start=1)]

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}: {self.title} ({len(self._table)} rows)"]
        lines += self.caveat_lines()
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        shown = self._table.head(40)
        table = shown.to_html(index=False, float_format=lambda v: f"{v:,.4g}", na_rep="–", border=0)
        more = (
            f"<p><em>{len(self._table) - len(shown)} more rows; use .to_frame().</em></p>"
            if len(self._table) > len(shown)
            else ""
        )
        notes = "".join(f"<li>{html.escape(c.message)}</li>" for c in self.caveats)
        notes_html = f"<p><strong>Caveats</strong></p><ol>{notes}</ol>" if notes else ""
        return f"<div><p><strong>{html.escape(self.title)}</strong></p>{table}{more}{notes_html}</div>"


@dataclass(frozen=True, eq=False)
class Estimates(SurveyResult):
    """Design-based estimates for variables x domains (from :func:`~danvan_analysis.survey.estimate`).

    The table has the columns ``by`` (the domain family, ``"all"`` for the whole population), ``domain`` (a label
    such as ``"district_code=164"``), one column per domain variable, ``variable``, ``estimate``, ``se``,
    ``ci_low``, ``ci_high``, ``cv``, ``deff``, ``n`` (unweighted respondents who answered), ``n_psu`` (PSUs holding
    them) and ``df`` (the design's degrees of freedom; 0 when the variance is not estimable).
    """

    kind: str = "mean"
    scale: float = 1.0


@dataclass(frozen=True, eq=False)
class SipasIndices(SurveyResult):
    """SIPAS-style satisfaction indices (0-100) per domain, from :func:`~danvan_analysis.survey.sipas_indices`.

    The table has the domain columns, ``level`` (item / element / aspect / overall), ``code`` (``q01``, ``S3``,
    ``service``, ``overall``), ``name_vi``, ``name_en``, ``measure`` (``share``: % answering at or above the
    threshold; ``mean_score``: mean rating rescaled to 0-100), ``estimate``, ``se``, ``ci_low``, ``ci_high``,
    ``cv``, ``deff`` (items only), ``n`` (for a composite: the smallest item n), ``n_psu``, ``df``.
    """

    def overall(self, measure: str = "share") -> pd.DataFrame:
        """Return the overall index rows of ``measure``."""
        t = self._table
        return t[(t["level"] == "overall") & (t["measure"] == measure)].reset_index(drop=True)

    def level(self, level: str, measure: str = "share") -> pd.DataFrame:
        """Return the rows of one ``level`` (item, element, aspect, overall) and ``measure``."""
        t = self._table
        return t[(t["level"] == level) & (t["measure"] == measure)].reset_index(drop=True)

    def by_unit(self, measure: str = "share") -> pd.DataFrame:
        """Return the province and district rows keyed by unit code, as the scorecard reads them.

        Columns: ``domain`` (``"19"`` for the province, else the district code), ``variable`` (the index code:
        ``overall``, ``policy``, ``service``, an element code or an item), ``estimate``, ``se``, ``ci_low``,
        ``ci_high``, ``n``. Rows of other domain sets (sex, commune, …) are left out.
        """
        from danvan_analysis.units import PROVINCE_CODE

        t = self._table[self._table["measure"] == measure]
        if "district_code" in t.columns:
            province = t["by"] == "all"
            district = t["by"] == "district_code"
            t = t[province | district].copy()
            t["domain"] = t["district_code"].astype("object").where(t["by"] != "all", PROVINCE_CODE)
        else:
            t = t[t["by"] == "all"].copy()
            t["domain"] = PROVINCE_CODE
        t = t.rename(columns={"code": "variable"})
        return t[["domain", "variable", "estimate", "se", "ci_low", "ci_high", "n"]].reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class PriorityShares(SurveyResult):
    """Share (0-100) of people ticking each improvement priority, ranked within each domain."""


@dataclass(frozen=True, eq=False)
class ImportancePerformance(SurveyResult):
    """Priority shares paired with the element indices they map to, with the IPA quadrant of each area."""


@dataclass(frozen=True, eq=False)
class Comparison(SurveyResult):
    """Differences between domains or years with design-based SE, CI, p-value and Holm-adjusted p-value."""


@dataclass(frozen=True, eq=False)
class ModelResult(SurveyResult):
    """A survey-weighted model: coefficients as odds ratios with design-based CIs.

    Attributes
    ----------
    outcome
        Definition of the outcome, in words.
    n
        Respondents in the model.
    """

    outcome: str = ""
    n: int = 0
