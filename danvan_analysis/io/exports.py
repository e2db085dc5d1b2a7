"""KoboToolbox and ODK Central exports of the survey form, read as they come.

The form and its mapping to the survey contract are declared once, in
:mod:`danvan_analysis.schemas.survey_form`; this module applies them to a file.

Headers (:class:`FormHeaderIndex`)
    An export's header cells are matched, in this order: a ``rename`` given by the analyst (a question someone
    renamed in the form); the meta columns the tools add (``_uuid``, ``_submission_time``, ``SubmissionDate``,
    ``meta/instanceID``, …), set aside unread; the contract's own names, labels and aliases; the form's XML names and
    question labels (Vietnamese or English), with or without the group path KoboToolbox (``policy/p1/q01``) or ODK
    Central (``policy-p1-q01``) writes before them (folded, so any separator works); the split columns of the
    select_multiple (``priorities/policy_info``, ``…/Thông tin chính sách``). Anything else is reported as in any
    file: columns identifying people are refused, others ignored with a warning naming the nearest form field.

Values (:func:`adapt_export`)
    Select answers exported as labels become the choice names, which are the contract's codes (communes within
    their district, as the cascading select offers them); a select_multiple exported as one column (names or
    labels, space separated) becomes the ``pr_<area>`` columns; the skip-logic questions are checked (no answer in a
    block the form skipped) and dropped. The result is a frame of contract columns as text, parsed and checked like
    any other file.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from danvan_analysis import vocab
from danvan_analysis.errors import ParameterError
from danvan_analysis.schemas import DatasetSpec, get_spec, problem_table
from danvan_analysis.schemas.survey_form import META_COLUMNS, NO, YES, Choice, SurveyForm, default_form
from danvan_analysis.text import fold

#: Prefix of a reader column that holds a form field which is not a contract column (select_multiple, skip logic).
SOURCE = "form:"
_META_PATHS = ("meta/", "meta-", "meta.", "formhub/", "formhub-", "formhub.")
MAPPING_COLUMNS = ("export_column", "contract_column", "how")


@dataclass(frozen=True)
class HeaderMatch:
    """What one header cell of an export is: ``kind`` column / source / meta / unknown, and how it was recognised."""

    kind: str
    target: str = ""
    how: str = ""

    @property
    def from_form(self) -> bool:
        """True when only the form (not the contract's own header names) explains this cell."""
        return self.kind in ("source", "meta") or not self.how.startswith("contract")


class FormHeaderIndex:
    """Folded header texts of the form's fields, groups and split choices; see the module docstring."""

    def __init__(self, form: SurveyForm, spec: DatasetSpec) -> None:
        self.form = form
        self.spec = spec
        self.keys: dict[str, tuple[str, str]] = {}
        for item in form.fields:
            target = item.name if item.role == "column" else SOURCE + item.name
            for text, how in ((item.name, "form name"), (item.vi, "form label (vi)"), (item.en, "form label (en)")):
                if text:
                    self.keys.setdefault(fold(text), (target, how))
            if item.role == "priorities":
                for choice in form.lists[item.list_name or ""]:
                    for head in (item.name, item.vi, item.en):
                        for text in (choice.name, choice.vi, choice.en):
                            how = f"select_multiple split column, choice {choice.name}"
                            self.keys.setdefault(f"{fold(head)} {fold(text)}", (f"pr_{choice.name}", how))
        groups = {fold(t) for g in form.groups for t in (g.name, g.vi, g.en)}
        self.groups = sorted(groups, key=len, reverse=True)

    def _lookup(self, key: str) -> tuple[str, str] | None:
        name = self.spec.header_aliases.get(key)
        if name is not None:
            return name, "contract name or label"
        return self.keys.get(key)

    def match(self, text: str, rename: Mapping[str, str] | None = None) -> HeaderMatch:
        """Classify one header cell (see the module docstring for the order)."""
        raw = text.strip()
        if rename:
            target = rename.get(raw) or next((v for k, v in rename.items() if fold(k) == fold(raw)), None)
            if target is not None:
                return self._renamed(raw, target)
        low = raw.lower()
        if low in META_COLUMNS or (low.startswith(_META_PATHS) and low.split("/")[-1].split("-")[-1] in META_COLUMNS):
            return HeaderMatch("meta", how="meta column: set aside, not read")
        key = fold(raw)
        found = self._lookup(key)
        removed: list[str] = []
        while found is None:
            group = next((g for g in self.groups if key.startswith(g + " ")), None)
            if group is None:
                break
            removed.append(group)
            key = key[len(group) + 1 :]
            found = self._lookup(key)
        if found is None:
            # A group the form does not have (renamed, or added by a merge): the XML name after the last separator.
            last = raw.replace("-", "/").split("/")[-1]
            hit = self._lookup(fold(last)) if last != raw else None
            if hit is not None and not hit[1].startswith("form label"):
                found, removed = hit, [raw[: len(raw) - len(last)]]
        if found is None:
            return HeaderMatch("unknown")
        target, how = found
        if removed:
            how += " (group path removed)"
        return HeaderMatch("source" if target.startswith(SOURCE) else "column", target, how)

    def _renamed(self, raw: str, target: str) -> HeaderMatch:
        names = {f.name for f in self.form.fields} | set(self.spec.column_names)
        if target not in names:
            raise ParameterError(
                f"rename={{{raw!r}: {target!r}}}: {target!r} is neither a survey column nor a field of the form; "
                f"expected one of: {', '.join(sorted(names))}."
            )
        try:
            item = self.form.field(target)
        except KeyError:
            item = None
        kind, name = ("source", SOURCE + target) if item is not None and item.role != "column" else ("column", target)
        return HeaderMatch(kind, name, f"renamed by rename={{{raw!r}: {target!r}}}")

    def nearest(self, text: str) -> str | None:
        """The form field whose XML name or label is closest to ``text`` (a hint for an unknown column)."""
        key = fold(text.replace("-", "/").split("/")[-1])
        names = {fold(f.name): f.name for f in self.form.fields}
        names |= {fold(f.vi): f.name for f in self.form.fields if f.vi}
        # A renamed question usually keeps its old name as a stem (q05 → q05_kinh_te) or is a close spelling.
        stems = [k for k in names if key.startswith(k + " ")]
        if stems:
            return names[max(stems, key=len)]
        close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.6)
        return names[close[0]] if close else None

    def expected_column(self, name: str, unknown: list[str]) -> str:
        """What a missing contract column looks like in an export, with the unknown headers that may be it."""
        item = self.form.field_for_column(name)
        if item is None:
            return f"a column {name}"
        path = "/".join(g.name for g in self.form.group_path(item.group))
        where = f" in group {path}" if path else ""
        text = (
            f"a column {name}: the form's question {item.name}{where} ('{item.vi}')" if item.vi else f"a column {name}"
        )
        guesses = [u for u in unknown if self.nearest(u) == item.name]
        if guesses:
            text += f"; if the form was edited and '{guesses[0]}' is this question, load with rename={{'{guesses[0]}': '{name}'}}"
        return text


