"""Closed sets: parsing codes and labels, and the alias tables kept once per set."""

from __future__ import annotations

from danvan_analysis import vocab
from danvan_analysis.text import fold


def test_parse_reads_codes_and_labels_in_any_form() -> None:
    """A code, either label, any case, NFD or without diacritics: all name the same member."""
    import unicodedata

    for text in ("Q1", "q1", "Quý I", "quy i", unicodedata.normalize("NFD", "QUÝ I")):
        assert vocab.Period.parse(text) == "Q1", text
    assert vocab.Period.parse("Quý V") is None and vocab.Period.parse(None) is None


def test_alias_table_is_built_once_and_handed_out_as_a_copy() -> None:
    """aliases() is a fresh dict each call: a caller changing it cannot change what parse() reads."""
    table = vocab.Period.aliases()
    assert table == vocab.Period.aliases() and table is not vocab.Period.aliases()
    table[fold("Quý V")] = "Q1"
    assert vocab.Period.parse("Quý V") is None
    assert vocab._alias_table(vocab.Period) is vocab._alias_table(vocab.Period)  # built once
    assert vocab._alias_table(vocab.Topic) is not vocab._alias_table(vocab.Period)


def test_fold_remembers_texts_without_mixing_types() -> None:
    """fold is remembered per text; a code given as its enum member folds to the same plain text."""
    assert fold("Đồng Hỷ") == "dong hy" and fold("Đồng Hỷ") is fold("Đồng Hỷ")
    member = vocab.Period.Q1
    assert fold(member) == fold("Q1") == "q1" and type(fold(member)) is str
