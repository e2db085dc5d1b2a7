"""Write scorecards_2023_before.csv: every scorecard row of the 2023 demo report set, from the code as it stood at
commit f62a6df (before the plan became a file). Kept to show where the regression reference came from; it is not
rerun by the tests (rerunning it today would test the new code against itself).

    git checkout f62a6df && .venv/bin/danvan demo && .venv/bin/python tests/data/reference/make_scorecards_before.py
"""

from pathlib import Path

import danvan_analysis as dv
from danvan_analysis.scorecard import score_all_districts

HERE = Path(__file__).parent
ROOT = HERE.parents[2]

bundle = dv.load_bundle(ROOT / "data" / "demo")
survey = bundle.survey[bundle.survey["year"] == 2023]
sipas = dv.sipas_indices(survey, dv.SurveyDesign())
satisfaction = sipas.tidy(year=2023)  # what the reports pass (reports/views.py)
cards = score_all_districts(bundle, year=2023, satisfaction=satisfaction, include_province=True)
frame = cards.to_frame()[
    [
        "district_code",
        "target",
        "level",
        "unit_code",
        "status",
        "value",
        "threshold",
        "rule",
        "numerator",
        "denominator",
        "ci_low",
        "ci_high",
    ]
]
# The units named behind each "not met" (code:reason, in order), as the recommendations list them.
frame["shortfalls"] = [
    ";".join(f"{s.unit_code}:{s.reason}" for s in row.shortfalls)
    for card in cards.scorecards.values()
    for row in card.rows
]
frame.to_csv(HERE / "scorecards_2023_before.csv", index=False, float_format="%.10g")
print(len(frame), "rows")
