"""Synthetic field exports: survey microdata written as KoboToolbox or ODK Central would export the survey form.

The form is :func:`~danvan_analysis.schemas.survey_form.default_form` (what ``danvan questionnaire`` writes). From a
frame in the survey contract, :func:`survey_export` builds the export's cells as text, the way the two tools lay them
out:

* **kobo** (KoboToolbox): meta questions ``start``, ``end`` first and ``_id``, ``_uuid``, ``_submission_time``, … last;
  group paths joined with ``/``; the select_multiple both as one column and split into 0/1 columns (its default);
  CSV separated by ``;`` (its default) or XLSX.
* **odk** (ODK Central): ``SubmissionDate`` first, ``meta-instanceID``, ``KEY``, ``SubmitterID``, … last; group paths
  joined with ``-``; the select_multiple as one column; CSV separated by ``,``.

``headers="labels"`` writes question and choice labels (Vietnamese or English) instead of XML names and choice names,
as KoboToolbox's "labels" export does. A respondent who skipped a block answered "no" to its skip-logic question and
has empty cells there, as the form makes it. The weights are not written: exports have none.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from danvan_analysis import vocab
from danvan_analysis.errors import ParameterError
from danvan_analysis.files import write_atomic
from danvan_analysis.schemas.survey_form import NO, YES, FormField, SurveyForm, default_form

Style = Literal["kobo", "odk"]
Headers = Literal["names", "labels"]
Multiple = Literal["single", "split", "both"]

_SEPARATOR = {"kobo": "/", "odk": "-"}
_KOBO_TAIL = (
    "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by", "__version__",
    "_tags", "_index",
)  # fmt: skip
_ODK_TAIL = (
    "meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status",
    "ReviewState", "DeviceID", "Edits", "FormVersion",
)  # fmt: skip


def _header(form: SurveyForm, item: FormField, *, style: Style, headers: Headers, lang: str) -> str:
    def text(obj: object) -> str:
        label = obj.label(lang) if headers == "labels" else ""  # type: ignore[attr-defined]
        return label or obj.name  # type: ignore[attr-defined]

    return _SEPARATOR[style].join([*(text(g) for g in form.group_path(item.group)), text(item)])


def _choice_text(codes: pd.Series, form: SurveyForm, list_name: str, *, headers: Headers, lang: str) -> pd.Series:
    text = codes.astype("string").fillna("")
    if headers == "names":
        return text.astype(object)
    labels = {c.name: c.label(lang) for c in form.lists[list_name]}
    return text.map(lambda code: labels.get(code, code)).astype(object)


def _meta(survey: pd.DataFrame, style: Style) -> tuple[dict[str, object], dict[str, object]]:
    """Meta columns before and after the form's fields, with plausible invented values."""
    n = len(survey)
    ids = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"danvan/{r}")) for r in survey["respondent_id"].astype(str)]
    years = survey["year"].astype("int64").to_numpy()
    minutes = np.arange(n) * 7 % (60 * 24 * 90)
    start = pd.to_datetime([f"{y}-06-01" for y in years]) + pd.to_timedelta(minutes, unit="min")
    end = start + pd.to_timedelta(18, unit="min")
    fmt = "%Y-%m-%dT%H:%M:%S.000+07:00"
    head: dict[str, object] = {"start": start.strftime(fmt), "end": end.strftime(fmt)}
    if style == "kobo":
        tail: dict[str, object] = {
            "_id": np.arange(1, n + 1).astype(str),
            "_uuid": ids,
            "_submission_time": (end + pd.to_timedelta(2, unit="h")).strftime("%Y-%m-%dT%H:%M:%S"),
            "_validation_status": "",
            "_notes": "",
            "_status": "submitted_via_web",
            "_submitted_by": "",
            "__version__": "vDemo2023",
            "_tags": "",
            "_index": np.arange(1, n + 1).astype(str),
        }
        return head, tail
    head = {"SubmissionDate": (end + pd.to_timedelta(2, unit="h")).strftime(fmt), **head}
    tail = dict.fromkeys(_ODK_TAIL, "")
    tail.update(
        {
            "meta-instanceID": [f"uuid:{i}" for i in ids],
            "KEY": [f"uuid:{i}" for i in ids],
            "SubmitterID": "7",
            "SubmitterName": "dtv-demo",
            "AttachmentsPresent": "0",
            "AttachmentsExpected": "0",
            "ReviewState": "",
            "DeviceID": "",
            "Edits": "0",
            "FormVersion": "2023",
        }
    )
    return head, tail


