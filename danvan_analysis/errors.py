"""Exceptions raised by danvan-analysis.

Every error a user can cause derives from :class:`DanvanError`; the ``danvan`` command prints such errors
without a traceback and exits with status 2. Messages name the file, row and column, the value found, what was
expected, and a hint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


class DanvanError(Exception):
    """Base class of every error caused by input, parameters or data."""


class InputFileError(DanvanError):
    """A file cannot be read at all (missing, empty, undecodable, unknown format)."""


class SchemaError(DanvanError):
    """A dataset broke its contract; ``problems`` lists every problem found.

    ``problems`` is a DataFrame with the columns ``file``, ``row`` (the row number as the user sees it in Excel or a
    text editor, header = row 1), ``column``, ``value``, ``expected`` and ``check``.
    """

    def __init__(self, message: str, problems: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        self.problems = problems


class PrivacyError(DanvanError):
    """A survey file carries columns that identify people."""


class UnitError(DanvanError):
    """A unit code or name could not be resolved."""


class UnknownUnitError(UnitError, LookupError):
    """No unit matches; ``suggestions`` holds the closest names."""

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.suggestions = suggestions or []


class AmbiguousUnitError(UnitError, LookupError):
    """Several units match; ``candidates`` lists them as ``code name (district)``."""

    def __init__(self, message: str, candidates: list[str] | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []


class UnitNotOnMapError(UnknownUnitError):
    """The name is a unit of another date's map (merged, divided, or not yet created); the message says which.

    ``unit`` is the unit on that map (code and name), ``map_id`` that map's id, and ``successors`` the units of the
    map asked for that now cover it (empty when the unit is newer than that map).
    """

    def __init__(
        self, message: str, *, unit: str, map_id: str, successors: list[str], suggestions: list[str] | None = None
    ) -> None:
        super().__init__(message, suggestions)
        self.unit = unit
        self.map_id = map_id
        self.successors = successors


class DesignError(DanvanError):
    """The survey design cannot support the requested estimate (e.g. a stratum with one PSU)."""


class EstimationError(DanvanError):
    """An estimate or model cannot be computed from the data (too few cases, separation, …)."""


class ParameterError(DanvanError, ValueError):
    """A notebook or command parameter is invalid."""


class ReportError(DanvanError):
    """A report could not be produced."""


class DataWarning(UserWarning):
    """A file loaded, but the loader repaired or ignored something (a code re-padded, a column dropped).

    The full list is in the problem table (``validate_file``, ``DataBundle.warnings``), severity ``"warning"``.
    """


class PlanError(DanvanError):
    """A plan file is broken; ``problems`` lists every problem found (file, line, field, value, expected)."""

    def __init__(self, message: str, problems: list[dict[str, object]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []
