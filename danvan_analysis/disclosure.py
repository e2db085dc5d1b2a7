"""Statistical disclosure control for published survey tables.

Two rules protect respondents in every report:

1. **Small cells are suppressed.** A published estimate built from fewer respondents than ``min_n`` (default 10)
   could point at identifiable people in a small commune or group, and is too imprecise to act on. Its estimate,
   standard error and confidence limits become NaN, ``suppressed`` is set, and ``note`` shows the marker
   ``"n < 10"``. This is threshold-rule primary suppression as in Hundepool et al., *Statistical Disclosure
   Control* (Wiley, 2012), ch. 4.
   **Composites are suppressed with their parts** (secondary suppression, :func:`suppress_survey_table`): a SIPAS
   element is the mean of its items, an aspect of its elements, the overall index of its aspects, so with one part
   withheld the published composite and the other parts would give it back (3 × element − the two other items).
   A composite is withheld whenever one of its parts is, in the same domain and year. **Across domains** the same
   holds: the province figure is the population-weighted mean of its districts (whose adult populations are
   public), so when only one district's figure of a variable is withheld, the next smallest district's is withheld
   too; two unknowns in one equation cannot be solved.
2. **Respondent-level rows never reach a report.** :func:`ensure_no_respondents` refuses any frame with a
   ``respondent_id`` column (or index level), or a column that identifies people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from danvan_analysis.errors import ParameterError, PrivacyError, SchemaError

#: Columns that identify respondents (also refused by the survey loader); compared case-insensitively.
IDENTIFYING_COLUMNS = (
    "respondent_id",
    "name",
    "full_name",
    "ho_ten",
    "phone",
    "cccd",
    "cmnd",
    "id_number",
    "email",
    "address",
)


@dataclass(frozen=True)
class DisclosureSettings:
    """The suppression rule.

    Attributes
    ----------
    min_n : cells with fewer respondents than this are suppressed (default 10).
    n_column : the column holding the respondent count.
    value_columns : the columns blanked in a suppressed cell (those present are blanked).
    """

    min_n: int = 10
    n_column: str = "n"
    value_columns: tuple[str, ...] = ("estimate", "se", "ci_low", "ci_high", "deff", "cv")

    def marker(self) -> str:
        """The text shown instead of a suppressed value: ``"n < 10"``."""
        return f"n < {self.min_n}"


def suppress_small_cells(
    table: pd.DataFrame,
    *,
    settings: DisclosureSettings = DisclosureSettings(),
) -> pd.DataFrame:
    """Return a copy of a tidy estimates table with cells from too few respondents suppressed.

    Parameters
    ----------
    table : tidy survey results with a respondent-count column (``n``) and value columns (``estimate``, ``se``,
        ``ci_low``, ``ci_high``, …).
    settings : the threshold and the columns.

    Returns
    -------
    pandas.DataFrame
        The same rows; in each row with ``n < min_n`` (or ``n`` missing) the value columns are NaN. Two columns are
        added: ``suppressed`` (bool) and ``note`` (the marker, or ``""``).

    Raises
    ------
    PrivacyError
        The table holds respondent-level rows.
    SchemaError
        The table has no ``n`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"domain": ["164", "05431"], "estimate": [82.0, 91.0], "n": [640, 7]})
    >>> out = suppress_small_cells(t)
    >>> out["estimate"].tolist(), out["suppressed"].tolist(), out["note"].tolist()
    ([82.0, nan], [False, True], ['', 'n < 10'])
    """
    if not isinstance(settings.min_n, int) or isinstance(settings.min_n, bool) or settings.min_n < 1:
        raise ParameterError(f"DisclosureSettings.min_n={settings.min_n!r} must be a whole number ≥ 1.")
    ensure_no_respondents(table, what="the table to publish")
    if settings.n_column not in table.columns:
        raise SchemaError(
            f"Cannot apply the small-cell rule: the table has no {settings.n_column!r} column (respondents per cell); "
            f"it has {', '.join(map(str, table.columns))}. Hint: keep the n column from danvan_analysis.survey."
        )
    out = table.copy()
    n = pd.to_numeric(out[settings.n_column], errors="coerce")
    # A cell whose n is unknown cannot be shown to be safe, so it is suppressed as well.
    small = (n < settings.min_n) | n.isna()
    for column in settings.value_columns:
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64").mask(small.to_numpy())
    out["suppressed"] = small.to_numpy(dtype=bool)
    out["note"] = [settings.marker() if s else "" for s in out["suppressed"]]
    return out


def suppress_survey_table(
    table: pd.DataFrame,
    *,
    settings: DisclosureSettings = DisclosureSettings(),
    parents: dict[str, str] | None = None,
    group: Sequence[str] = ("year", "by", "domain"),
    variable: str = "variable",
) -> pd.DataFrame:
    """Small cells suppressed, then every composite one of whose parts is suppressed (see the module docstring).

    Parameters
    ----------
    table : tidy survey results with ``variable`` and ``n`` (e.g. :meth:`SipasIndices.tidy` of several years).
    settings : the threshold and the value columns.
    parents : variable → its composite (:func:`danvan_analysis.survey.composite_parents`); ``None``: primary only.
    group : the columns a composite and its parts share (present ones are used).

    Returns
    -------
    pandas.DataFrame
        As :func:`suppress_small_cells`: value columns NaN, ``suppressed`` and ``note`` set for the withheld rows.
    """
    out = suppress_small_cells(table, settings=settings)
    if variable not in out.columns or not out["suppressed"].any():
        return out
    parents = parents or {}
    keys = [c for c in group if c in out.columns]
    withheld = out["suppressed"].to_numpy().copy()
    changed = True
    while changed:  # items → elements → aspects → overall
        frame = out.assign(_withheld=withheld)
        hit = frame[frame["_withheld"]]
        blocked = {(*k, parents[v]) for *k, v in hit[[*keys, variable]].itertuples(index=False) if v in parents}
        rows = [tuple(r) for r in frame[[*keys, variable]].itertuples(index=False)]
        new = [(row in blocked) and not w for row, w in zip(rows, withheld, strict=True)]
        changed = any(new)
        withheld |= new
    withheld = _second_domain(out, withheld, keys=[k for k in keys if k != "domain"], variable=variable)
    for column in settings.value_columns:
        if column in out.columns:
            out[column] = out[column].mask(withheld)
    out["suppressed"] = withheld
    out["note"] = [settings.marker() if w else "" for w in withheld]
    return out


def _second_domain(out: pd.DataFrame, withheld: Any, *, keys: list[str], variable: str) -> Any:
    """Withhold a second domain of the same breakdown where exactly one is withheld (the smallest other n)."""
    if "domain" not in out.columns:
        return withheld
    withheld = withheld.copy()
    frame = out.assign(_withheld=withheld, _n=pd.to_numeric(out["n"], errors="coerce"), _row=range(len(out)))
    groups = frame[frame["by"] != "all"] if "by" in frame.columns else frame  # the province row is the total
    for _, part in groups.groupby([*keys, variable], sort=False, dropna=False):
        if int(part["_withheld"].sum()) == 1 and len(part) > 1:
            others = part[~part["_withheld"]].sort_values("_n", kind="stable")
            withheld[int(others["_row"].iloc[0])] = True
    return withheld


def count_suppressed(table: pd.DataFrame) -> int:
    """Return how many cells of a table from :func:`suppress_small_cells` are suppressed."""
    return int(table["suppressed"].sum()) if "suppressed" in table.columns else 0


def ensure_no_respondents(
    frame: pd.DataFrame, *, what: str = "this table", identifying: Sequence[str] = IDENTIFYING_COLUMNS
) -> pd.DataFrame:
    """Refuse a frame that holds respondent-level rows; return it unchanged otherwise.

    Call it on every table before it goes into a report, a figure or an export.

    Raises
    ------
    PrivacyError
        ``frame`` has a ``respondent_id`` column or index level, or a column that identifies people.
    """
    names = [str(c) for c in frame.columns] + [str(n) for n in frame.index.names if n is not None]
    folded = {name.strip().lower(): name for name in names}
    found = [folded[key] for key in identifying if key in folded]
    if found:
        raise PrivacyError(
            f"{what} holds respondent-level data (column(s) {', '.join(found)}); respondent rows never go into a "
            "report. Hint: publish estimates from danvan_analysis.survey (one row per domain and variable) instead."
        )
    return frame
