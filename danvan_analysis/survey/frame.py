"""Design weights from the sampling frame: communes drawn with known probabilities, villages, respondents.

The design is the one of ``docs/methods.md``: in each district (stratum) communes are drawn with inclusion
probability ``pi_i`` (e.g. PPS on adult population), in a sampled commune ``m_i`` of its ``M_i`` villages are drawn
with equal probability, and in a sampled village ``r_ij`` of its ``A_ij`` adults are interviewed. The design weight
of a respondent is the inverse of her inclusion probability (Horvitz and Thompson 1952; Särndal, Swensson and
Wretman 1992, §4.3)::

    d = 1 / pi_i  x  M_i / m_i  x  A_ij / r_ij

with ``m_i`` = the villages of commune ``i`` listed in the frame and ``r_ij`` = the respondents of village ``j`` in
the survey file (the achieved sample, so that non-response within a village is spread over its respondents).
Calibration (:func:`~danvan_analysis.survey.calibrate`) then adjusts these weights to known totals.

The frame file (CSV, UTF-8, one row per **sampled village**; documented in ``docs/field_survey.md``):

================  ==========================================================================================
column            meaning
================  ==========================================================================================
district_code     GSO district code (the stratum), as in the survey
commune_code      GSO commune code (the PSU), as in the survey
commune_prob      ``pi_i``, the commune's first-stage inclusion probability, ``0 < pi_i <= 1``
commune_villages  ``M_i``, villages (thôn, xóm, tổ dân phố) in the commune; the same on every row of the commune
village_code      the village, as the survey's ``ssu`` column holds it
village_adults    ``A_ij``, adults (18+) living in the village
================  ==========================================================================================
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from danvan_analysis.errors import SchemaError

#: The columns of a sampling frame file, in order.
FRAME_COLUMNS: tuple[str, ...] = (
    "district_code",
    "commune_code",
    "commune_prob",
    "commune_villages",
    "village_code",
    "village_adults",
)


def read_frame(path: Path | str) -> pd.DataFrame:
    """Read and check a sampling frame file (see the module docstring for the format).

    Returns
    -------
    pandas.DataFrame
        The frame's columns: codes as text, ``commune_prob`` float, ``commune_villages`` and ``village_adults`` as
        numbers; the file's row number in ``row`` (2 = the first data row).

    Raises
    ------
    SchemaError
        Unreadable file, missing column, or a value out of range (the message names the file, row and column).
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise SchemaError(f"Sampling frame {path}: cannot be read as a UTF-8 CSV ({err}).") from err
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in FRAME_COLUMNS if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"Sampling frame {path}: missing column(s) {missing}; it has {list(frame.columns)}. Hint: one row per "
            f"sampled village with {', '.join(FRAME_COLUMNS)} (docs/field_survey.md, 'Weights')."
        )
    frame = frame[list(FRAME_COLUMNS)].apply(lambda s: s.str.strip())
    frame.insert(0, "row", np.arange(2, len(frame) + 2))
    for column in ("district_code", "commune_code", "village_code"):
        _require(path, frame, column, frame[column] != "", "a code")
    prob = pd.to_numeric(frame["commune_prob"], errors="coerce")
    _require(path, frame, "commune_prob", (prob > 0) & (prob <= 1), "a probability in (0, 1]")
    for column in ("commune_villages", "village_adults"):
        value = pd.to_numeric(frame[column], errors="coerce")
        _require(path, frame, column, value >= 1, "a number >= 1")
        frame[column] = value
    frame["commune_prob"] = prob
    for column in ("district_code", "commune_prob", "commune_villages"):
        varying = frame.groupby("commune_code")[column].nunique()
        if (varying > 1).any():
            commune = varying.index[varying > 1][0]
            rows = frame.loc[frame["commune_code"] == commune, "row"].tolist()
            raise SchemaError(
                f"Sampling frame {path}, rows {rows[:6]}, column {column!r}: commune {commune} has different values; "
                "a commune has one district, one probability and one number of villages."
            )
    repeated = frame.duplicated(["commune_code", "village_code"])
    if repeated.any():
        row = frame.loc[repeated, "row"].iloc[0]
        raise SchemaError(
            f"Sampling frame {path}, row {row}: village {frame.loc[repeated, 'village_code'].iloc[0]!r} of commune "
            f"{frame.loc[repeated, 'commune_code'].iloc[0]} is listed twice."
        )
    sampled = frame.groupby("commune_code")["village_code"].transform("size")
    over = sampled > frame["commune_villages"]
    if over.any():
        row = frame.loc[over, "row"].iloc[0]
        raise SchemaError(
            f"Sampling frame {path}, row {row}, column 'commune_villages': commune "
            f"{frame.loc[over, 'commune_code'].iloc[0]} lists more sampled villages than it has."
        )
    return frame