def survey_export(
    survey: pd.DataFrame,
    *,
    style: Style = "kobo",
    headers: Headers = "names",
    lang: str = "vi",
    multiple: Multiple | None = None,
    form: SurveyForm | None = None,
) -> pd.DataFrame:
    """Return ``survey`` (contract columns) as the cells of a KoboToolbox or ODK Central export, all text.

    Parameters
    ----------
    survey : survey microdata in the contract's columns (e.g. :func:`generate_survey`).
    style : ``"kobo"`` or ``"odk"`` (see the module docstring).
    headers : ``"names"`` (XML names, choice names) or ``"labels"`` (question and choice labels in ``lang``).
    lang : ``"vi"`` or ``"en"``, for labels.
    multiple : the select_multiple as ``"single"`` column, ``"split"`` 0/1 columns or ``"both"`` (default: the
        tool's default, both for kobo and single for odk).
    form : the form (default: the shipped one).
    """
    if style not in _SEPARATOR or headers not in ("names", "labels") or lang not in ("vi", "en"):
        raise ParameterError(
            f"style={style!r}, headers={headers!r}, lang={lang!r}: expected kobo/odk, names/labels and vi/en."
        )
    multiple = multiple or ("both" if style == "kobo" else "single")
    if multiple not in ("single", "split", "both"):
        raise ParameterError(f"multiple={multiple!r}: expected single, split or both.")
    form = form or default_form()
    head, tail = _meta(survey, style)
    cells: dict[str, object] = dict(head)
    for item in form.fields:
        name = _header(form, item, style=style, headers=headers, lang=lang)
        if item.role == "column" and item.list_name is not None:
            cells[name] = _choice_text(survey[item.name], form, item.list_name, headers=headers, lang=lang)
        elif item.role == "column":
            cells[name] = survey[item.name].astype("string").fillna("").astype(object)
        elif item.role == "gate":
            skipped = survey[list(form.gates[item.name])].isna().all(axis=1)
            answers = pd.Series(np.where(skipped, NO, YES), index=survey.index)
            cells[name] = _choice_text(answers, form, "yes_no", headers=headers, lang=lang)
        else:
            cells.update(_priorities(survey, form, name, style=style, headers=headers, lang=lang, multiple=multiple))
    cells.update(tail)
    return pd.DataFrame(cells, index=survey.index).reset_index(drop=True)


def _priorities(
    survey: pd.DataFrame, form: SurveyForm, name: str, *, style: Style, headers: Headers, lang: str, multiple: Multiple
) -> dict[str, object]:
    choices = form.lists["priority_areas"]
    ticked = survey[vocab.PRIORITY_COLUMNS]
    blank = ticked.isna().all(axis=1).to_numpy()
    out: dict[str, object] = {}
    if multiple in ("single", "both"):
        words = [c.name if headers == "names" else c.label(lang) for c in choices]
        values = ticked.fillna(False).to_numpy(dtype=bool)
        out[name] = [
            "" if b else " ".join(w for w, t in zip(words, row, strict=True) if t)
            for b, row in zip(blank, values, strict=True)
        ]
    if multiple in ("split", "both"):
        for choice, column in zip(choices, vocab.PRIORITY_COLUMNS, strict=True):
            header = _SEPARATOR[style].join([name, choice.name if headers == "names" else choice.label(lang)])
            out[header] = ticked[column].map({True: "1", False: "0"}).astype(object).where(~blank, "")
    return out


def write_survey_export(
    survey: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    style: Style = "kobo",
    headers: Headers = "names",
    lang: str = "vi",
    multiple: Multiple | None = None,
    delimiter: str | None = None,
) -> Path:
    """Write :func:`survey_export` to ``path`` (.csv or .xlsx) and return the path.

    ``delimiter`` of a CSV: default ``;`` for kobo and ``,`` for odk. CSV files are UTF-8; XLSX cells are text.
    """
    path = Path(path)
    cells = survey_export(survey, style=style, headers=headers, lang=lang, multiple=multiple)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        sep = delimiter or (";" if style == "kobo" else ",")
        return write_atomic(path, cells.to_csv(index=False, sep=sep, lineterminator="\n"))
    if suffix == ".xlsx":
        return write_atomic(path, _xlsx_bytes(cells))
    raise ParameterError(f"{path}: an export is written as .csv or .xlsx, not {suffix or 'a file without suffix'}.")


def _xlsx_bytes(cells: pd.DataFrame) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sheet1")
    sheet.append(list(cells.columns))
    for row in cells.itertuples(index=False):
        sheet.append([value if value != "" else None for value in row])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
