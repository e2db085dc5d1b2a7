"""The weighting run behind ``danvan weights``: a field export in, the weighted survey and its diagnostics out.

Steps: load the survey without weights (:func:`danvan_analysis.io.load_survey` with ``require_weight=False``, so a
KoboToolbox/ODK export loads as it comes), design weights from the sampling frame
(:func:`~danvan_analysis.survey.frame.design_weights`), calibration to the margins
(:func:`~danvan_analysis.survey.calibrate`), then write the survey with ``weight`` (calibrated) and
``design_weight`` (before calibration) and the diagnostics table, each atomically (a reader sees the old file or the
whole new one). The input is never modified: writing over it is refused.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from danvan_analysis.errors import ParameterError
from danvan_analysis.files import write_atomic
from danvan_analysis.survey.calibration import CalibratedWeights, calibrate, census_district_margin, read_margin
from danvan_analysis.survey.design import SurveyDesign
from danvan_analysis.survey.frame import design_weights, read_frame

_FORMATS = (".csv", ".parquet")


@dataclass(frozen=True)
class WeightsRun:
    """What :func:`run_weights` wrote: the survey and diagnostics files, the calibration (``None`` without margins)."""

    survey: Path
    diagnostics: Path
    calibration: CalibratedWeights | None
    respondents: int


def run_weights(
    survey_path: Path | str,
    frame_path: Path | str,
    out: Path | str,
    *,
    margins: Sequence[Path | str] = (),
    district_margin: bool = True,
    method: str = "raking",
    bounds: tuple[float, float] | None = None,
    diagnostics: Path | str | None = None,
) -> WeightsRun:
    """Weight a survey file: design weights from the frame, calibration, atomic writes.

    Parameters
    ----------
    survey_path
        The survey (a field export or a file in the contract's layout), with or without a ``weight`` column.
    frame_path
        The sampling frame (:func:`~danvan_analysis.survey.frame.read_frame`).
    out
        The weighted survey to write, ``.csv`` or ``.parquet``; never the input file.
    margins
        Margin files (:func:`~danvan_analysis.survey.read_margin`), e.g. sex x age group.
    district_margin
        Add the shipped 2019 census district margin (:func:`~danvan_analysis.survey.census_district_margin`).
    method, bounds
        As in :func:`~danvan_analysis.survey.calibrate`.
    diagnostics
        The diagnostics CSV; default ``<out stem>_weights.csv`` beside ``out``.
    """
    from danvan_analysis.io import load_survey

    survey_path, out = Path(survey_path), Path(out)
    if out.suffix.lower() not in _FORMATS:
        raise ParameterError(f"--out {out}: write .csv or .parquet (got {out.suffix or 'no extension'!r}).")
    if out.resolve() == survey_path.resolve():
        raise ParameterError(f"--out {out} is the input file; the input is never modified. Choose another path.")
    diagnostics = Path(diagnostics) if diagnostics is not None else out.with_name(f"{out.stem}_weights.csv")
    data = load_survey(survey_path, require_weight=False, single_psu="warn")
    frame = read_frame(frame_path)
    data["weight"] = design_weights(data, frame, source=str(survey_path)).to_numpy()
    spec: dict[str | tuple[str, ...], dict] = dict(census_district_margin()) if district_margin else {}
    for path in margins:
        spec.update(read_margin(path))
    calibration = None
    if spec:
        calibration = calibrate(data, SurveyDesign(), spec, method=method, bounds=bounds)  # type: ignore[arg-type]
        data = calibration.apply(data)
        table = _diagnostics(calibration)
    else:
        data["design_weight"] = data["weight"]
        table = pd.DataFrame({"section": ["weights"], "statistic": ["sum"], "after": [data["weight"].sum()]})
    _write(data, out)
    write_atomic(diagnostics, table.to_csv(index=False))
    return WeightsRun(survey=out, diagnostics=diagnostics, calibration=calibration, respondents=len(data))


def _diagnostics(calibration: CalibratedWeights) -> pd.DataFrame:
    """One table: the weight statistics (``section = weights``) then each margin level (``section = margin``)."""
    summary = calibration.summary().assign(section="weights")
    margins = calibration.to_frame().assign(section="margin")
    columns = ["section", "statistic", "margin", "level", "population", "n", "before", "after", "factor"]
    return pd.concat([summary, margins], ignore_index=True).reindex(columns=columns)


def _write(data: pd.DataFrame, out: Path) -> None:
    if out.suffix.lower() == ".parquet":
        buffer = io.BytesIO()
        data.to_parquet(buffer, index=False)
        write_atomic(out, buffer.getvalue())
    else:
        write_atomic(out, data.to_csv(index=False))
