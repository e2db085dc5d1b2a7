"""Header location and mapping, and the privacy guard: which cells of a file's top rows are the contract's columns.

A header cell matches a contract column by its name, Vietnamese or English label or an alias, compared after
:func:`~danvan_analysis.text.fold`; the header may sit below a title (the first :data:`HEADER_SEARCH_ROWS` rows are
searched). Survey columns identifying people (:data:`PII_PATTERNS`) are refused, dropped or reported
(:data:`PiiMode`) before any of their values is read.

The guard looks at every survey header that is neither a contract column nor a field of the form, including the
meta columns KoboToolbox and ODK add: those are set aside unread, except one that identifies people, which the guard
refuses (or drops) like any other. The one such column the tools write is KoboToolbox's ``_geolocation`` (the GPS
point of the interview): a respondent's coordinates are their home, so it must not pass silently.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from danvan_analysis.errors import PrivacyError
from danvan_analysis.io.exports import form_index, mapping_frame, meta_note
from danvan_analysis.schemas import DatasetSpec, problem_table
from danvan_analysis.schemas.survey_form import WEIGHTS_HINT
from danvan_analysis.text import fold, nfc

#: How many rows at the top of a sheet may hold a title or group headings above the real header.
HEADER_SEARCH_ROWS = 10


def _alternatives(phrases: tuple[str, ...]) -> str:
    """Each folded phrase as written and as one word (``ho ten`` and ``hoten``), longest first."""
    forms = {form for phrase in phrases for form in (phrase, phrase.replace(" ", ""))}
    return "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))


def _words(*phrases: str) -> re.Pattern[str]:
    """Match any of ``phrases`` as whole words anywhere in a folded header."""
    return re.compile(rf"\b({_alternatives(phrases)})\b")


def _whole(*phrases: str) -> re.Pattern[str]:
    """Match a folded header that is exactly one of ``phrases``."""
    return re.compile(rf"^({_alternatives(phrases)})$")


#: Folded header texts that identify people, by what they hold (survey privacy guard).
#:
#: Direct identifiers (name, phone, ID numbers, e-mail, address) and indirect ones that single a respondent out
#: once combined with the commune (date of birth, exact age, GPS coordinates, house number). Each phrase matches as
#: whole words of the folded header (case, diacritics, spaces and punctuation ignored) and also written as one word
#: (``hoten``, ``sodienthoai``, ``HoTen``); short or common words (``ten``, ``name``, ``cell``, ``tuoi``, ``age``)
#: only as the whole header or with a qualifier. An exact age is refused, an age group is not: coarsen first (date
#: of birth → ``age_group``). Only headers that are neither contract columns nor form fields are looked at, so the
#: contract's ``age_group`` ("Nhóm tuổi") and the form's fields always pass.
PII_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("name", _whole("ten", "name", "ho", "ho dem", "ten goi", "ten nguoi", "nguoi tra loi")),
    (
        "name",
        _words(
            "ho va ten", "ho ten", "ho ten dem", "ten nguoi tra loi", "ten nguoi duoc phong van", "ten cong dan",
            "full name", "first name", "last name", "middle name", "given name", "family name", "surname",
            "respondent name", "name of respondent", "forename",
        ),
    ),
    (
        "phone",
        _words(
            "dien thoai", "so dien thoai", "so dt", "sdt", "dtdd", "di dong", "so di dong", "phone", "phone number",
            "mobile", "mobile phone", "cellphone", "cell phone", "telephone", "tel", "zalo", "simserial",
            "subscriberid",
        ),
    ),
    ("phone", _whole("cell", "cell number", "so cell", "whatsapp", "viber")),
    (
        "ID number",
        _words(
            "cccd", "cmnd", "cmt", "can cuoc", "can cuoc cong dan", "chung minh", "chung minh nhan dan",
            "so dinh danh", "ma dinh danh", "id number", "id card", "identity card", "national id", "citizen id",
            "personal id", "passport", "ho chieu", "so bhxh", "ma bhxh", "bhxh", "bao hiem xa hoi", "so bhyt",
            "the bhyt", "bhyt", "social insurance", "health insurance number", "ma so thue", "mst", "tax id",
            "tax code", "tax number", "ssn", "social security number",
        ),
    ),
    ("e-mail", _words("email", "e mail", "mail", "thu dien tu", "hom thu", "gmail")),
    (
        "address",
        _words(
            "dia chi", "address", "noi o", "noi o hien nay", "cho o", "cho o hien nay", "noi thuong tru",
            "thuong tru", "ho khau thuong tru", "tam tru", "noi tam tru", "que quan", "nguyen quan", "noi sinh",
            "place of birth", "hometown", "home town", "residence", "street", "duong pho",
        ),
    ),
    (
        "date of birth",
        _words(
            "ngay sinh", "ngay thang nam sinh", "nam sinh", "date of birth", "birth date",
            "birthdate", "birthday", "dob", "year of birth", "birth year",
        ),
    ),
    ("exact age", re.compile(r"^(?!.*\b(nhom|group|do|khoang|band|range|bracket|class|category)\b).*\b(tuoi|age)\b")),
    (
        "GPS coordinates",
        _words(
            "gps", "geolocation", "geopoint", "geo point", "latitude", "longitude", "lat", "lon", "lng", "toa do",
            "toa do gps", "vi do", "kinh do", "coordinates", "coordinate", "altitude",
        ),
    ),
    ("house number", _words("so nha", "house number", "house no", "so can ho", "apartment number")),
)  # fmt: skip

#: The kinds of :data:`PII_PATTERNS` that identify people indirectly (the error suggests coarsening them).
INDIRECT_KINDS = ("date of birth", "exact age", "GPS coordinates", "house number")

PiiMode = Literal["raise", "drop", "report"]


@dataclass
class Header:
    """How the header cells map to contract columns."""

    row: int  # the header's row number as the user sees it
    columns: dict[int, str]  # position → contract column
    pii: dict[int, tuple[str, str]]  # position → (header text, what it holds) of a column identifying people
    problems: list[pd.DataFrame]
    # Survey exports of the field form (see io.exports): position → ``form:<field>`` of the form fields read that are
    # not contract columns, their header texts, and the mapping report (None when the file is not an export).
    sources: dict[int, str] = field(default_factory=dict)
    mapping: pd.DataFrame | None = None

    @property
    def names(self) -> dict[int, str]:
        """Position → column name of every column to read (contract columns and form sources)."""
        return {**self.columns, **self.sources}

    @property
    def source_headers(self) -> dict[str, str]:
        """``form:<field>`` → the header text it was read from."""
        if self.mapping is None:
            return {}
        return {
            row.contract_column: row.export_column
            for row in self.mapping.itertuples()
            if row.contract_column.startswith("form:")
        }


def score_header(cells: Sequence[object], spec: DatasetSpec) -> int:
    aliases = spec.header_aliases
    if spec.name == "survey":  # exports: group paths, form labels and meta columns count too
        index = form_index()
        return sum(1 for c in cells if c not in (None, "") and index.match(nfc(str(c))).kind != "unknown")
    return sum(1 for c in cells if c is not None and fold(nfc(str(c))) in aliases)


def _find_header(rows: Sequence[Sequence[object]], spec: DatasetSpec) -> int:
    """Index of the row (among the first few) that names the most contract columns; 0 when none does."""
    scores = [score_header(r, spec) for r in rows[:HEADER_SEARCH_ROWS]]
    return int(np.argmax(scores)) if scores and max(scores) > 0 else 0


def _pii_kind(text: str) -> str | None:
    key = fold(text)
    return next((kind for kind, pattern in PII_PATTERNS if pattern.search(key)), None)


def _map_header(
    cells: Sequence[object],
    spec: DatasetSpec,
    *,
    row: int,
    file: str,
    rename: Mapping[str, str] | None = None,
    optional: Sequence[str] = (),
) -> Header:
    """Map header cells to contract columns; report duplicates, unknown columns and missing required columns.

    Survey headers also go through the field form's index (:mod:`danvan_analysis.io.exports`): an export of the form
    gets its mapping report, its meta columns set aside with a note and its form-only fields read as sources.
    ``optional`` names required columns whose absence is allowed (the survey's ``weight`` before weighting).
    """
    columns: dict[int, str] = {}
    sources: dict[int, str] = {}
    pii: dict[int, tuple[str, str]] = {}
    problems: list[pd.DataFrame] = []
    seen: dict[str, str] = {}
    index = form_index() if spec.name == "survey" else None
    report: list[tuple[str, str, str]] = []
    meta: list[str] = []
    unknown: list[str] = []
    export = False
    for position, cell in enumerate(cells):
        text = nfc(str(cell)) if cell is not None else ""
        if not text or text.startswith("__index_level_"):
            continue
        if index is not None:
            match = index.match(text, rename)
            export = export or (match.kind != "unknown" and match.from_form)
            kind, name = match.kind, match.target or None
        else:
            name = spec.header_aliases.get(fold(text))
            kind = "unknown" if name is None else "column"
        if kind == "meta" and _pii_kind(text) is not None:
            kind, name = "unknown", None  # KoboToolbox's _geolocation: GPS coordinates, refused like any other
        if kind == "meta":
            meta.append(text)
            report.append((text, "", match.how))
            continue
        if kind == "source":
            if name in sources.values():
                problems.append(
                    problem_table(
                        [row], text, [text], f"one column for the form field {name[5:]}", "duplicate_column", file=file
                    )
                )
            else:
                sources[position] = name
                report.append((text, name, match.how))
            continue
        if name is None:
            kind_pii = _pii_kind(text) if spec.name == "survey" else None
            if kind_pii is not None:
                pii[position] = (text, kind_pii)
                report.append((text, "", f"identifies people ({kind_pii}): refused"))
                continue
            unknown.append(text)
            expected = f"a column of the {spec.name} contract (this one is ignored)"
            near = index.nearest(text) if index is not None else None
            if index is not None:
                expected = f"a column of the {spec.name} contract or a field of the survey form (this one is ignored)"
                if near is not None:
                    expected += f"; nearest form field: {near} (if the form was edited, load with rename={{'{text}': '{near}'}})"
            report.append((text, "", "not in the form or the contract: ignored"))
            problems.append(problem_table([row], text, [text], expected, "extra_column", severity="warning", file=file))
        elif name in seen:
            expected = f"one column {name} ({spec.column(name).vi}); '{seen[name]}' already is"
            problems.append(problem_table([row], name, [text], expected, "duplicate_column", file=file))
        else:
            seen[name] = text
            columns[position] = name
            report.append((text, name, match.how if index is not None else "contract name or label"))
    mapping = None
    if index is not None and export:
        sources, report = _prefer_split_columns(sources, columns, report)
        problems += meta_note(meta, row=row, file=file)
        mapping = mapping_frame(report)
    for name in spec.required_columns:
        if name not in seen and name not in optional:
            meta_col = spec.column(name)
            expected = f"a column {name} (header '{meta_col.vi}', '{meta_col.en}' or '{name}')"
            if mapping is not None:
                expected = WEIGHTS_HINT if name == "weight" else index.expected_column(name, unknown)  # type: ignore[union-attr]
            problems.append(problem_table([row], name, [""], expected, "missing_column", file=file))
    return Header(row=row, columns=columns, pii=pii, problems=problems, sources=sources, mapping=mapping)


def _prefer_split_columns(
    sources: dict[int, str], columns: dict[int, str], report: list[tuple[str, str, str]]
) -> tuple[dict[int, str], list[tuple[str, str, str]]]:
    """KoboToolbox writes a select_multiple both as one column and split: read the split columns, set the other aside."""
    single = "form:priorities"
    if single not in sources.values() or not any(c.startswith("pr_") for c in columns.values()):
        return sources, report
    kept = {p: s for p, s in sources.items() if s != single}
    how = "select_multiple as one column: set aside (the split columns are read)"
    return kept, [(text, "", how) if target == single else (text, target, h) for text, target, h in report]


def locate_header(
    top: Sequence[Sequence[object]],
    spec: DatasetSpec,
    *,
    pii: PiiMode,
    file: str,
    rename: Mapping[str, str] | None = None,
    optional: Sequence[str] = (),
) -> tuple[int, Header, list[pd.DataFrame]]:
    """Find the header among the ``top`` rows and map it; return its index, the mapping and the problems found.

    The problems are the header's own (unknown, duplicate, missing columns), the privacy guard's and a warning for
    title rows skipped above the header. ``rename`` and ``optional``: see :func:`_map_header`.
    """
    index = _find_header(top, spec)
    header = _map_header(top[index], spec, row=index + 1, file=file, rename=rename, optional=optional)
    problems = header.problems + _privacy(header, pii, file=file) + _ignored_rows(top[:index], file=file)
    return index, header, problems


def _privacy(header: Header, mode: PiiMode, *, file: str) -> list[pd.DataFrame]:
    """Apply the privacy guard to the header's personal-data columns."""
    if not header.pii:
        return []
    listed = "; ".join(f"'{text}' ({kind})" for text, kind in header.pii.values())
    if mode == "raise":
        indirect = {kind for _, kind in header.pii.values()} & set(INDIRECT_KINDS)
        coarsen = (
            f" {', '.join(sorted(indirect))} identify people once combined with the commune: keep a coarse version "
            "instead (date of birth or age → age_group)."
            if indirect
            else ""
        )
        raise PrivacyError(
            f"{file}: the header (row {header.row}) has columns that identify people: {listed}. They must not enter the analysis. "
            "Hint: delete these columns from the file, or load with drop_pii=True to drop them as the file is "
            f"read (their values are never used).{coarsen}"
        )
    if mode == "report":
        severity, check, expected = "error", "personal_data", "no column identifying people ({kind})"
    else:
        severity, check, expected = "warning", "personal_data_dropped", "no column identifying people ({kind}): dropped"
    return [
        problem_table([header.row], text, [text], expected.format(kind=kind), check, severity=severity, file=file)
        for text, kind in header.pii.values()
    ]


def _ignored_rows(rows: Sequence[Sequence[object]], *, file: str) -> list[pd.DataFrame]:
    """A warning for the title or group rows found above the header (``rows`` = the rows above it)."""
    used = [i + 1 for i, r in enumerate(rows) if any(c not in (None, "") for c in r)]
    if not used:
        return []
    seen = dict.fromkeys(str(c) for r in rows for c in r if c not in (None, ""))
    text = " | ".join(seen)
    text = text if len(text) <= 120 else text[:119] + "…"
    above = "row 1" if len(rows) == 1 else f"rows 1–{len(rows)}"
    expected = f"the header on row 1; the header was found on row {len(rows) + 1} and {above} above it were skipped"
    return [problem_table([used[0]], "", [text], expected, "header_row", severity="warning", file=file)]
