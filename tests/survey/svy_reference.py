"""Reference values from svy 0.35 (the maintained successor of samplics), for the survey tests.

svy wants polars frames and nulls for "not answered"; these helpers convert our contract (Int8 ratings with 9 =
don't know, nullable booleans) accordingly. svy computes on its own Rust kernel, independent of our numpy code.
"""

from __future__ import annotations

import pandas as pd

from danvan_analysis.vocab import DONT_KNOW, ITEMS


def svy_frame(data: pd.DataFrame, columns: list[str], *, at_least: float | None = None):
    """Polars copy for svy: ratings as Float64 with 9 and <NA> -> null (svy's drop_nulls leaves them out).

    With ``at_least``, each item becomes the 0/1 indicator of a rating >= at_least (null where not answered).
    """
    import polars as pl

    out = data.copy()
    for c in columns:
        if c in ITEMS:
            v = out[c].astype("Float64")
            v = v.mask(v == DONT_KNOW)
            if at_least is not None:
                v = (v >= at_least).astype("Float64").mask(v.isna())
            out[c] = v
        elif pd.api.types.is_bool_dtype(out[c].dtype):
            out[c] = out[c].astype("Float64")
    return pl.from_pandas(out)


def svy_sample(data: pd.DataFrame, columns: list[str], *, at_least: float | None = None, **design):
    """An svy.Sample of ``data`` with the design keywords of svy.Design (stratum, psu, wgt, ...)."""
    import svy

    design.setdefault("stratum", "stratum")
    design.setdefault("psu", "psu")
    design.setdefault("wgt", "weight")
    return svy.Sample(svy_frame(data, columns, at_least=at_least), svy.Design(**design))


def svy_rows(result, by: str | None = None) -> pd.DataFrame:
    """svy result -> pandas, indexed by the by column (or a single row)."""
    frame = result.to_polars().to_pandas()
    return frame.set_index(by) if by else frame
