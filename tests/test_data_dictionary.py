"""The committed data dictionary is exactly what the schema metadata renders (so it never drifts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from danvan_analysis.schemas import DATASETS, render_data_dictionary, write_data_dictionary

COMMITTED = Path(__file__).parents[1] / "docs" / "data_dictionary.md"
REGENERATE = (
    "python -c \"from danvan_analysis.schemas import write_data_dictionary as w; w('docs/data_dictionary.md')\""
)


def test_committed_dictionary_is_up_to_date() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render_data_dictionary() + "\n", f"Regenerate it: {REGENERATE}"


def test_every_dataset_column_and_rule_is_documented() -> None:
    text = render_data_dictionary()
    for spec in DATASETS.values():
        assert f"## `{spec.name}`" in text
        for meta in spec.columns:
            assert f"| `{meta.name}` |" in text
        for rule in spec.rules:
            assert f"`{rule.name}`" in text


def test_survey_items_carry_their_questionnaire_text() -> None:
    # q23 of the SIPAS questionnaire (data/sipas_items.csv): "Công chức lịch sự, tôn trọng".
    assert "«Công chức lịch sự, tôn trọng»" in render_data_dictionary()


def test_language_choice() -> None:
    english = render_data_dictionary(lang=("en",))
    assert "| Label (English) | Meaning |" in english
    assert "Nhãn (tiếng Việt)" not in english
    assert "Mã xã" not in english.split("## `survey`")[1].split("## ")[0]
    with pytest.raises(ValueError, match="'vi' and/or 'en'"):
        render_data_dictionary(lang=("fr",))


def test_write_data_dictionary(tmp_path: Path) -> None:
    path = write_data_dictionary(tmp_path / "dd.md")
    assert path.read_bytes().decode("utf-8") == render_data_dictionary() + "\n"
    assert b"\r\n" not in path.read_bytes()