def design_weights(
    data: pd.DataFrame, frame: pd.DataFrame, *, village: str = "ssu", source: str = "the survey"
) -> pd.Series:
    """Design weights ``1/pi_i x M_i/m_i x A_ij/r_ij`` of the survey's respondents from a frame of :func:`read_frame`.

    Parameters
    ----------
    data
        The survey (``district_code``, ``commune_code`` and the village column).
    frame
        The sampling frame.
    village
        The survey column holding the village code (``ssu`` in the survey contract).
    source
        How to name the survey in messages (its file).

    Raises
    ------
    SchemaError
        A respondent's village (or commune) is not in the frame, her district differs from the frame's, or more
        respondents than adults live in a village.
    """
    for column in ("district_code", "commune_code", village):
        if column not in data.columns:
            raise SchemaError(f"{source}: no column {column!r}, which the design weights need.")
    keys = pd.MultiIndex.from_frame(frame[["commune_code", "village_code"]])
    lookup = pd.MultiIndex.from_arrays([data["commune_code"].astype(str), data[village].astype(str)])
    position = keys.get_indexer(lookup)
    if (position < 0).any():
        row = int(np.flatnonzero(position < 0)[0])
        raise SchemaError(
            f"{source}, row {row + 2}, columns commune_code/{village}: commune {lookup[row][0]!r}, village "
            f"{lookup[row][1]!r} is not in the sampling frame ({int((position < 0).sum())} respondent(s) in all). "
            "Hint: add the village to the frame, or correct the code in the survey."
        )
    matched = frame.iloc[position]
    district = data["district_code"].astype(str).to_numpy()
    wrong = district != matched["district_code"].to_numpy()
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        raise SchemaError(
            f"{source}, row {row + 2}, column district_code: {district[row]!r}, but the frame puts commune "
            f"{lookup[row][0]} in district {matched['district_code'].iloc[row]!r}."
        )
    villages_sampled = frame.groupby("commune_code")["village_code"].size()
    respondents = pd.Series(position).map(pd.Series(position).value_counts()).to_numpy()
    adults = matched["village_adults"].to_numpy(dtype=np.float64)
    crowded = respondents > adults
    if crowded.any():
        row = int(matched["row"].iloc[int(np.flatnonzero(crowded)[0])])
        raise SchemaError(
            f"Sampling frame, row {row}, column village_adults: the village has {adults[crowded][0]:.0f} adults but "
            f"{respondents[crowded][0]} respondents in {source}."
        )
    weight = (
        1.0
        / matched["commune_prob"].to_numpy(dtype=np.float64)
        * matched["commune_villages"].to_numpy(dtype=np.float64)
        / matched["commune_code"].map(villages_sampled).to_numpy(dtype=np.float64)
        * adults
        / respondents
    )
    return pd.Series(weight, index=data.index, name="design_weight")


def _require(path: Path, frame: pd.DataFrame, column: str, ok: pd.Series, expected: str) -> None:
    bad = ~ok.fillna(False).to_numpy(dtype=bool)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            f"Sampling frame {path}, row {frame['row'].iloc[i]}, column {column!r}: {frame[column].iloc[i]!r} is not "
            f"{expected} ({int(bad.sum())} row(s) in all)."
        )