@cache
def form_index() -> FormHeaderIndex:
    """The header index of the default form against the survey contract (built once)."""
    return FormHeaderIndex(default_form(), get_spec("survey"))


# -- values -----------------------------------------------------------------------------------------------------------
def _choice_table(choices: tuple[Choice, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for choice in choices:
        for text in (choice.en, choice.vi, choice.name):
            table[fold(text)] = choice.name
    return table


def _map_distinct(series: pd.Series, lookup) -> pd.Series:
    """Apply ``lookup(text) -> text or None`` once per distinct value; values it does not know stay as they are."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if not len(uniques):
        return series
    mapped = np.array([lookup(str(u)) or u for u in uniques], dtype=object)
    values = np.where(codes < 0, None, mapped[np.maximum(codes, 0)])
    return pd.Series(values, index=series.index, name=series.name, dtype="str")


def _select_columns(raw: pd.DataFrame, form: SurveyForm) -> pd.DataFrame:
    """Select answers given as labels become choice names (communes looked up within their district)."""
    out = raw.copy()
    for column in raw.columns:
        item = form.field_for_column(column)
        if item is None or item.role != "column" or not item.is_select or column == "commune_code":
            continue
        table = _choice_table(form.lists[item.list_name or ""])
        out[column] = _map_distinct(raw[column], lambda text, table=table: table.get(fold(text)))
    if "commune_code" in raw.columns:
        communes = form.lists["communes"]
        within = {(c.parent, fold(t)): c.name for c in communes for t in (c.vi, c.en, c.name)}
        anywhere = _choice_table(communes)
        district = out["district_code"] if "district_code" in out else pd.Series("", index=out.index)
        pair = district.fillna("").astype(str) + "\x00" + raw["commune_code"].fillna("").astype(str)

        def commune(text: str) -> str | None:
            code, _, label = text.partition("\x00")
            return within.get((code, fold(label))) or anywhere.get(fold(label)) or label

        mapped = _map_distinct(pair, commune)
        out["commune_code"] = mapped.mask(raw["commune_code"].isna() | (raw["commune_code"] == ""))
    return out


def _priorities(values: pd.Series, form: SurveyForm, header: str, file: str) -> tuple[pd.DataFrame, list]:
    """One select_multiple column (choice names or labels, separated by spaces) → the ``pr_<area>`` columns."""
    choices = form.lists["priority_areas"]
    keys = sorted(((fold(t), c.name) for c in choices for t in (c.name, c.vi, c.en)), key=lambda kv: -len(kv[0]))
    codes, uniques = pd.factorize(values.fillna(""), use_na_sentinel=True)
    ticked = np.zeros((len(uniques), len(choices)), dtype=object)
    bad: list[int] = []
    order = [c.name for c in choices]
    for i, text in enumerate(uniques):
        rest, picked = fold(str(text)), set()
        while rest:
            hit = next(((k, name) for k, name in keys if rest == k or rest.startswith(k + " ")), None)
            if hit is None:
                bad.append(i)
                break
            picked.add(hit[1])
            rest = rest[len(hit[0]) :].strip()
        blank = not fold(str(text))
        ticked[i] = ["" if blank else ("true" if name in picked else "false") for name in order]
    frame = pd.DataFrame(ticked[codes], index=values.index, columns=[f"pr_{n}" for n in order], dtype="str")
    problems = []
    if bad:
        rows = np.isin(codes, bad)
        allowed = ", ".join(f"{c.name} ({c.vi})" for c in choices)
        expected = f"choices of the list priority_areas, separated by spaces: {allowed}"
        problems.append(
            problem_table(values.index[rows], header, values[rows].astype(object), expected, "parse", file=file)
        )
        frame.loc[rows] = None
    return frame, problems


def _skip_logic(raw: pd.DataFrame, gate: str, header: str, form: SurveyForm, file: str) -> list[pd.DataFrame]:
    """Answers in a block the form skipped (its gate answered 'no'), and gate answers that are not yes/no."""
    table = _choice_table(form.lists["yes_no"])
    answers = _map_distinct(raw[SOURCE + gate], lambda text: table.get(fold(text)))
    problems = []
    unknown = answers.notna() & (answers != "") & ~answers.isin([YES, NO])
    if unknown.any():
        expected = "yes or no (Có / Không)"
        problems.append(
            problem_table(raw.index[unknown], header, answers[unknown].astype(object), expected, "parse", file=file)
        )
    items = [c for c in form.gates[gate] if c in raw.columns]
    skipped = (answers == NO).fillna(False).to_numpy(dtype=bool)
    label = form.field(gate).vi
    for item in items:
        answered = skipped & raw[item].fillna("").astype(str).str.strip().ne("").to_numpy()
        if answered.any():
            block = f"{form.gates[gate][0]}–{form.gates[gate][-1]}"
            expected = f"empty: the answer to {gate} ('{label}') is 'no', so the form skips {block}"
            problems.append(
                problem_table(
                    raw.index[answered], item, raw.loc[answered, item].astype(object), expected, "skip_logic", file=file
                )
            )
    return problems


def adapt_export(
    raw: pd.DataFrame, sources: Mapping[str, str], *, file: str, form: SurveyForm | None = None
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Turn the cells of an export into contract columns (text); return them and the problems found.

    Parameters
    ----------
    raw : cells as read: contract columns, and ``form:<field>`` columns for the select_multiple and skip logic.
    sources : ``form:<field>`` → the export header it came from (problems name the file's column).
    file : how problems name the file.
    form : the form (default: :func:`~danvan_analysis.schemas.survey_form.default_form`).
    """
    form = form or default_form()
    out = _select_columns(raw[[c for c in raw.columns if not c.startswith(SOURCE)]], form)
    problems: list[pd.DataFrame] = []
    single = SOURCE + "priorities"
    if single in raw.columns:
        frame, found = _priorities(raw[single], form, sources.get(single, "priorities"), file)
        problems += found
        for column in frame.columns:
            out[column] = frame[column]
    for gate in form.gates:
        if SOURCE + gate in raw.columns:
            problems += _skip_logic(raw, gate, sources.get(SOURCE + gate, gate), form, file)
    return out, problems


def meta_note(meta: list[str], *, row: int, file: str) -> list[pd.DataFrame]:
    """The note that meta columns were set aside (one warning row listing them)."""
    if not meta:
        return []
    listed = ", ".join(meta)
    expected = "KoboToolbox / ODK meta columns: set aside, not read"
    return [problem_table([row], "", [listed], expected, "export_meta", severity="warning", file=file)]


def mapping_frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """The mapping report: one row per export column (export column, contract column(s), how)."""
    return pd.DataFrame(rows, columns=list(MAPPING_COLUMNS), dtype="str")


def priority_columns() -> list[str]:
    """The contract columns of the select_multiple (``pr_<area>``), in choice order."""
    return list(vocab.PRIORITY_COLUMNS)
