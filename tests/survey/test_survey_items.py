"""Item metadata: don't-know codes declared per item, codes validated by estimate() as by sipas_indices()."""

from __future__ import annotations

import pandas as pd
import pytest
from test_survey_hand import one, tiny

from danvan_analysis.errors import ParameterError, SchemaError
from danvan_analysis.survey import SurveyDesign, estimate, sipas_indices
from danvan_analysis.survey.items import SIPAS_SCALE, ItemScale, item_scales


def test_every_sipas_item_is_declared_on_the_sipas_scale():
    scales = item_scales()
    assert len(scales) == 33 and set(scales.values()) == {SIPAS_SCALE}
    assert SIPAS_SCALE.describe() == "1-5, 9 (not answered)"


def test_a_renamed_item_declared_on_the_scale_leaves_9_out():
    # tiny(): q01 mean 2.75 with row 9 (a 9) out; counted as a rating it would be (55 + 2 * 9) / 22 = 73/22.
    data = tiny().rename(columns={"q01": "satisfaction"})
    declared = one(estimate(data, SurveyDesign(), "satisfaction", scales={"satisfaction": SIPAS_SCALE}), by="all")
    undeclared = one(estimate(data, SurveyDesign(), "satisfaction"), by="all")
    assert declared["estimate"] == pytest.approx(2.75, rel=1e-14) and declared["n"] == 9
    assert undeclared["estimate"] == pytest.approx(73 / 22, rel=1e-14) and undeclared["n"] == 10


def test_a_local_scale_with_its_own_not_applicable_code():
    # Declare q01 on 1-4 with 5 = not applicable and 9 = don't know: rows 3, 11 (5), 9 (9) and 6 (<NA>) are out.
    # Answered rows 1,2,4,5,7,8,10 (w 2,2,3,4,4,2,1; ratings 4,2,3,1,3,2,4): X = 18, Y = 8+4+9+4+12+4+4 = 45.
    scale = ItemScale(ratings=(1, 2, 3, 4), not_answered=(5, 9))
    row = one(estimate(tiny(), SurveyDesign(), "q01", scales={"q01": scale}), by="all")
    assert row["estimate"] == pytest.approx(2.5, rel=1e-14) and row["n"] == 7


def test_estimate_refuses_an_invalid_code_with_the_sipas_error(survey):
    data = survey.copy()
    data.loc[data.index[:3], "q04"] = 7
    with pytest.raises(SchemaError) as from_sipas:
        sipas_indices(data, SurveyDesign())
    with pytest.raises(SchemaError) as from_estimate:
        estimate(data, SurveyDesign(), ["q04"], kind="proportion", at_least=4)
    assert str(from_estimate.value) == str(from_sipas.value)
    assert "'q04' holds the code(s) [7] on 3 row(s); expected 1-5, 9 (not answered)" in str(from_estimate.value)


def test_a_declared_column_with_fractions_is_refused():
    data = tiny().assign(score=lambda d: pd.Series([1.5] * len(d)))
    with pytest.raises(SchemaError, match="'score'"):
        estimate(data, SurveyDesign(), "score", scales={"score": SIPAS_SCALE})


def test_a_code_cannot_be_both_a_rating_and_not_answered():
    with pytest.raises(ParameterError, match="both"):
        ItemScale(ratings=(1, 2, 9), not_answered=(9,))
