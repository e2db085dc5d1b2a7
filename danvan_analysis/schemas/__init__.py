"""Data contracts: one pandera model per dataset, and the registry that drives loaders, templates and docs.

Each module declares one dataset (columns exactly as in ``docs/design.md``, "Data contracts"): survey, dialogues,
religion, complaints, boards, plans, inspections, submissions, indices. :data:`DATASETS` maps a dataset name to its
:class:`DatasetSpec`: the pandera model, every column's Vietnamese/English label and meaning, the key columns, the
optional columns and the cross-field rules.

>>> from danvan_analysis.schemas import DATASETS
>>> DATASETS["religion"].key
('year', 'period', 'district_code', 'religion')
>>> DATASETS["survey"].column("commune_code").vi
'Mã xã'

Validate an in-memory frame (e.g. generated data) with :func:`validate_frame`; read files with
:mod:`danvan_analysis.io`, which uses the same steps: :func:`parse_frame`, :func:`check_frame` and the problem-table
helpers (:func:`problem_table`, :func:`combine_problems`, :func:`describe_problems`, :func:`describe_warnings`,
:func:`duplicated_rows`). The Markdown data dictionary (``docs/data_dictionary.md``) is rendered from the same
metadata by :func:`render_data_dictionary`.
"""

from __future__ import annotations

import warnings
from functools import cache

import pandas as pd

from danvan_analysis import vocab
from danvan_analysis.errors import DataWarning, ParameterError, SchemaError
from danvan_analysis.schemas import (
    boards,
    complaints,
    dialogues,
    indices,
    inspections,
    plans,
    religion,
    submissions,
    survey,
)
from danvan_analysis.schemas._base import (
    PROBLEM_COLUMNS,
    RATING_VALUES,
    ColumnMeta,
    DatasetSpec,
    Rule,
    duplicated_rows,
    plain_text,
)
from danvan_analysis.schemas._check import check_frame, combine_problems, describe_problems
from danvan_analysis.schemas._dictionary import render_data_dictionary, write_data_dictionary
from danvan_analysis.schemas._parse import parse_frame, problem_table

#: Every dataset of the data contract, by name, in the order of the design document.
DATASETS: dict[str, DatasetSpec] = {
    module.SPEC.name: module.SPEC
    for module in (survey, dialogues, religion, complaints, boards, plans, inspections, submissions, indices)
}
if tuple(DATASETS) != vocab.DATASET_NAMES:  # the light copy planning reads (danvan_analysis.vocab)
    raise RuntimeError(f"vocab.DATASET_NAMES {vocab.DATASET_NAMES} differs from the schemas' {tuple(DATASETS)}.")


@cache
def column_vocabs() -> dict[str, type[vocab.Vocab]]:
    """Every closed-set column of the data contract → its :class:`~danvan_analysis.vocab.Vocab`, read from the
    schemas (``sex`` → ``Sex``, ``period`` → ``Period``, ``group`` → ``PapiGroup``, …): the one place that says which
    codes a column holds, for the model's category order, the breakdown labels and the report tables."""
    found: dict[str, type[vocab.Vocab]] = {}
    for spec in DATASETS.values():
        for column in spec.columns:
            if column.vocab is not None:
                found.setdefault(column.name, column.vocab)
    return found


__all__ = [
    "DATASETS",
    "PROBLEM_COLUMNS",
    "RATING_VALUES",
    "ColumnMeta",
    "DatasetSpec",
    "Rule",
    "check_frame",
    "column_vocabs",
    "combine_problems",
    "describe_problems",
    "describe_warnings",
    "duplicated_rows",
    "get_spec",
    "parse_frame",
    "plain_text",
    "problem_table",
    "render_data_dictionary",
    "validate_frame",
    "write_data_dictionary",
]


def get_spec(name: str) -> DatasetSpec:
    """Return the :class:`DatasetSpec` of dataset ``name``; raise :class:`ParameterError` listing the names."""
    try:
        return DATASETS[str(name).strip().lower()]
    except KeyError:
        raise ParameterError(f"No dataset is called {name!r}; expected one of: {', '.join(DATASETS)}.") from None


def validate_frame(name: str, frame: pd.DataFrame, *, label: str = "<data frame>") -> pd.DataFrame:
    """Check an in-memory frame against dataset ``name``'s contract and return it in the contract's dtypes.

    The frame goes through the loader's parsing step (codes re-padded, enum labels mapped to codes) and every check;
    rows are numbered as they would be in a CSV export (first data row = row 2).

    Parameters
    ----------
    name : dataset name (see :data:`DATASETS`).
    frame : the data; extra columns are refused.
    label : how the data are named in messages.

    Returns
    -------
    pandas.DataFrame
        The validated data, columns in contract order, with a fresh ``RangeIndex``.

    Raises
    ------
    SchemaError
        Listing every problem; the table is in ``err.problems``.

    Warns
    -----
    DataWarning
        When values were repaired (listed in the warning).
    """
    spec = get_spec(name)
    data = frame.set_axis(pd.RangeIndex(2, len(frame) + 2), axis=0)
    extra = [c for c in data.columns if c not in spec.column_names]
    missing = [c for c in spec.required_columns if c not in data.columns]
    header = [_header_problem(label, c, "not a column of the contract", "extra_column") for c in extra]
    header += [_header_problem(label, c, f"a column {c!r} ({spec.column(c).vi})", "missing_column") for c in missing]
    parsed, parse_problems = parse_frame(spec, data[[c for c in data.columns if c in spec.column_names]], file=label)
    problems = combine_problems(
        *header, parse_problems, check_frame(spec, parsed, raw=data, file=label), order=spec.column_names
    )
    if (problems["severity"] == "error").any():
        raise SchemaError(describe_problems(problems, spec), problems)
    if len(problems):
        warnings.warn(DataWarning(describe_warnings(problems)), stacklevel=2)
    return parsed.reset_index(drop=True)


def _header_problem(label: str, column: str, expected: str, check: str) -> pd.DataFrame:
    return problem_table([1], column, [column], expected, check, file=label)


def describe_warnings(problems: pd.DataFrame, *, limit: int = 10) -> str:
    """One line per warning of a problem table (up to ``limit``)."""
    found = problems[problems["severity"] == "warning"]
    lines = [f"{len(found)} value(s) repaired or ignored while loading:"]
    for p in found.head(limit).itertuples(index=False):
        lines.append(f"  {p.file}: row {p.row}, column {p.column}: {p.value}: {p.expected}")
    if len(found) > limit:
        lines.append(f"  … and {len(found) - limit} more (validate_file lists them all).")
    return "\n".join(lines)
