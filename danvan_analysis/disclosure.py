"""Statistical disclosure control for published survey tables.

Two rules protect respondents in every report:

1. **Small cells are suppressed.** A published estimate built from fewer respondents than ``min_n`` (default 10)
   could point at identifiable people in a small commune or group, and is too imprecise to act on. Its estimate,
   standard error and confidence limits become NaN, ``suppressed`` is set, and ``note`` shows the marker
   ``"n < 10"``. This is threshold-rule primary suppression as in Hundepool et al., *Statistical Disclosure
   Control* (Wiley, 2012), ch. 4; no secondary (complementary) suppression is done, because our tables publish
   percentages rather than additive counts from which a suppressed cell could be recovered by subtraction.
2. **Respondent-level rows never reach a report.** :func:`ensure_no_respondents` refuses any frame with a
   ``respondent_id`` column (or index level), or a column that identifies people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
