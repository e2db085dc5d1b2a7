"""The survey design: which columns hold the strata, PSUs and weights, and how single-PSU strata are treated.

Variance is estimated by Taylor linearisation under the usual *ultimate cluster* approximation (Wolter 2007,
*Introduction to Variance Estimation*, §6.11; Lumley 2010, *Complex Surveys*, §2.2; R ``survey::svyrecvar``):
PSUs are taken as drawn **with replacement** within strata, so only the first stage enters the variance, and the
finite population correction ``1 - f_h`` (``f_h`` = sampling fraction of PSUs in stratum ``h``) is applied when a
fraction is given. PSU codes are nested within strata (R's ``nest=TRUE``): PSU ``"01"`` in two strata is two PSUs.

:class:`SurveyDesign` only *names* columns and records policies (it stores, never computes). The estimators call
:func:`compile_design` once per call, which validates the columns and encodes strata and PSUs as integer codes for
the vectorised kernel in :mod:`danvan_analysis.survey._linearise`.

Two-stage variance
------------------
Without an fpc the with-replacement formula of the first stage captures the whole variance (the PSU totals vary
through both stages). With an fpc at the first stage, ``1 - f_h`` shrinks that formula to the between-PSU part
only, and the within-PSU (second-stage) variance must be added: with ``ssu`` and ``ssu_fpc`` (the fraction
``f_hi`` of SSUs sampled in PSU ``i``) the variance is (Särndal, Swensson & Wretman 1992, result 4.3.1; R
``svydesign(id = ~psu + ssu, fpc = ~f1 + f2)``, ``survey:::multistage``)::

    V = sum_h (1 - f_h) n_h/(n_h - 1) sum_i (z_hi - zbar_h)^2
        + sum_h f_h sum_i (1 - f_hi) m_hi/(m_hi - 1) sum_j (z_hij - zbar_hi)^2

with ``z_hij`` the SSU totals of the linearised variable (``m_hi`` SSUs sampled in PSU ``i``; a PSU with a single
SSU adds nothing). Stages below the SSU are taken as complete at that stage's fraction (R's rule: "if fpc is given
for fewer stages than ids, sampling is complete for the later stages"); with ``ssu`` = the respondent, the design is
two-stage exactly. An fpc without ``ssu_fpc`` drops the second term, understating the variance (by 10 % in SE for
communes sampled at 30-40 %): :func:`compile_design` warns (:class:`DesignWarning`).

Commune-level precision
-----------------------
With communes as PSUs, a commune domain lies inside a single PSU: its between-PSU variance cannot be estimated (the
linearised PSU total of a domain mean is exactly zero there, so a naive formula reports a standard error of 0). The
estimators report such domains as *not estimable*. When the survey covers every commune (or the commune-level figure
is wanted *conditional on the communes sampled*), the communes are really strata and the villages (``ssu``) the
PSUs: :meth:`SurveyDesign.next_stage` returns that design, whose commune estimates have a proper village-based
variance (Särndal, Swensson & Wretman 1992, *Model Assisted Survey Sampling*, §4.3, the second-stage component).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from danvan_analysis.errors import DesignError, SchemaError
from danvan_analysis.survey._calibration import CompiledCalibration, compile_calibration

SinglePsuPolicy = Literal["error", "certainty", "centre"]
_POLICIES = ("error", "certainty", "centre")


class DesignWarning(UserWarning):
    """The design as given leaves out part of the variance (an fpc without the second stage)."""


@dataclass(frozen=True)
class Calibration:
    """How the weights were calibrated, so that the variance accounts for it (the record R keeps in ``postStrata``).

    Built by :func:`~danvan_analysis.survey.calibrate` (``CalibratedWeights.design``); give it by hand only for
    weights calibrated elsewhere on categorical margins.

    Parameters
    ----------
    margins
        The margins the weights reproduce: column names, or tuples of columns for a crossed margin
        (``("district_code", ("sex", "age_group"))``).
    prior_weight
        Column holding the weights before calibration (the design weights).

    Examples
    --------
    >>> Calibration(margins=("district_code", ("sex", "age_group"))).margin_columns
    (('district_code',), ('sex', 'age_group'))
    """

    margins: tuple[str | tuple[str, ...], ...]
    prior_weight: str = "design_weight"

    def __post_init__(self) -> None:
        margins = (self.margins,) if isinstance(self.margins, str) else tuple(self.margins)
        object.__setattr__(self, "margins", margins)
        if not margins or not all(_as_tuple(m) for m in margins):
            raise DesignError(
                f"Calibration(margins={self.margins!r}) names no margin; give the margin columns, e.g. "
                "Calibration(margins=('district_code',))."
            )

    @property
    def margin_columns(self) -> tuple[tuple[str, ...], ...]:
        """Each margin as a tuple of columns."""
        return tuple(_as_tuple(m) for m in self.margins)

    def columns(self) -> tuple[str, ...]:
        """Every data column the calibration record reads."""
        return tuple(dict.fromkeys([c for m in self.margin_columns for c in m] + [self.prior_weight]))


@dataclass(frozen=True)
class SurveyDesign:
    """The columns that describe a stratified, clustered, weighted sample, and the variance policies.

    Parameters
    ----------
    stratum
        Column (or columns, combined) holding the design stratum. Default ``"stratum"`` (the district).
    psu
        Column (or columns, combined) holding the primary sampling unit, nested within ``stratum``. Default
        ``"psu"`` (the commune).
    weight
        Column holding the survey weight (> 0, not missing).
    ssu
        Column holding the second-stage unit (the village, or the respondent in a two-stage design), nested within
        the PSU; used by :meth:`next_stage`, and by the variance when ``ssu_fpc`` is given. ``None`` when the data
        carry no villages.
    fpc
        Sampling fraction of PSUs per stratum, ``0 <= f_h <= 1``: the name of a column (constant within each
        stratum) or a mapping ``stratum -> fraction``. ``None`` (default) means PSUs drawn with replacement, i.e.
        ``f_h = 0``. A stratum with ``f_h = 1`` is a census stratum: its first stage contributes no variance.
    ssu_fpc
        Column holding the sampling fraction of SSUs within each PSU, ``0 <= f_hi <= 1`` (constant within a PSU;
        0 = SSUs drawn with replacement). With ``fpc`` it adds the second-stage variance (see the module
        docstring); it needs ``ssu``.
    calibration
        How ``weight`` was calibrated (:class:`Calibration`, as :func:`~danvan_analysis.survey.calibrate` returns
        it in ``CalibratedWeights.design``): the variance then uses each linearised variable's residual on the
        calibration margins (see :mod:`danvan_analysis.survey._calibration`). ``None``: weights taken as fixed.
    single_psu
        What a stratum with only one PSU contributes to the variance:

        * ``"error"`` (default): refuse, with a :class:`~danvan_analysis.errors.DesignError` listing the strata;
        * ``"certainty"``: nothing (the PSU is treated as selected with certainty; R ``lonely.psu="certainty"``);
        * ``"centre"``: the squared deviation of its PSU total from the grand mean of the PSU totals
          (R ``options(survey.lonely.psu="adjust")``, as revised in survey 4.2; svy ``singleton="center"``).

    Examples
    --------
    >>> design = SurveyDesign(weight="weight", single_psu="certainty")
    >>> design.stratum, design.psu
    ('stratum', 'psu')
    >>> design.next_stage(ssu="ssu").stratum
    ('stratum', 'psu')
    """

    stratum: str | tuple[str, ...] = "stratum"
    psu: str | tuple[str, ...] = "psu"
    weight: str = "weight"
    ssu: str | None = None
    fpc: str | Mapping[str, float] | None = field(default=None, hash=False)
    single_psu: SinglePsuPolicy = "error"
    ssu_fpc: str | None = None
    calibration: Calibration | None = None

    def __post_init__(self) -> None:
        if self.ssu_fpc is not None and (self.ssu is None or not isinstance(self.ssu_fpc, str)):
            raise DesignError(
                f"SurveyDesign(ssu_fpc={self.ssu_fpc!r}) needs the second-stage unit column (ssu=...) and the name "
                "of the column holding each PSU's fraction of SSUs sampled. Hint: SurveyDesign(fpc='f1', "
                "ssu='ssu', ssu_fpc='f2')."
            )
        if self.single_psu not in _POLICIES:
            raise DesignError(
                f"SurveyDesign(single_psu={self.single_psu!r}) is not a known policy; expected one of "
                f"{', '.join(_POLICIES)}. Hint: 'certainty' if the lonely PSU was selected with certainty, 'centre' "
                "to keep a conservative contribution."
            )

    @property
    def stratum_columns(self) -> tuple[str, ...]:
        """The stratum column(s) as a tuple."""
        return _as_tuple(self.stratum)

    @property
    def psu_columns(self) -> tuple[str, ...]:
        """The PSU column(s) as a tuple."""
        return _as_tuple(self.psu)

    def next_stage(self, *, ssu: str | None = None) -> SurveyDesign:
        """Return the design one stage down: PSUs (communes) become strata and SSUs (villages) become PSUs.

        Use it for commune-level estimates. Conditional on the communes in the sample, villages are the first
        stage; the variance then reflects village-to-village variation within each commune, which is the
        sampling variance of a commune figure when every commune is surveyed (communes are then strata, not
        clusters). The finite population correction is dropped (villages are taken as drawn with replacement)
        because the design records no village sampling fractions.

        Parameters
        ----------
        ssu
            The village column; defaults to :attr:`ssu`.

        Raises
        ------
        DesignError
            If no SSU column is known.
        """
        column = ssu or self.ssu
        if column is None:
            raise DesignError(
                "SurveyDesign.next_stage() needs the second-stage unit (village) column, but the design names none. "
                "Hint: SurveyDesign(..., ssu='ssu') or next_stage(ssu='ssu'); without villages, commune-level "
                "estimates have no estimable variance."
            )
        return SurveyDesign(
            stratum=(*self.stratum_columns, *self.psu_columns),
            psu=column,
            weight=self.weight,
            ssu=None,
            fpc=None,
            single_psu=self.single_psu,
            calibration=self.calibration,
        )

    def columns(self) -> tuple[str, ...]:
        """Return every data column the design reads (for column selection and validation)."""
        cols = [*self.stratum_columns, *self.psu_columns, self.weight]
        if isinstance(self.fpc, str):
            cols.append(self.fpc)
        if self.ssu_fpc is not None and self.ssu is not None:
            cols += [self.ssu, self.ssu_fpc]
        if self.calibration is not None:
            cols += list(self.calibration.columns())
        return tuple(dict.fromkeys(cols))


def commune_design(design: SurveyDesign | None = None, *, ssu: str = "ssu") -> SurveyDesign:
    """Return the design for commune-level estimates: communes as strata, villages as PSUs.

    Shorthand for ``design.next_stage(ssu=ssu)`` with the contract's default columns. See
    :meth:`SurveyDesign.next_stage` for when this is the right variance.
    """
    return (design or SurveyDesign()).next_stage(ssu=ssu)


@dataclass(frozen=True, eq=False)
class CompiledDesign:
    """Integer-coded design of one data frame (internal; built by :func:`compile_design`).

    Attributes
    ----------
    weights
        Row weights, float64.
    stratum_index, psu_index
        Row codes ``0..H-1`` and ``0..P-1``; PSUs are numbered stratum by stratum, so the PSUs of stratum ``h`` are
        a contiguous block (the kernels rely on it).
    psu_stratum
        Stratum code of each PSU.
    psus_per_stratum
        ``n_h``, PSUs per stratum in the whole design (the domain variance uses these counts, not the PSUs that
        happen to hold domain members).
    fpc_factor
        ``1 - f_h`` per stratum.
    stratum_labels, psu_labels
        Labels of the codes (tuples joined with ``"|"`` when several columns).
    stage2
        The second stage as a design of its own (strata = the PSUs, PSUs = the SSUs, ``fpc_factor`` =
        ``f_h (1 - f_hi)``, lonely SSUs adding nothing), when ``ssu_fpc`` is given and some ``f_h > 0``; else ``None``.
    calibration
        The calibration model (cells, fitted-value matrix), when the design names a :class:`Calibration`.
    """

    design: SurveyDesign
    weights: np.ndarray
    stratum_index: np.ndarray
    psu_index: np.ndarray
    psu_stratum: np.ndarray
    psus_per_stratum: np.ndarray
    fpc_factor: np.ndarray
    stratum_labels: np.ndarray
    psu_labels: np.ndarray
    stage2: CompiledDesign | None = None
    calibration: CompiledCalibration | None = None

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.weights.shape[0])

    @property
    def n_psus(self) -> int:
        """Number of PSUs in the design."""
        return int(self.psu_stratum.shape[0])

    @property
    def n_strata(self) -> int:
        """Number of strata in the design."""
        return int(self.psus_per_stratum.shape[0])

    @property
    def df(self) -> int:
        """Design degrees of freedom, #PSUs - #strata (R ``degf``)."""
        return self.n_psus - self.n_strata

    @property
    def single_psu_strata(self) -> list[str]:
        """Labels of the strata with only one PSU."""
        return [str(s) for s in self.stratum_labels[self.psus_per_stratum == 1]]


def compile_design(data: pd.DataFrame, design: SurveyDesign) -> CompiledDesign:
    """Validate the design columns of ``data`` and encode strata and PSUs as integer codes.

    Raises
    ------
    SchemaError
        A design column is missing.
    DesignError
        Weights missing, non-numeric or not positive; strata or PSUs missing; an invalid ``fpc``; a single-PSU
        stratum under ``single_psu="error"``.
    """
    missing = [c for c in design.columns() if c not in data.columns]
    if missing:
        raise SchemaError(
            f"The survey data lack the design column(s) {missing}; the data have {list(data.columns)[:12]}... "
            "Hint: name the columns in SurveyDesign(stratum=..., psu=..., weight=...)."
        )
    weights = _weights(data, design.weight)
    stratum_raw, stratum_names = _codes(data, design.stratum_columns, role="stratum")
    psu_raw, psu_names = _codes(data, design.psu_columns, role="PSU")
    # Nest PSUs in strata, and number them stratum by stratum so each stratum's PSUs form a contiguous block.
    # A small first hash table (grown as needed): pandas sizes it for one value a row otherwise (~40 MB at 1M rows).
    stratum_index, stratum_uniques = pd.factorize(stratum_raw, sort=True, size_hint=1024)
    radix = int(psu_raw.max()) + 1
    nested = stratum_index.astype(np.int64)  # a copy, then combined in place: one million-row array, not three
    nested *= radix
    nested += psu_raw
    psu_index, psu_uniques = pd.factorize(nested, sort=True, size_hint=1024)
    del nested
    psu_stratum = (psu_uniques // radix).astype(np.int64)
    psus_per_stratum = np.bincount(psu_stratum, minlength=len(stratum_uniques))
    stratum_labels = _labels(stratum_uniques, stratum_names)
    psu_labels = _labels(psu_uniques % radix, psu_names)
    fractions = _fractions(data, design, stratum_index, stratum_labels)
    fpc_factor = 1.0 - fractions
    stage2 = None
    if design.ssu_fpc is not None and (fractions > 0).any():
        stage2 = _second_stage(data, design, weights, psu_index.astype(np.int64), fractions[psu_stratum])
    elif (fractions > 0).any():
        warnings.warn(
            "SurveyDesign(fpc=...) without the second stage: the variance keeps only the between-PSU part, "
            f"scaled by 1 - f_h (f_h up to {fractions.max():.2f}), and leaves out the variance within the sampled "
            "PSUs, so SEs are understated. Hint: give SurveyDesign(ssu=..., ssu_fpc=...) (the fraction of villages "
            "or respondents sampled in each commune), or drop fpc for the conservative with-replacement variance.",
            DesignWarning,
            stacklevel=3,
        )
    calibration = None
    if design.calibration is not None:
        calibration = compile_calibration(
            data, design.calibration.margin_columns, design.calibration.prior_weight, weights
        )
    compiled = CompiledDesign(
        design=design,
        weights=weights,
        stratum_index=stratum_index.astype(np.int64, copy=False),
        psu_index=psu_index.astype(np.int64, copy=False),
        psu_stratum=psu_stratum,
        psus_per_stratum=psus_per_stratum,
        fpc_factor=fpc_factor,
        stratum_labels=stratum_labels,
        psu_labels=psu_labels,
        stage2=stage2,
        calibration=calibration,
    )
    lonely = compiled.single_psu_strata
    if lonely and design.single_psu == "error":
        shown = ", ".join(lonely[:10]) + (" …" if len(lonely) > 10 else "")
        raise DesignError(
            f"{len(lonely)} stratum/strata have only one PSU ({shown}): their sampling variance cannot be estimated. "
            "Hint: choose SurveyDesign(single_psu='certainty') if those PSUs were selected with certainty, "
            "single_psu='centre' for a conservative contribution, or collapse the strata before estimating."
        )
    return compiled


def _second_stage(
    data: pd.DataFrame, design: SurveyDesign, weights: np.ndarray, psu_index: np.ndarray, f1_of_psu: np.ndarray
) -> CompiledDesign:
    """The second stage as a :class:`CompiledDesign`: PSUs as strata, SSUs (nested in PSUs) as its PSUs."""
    assert design.ssu is not None and design.ssu_fpc is not None  # checked by SurveyDesign
    ssu_raw, _ = _codes(data, (design.ssu,), role="SSU")
    radix = int(ssu_raw.max()) + 1
    ssu_index, ssu_uniques = pd.factorize(psu_index * radix + ssu_raw, sort=True)
    ssu_psu = (ssu_uniques // radix).astype(np.int64)
    n_psus = len(f1_of_psu)
    ssus_per_psu = np.bincount(ssu_psu, minlength=n_psus)
    f2 = data[design.ssu_fpc].to_numpy(dtype=np.float64, na_value=np.nan)
    lo = np.full(n_psus, np.inf)
    hi = np.full(n_psus, -np.inf)
    np.minimum.at(lo, psu_index, f2)
    np.maximum.at(hi, psu_index, f2)
    bad = np.flatnonzero(~((lo == hi) & (lo >= 0) & (lo <= 1)))
    if bad.size:
        raise DesignError(
            f"Column {design.ssu_fpc!r} (fraction of SSUs sampled in each PSU) must be one number in [0, 1] per PSU; "
            f"PSU number {bad[0]} has values from {lo[bad[0]]} to {hi[bad[0]]}. Hint: m_hi / M_hi, the villages "
            "(or respondents) sampled over those in the commune."
        )
    return CompiledDesign(
        design=SurveyDesign(stratum="psu", psu="ssu", weight=design.weight, single_psu="certainty"),
        weights=weights,
        stratum_index=psu_index,
        psu_index=ssu_index.astype(np.int64),
        psu_stratum=ssu_psu,
        psus_per_stratum=ssus_per_psu,
        fpc_factor=f1_of_psu * (1.0 - lo),
        stratum_labels=np.arange(n_psus).astype(str).astype(object),
        psu_labels=np.arange(len(ssu_uniques)).astype(str).astype(object),
    )


def _as_tuple(columns: str | tuple[str, ...]) -> tuple[str, ...]:
    return (columns,) if isinstance(columns, str) else tuple(columns)


def _weights(data: pd.DataFrame, column: str) -> np.ndarray:
    raw = data[column]
    if not (pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw)):
        raise DesignError(
            f"Column {column!r} (survey weight) has dtype {raw.dtype}; expected numbers > 0. "
            "Hint: convert it with pd.to_numeric after checking the file."
        )
    w = raw.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~(np.isfinite(w) & (w > 0))
    if bad.any():
        rows = np.flatnonzero(bad)
        raise DesignError(
            f"Column {column!r} (survey weight) must be a finite number > 0 on every row; {bad.sum()} row(s) are "
            f"not, e.g. row index {data.index[rows[0]]!r} has {raw.iloc[rows[0]]!r}. "
            "Hint: drop respondents without a weight before estimating, or fix the weighting."
        )
    return w


def _codes(data: pd.DataFrame, columns: tuple[str, ...], *, role: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """Mixed-radix code of the combination of ``columns`` per row (not compacted) and each column's labels."""
    combined = np.zeros(len(data), dtype=np.int64)
    uniques_per_column: list[np.ndarray] = []
    for column in columns:
        codes, uniques = factorize_sorted(data[column])
        if (codes < 0).any():
            row = int(np.flatnonzero(codes < 0)[0])
            raise DesignError(
                f"Column {column!r} ({role}) is missing on {(codes < 0).sum()} row(s), e.g. row index "
                f"{data.index[row]!r}; every respondent needs a {role}. Hint: fill it from the sampling frame."
            )
        combined *= len(uniques)  # in place: no new million-row arrays per column
        combined += codes
        uniques_per_column.append(np.asarray(uniques, dtype=object).astype(str))
    return combined, uniques_per_column


def factorize_sorted(column: pd.Series) -> tuple[np.ndarray, object]:
    """``pandas.factorize(column, sort=True)`` of a design or domain column, without its hash table where it is not
    needed: pandas sizes one for a value a row (~27 MB a million rows; a 2M-row change between years hashes its
    ``year`` twice) to find a few dozen strata, PSUs or years. A categorical's codes are renumbered over the
    categories present, in category order (as pandas sorts a categorical); integers of a range under 65,536
    (years, codes) are counted by value. Other columns go to pandas."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        present = np.bincount(codes + 1, minlength=len(column.cat.categories) + 1)[1:] > 0  # + 1: -1 counts apart
        renumber = np.append(np.where(present, np.cumsum(present) - 1, -1), -1)  # the last slot serves code -1
        return renumber[codes], np.asarray(column.cat.categories[present])
    if pd.api.types.is_integer_dtype(column.dtype) and len(column):
        low, high = column.min(), column.max()
        if pd.notna(low) and int(high) - int(low) < 2**16:
            span = int(high) - int(low) + 1
            # np.array copies: to_numpy(copy=True) returns the column's own array when there is nothing to fill.
            offsets = np.array(column.to_numpy(dtype=np.int64, na_value=int(low)), dtype=np.int64, copy=True)
            offsets -= int(low)
            offsets[column.isna().to_numpy()] = span  # missing cells: one slot past the values
            present = np.bincount(offsets, minlength=span + 1)[:span] > 0
            renumber = np.append(np.where(present, np.cumsum(present) - 1, -1), -1)
            return renumber[offsets], np.flatnonzero(present) + int(low)
    return pd.factorize(column, sort=True)


def _labels(codes: np.ndarray, uniques_per_column: list[np.ndarray]) -> np.ndarray:
    """Decode mixed-radix ``codes`` into labels (several columns joined with '|')."""
    parts: list[np.ndarray] = []
    rest = np.asarray(codes, dtype=np.int64)
    for uniques in reversed(uniques_per_column):
        rest, digit = np.divmod(rest, len(uniques))
        parts.append(uniques[digit])
    labels = parts[-1].astype(object)
    for part in reversed(parts[:-1]):
        labels = labels + "|" + part.astype(object)
    return labels


def _fractions(
    data: pd.DataFrame, design: SurveyDesign, stratum_index: np.ndarray, stratum_labels: np.ndarray
) -> np.ndarray:
    n_strata = len(stratum_labels)
    if design.fpc is None:
        return np.zeros(n_strata)
    if isinstance(design.fpc, str):
        values = data[design.fpc].to_numpy(dtype=np.float64, na_value=np.nan)
        lo = np.full(n_strata, np.inf)
        hi = np.full(n_strata, -np.inf)
        np.minimum.at(lo, stratum_index, values)
        np.maximum.at(hi, stratum_index, values)
        varying = np.flatnonzero(~(lo == hi))
        if varying.size:
            h = varying[0]
            raise DesignError(
                f"Column {design.fpc!r} (sampling fraction) must be constant within a stratum and not missing; "
                f"stratum {stratum_labels[h]!r} has values from {lo[h]} to {hi[h]}. Hint: one fraction per stratum."
            )
        fractions = lo
        source = f"column {design.fpc!r}"
    else:
        mapping = {str(k): float(v) for k, v in design.fpc.items()}
        absent = [str(s) for s in stratum_labels if str(s) not in mapping]
        if absent:
            raise DesignError(
                f"SurveyDesign(fpc=...) gives no sampling fraction for stratum/strata {absent[:10]}; "
                f"it covers {sorted(mapping)[:10]}. Hint: give a fraction for every stratum (0 = with replacement)."
            )
        fractions = np.array([mapping[str(s)] for s in stratum_labels])
        source = "the fpc mapping"
    bad = np.flatnonzero(~((fractions >= 0) & (fractions <= 1)))
    if bad.size:
        h = bad[0]
        raise DesignError(
            f"Sampling fraction {fractions[h]!r} for stratum {stratum_labels[h]!r} (from {source}) is not in [0, 1]. "
            "Hint: fpc takes the fraction of PSUs sampled (n_h / N_h), not the population count N_h."
        )
    return fractions
