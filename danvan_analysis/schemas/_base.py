"""Building blocks of the dataset schemas: column metadata, cross-field rules and the registry entry.

Design
------
A dataset is declared once, as a pandera ``DataFrameModel`` (one module per dataset). Its fields are made by
:func:`column`, which returns a pandera ``Field`` carrying

1. the built-in checks of the column's *kind* (``count`` → ≥ 0, ``enum`` → ``isin`` the Vocab codes, ``commune`` →
   five digits and present in the unit register, …), each with an ``error`` text saying what is allowed;
2. a :class:`ColumnMeta` in the field's ``metadata`` (Vietnamese and English header label, one-line meaning in both
   languages, header aliases, the default used when the column is absent).

Cross-field rules (``resolved_later ≤ referred``, "a commune lies in its district", "a stratum has two PSUs") are
model methods decorated with :func:`rule`: pandera runs them as dataframe checks when the model validates a frame on
its own, and :class:`DatasetSpec` keeps what a loader needs to report them well (the column to blame, the columns
involved, the expected relation, a hint).

:meth:`DatasetSpec.from_model` collects all of it. Header aliases (:mod:`danvan_analysis.io`), fill-in templates
(:mod:`danvan_analysis.workbooks`) and the data dictionary are generated from the spec, so a label or a meaning is
written in exactly one place.

Register look-ups are lazy: the unit register is read the first time a check runs, never at import.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import pandera.pandas as pa

from danvan_analysis.text import fold

if TYPE_CHECKING:
    from danvan_analysis.vocab import Vocab

#: What a column holds; decides its dtype, its parser and its built-in checks.
Kind = Literal[
    "id", "text", "year", "count", "int", "float", "rating", "bool", "date", "enum",
    "province", "district", "commune", "unit",
]  # fmt: skip

#: The pandas dtype each kind is stored as after loading (codes and labels are strings, always).
DTYPES: dict[str, str] = {
    "id": "str",
    "text": "str",
    "year": "Int64",
    "count": "Int64",
    "int": "Int64",
    "float": "float64",
    "rating": "Int8",
    "bool": "boolean",
    "date": "datetime64[ns]",
    "enum": "str",
    "province": "str",
    "district": "str",
    "commune": "str",
    "unit": "str",
}

#: Columns of every problem table (see :class:`danvan_analysis.errors.SchemaError`).
PROBLEM_COLUMNS = ("file", "row", "column", "value", "expected", "check", "severity")

#: Rated answers allowed in q01–q33 (9 = don't know / not applicable).
RATING_VALUES = (1, 2, 3, 4, 5, 9)

_CODE_PATTERNS = {"province": r"^\d{2}$", "district": r"^\d{3}$", "commune": r"^\d{5}$"}
_META_KEY = "danvan"


@dataclass(frozen=True)
class ColumnMeta:
    """What one column means and how it may be written in a file.

    Attributes
    ----------
    name : the column name in the data contract (``commune_code``).
    kind : see :data:`Kind`.
    vi, en : header labels (``"Mã xã"``, ``"Commune code"``); files may use either, or the name.
    means_vi, means_en : one-line meaning, for the data dictionary and the template instructions.
    nullable : whether a cell may be empty.
    optional : whether the column may be absent from a file (it is then added, empty).
    default_from : when the column is absent, copy this column instead (``psu`` ← ``commune_code``).
    vocab : the closed set of an ``enum`` column.
    allowed : the subset of ``vocab`` codes (or of unit kinds, for ``unit`` columns) this dataset accepts.
    aliases : further header spellings (matched after :func:`~danvan_analysis.text.fold`).
    value_aliases : further spellings of enum values, folded text → code (``"quy 1"`` → ``"Q1"``).
    ge, gt, le : numeric bounds.
    """

    name: str
    kind: Kind
    vi: str
    en: str
    means_vi: str
    means_en: str
    nullable: bool = False
    optional: bool = False
    default_from: str | None = None
    vocab: type[Vocab] | None = None
    allowed: tuple[str, ...] | None = None
    aliases: tuple[str, ...] = ()
    value_aliases: Mapping[str, str] = field(default_factory=dict)
    ge: float | None = None
    gt: float | None = None
    le: float | None = None

    @property
    def dtype(self) -> str:
        """The pandas dtype of the column after loading."""
        return DTYPES[self.kind]

    def label(self, lang: str = "vi") -> str:
        """Return the header label in ``lang`` (``"vi"`` or ``"en"``)."""
        return self.vi if lang == "vi" else self.en

    def codes(self) -> tuple[str, ...]:
        """The codes an ``enum`` column accepts (``allowed`` or every code of ``vocab``)."""
        if self.vocab is None:
            return ()
        return self.allowed if self.allowed is not None else tuple(self.vocab.codes())

    def expected(self) -> str:
        """What a valid cell looks like, in words (used in problem tables and error messages)."""
        text = {
            "id": "an identifier (text)",
            "text": "text",
            "year": "a year such as 2023",
            "count": "a whole number ≥ 0",
            "int": "a whole number",
            "float": "a number (decimal point '.')",
            "rating": "1, 2, 3, 4, 5 or 9 (don't know)",
            "bool": "yes or no (Có/Không, true/false, 1/0)",
            "date": "a date, DD/MM/YYYY or YYYY-MM-DD",
            "province": "a 2-digit province code (Thái Nguyên = 19)",
            "district": "a 3-digit district code of the 2023 Thái Nguyên register (list: `danvan units`)",
            "commune": "a 5-digit commune code of the 2023 Thái Nguyên register (list: `danvan units --district …`)",
            "unit": "a unit code of the 2023 register",
        }.get(self.kind, "")
        if self.kind == "enum" and self.vocab is not None:
            labels = {m.value: m.vi for m in self.vocab}
            text = "one of: " + ", ".join(f"{c} ({labels[c]})" for c in self.codes())
        if self.kind == "unit" and self.allowed:
            text = f"a code of {' / '.join(_UNIT_KIND_WORDS[k] for k in self.allowed)} in the 2023 register"
        bounds = [
            f"> {_num(self.gt)}" if self.gt is not None else "",
            f"≥ {_num(self.ge)}" if self.ge is not None else "",
        ]
        bounds += [f"≤ {_num(self.le)}" if self.le is not None else ""]
        if self.kind in ("float", "int") and any(bounds):
            text += " " + " and ".join(b for b in bounds if b)
        return text + (", or empty" if self.nullable else "")


_UNIT_KIND_WORDS = {
    "province": "the province (19)",
    "district": "a district",
    "commune": "a commune",
    "agency": "a provincial agency (SNV, STC, …)",
}


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def column(
    kind: Kind,
    *,
    vi: str,
    en: str,
    means_vi: str,
    means_en: str,
    nullable: bool = False,
    optional: bool = False,
    default_from: str | None = None,
    vocab: type[Vocab] | None = None,
    allowed: Iterable[str] | None = None,
    aliases: Iterable[str] = (),
    value_aliases: Mapping[str, str] | None = None,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
) -> Any:
    """Return the pandera ``Field`` of one column, with its checks and its :class:`ColumnMeta`.

    Parameters
    ----------
    kind : what the column holds; see :data:`Kind`.
    vi, en, means_vi, means_en, nullable, optional, default_from, vocab, allowed, aliases, value_aliases, ge, gt, le
        See :class:`ColumnMeta`. ``count`` columns get ``ge=0`` automatically.

    Returns
    -------
    pandera FieldInfo
        To be assigned to a ``DataFrameModel`` attribute; its name fills :attr:`ColumnMeta.name`.
    """
    if kind == "count" and ge is None:
        ge = 0
    meta = ColumnMeta(
        name="",
        kind=kind,
        vi=vi,
        en=en,
        means_vi=means_vi,
        means_en=means_en,
        nullable=nullable,
        optional=optional,
        default_from=default_from,
        vocab=vocab,
        allowed=tuple(allowed) if allowed is not None else None,
        aliases=tuple(aliases),
        value_aliases=dict(value_aliases or {}),
        ge=ge,
        gt=gt,
        le=le,
    )
    info = pa.Field(nullable=nullable, metadata={_META_KEY: meta}, description=means_en, title=en)
    info.checks = list(info.checks or []) + _kind_checks(meta)
    return info


def _kind_checks(meta: ColumnMeta) -> list[pa.Check]:
    """The built-in checks of a column, each named and with the allowed values in words."""
    expected = meta.expected()
    checks: list[pa.Check] = []
    if meta.kind == "year":
        checks.append(pa.Check.in_range(2000, 2100, name="year_range", error=expected))
    if meta.kind == "rating":
        checks.append(pa.Check.isin(list(RATING_VALUES), name="isin", error=expected))
    if meta.kind == "enum":
        checks.append(pa.Check.isin(list(meta.codes()), name="isin", error=expected))
    if meta.ge is not None:
        checks.append(pa.Check.ge(meta.ge, name="ge", error=expected))
    if meta.gt is not None:
        checks.append(pa.Check.gt(meta.gt, name="gt", error=expected))
    if meta.le is not None:
        checks.append(pa.Check.le(meta.le, name="le", error=expected))
    if meta.kind == "float":
        checks.append(pa.Check(lambda s: np.isfinite(s), name="finite", error=expected))
    if meta.kind in _CODE_PATTERNS:
        checks.append(pa.Check.str_matches(_CODE_PATTERNS[meta.kind], name="code_pattern", error=expected))
    if meta.kind in ("district", "commune"):
        checks.append(_register_check((meta.kind,), _CODE_PATTERNS[meta.kind], expected))
    if meta.kind == "unit":
        kinds = meta.allowed or ("province", "district", "commune", "agency")
        checks.append(_register_check(tuple(kinds), None, expected))
    return checks


def _register_check(kinds: tuple[str, ...], pattern: str | None, expected: str) -> pa.Check:
    """A check that codes exist in the unit register with one of ``kinds`` (read lazily, at validation time).

    Codes that already fail the code pattern pass here, so a cell is reported once.
    """

    def in_register(series: pd.Series) -> pd.Series:
        ok = series.isin(codes_of_kinds(kinds))
        if pattern is not None and not ok.all():
            ok[~ok] = ~series[~ok].str.match(pattern).astype(bool)
        return ok

    return pa.Check(in_register, name="in_register", error=expected)


# -- the unit register, as vectorised look-ups ------------------------------------------------------------------
def unit_table() -> pd.DataFrame:
    """Every unit of the register in use (:func:`danvan_analysis.units.register`: the map of the data's year):
    index = code; columns ``kind`` and ``district_code`` (empty for province/agency, and on the two-level map)."""
    from danvan_analysis.units import register

    return _unit_table(register())


@lru_cache(maxsize=8)
def _unit_table(reg: Any) -> pd.DataFrame:
    table = reg.to_frame()[["code", "kind", "district_code"]].set_index("code")
    return table.astype({"kind": "str", "district_code": "str"})


def codes_of_kinds(kinds: tuple[str, ...]) -> frozenset[str]:
    """The codes of the given kinds in the register in use. On the two-level map the communes report to the
    province where districts did, so a unit column that allows districts allows communes there."""
    from danvan_analysis.units import register

    reg = register()
    if "district" in kinds and not reg.district_codes:
        kinds = (*kinds, "commune")
    return _codes_of_kinds(reg, kinds)


@lru_cache(maxsize=32)
def _codes_of_kinds(reg: Any, kinds: tuple[str, ...]) -> frozenset[str]:
    table = _unit_table(reg)
    return frozenset(table.index[table["kind"].isin(kinds)])


def kind_of(codes: pd.Series) -> pd.Series:
    """The register kind of each code (NaN for an unknown code)."""
    return _look_up(codes, unit_table()["kind"])


def district_of(codes: pd.Series) -> pd.Series:
    """The district each unit code lies in: its own code for a district, NaN for the province and agencies."""
    return _look_up(codes, unit_table()["district_code"])


def _look_up(codes: pd.Series, table: pd.Series) -> pd.Series:
    """``codes.map(table)``, looking each distinct code up once (a survey has a million rows and 177 communes)."""
    codes = plain_text(codes)
    if not isinstance(codes.dtype, pd.StringDtype):
        return codes.map(table)
    positions, distinct = factorize(codes)
    found = table.reindex(pd.Index(distinct.to_pylist(), dtype=codes.dtype)).array
    return pd.Series(found.take(positions, allow_fill=True), index=codes.index, name=codes.name)


def plain_text(values: pd.Series) -> pd.Series:
    """A categorical of text (:func:`~danvan_analysis.schemas.parse_frame`'s ``categorical``) as a ``str`` column,
    its categories taken by code (comparing a categorical with text would make one Python string a row); any other
    column as it is. For the rules that compare two code columns cell by cell."""
    if not (isinstance(values.dtype, pd.CategoricalDtype) and isinstance(values.cat.categories.dtype, pd.StringDtype)):
        return values
    text = values.cat.categories.array.take(values.cat.codes.to_numpy(), allow_fill=True)
    return pd.Series(text, index=values.index, name=values.name)


def factorize(values: pd.Series) -> tuple[np.ndarray, Any]:
    """(codes, distinct values) like ``pandas.factorize`` (-1 = missing); text columns are hashed by pyarrow.

    For a column of Arrow-backed strings pandas' own factorize costs twice as much (it converts the distinct values
    back); the distinct values are returned as a pyarrow array there, else as pandas returns them.
    """
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        chunks = pa.chunked_array(values.array.__arrow_array__())
        array = chunks.combine_chunks() if chunks.num_chunks != 1 else chunks.chunk(0)
        encoded = pc.dictionary_encode(array)
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype("int64", copy=False)
        return codes, encoded.dictionary
    return pd.factorize(values, use_na_sentinel=True)


# -- rules --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """A cross-field check of a dataset.

    Attributes
    ----------
    name : short identifier, shown in the ``check`` column of problem tables.
    column : the column a problem is reported in.
    involves : every column the rule reads; the rule is skipped when one is absent from a file.
    expected : the relation that must hold, in words.
    hint : what to do when it fails (shown once per error message).
    group : when set, rows failing together in one group (e.g. a stratum) are reported once, at the group's
        first row.
    func : ``func(model, frame) -> boolean Series``, True where the row is fine; rows with missing inputs pass.
    """

    name: str
    column: str
    involves: tuple[str, ...]
    expected: str
    hint: str
    group: tuple[str, ...]
    func: Callable[[Any, pd.DataFrame], pd.Series]

    def evaluate(self, model: Any, frame: pd.DataFrame) -> pd.Series:
        """Return the boolean Series ``func`` computes, with missing results counted as passing."""
        ok = self.func(model, frame)
        return pd.Series(ok, index=frame.index).fillna(True).astype(bool)


_RULE_ATTR = "__danvan_rule__"


def rule(
    *,
    column: str,
    involves: Iterable[str],
    expected: str,
    hint: str = "",
    group: Iterable[str] = (),
) -> Callable[[Callable[..., pd.Series]], Any]:
    """Declare a cross-field rule on a ``DataFrameModel`` method ``(cls, df) -> boolean Series``.

    The method becomes a pandera dataframe check (so ``Model.validate`` enforces it) and a :class:`Rule` in the
    dataset's :class:`DatasetSpec`. See :class:`Rule` for the parameters.
    """

    def decorate(func: Callable[..., pd.Series]) -> Any:
        setattr(
            func,
            _RULE_ATTR,
            {"column": column, "involves": tuple(involves), "expected": expected, "hint": hint, "group": tuple(group)},
        )
        return pa.dataframe_check(func, name=func.__name__, error=expected, ignore_na=False)

    return decorate


def le_or_missing(left: pd.Series, right: pd.Series) -> pd.Series:
    """``left ≤ right`` where both are known; True where either is missing."""
    return (left <= right).fillna(True).astype(bool) | left.isna() | right.isna()


def date_in_year(dates: pd.Series, years: pd.Series) -> pd.Series:
    """True where the date falls in the row's year (or either is missing)."""
    return (dates.dt.year == years).fillna(True).astype(bool) | dates.isna() | years.isna()


def group_codes(frame: pd.DataFrame, columns: Iterable[str]) -> np.ndarray:
    """One int64 code per row identifying its combination of ``columns`` (missing values form their own group).

    Built from ``pandas.factorize`` of each column, which is much faster than hashing row tuples on big frames.
    """
    key = np.zeros(len(frame), dtype="int64")
    for i, column in enumerate(columns):
        codes, uniques = factorize(frame[column])
        key = key * (len(uniques) + 1) + (codes + 1)
        if i:
            key = pd.factorize(key)[0].astype("int64")  # re-densify so the product never overflows
    return key


def duplicated_rows(frame: pd.DataFrame, columns: Iterable[str]) -> np.ndarray:
    """True for every row whose combination of ``columns`` occurs more than once."""
    columns = list(columns)
    if any(_all_distinct(frame[c]) for c in columns):
        return np.zeros(len(frame), dtype=bool)  # a column without repeats: no combination repeats (e.g. unique IDs)
    key = group_codes(frame, columns)
    counts = np.bincount(key) if len(key) else np.zeros(0, dtype="int64")
    return counts[key] > 1


def _all_distinct(values: pd.Series) -> bool:
    """Whether a text column holds no value twice, a missing cell counting as one value (one hash pass, no codes)."""
    if not (isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"):
        return False
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pa.chunked_array(values.array.__arrow_array__())
    if len(cells) > 1 and cells.null_count == 0 and pc.all(pc.less(cells[:-1], cells[1:])).as_py():
        # In increasing order, as IDs usually are: no value can repeat. One comparison a row, no hash table (which
        # holds a copy of every ID: ~90 MB at a million rows, the load's peak).
        return True
    return len(pc.unique(cells)) == len(values)  # a null is one of the distinct values (faster than count_distinct)


def unique_within_year(frame: pd.DataFrame, column: str) -> pd.Series:
    """True where ``column`` is not repeated within the same year (missing values are ignored)."""
    keys = [c for c in ("year", column) if c in frame]
    return pd.Series(~duplicated_rows(frame, keys), index=frame.index) | frame[column].isna()


def unique_key(frame: pd.DataFrame, key: Iterable[str]) -> pd.Series:
    """True where the combination of ``key`` columns occurs once."""
    return pd.Series(~duplicated_rows(frame, key), index=frame.index)


def distinct_per_group(frame: pd.DataFrame, group: Iterable[str], column: str) -> pd.Series:
    """Number of distinct non-missing values of ``column`` within each row's group (like groupby-nunique)."""
    groups = group_codes(frame, group)
    values, uniques = factorize(frame[column])
    known = values >= 0
    pairs = pd.unique(groups[known] * (len(uniques) + 1) + values[known])  # hashing, not sorting: fast
    counts = np.bincount(pairs // (len(uniques) + 1), minlength=int(groups.max(initial=-1)) + 1)
    return pd.Series(counts[groups], index=frame.index)


def unit_matches_kind(units: pd.Series, kinds: pd.Series) -> pd.Series:
    """True where the register kind of ``units`` equals ``kinds`` (a level or a unit kind); unknown codes pass."""
    actual, kinds = kind_of(units), plain_text(kinds)
    return (actual == kinds).fillna(True).astype(bool) | actual.isna() | kinds.isna()


def district_matches_unit(districts: pd.Series, units: pd.Series) -> pd.Series:
    """True where ``districts`` is the district the unit lies in (empty for the province and agencies)."""
    expected, districts = district_of(units), plain_text(districts)
    known = units.isin(unit_table().index)
    both_empty = expected.isna() & districts.isna()
    return (districts == expected).fillna(False).astype(bool) | both_empty | ~known


# -- the registry entry -------------------------------------------------------------------------------------------
class DanvanModel(pa.DataFrameModel):
    """Base of every dataset model: dtypes are coerced, unknown columns refused."""

    class Config:
        coerce = True
        strict = True


@dataclass(frozen=True, eq=False)
class DatasetSpec:
    """One dataset of the data contract: its pandera model and everything derived from the model's metadata.

    Attributes
    ----------
    name : dataset name (``"survey"``); also the file stem in ``data/<year>/``.
    model : the pandera ``DataFrameModel``.
    title_vi, title_en : dataset title.
    grain_vi, grain_en : what one row is (``"one row per respondent"``).
    key : columns that identify a row (unique together).
    columns : metadata of every column, in contract order.
    rules : the cross-field rules.
    """

    name: str
    model: type[pa.DataFrameModel]
    title_vi: str
    title_en: str
    grain_vi: str
    grain_en: str
    key: tuple[str, ...]
    columns: tuple[ColumnMeta, ...]
    rules: tuple[Rule, ...]

    @classmethod
    def from_model(
        cls,
        name: str,
        model: type[pa.DataFrameModel],
        *,
        title_vi: str,
        title_en: str,
        grain_vi: str,
        grain_en: str,
        key: Iterable[str],
    ) -> DatasetSpec:
        """Collect the column metadata and the rules declared on ``model``.

        Read from the model's fields, not from its pandera schema: building a schema makes pandera import the
        typing modules of every dataframe library it supports (dask.dataframe: ~1 s), a cost every process that
        imports this package would pay. The schema is built on first use (:meth:`schema`), by the loaders only.
        """
        columns = []
        for _, info in model.__fields__.values():
            meta = (info.metadata or {}).get(_META_KEY)
            if meta is None:
                raise TypeError(f"{model.__name__}.{info.name} was not declared with schemas._base.column().")
            columns.append(dataclasses.replace(meta, name=info.name))
        rules = []
        for klass in reversed(model.__mro__):
            for attr_name, attr in vars(klass).items():
                info = getattr(getattr(attr, "__func__", None), _RULE_ATTR, None)
                if info is not None:
                    rules.append(Rule(name=attr_name, func=attr.__func__, **info))
        return cls(name, model, title_vi, title_en, grain_vi, grain_en, tuple(key), tuple(columns), tuple(rules))

    # -- columns ----------------------------------------------------------------------------------------------
    @property
    def column_names(self) -> list[str]:
        """Every column, in contract order."""
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        """Columns a file must have (absent optional or defaulted columns are filled by the loader)."""
        return [c.name for c in self.columns if not c.optional and c.default_from is None]

    @property
    def optional_columns(self) -> list[str]:
        """Columns a file may leave out: added empty, or copied from their default column."""
        return [c.name for c in self.columns if c.optional or c.default_from is not None]

    def column(self, name: str) -> ColumnMeta:
        """Return the metadata of column ``name``."""
        for meta in self.columns:
            if meta.name == name:
                return meta
        raise KeyError(f"{self.name} has no column {name!r}; columns: {', '.join(self.column_names)}")

    @cached_property
    def header_aliases(self) -> dict[str, str]:
        """Folded header text → column name: the name, both labels and every alias of each column."""
        table: dict[str, str] = {}
        for meta in self.columns:
            for text in (meta.name, meta.vi, meta.en, *meta.aliases):
                key = fold(text)
                if table.setdefault(key, meta.name) != meta.name:
                    raise ValueError(f"{self.name}: header {text!r} would mean both {table[key]} and {meta.name}")
        return table

    def dtypes(self) -> dict[str, str]:
        """Column → pandas dtype after loading."""
        return {c.name: c.dtype for c in self.columns}

    def empty_frame(self) -> pd.DataFrame:
        """A frame with no rows and every column at its loaded dtype."""
        return pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in self.columns})

    def schema(self, present: Iterable[str] | None = None) -> pa.DataFrameSchema:
        """The pandera schema without the cross-field rules, restricted to the ``present`` columns."""
        return _column_schema(self.model, None if present is None else tuple(sorted(present)))


@contextlib.contextmanager
def _pandas_typing_only() -> Iterator[None]:
    """Build pandera schemas of pandas models without importing dask.

    To tell a model's series and index annotations apart, pandera lists the typing classes of every dataframe library
    installed (``pandera.typing.get_series_types``), which imports ``dask.dataframe`` (~1 s, in the batch's shared
    step) when dask is installed, as it is for ``--scheduler``. Our models annotate pandas series only, so while
    they are built pandera sees dask's typing module as absent; its cached lists are cleared afterwards, so a dask
    model built later in the same process is recognised as usual. Nothing changes when dask's typing is loaded.
    """
    import sys
    import types

    import pandera.typing

    name = "pandera.typing.dask"
    if name in sys.modules or "dask.dataframe" in sys.modules:
        yield
        return
    cached = (pandera.typing.get_series_types, pandera.typing.get_index_types, pandera.typing.get_dataframe_types)
    stub = types.ModuleType(name)
    stub.DASK_INSTALLED = False  # type: ignore[attr-defined]
    sys.modules[name] = stub
    try:
        yield
    finally:
        if sys.modules.get(name) is stub:
            del sys.modules[name]
        for function in cached:
            function.cache_clear()


@cache
def _column_schema(model: type[pa.DataFrameModel], present: tuple[str, ...] | None) -> pa.DataFrameSchema:
    # Rules run outside pandera (see io/check_frame) so that a failing row is reported once, in its own column,
    # instead of pandera's one failure case per column of the row.
    with _pandas_typing_only():
        schema = model.to_schema()
    schema = schema.remove_columns([c for c in schema.columns if present is not None and c not in present])
    schema.checks = []
    # The parser already produced the contract dtypes; pandera only checks them (coercing would copy every column).
    schema.coerce = False
    for component in schema.columns.values():
        component.coerce = False
    return schema
