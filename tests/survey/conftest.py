"""Fixtures of the survey tests: seeded synthetic surveys (see synthetic.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synthetic import make_survey, small_units


@pytest.fixture(scope="session")
def survey() -> pd.DataFrame:
    """3 strata x 3-5 PSUs x 3-7 villages, ~1500 respondents, 9 codes, missing values and skipped blocks."""
    return make_survey(respondents=1500, seed=11)


@pytest.fixture(scope="session")
def survey_wide() -> pd.DataFrame:
    """6 strata x 5-8 PSUs (df = 33): enough PSUs for models with 12 coefficients."""
    return make_survey(respondents=6000, seed=21, units=small_units(6, (5, 6, 7, 8)))


@pytest.fixture(scope="session")
def two_years() -> pd.DataFrame:
    """The same frame of units surveyed in 2023 and 2024 (independent samples, PSU codes reused)."""
    a = make_survey(respondents=1500, seed=31, year=2023)
    b = make_survey(respondents=1800, seed=32, year=2024)
    return pd.concat([a, b], ignore_index=True)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(2023)
