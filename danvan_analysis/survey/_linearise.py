"""Vectorised Taylor-linearisation kernel for many variables and many domains at once (internal).

Method
------
For a domain ``d`` and a variable with numerator values ``f_i`` and answered indicator ``a_i`` (``0`` for missing
and excluded codes), the ratio estimator is ``R_d = Y_d / X_d`` with ``Y_d = sum_{i in d} w_i f_i`` and
``X_d = sum_{i in d} w_i a_i``. Its linearised variable is ``u_i = w_i (f_i - R_d a_i) / X_d`` inside the domain and
``0`` outside it (Woodruff 1971; Lumley 2010, §2.2, 3.x; Wolter 2007, ch. 6). For a total, ``u_i = w_i f_i``.
The variance is the stratified with-replacement formula on PSU totals ``z_hj = sum_{i in (h,j)} u_i``::

    V = sum_h (1 - f_h) * n_h / (n_h - 1) * sum_{j=1..n_h} (z_hj - zbar_h)^2

where ``n_h`` counts **all** PSUs of stratum ``h`` in the design (domain estimation, not subset-and-reestimate:
PSUs without domain members contribute ``z_hj = 0``).

Why it is fast
--------------
``z_hj`` is linear in the PSU totals of ``w f`` and ``w a``, so no per-row linearised variable is ever built:

1. every row gets one integer *cell* code, the combination of its PSU and its domain in every domain family;
2. per variable, one weighted and one unweighted ``np.bincount`` on ``cell * L + level`` (integer and boolean
   columns with few levels: ratings 1-5, 9, booleans) give the weighted and unweighted count of every level in
   every cell, from which any numerator (the value, ``1[value >= 4]``, ``1[value == k]``) and the answered weight
   follow by a small matrix product; a float column takes four plain bincounts instead;
3. cells are summed into (domain, PSU) *pairs*, then into domains; ``R_d`` and ``z`` follow from the pair totals;
4. per (domain, stratum), the sum over PSUs of ``z`` and ``(z - zbar)^2`` give the variance, with the PSUs that hold
   no domain member added analytically (``(n_h - m_h) zbar^2``).

Only steps 1-2 touch the rows, once per variable whatever the number of domains; the rest works on arrays of size
#pairs x #variables. A composite that is a linear combination of ratios (the SIPAS indices) has as its linearised
PSU totals the same combination of the item ``z`` (the delta method for a linear function), and a contrast between
domains the difference of their ``z``; both reuse :func:`psu_variance`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from danvan_analysis.errors import SchemaError
from danvan_analysis.survey.design import CompiledDesign, factorize_sorted

#: Integer columns whose value range is at most this wide are tallied by level (one bincount per column).
_MAX_LEVELS = 64


@dataclass(frozen=True, eq=False)
class Family:
    """One domain family: the crossing of ``by`` columns (``()`` = the whole population).

    ``keys`` has one row per domain (the ``by`` values as strings, sorted); ``codes`` gives each row's domain,
    ``-1`` for rows with a missing ``by`` value (they belong to no domain of the family).
    """

    by: tuple[str, ...]
    keys: pd.DataFrame
    codes: np.ndarray

    @property
    def n_domains(self) -> int:
        """Number of domains."""
        return len(self.keys)


@dataclass(frozen=True)
class Measure:
    """One estimated quantity: a numerator function of a column, as a ratio (mean, share) or a total.

    ``numerator`` maps the valid values of ``column`` (float array) to the numerator; ``excluded`` values (e.g. 9 =
    don't know) leave the denominator like missing values do.
    """

    name: str
    column: str
    numerator: Callable[[np.ndarray], np.ndarray]
    is_ratio: bool = True
    excluded: tuple[float, ...] = ()


@dataclass(frozen=True, eq=False)
class DomainTotals:
    """Weighted totals per (domain, PSU) pair of one family, for every measure (rows = pairs, columns = measures).

    Pairs are sorted by domain then PSU (hence by domain then stratum). ``sq`` and ``count`` are per domain.
    """

    family: Family
    pair_domain: np.ndarray
    pair_psu: np.ndarray
    num: np.ndarray
    den: np.ndarray
    cnt: np.ndarray
    sq: np.ndarray


def encode_family(data: pd.DataFrame, by: tuple[str, ...]) -> Family:
    """Encode the crossing of ``by`` as domain codes (missing in any column -> ``-1``)."""
    n = len(data)
    if not by:
        return Family(by=(), keys=pd.DataFrame(index=range(1)), codes=np.zeros(n, dtype=np.int64))
    if len(by) == 1:
        # One column: factorize(sort=True) already gives compact, sorted codes with -1 for missing values.
        codes, uniques = factorize_sorted(data[by[0]])
        keys = pd.DataFrame({by[0]: pd.array([str(v) for v in uniques], dtype="string")})
        return Family(by=tuple(by), keys=keys, codes=codes.astype(np.int64, copy=False))
    combined = np.zeros(n, dtype=np.int64)
    missing = np.zeros(n, dtype=bool)
    uniques_per_column = []
    for column in by:
        codes, uniques = factorize_sorted(data[column])
        missing |= codes < 0
        combined = combined * len(uniques) + np.maximum(codes, 0)
        uniques_per_column.append(np.asarray(uniques, dtype=object))
    combined[missing] = -1
    present = np.unique(combined[combined >= 0])
    codes = np.full(n, -1, dtype=np.int64)
    codes[~missing] = np.searchsorted(present, combined[~missing])
    columns: dict[str, np.ndarray] = {}
    rest = present
    for column, uniques in zip(reversed(by), reversed(uniques_per_column), strict=True):
        rest, digit = np.divmod(rest, len(uniques))
        columns[column] = uniques[digit]
    keys = pd.DataFrame({c: pd.array([str(v) for v in columns[c]], dtype="string") for c in by})
    return Family(by=tuple(by), keys=keys, codes=codes)


#: First size of the hash tables that number cells, PSUs and strata (grown as they are found): pandas sizes them for
#: one group a row otherwise, ~40 MB at a million rows for a few thousand groups.
_FEW = 1024


def build_cells(compiled: CompiledDesign, families: Sequence[Family]) -> tuple[np.ndarray, np.ndarray, list]:
    """Return each row's cell code, each cell's PSU and each cell's domain code in every family.

    A cell is a distinct combination (PSU, domain of family 1, domain of family 2, ...); all rows of a cell share
    their PSU and domains, so per-cell totals are enough for every family.
    """
    key = compiled.psu_index.copy()
    radix = compiled.n_psus
    for family in families:
        width = family.n_domains + 1
        if radix * width >= 2**62:
            # Re-compact before the mixed-radix code could overflow (only for very many crossed domains).
            key, uniques = pd.factorize(key)
            radix = len(uniques)
        key *= width  # in place: no new million-row arrays per family
        key += family.codes
        key += 1
        radix *= width
    cell, uniques = pd.factorize(key, size_hint=_FEW)
    n_cells = len(uniques)
    first = np.empty(n_cells, dtype=np.int64)
    # Reversed assignment keeps the smallest row index per cell; any row of the cell would do.
    first[cell[::-1]] = np.arange(len(cell) - 1, -1, -1)
    cell_psu = compiled.psu_index[first]
    cell_domains = [family.codes[first] for family in families]
    return cell.astype(np.int64, copy=False), cell_psu, cell_domains


@dataclass(frozen=True, eq=False)
class CellTotals:
    """Per cell (rows) and measure (columns): weighted numerator, denominator and squared numerator, and the
    unweighted count of respondents who answered; ``value_counts`` maps each tallied column to its values' counts
    (``{value: rows}``, NaN = missing), which the callers use to validate codes at no extra pass."""

    num: np.ndarray
    den: np.ndarray
    sq: np.ndarray
    cnt: np.ndarray
    value_counts: dict[str, dict[float, int]]


def cell_totals(
    data: pd.DataFrame, measures: Sequence[Measure], weights: np.ndarray, cell: np.ndarray, n_cells: int
) -> CellTotals:
    """Tally every measure per cell: one or two bincounts per column (see the module docstring)."""
    k = len(measures)
    num = np.empty((n_cells, k))
    den = np.empty((n_cells, k))
    sq = np.empty((n_cells, k))
    cnt = np.empty((n_cells, k))
    by_column: dict[str, list[int]] = {}
    for j, measure in enumerate(measures):
        by_column.setdefault(measure.column, []).append(j)
    scaled: dict[int, np.ndarray] = {}
    value_counts: dict[str, dict[float, int]] = {}
    key = np.empty(len(cell), dtype=np.int64)  # one buffer for every column's keys (2M rows: 16 MB, not one a column)
    for column, indices in by_column.items():
        values, levels = _read_column(data, column)
        if levels is not None:
            width = len(levels)
            if width not in scaled:
                scaled[width] = cell * width
            np.add(scaled[width], values, out=key)  # values: the level codes (small non-negative integers)
            hist_w = np.bincount(key, weights=weights, minlength=n_cells * width).reshape(n_cells, width)
            hist_n = np.bincount(key, minlength=n_cells * width).reshape(n_cells, width).astype(np.float64)
            per_level = hist_n.sum(axis=0)
            value_counts[column] = {float(v): int(c) for v, c in zip(levels, per_level, strict=True) if c > 0}
            for j in indices:
                f, valid = _evaluate(measures[j], levels)
                num[:, j] = hist_w @ f
                den[:, j] = hist_w @ valid
                sq[:, j] = hist_w @ (f * f)
                cnt[:, j] = hist_n @ valid
        else:
            for j in indices:
                f, valid = _evaluate(measures[j], values)
                wf = weights * f
                num[:, j] = np.bincount(cell, weights=wf, minlength=n_cells)
                den[:, j] = np.bincount(cell, weights=weights * valid, minlength=n_cells)
                sq[:, j] = np.bincount(cell, weights=wf * f, minlength=n_cells)
                cnt[:, j] = np.bincount(cell, weights=valid, minlength=n_cells)
    return CellTotals(num, den, sq, cnt, value_counts)


def domain_totals(
    family: Family,
    cell_psu: np.ndarray,
    cell_domain: np.ndarray,
    totals: CellTotals,
    n_psus: int,
) -> DomainTotals:
    """Sum cell totals into (domain, PSU) pairs of ``family`` (cells in no domain of the family are dropped)."""
    from scipy import sparse

    num, den, sq, cnt = totals.num, totals.den, totals.sq, totals.cnt
    inside = np.flatnonzero(cell_domain >= 0)
    pair_key = cell_domain[inside] * n_psus + cell_psu[inside]
    uniques, pair_of_cell = np.unique(pair_key, return_inverse=True)
    m = len(uniques)
    agg = sparse.csr_matrix((np.ones(len(inside)), (pair_of_cell, inside)), shape=(m, num.shape[0]))
    pair_domain = uniques // n_psus
    dom = sparse.csr_matrix((np.ones(m), (pair_domain, np.arange(m))), shape=(family.n_domains, m))
    pair_cnt = agg @ cnt
    return DomainTotals(
        family=family,
        pair_domain=pair_domain,
        pair_psu=uniques % n_psus,
        num=agg @ num,
        den=agg @ den,
        cnt=pair_cnt,
        sq=dom @ (agg @ sq),
    )


def densify_totals(totals: DomainTotals, n_units: int) -> DomainTotals:
    """The same totals over every (domain, unit) pair, domain-major (absent pairs hold zeros).

    A calibrated design needs them: the calibration residual of a domain's linearised variable is not zero in the
    units without domain members (see :mod:`danvan_analysis.survey._calibration`).
    """
    n_domains = totals.family.n_domains
    index = totals.pair_domain * n_units + totals.pair_psu

    def spread(values: np.ndarray) -> np.ndarray:
        out = np.zeros((n_domains * n_units, values.shape[1]))
        out[index] = values
        return out

    return DomainTotals(
        family=totals.family,
        pair_domain=np.repeat(np.arange(n_domains, dtype=np.int64), n_units),
        pair_psu=np.tile(np.arange(n_units, dtype=np.int64), n_domains),
        num=spread(np.asarray(totals.num)),
        den=spread(np.asarray(totals.den)),
        cnt=spread(np.asarray(totals.cnt)),
        sq=totals.sq,
    )


def collapse_totals(totals: DomainTotals, unit_psu: np.ndarray, n_psus: int) -> DomainTotals:
    """Sum (domain, SSU) pair totals into (domain, PSU) pairs; ``unit_psu`` maps each SSU to its PSU."""
    from scipy import sparse

    psu = unit_psu[totals.pair_psu]
    key = totals.pair_domain * n_psus + psu
    uniques, inverse = np.unique(key, return_inverse=True)
    m = len(key)
    agg = sparse.csr_matrix((np.ones(m), (inverse, np.arange(m))), shape=(len(uniques), m))
    return DomainTotals(
        family=totals.family,
        pair_domain=uniques // n_psus,
        pair_psu=uniques % n_psus,
        num=agg @ totals.num,
        den=agg @ totals.den,
        cnt=agg @ totals.cnt,
        sq=totals.sq,
    )


@dataclass(frozen=True, eq=False)
class SecondStage:
    """Linearised SSU totals of one family (rows = (domain, SSU) pairs), for the second-stage variance term."""

    pair_domain: np.ndarray
    pair_ssu: np.ndarray
    z: np.ndarray


def design_variance(
    group: np.ndarray,
    psu: np.ndarray,
    z: np.ndarray,
    n_groups: int,
    compiled: CompiledDesign,
    second: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """:func:`psu_variance` of the first stage, plus the second-stage term when the design has one.

    ``second`` = (group, SSU, z) of the SSU totals, required when ``compiled.stage2`` is set.
    """
    variance = psu_variance(group, psu, z, n_groups, compiled)
    if compiled.stage2 is not None:
        if second is None:
            raise ValueError("design_variance: the design has a second stage but no SSU totals were given")
        g2, ssu, z2 = second
        variance = variance + psu_variance(g2, ssu, z2, n_groups, compiled.stage2)
    return variance


def domain_sums(values: np.ndarray, pair_domain: np.ndarray, n_domains: int) -> np.ndarray:
    """Sum pair rows (m, k) into domains (n_domains, k)."""
    from scipy import sparse

    m = len(pair_domain)
    dom = sparse.csr_matrix((np.ones(m), (pair_domain, np.arange(m))), shape=(n_domains, m))
    return np.asarray(dom @ values)


def domain_df(
    pair_domain: np.ndarray, pair_psu: np.ndarray, present: np.ndarray, n_domains: int, compiled: CompiledDesign
) -> np.ndarray:
    """Degrees of freedom of each domain: PSUs holding it minus strata holding it, per column of ``present``.

    ``present`` (pairs x k, boolean) says which (domain, PSU) pairs hold respondents who answered. This is R's
    ``degf(subset(design, domain))`` (``survey::degf.survey.design2`` counts the PSUs and strata of the rows with a
    nonzero weight) and svy's domain df.
    """
    from scipy import sparse

    present = np.asarray(present, dtype=np.float64)
    psus = domain_sums(present, pair_domain, n_domains)
    n_strata = compiled.n_strata
    key = pair_domain * n_strata + compiled.psu_stratum[pair_psu]
    uniques, inverse = np.unique(key, return_inverse=True)
    rows = len(key)
    to_key = sparse.csr_matrix((np.ones(rows), (inverse, np.arange(rows))), shape=(len(uniques), rows))
    strata_present = (np.asarray(to_key @ present) > 0).astype(np.float64)
    strata = domain_sums(strata_present, uniques // n_strata, n_domains)
    return psus - strata


def linearise(totals: DomainTotals, is_ratio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the estimates (domains x measures) and the linearised PSU totals ``z`` (pairs x measures)."""
    n_domains = totals.family.n_domains
    y = domain_sums(totals.num, totals.pair_domain, n_domains)
    x = domain_sums(totals.den, totals.pair_domain, n_domains)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = y / x
        z_ratio = (totals.num - ratio[totals.pair_domain] * totals.den) / x[totals.pair_domain]
    estimate = np.where(is_ratio, ratio, y)
    z = np.where(is_ratio, z_ratio, totals.num)
    return estimate, z


def psu_variance(
    group: np.ndarray, psu: np.ndarray, z: np.ndarray, n_groups: int, compiled: CompiledDesign
) -> np.ndarray:
    """Stratified with-replacement variance of the linearised totals ``z`` for every group (domain or contrast).

    Parameters
    ----------
    group, psu
        Group and PSU of each row of ``z``; each (group, PSU) appears at most once. PSUs of the design missing
        from a group hold ``z = 0`` (they are added analytically).
    z
        PSU totals of the linearised variable, shape (rows, k).
    n_groups
        Number of groups.
    compiled
        The design (strata of the PSUs, ``n_h``, ``1 - f_h``, single-PSU policy).

    Returns
    -------
    numpy.ndarray
        Variances, shape (n_groups, k).
    """
    from scipy import sparse

    n_strata = compiled.n_strata
    stratum = compiled.psu_stratum[psu]
    key = group * n_strata + stratum
    uniques, inverse = np.unique(key, return_inverse=True)
    n_keys = len(uniques)
    rows = len(key)
    to_key = sparse.csr_matrix((np.ones(rows), (inverse, np.arange(rows))), shape=(n_keys, rows))
    key_stratum = uniques % n_strata
    key_group = uniques // n_strata
    n_h = compiled.psus_per_stratum[key_stratum].astype(np.float64)
    present = np.bincount(inverse, minlength=n_keys).astype(np.float64)
    s1 = np.asarray(to_key @ z)
    zbar = s1 / n_h[:, None]
    dev = z - zbar[inverse]
    # Sum of squared deviations over all n_h PSUs: those present, plus (n_h - present) PSUs at z = 0.
    ss = np.asarray(to_key @ (dev * dev)) + (n_h - present)[:, None] * zbar * zbar
    fpc = compiled.fpc_factor[key_stratum][:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        contribution = np.where((n_h > 1)[:, None], fpc * n_h[:, None] / (n_h[:, None] - 1) * ss, 0.0)
    lonely = n_h == 1
    if lonely.any() and compiled.design.single_psu == "centre":
        # R survey >= 4.2 "adjust": centre the lonely PSU at the grand mean of the PSU totals, i.e. the group's
        # total of z over the number of PSUs in the strata the group reaches.
        total = np.zeros((n_groups, z.shape[1]))
        np.add.at(total, key_group, s1)
        psus = np.bincount(key_group, weights=n_h, minlength=n_groups)
        with np.errstate(divide="ignore", invalid="ignore"):
            centre = total / psus[:, None]
        dev_lonely = s1[lonely] - centre[key_group[lonely]]
        contribution[lonely] = fpc[lonely] * dev_lonely * dev_lonely
    variance = np.zeros((n_groups, z.shape[1]))
    np.add.at(variance, key_group, contribution)
    return variance


def psu_covariance(z_psu: np.ndarray, compiled: CompiledDesign) -> np.ndarray:
    """Stratified with-replacement covariance matrix of dense PSU totals ``z_psu`` (n_psus x k) -> (k x k).

    The same estimator as :func:`psu_variance`, for the full covariance of a vector statistic (model
    coefficients): ``sum_h (1-f_h) n_h/(n_h-1) sum_j (z_hj - zbar_h)(z_hj - zbar_h)'``.
    """
    stratum = compiled.psu_stratum
    n_h = compiled.psus_per_stratum.astype(np.float64)
    sums = np.zeros((compiled.n_strata, z_psu.shape[1]))
    np.add.at(sums, stratum, z_psu)
    if compiled.design.single_psu == "centre":
        centre = z_psu.sum(axis=0) / compiled.n_psus
        means = np.where((n_h > 1)[:, None], sums / n_h[:, None], centre)
    else:
        means = sums / n_h[:, None]
    dev = z_psu - means[stratum]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(n_h > 1, compiled.fpc_factor * n_h / (n_h - 1), 0.0)
    if compiled.design.single_psu == "centre":
        scale = np.where(n_h == 1, compiled.fpc_factor, scale)
    return (dev * scale[stratum][:, None]).T @ dev


def dense_psu_totals(values: np.ndarray, compiled: CompiledDesign) -> np.ndarray:
    """Sum row values (n x k) into PSU totals (n_psus x k)."""
    out = np.zeros((compiled.n_psus, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(compiled.psu_index, weights=values[:, j], minlength=compiled.n_psus)
    return out


def _read_column(data: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Return (level codes, level values) for few-level integer/boolean columns, else (float values, None).

    Level code 0 is "missing"; ``levels[0]`` is NaN.
    """
    series = data[column]
    if pd.api.types.is_bool_dtype(series.dtype):
        # na_value=False: a pyarrow-backed boolean column refuses an integer fill value. 8-bit codes, computed in
        # place: one small array instead of three of a million int64.
        codes = series.to_numpy(dtype=np.int8, na_value=False)
        codes += 1
        codes[series.isna().to_numpy()] = 0
        return codes, np.array([np.nan, 0.0, 1.0])
    if not pd.api.types.is_numeric_dtype(series.dtype):
        raise SchemaError(
            f"Survey column {column!r} has dtype {series.dtype}; expected numbers or booleans (ratings 1-5, 9, 0/1). "
            "Hint: load the survey with danvan_analysis.io so item columns become nullable integers."
        )
    if pd.api.types.is_integer_dtype(series.dtype):
        numpy_dtype = np.dtype(getattr(series.dtype, "numpy_dtype", series.dtype))
        if numpy_dtype.itemsize == 1:
            # 8-bit codes (the Int8 ratings): every representable value gets a level, so no pass finds the range.
            lo, hi = int(np.iinfo(numpy_dtype).min), int(np.iinfo(numpy_dtype).max)
        else:
            lo, hi = series.min(), series.max()
            if pd.isna(lo):
                return np.zeros(len(series), dtype=np.int64), np.array([np.nan])
            lo, hi = int(lo), int(hi)
            if hi - lo >= _MAX_LEVELS:
                return series.to_numpy(dtype=np.float64, na_value=np.nan), None
        wide = np.int16 if numpy_dtype.itemsize == 1 else np.int64
        if isinstance(series.array, pd.arrays.IntegerArray):
            # Missing values become lo - 1, i.e. level code 0 after the shift.
            codes = series.to_numpy(dtype=wide, na_value=lo - 1)
            codes -= lo - 1
        else:
            # A pyarrow-backed column fills missing values in its own type, where lo - 1 may not fit (int8: -129).
            codes = series.to_numpy(dtype=wide, na_value=0)
            codes -= lo - 1
            codes[series.isna().to_numpy()] = 0
        return codes, np.concatenate([[np.nan], np.arange(lo, hi + 1, dtype=np.float64)])
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = values[np.isfinite(values)]
    if finite.size and np.array_equal(finite, np.round(finite)):
        lo, hi = finite.min(), finite.max()
        if hi - lo < _MAX_LEVELS:
            codes = np.where(np.isfinite(values), values - (lo - 1), 0).astype(np.int64)
            return codes, np.concatenate([[np.nan], np.arange(lo, hi + 1)])
    return values, None


def _evaluate(measure: Measure, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numerator (0 where not valid) and validity (0/1) of ``measure`` at ``values``."""
    valid = np.isfinite(values)
    if measure.excluded:
        valid &= ~np.isin(values, measure.excluded)
    f = np.zeros(values.shape, dtype=np.float64)
    f[valid] = measure.numerator(values[valid])
    return f, valid.astype(np.float64)
