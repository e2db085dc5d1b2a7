"""The SIPAS-style questionnaire as an XLSForm, for KoboToolbox and ODK Collect (``danvan questionnaire``).

XLSForm (https://xlsform.org) is the spreadsheet form format both tools read: a ``survey`` sheet (one row per
question, group or calculation), a ``choices`` sheet (the choice lists) and a ``settings`` sheet. The form written
here is the one declared in :mod:`danvan_analysis.schemas.survey_form`, so its exports load into the survey contract
(:func:`danvan_analysis.io.load_survey`) without any reshaping:

* the respondent's unit: district and commune as cascading selects from the 2023 register (``choice_filter``), the
  village as text or, given the sample's village list, as a select cascading from the commune;
* the demographics of the survey contract, each a select whose choice names are the contract's codes;
* the 33 SIPAS items (``sipas_items.csv``) grouped by element, rated 1–5 or 9 ("không biết / không áp dụng");
* skip logic: a respondent who did not meet the policies (or did not use a service) is not asked that block;
* the improvement priorities as a select_multiple (at most three).

Labels are in Vietnamese and English (XLSForm translations ``label::Tiếng Việt (vi)``, ``label::English (en)``);
``lang`` picks the form's default language. The form asks nothing that identifies a person.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from danvan_analysis.errors import ParameterError
from danvan_analysis.files import write_atomic
from danvan_analysis.schemas.survey_form import Choice, SurveyForm, survey_form
from danvan_analysis.text import nfc

#: XLSForm language names (ODK's "Name (code)" convention).
LANGUAGES = {"vi": "Tiếng Việt (vi)", "en": "English (en)"}

_SURVEY_COLUMNS = (
    "type", "name", "label::{vi}", "label::{en}", "hint::{vi}", "hint::{en}", "required", "relevant", "constraint",
    "constraint_message::{vi}", "constraint_message::{en}", "calculation", "choice_filter", "appearance",
)  # fmt: skip
_CHOICE_COLUMNS = ("list_name", "name", "label::{vi}", "label::{en}", "district", "commune")


def questionnaire_sheets(form: SurveyForm, *, lang: str = "vi") -> dict[str, list[list[str]]]:
    """Return the XLSForm's sheets (``survey``, ``choices``, ``settings``) as rows of text, header row first."""
    if lang not in LANGUAGES:
        raise ParameterError(f"lang={lang!r}: the questionnaire is written in 'vi' or 'en'.")
    header = [c.format(**LANGUAGES) for c in _SURVEY_COLUMNS]
    survey = [header, _row(header, type="start", name="start"), _row(header, type="end", name="end")]
    open_groups: list[str] = []
    for item in form.fields:
        path = [g.name for g in form.group_path(item.group)]
        while open_groups and open_groups != path[: len(open_groups)]:
            survey.append(_row(header, type="end_group", name=open_groups.pop()))
        for name in path[len(open_groups) :]:
            group = form.group(name)
            survey.append(
                _row(
                    header,
                    type="begin_group",
                    name=group.name,
                    relevant=group.relevant,
                    appearance=group.appearance,
                    **_labels("label", group.vi, group.en),
                )
            )
            open_groups.append(name)
        survey.append(
            _row(
                header,
                type=item.type,
                name=item.name,
                required="yes" if item.required and item.type != "calculate" else "",
                relevant=item.relevant,
                constraint=item.constraint,
                calculation=item.calculation,
                choice_filter=item.choice_filter,
                appearance=item.appearance,
                **_labels("label", item.vi, item.en),
                **_labels("hint", item.hint_vi, item.hint_en),
                **_labels("constraint_message", item.constraint_vi, item.constraint_en),
            )
        )
    survey += [_row(header, type="end_group", name=name) for name in reversed(open_groups)]
    choice_header = [c.format(**LANGUAGES) for c in _CHOICE_COLUMNS]
    choices = [choice_header]
    for list_name, items in form.lists.items():
        parent = {"communes": "district", "villages": "commune"}.get(list_name)
        for choice in items:
            extra = {parent: choice.parent or ""} if parent else {}
            choices.append(
                _row(
                    choice_header,
                    list_name=list_name,
                    name=choice.name,
                    **_labels("label", choice.vi, choice.en),
                    **extra,
                )
            )
    settings = [
        ["form_title", "form_id", "version", "default_language"],
        [
            form.title_vi if lang == "vi" else form.title_en,
            f"{form.form_id}_{form.year}",
            str(form.year),
            LANGUAGES[lang],
        ],
    ]
    return {"survey": survey, "choices": choices, "settings": settings}


def _labels(column: str, vi: str, en: str) -> dict[str, str]:
    return {f"{column}::{LANGUAGES['vi']}": vi, f"{column}::{LANGUAGES['en']}": en} if vi or en else {}


def _row(header: list[str], **values: str) -> list[str]:
    unknown = set(values) - set(header)
    if unknown:
        raise KeyError(f"not an XLSForm column here: {sorted(unknown)}")
    return [values.get(column, "") for column in header]


def read_villages(path: str | os.PathLike[str]) -> tuple[Choice, ...]:
    """Read the sample's villages from a CSV with columns ``commune_code``, ``village_code``, ``village_name``.

    Raises
    ------
    ParameterError
        When the file lacks a column, or a row lacks a value or names a commune outside the register.
    """
    from danvan_analysis.units import register

    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{path}: no such file (the village list: commune_code, village_code, village_name).")
    communes = {u.code for u in register().units("commune")}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        wanted = {"commune_code", "village_code", "village_name"}
        missing = wanted - set(reader.fieldnames or ())
        if missing:
            raise ParameterError(f"{path}: columns missing: {', '.join(sorted(missing))}; expected {sorted(wanted)}.")
        villages = []
        for line, record in enumerate(reader, start=2):
            commune, code, name = (nfc(record[c] or "") for c in ("commune_code", "village_code", "village_name"))
            commune = commune.zfill(5) if commune.isdigit() else commune
            if not (commune and code and name) or commune not in communes:
                raise ParameterError(
                    f"{path}: line {line}: expected a commune code of the register, a village code and a name; "
                    f"found {commune!r}, {code!r}, {name!r}."
                )
            villages.append(Choice(code, name, name, commune))
    return tuple(villages)


def write_questionnaire(
    path: str | os.PathLike[str],
    *,
    lang: str = "vi",
    year: int = 2023,
    villages: str | os.PathLike[str] | None = None,
) -> Path:
    """Write the SIPAS-style questionnaire as an XLSForm workbook and return its path.

    Parameters
    ----------
    path : the ``.xlsx`` file to write (its folder must exist).
    lang : the form's default language, ``"vi"`` or ``"en"`` (both are always included).
    year : the survey year the form records.
    villages : optional CSV of the sample's villages (see :func:`read_villages`); without it the village is text.

    Raises
    ------
    ParameterError
        For a path that is not ``.xlsx`` or whose folder does not exist, an unknown ``lang`` or a bad village list.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ParameterError(
            f"{path}: the questionnaire is written as .xlsx (XLSForm); got {path.suffix or 'no suffix'}."
        )
    if not path.parent.is_dir():
        raise ParameterError(f"{path}: the folder {path.parent} does not exist.")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ParameterError(f"year must be a year such as 2023; got {year!r}.")
    form = survey_form(year, villages=read_villages(villages) if villages is not None else None)
    sheets = questionnaire_sheets(form, lang=lang)
    return write_atomic(path, _workbook_bytes(sheets))


def _workbook_bytes(sheets: dict[str, list[list[str]]]) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append([value or None for value in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
