"""Immutable result objects of the survey module: a tidy table, numbered caveats, and an HTML view for JupyterLab.

Every estimator returns a subclass of :class:`SurveyResult`. ``to_frame()`` returns a copy of the tidy table (one row
per domain x quantity), so a caller can never alter the result; ``caveats`` lists what the estimator detected (small
n, high CV, single-PSU strata, domains without an estimable variance), numbered in the order found, in English and
Vietnamese. Presentation (rounding, suppression, labels) belongs to ``fmt``/``disclosure``, not here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Caveat:
    """One thing a reader of the estimates must know.

    Attributes
    ----------
    code
        Stable machine code: ``small_n``, ``high_cv``, ``single_psu_strata``, ``few_psus``, ``no_df``,
        ``boundary``, ``no_answers``, ``model``, ``dropped_predictor``, ``small_cells``.
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
    them) and ``df`` (the domain's degrees of freedom, or the design's with ``EstimationSettings(df="design")``; 0
    when the variance is not estimable). ``kind`` is ``mean``, ``proportion``, ``total``, ``ratio`` or
    ``quantile`` (which adds a ``prob`` column).
    """

    kind: str = "mean"
    scale: float = 1.0


@dataclass(frozen=True, eq=False)
class SipasIndices(SurveyResult):
    """SIPAS-style satisfaction indices (0-100) per domain, from :func:`~danvan_analysis.survey.sipas_indices`.

    The table has the domain columns, ``level`` (item / element / aspect / overall), ``code`` (``q01``, ``S3``,
    ``service``, ``overall``), ``label_vi``, ``label_en``, ``measure`` (``share``: % answering at or above the
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

    def tidy(self, measure: str = "share", *, year: int | None = None) -> pd.DataFrame:
        """Return the indices of ``measure`` as the tidy table the plots and the scorecard read.

        Parameters
        ----------
        measure
            ``"share"`` (default) or ``"mean_score"``.
        year
            Adds a ``year`` column with this value, for a result computed from one year's data (a result of
            :func:`~danvan_analysis.survey.sipas_trend` has its own ``year`` column and refuses this argument).

        Returns
        -------
        pandas.DataFrame
            Columns ``year`` (when known), ``by`` (the domain set without the year: ``"all"``, ``"district_code"``,
            ``"district_code+sex"``, ...), ``domain``, ``level``, ``variable`` (the index code: ``overall``,
            ``policy``, ``service``, an element code such as ``S3`` or an item such as ``q07``), ``label_vi``,
            ``label_en``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``n`` (0-100 scale, as the result).
            ``domain`` is the unit code: ``"19"`` (the province) for the whole population, the district or commune
            code for those domain sets; for another single column its value (``"female"``), for a crossing the
            label ``"district_code=164, sex=female"``.

        Raises
        ------
        ParameterError
            ``measure`` is not in the result, or ``year`` is given for a result that has years.

        Examples
        --------
        >>> sipas_indices(survey_2023, SurveyDesign()).tidy(year=2023)  # doctest: +SKIP
        """
        from danvan_analysis.errors import ParameterError
        from danvan_analysis.units import province_code

        table = self._table
        present = list(pd.unique(table["measure"].astype(str)))
        if measure not in present:
            raise ParameterError(f"tidy(measure={measure!r}): this result holds the measure(s) {present}.")
        has_years = "year" in table.columns
        if has_years and year is not None:
            raise ParameterError(
                f"tidy(year={year!r}): this result already has a 'year' column (several years); leave year out."
            )
        t = table[(table["measure"] == measure).to_numpy()].reset_index(drop=True)
        by = pd.Series("all", index=t.index, dtype=object)
        domain = pd.Series(province_code(), index=t.index, dtype=object)
        for label, rows in t.groupby("by", sort=False):
            columns = [c for c in str(label).split("+") if c not in ("all", "year")]
            if not columns:
                continue
            by[rows.index] = "+".join(columns)
            if len(columns) == 1:
                domain[rows.index] = rows[columns[0]].astype(str).to_numpy()
            else:
                text = rows[columns].astype(str)
                domain[rows.index] = [
                    ", ".join(f"{c}={v}" for c, v in zip(columns, row, strict=True))
                    for row in text.itertuples(index=False)
                ]
        out = t[["level", "code", "label_vi", "label_en", "estimate", "se", "ci_low", "ci_high", "n"]].rename(
            columns={"code": "variable"}
        )
        out.insert(0, "domain", pd.array(domain.to_numpy(), dtype="string"))
        out.insert(0, "by", pd.array(by.to_numpy(), dtype="string"))
        if has_years:
            out.insert(0, "year", t["year"].to_numpy())
        elif year is not None:
            out.insert(0, "year", np.full(len(out), int(year), dtype=np.int64))
        return out

    def by_unit(self, measure: str = "share") -> pd.DataFrame:
        """Return the province and district rows keyed by unit code, as the scorecard reads them.

        The rows of :meth:`tidy` for the whole population (``domain`` ``"19"``) and the districts: columns
        ``domain``, ``variable``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``n`` (and ``year`` for a result of
        several years). Rows of other domain sets (sex, commune, ...) are left out.
        """
        t = self.tidy(measure)
        keep = t["by"].isin(["all", "district_code"]).to_numpy()
        columns = [c for c in ("year", "domain", "variable", "estimate", "se", "ci_low", "ci_high", "n") if c in t]
        return t.loc[keep, columns].reset_index(drop=True)


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
    domain
        The subpopulation the model was fitted for (e.g. ``"district_code = 164"``); ``""`` = everybody.
    covariance
        The coefficients' design-based covariance (for :meth:`joint_test`).
    """

    outcome: str = ""
    n: int = 0
    domain: str = ""
    #: Design-based covariance of the coefficients, row by row in the table's order (plain floats, so a cached
    #: result written as JSON reads back the same).
    covariance: tuple[tuple[float, ...], ...] = field(default=(), repr=False)

    def joint_test(self, predictor: str) -> pd.DataFrame:
        """Wald test that every coefficient of ``predictor`` is 0 (R ``regTermTest(model, ~predictor)``).

        ``F = b' V^-1 b / p`` over the predictor's ``p`` dummy coefficients ``b`` with their design-based
        covariance ``V``, referred to ``F(p, df)`` with the model's residual df (R's default ``method = "Wald"``,
        ``df = df.residual``); ``chisq = p F`` and its chi-square p-value are given too. One row: ``predictor``,
        ``levels`` (p), ``f``, ``df_num``, ``df_den``, ``p_value``, ``chisq``, ``p_chisq``.

        Raises
        ------
        ParameterError
            ``predictor`` has no coefficient in the model (unknown, or left out as constant), or the result
            carries no covariance.
        """
        from scipy import special

        from danvan_analysis.errors import ParameterError

        table = self._table
        rows = np.flatnonzero((table["predictor"] == predictor).fillna(False).to_numpy(dtype=bool))
        if len(self.covariance) == 0 or rows.size == 0:
            known = sorted(set(table["predictor"].dropna()) - {""})
            raise ParameterError(
                f"joint_test({predictor!r}): the model has no coefficient of that predictor; its predictors are "
                f"{known}. Hint: a predictor with a single category in the model is left out (see the caveats)."
            )
        b = table["coef"].to_numpy(dtype=np.float64)[rows]
        v = np.asarray(self.covariance, dtype=np.float64)[np.ix_(rows, rows)]
        p = rows.size
        chisq = float(b @ np.linalg.solve(v, b))
        df = int(table["df"].iloc[0])
        f = chisq / p
        return pd.DataFrame(
            {
                "predictor": [predictor],
                "levels": [p],
                "f": [f],
                "df_num": [p],
                "df_den": [df],
                "p_value": [float(special.fdtrc(p, df, f)) if df > 0 else np.nan],
                "chisq": [chisq],
                "p_chisq": [float(special.chdtrc(p, chisq))],
            }
        )
