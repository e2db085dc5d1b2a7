"""Sentences for the reports, generated from results in Vietnamese and English.

Narratives format results, they never compute them: every number in a sentence comes from a
:class:`~danvan_analysis.scorecard.Scorecard` (its evidence text and shortfalls) or an
:class:`~danvan_analysis.indicators.Indicator`, rendered with :mod:`danvan_analysis.fmt`, so the text cannot drift
from the tables. Recommendations follow the plan's logic: one per target **not met**, naming the units behind it
(the communes without a plan, the heads who held no dialogue, the reports that came late), as the Department's
annual review asks ("chỉ rõ đơn vị chưa thực hiện"). Every string returned is NFC.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from danvan_analysis import fmt, vocab
from danvan_analysis.errors import ParameterError
from danvan_analysis.indicators import Indicator, Shortfall
from danvan_analysis.indicators._base import REASONS
from danvan_analysis.scorecard import NO_DATA, NOT_MET, Scorecard, TargetScore
from danvan_analysis.units import PROVINCE_CODE

#: Units named in a recommendation before "… and N others".
MAX_UNITS = 8

# What to do about each target not met: (vi, en); {units} = the named units, {evidence} = the scorecard evidence.
_ACTIONS: dict[str, tuple[str, str]] = {
    "1": (
        "Đôn đốc {count} đơn vị chưa ban hành kế hoạch công tác dân vận chính quyền: {units}.",
        "Follow up the {count} unit(s) that have not issued a plan: {units}.",
    ),
    "2a": (
        "Xây dựng giải pháp nâng chỉ số PAR INDEX. Căn cứ: {evidence}.",
        "Draw up measures to raise the PAR INDEX. Evidence: {evidence}.",
    ),
    "2b": (
        "Xây dựng giải pháp nâng chỉ số PCI. Căn cứ: {evidence}.",
        "Draw up measures to raise the PCI. Evidence: {evidence}.",
    ),
    "2c": (
        "Xây dựng giải pháp nâng chỉ số SIPAS. Căn cứ: {evidence}.",
        "Draw up measures to raise the SIPAS. Evidence: {evidence}.",
    ),
    "2d": (
        "Xây dựng giải pháp nâng chỉ số PAPI. Căn cứ: {evidence}.",
        "Draw up measures to raise the PAPI. Evidence: {evidence}.",
    ),
    "2e": (
        "Phân tích nguyên nhân và cải thiện mức độ hài lòng của người dân. Căn cứ: {evidence}.",
        "Analyse the causes and raise citizens' satisfaction. Evidence: {evidence}.",
    ),
    "3": (
        "Yêu cầu {count} người đứng đầu chưa trực tiếp đối thoại với Nhân dân tổ chức đối thoại: {units}.",
        "Ask the {count} head(s) of government who held no direct dialogue to hold one: {units}.",
    ),
    "4a": (
        "Thành lập, kiện toàn Ban Thanh tra nhân dân tại {count} đơn vị: {units}.",
        "Set up or restore the People's Inspection Board in {count} unit(s): {units}.",
    ),
    "4b": (
        "Thành lập Ban Giám sát đầu tư của cộng đồng tại {count} xã có dự án đầu tư: {units}.",
        "Set up a Community Investment Supervision Board in {count} commune(s) with projects: {units}.",
    ),
    "5a": (
        "Tăng cường thông tin, tuyên truyền cho chức sắc, chức việc tôn giáo, trước hết tại: {units}. "
        "Căn cứ: {evidence}.",
        "Step up outreach to religious dignitaries and officials, first in: {units}. Evidence: {evidence}.",
    ),
    "5b": (
        "Tập trung giải quyết dứt điểm các điểm nóng về tôn giáo tại: {units}.",
        "Settle the religious hot spots in: {units}.",
    ),
    "5c": (
        "Ngăn chặn sự gia tăng người theo tổ chức tôn giáo bất hợp pháp tại: {units}. Căn cứ: {evidence}.",
        "Stop the growth in followers of unlawful religious organisations in: {units}. Evidence: {evidence}.",
    ),
    "6": (
        "Tổ chức kiểm tra công tác dân vận chính quyền ít nhất 1 lần trong năm tại: {units}.",
        "Conduct at least one inspection of mass mobilisation work a year in: {units}.",
    ),
    "R": (
        "Chấn chỉnh chế độ báo cáo đối với {count} trường hợp gửi muộn hoặc chưa gửi: {units}.",
        "Enforce the reporting deadlines for the {count} late or missing report(s): {units}.",
    ),
}
_NO_UNITS = ("các đơn vị liên quan", "the units concerned")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _check_lang(lang: str) -> str:
    if lang not in ("vi", "en"):
        raise ParameterError(f"lang={lang!r} is not supported; expected 'vi' or 'en'.")
    return lang


def target_name(target: str, *, lang: str = "vi") -> str:
    """Return how a target is named in a sentence: ``"Chỉ tiêu 3"``, ``"Target 3"``, ``"Chế độ báo cáo"``."""
    _check_lang(lang)
    if target == "R":
        return "Chế độ báo cáo" if lang == "vi" else "Reporting"
    return f"Chỉ tiêu {target}" if lang == "vi" else f"Target {target}"


def describe_target(score: TargetScore, *, lang: str = "vi") -> str:
    """Return one sentence stating a target's status and the evidence behind it.

    Examples
    --------
    ``"Chỉ tiêu 3: Đạt — 187/187 (100,0 %) người đứng đầu chính quyền đã trực tiếp đối thoại với Nhân dân."``
    """
    _check_lang(lang)
    status = vocab.STATUS_LABELS[lang][score.status]
    evidence = score.evidence(lang).rstrip(".")
    return _nfc(f"{target_name(score.target, lang=lang)}: {status} — {evidence}.")


def describe_scorecard(card: Scorecard, *, lang: str = "vi") -> list[str]:
    """Return an opening sentence with the counts, then one sentence per target.

    Examples
    --------
    ``"Năm 2023, Huyện Đại Từ đạt 10/14 chỉ tiêu; không đạt 2; chưa đủ dữ liệu 2."``
    """
    _check_lang(lang)
    counts = card.summary()
    total = sum(counts.values())
    labels = vocab.STATUS_LABELS[lang]
    if lang == "vi":
        opening = (
            f"Năm {card.year}, {card.unit_name} đạt {counts['met']}/{total} chỉ tiêu; "
            f"{labels[NOT_MET].lower()} {counts[NOT_MET]}; {labels[NO_DATA].lower()} {counts[NO_DATA]}."
        )
    else:
        name = "Thái Nguyên province" if card.unit_code == "19" else card.unit_name
        opening = (
            f"In {card.year}, {name} met {counts['met']} of {total} targets; "
            f"{counts[NOT_MET]} not met; {counts[NO_DATA]} without sufficient data."
        )
    return [_nfc(opening)] + [describe_target(row, lang=lang) for row in card.rows]


def recommend_actions(
    card: Scorecard, *, lang: str = "vi", max_units: int = MAX_UNITS, include_no_data: bool = False
) -> list[str]:
    """Return one recommendation per target not met, naming the units behind it.

    Parameters
    ----------
    card : a scorecard.
    lang : ``"vi"`` or ``"en"``.
    max_units : how many units to name before "… and N others".
    include_no_data : also ask for the missing data of targets without data.

    Notes
    -----
    A district's scorecard repeats the province-level indices (targets 2a–2d); they get no recommendation there,
    since the district cannot act on them alone: the provincial report carries them.

    Returns
    -------
    list of str
        In the order of the targets; empty when every target is met.
    """
    _check_lang(lang)
    out = []
    for row in card.rows:
        if card.unit_code != PROVINCE_CODE and row.level == "province":
            continue  # province-level indices belong to the provincial report, not to a district's actions
        if row.status == NOT_MET:
            template = _ACTIONS[row.target][0 if lang == "vi" else 1]
            units = name_units(row.shortfalls, lang=lang, max_units=max_units)
            text = template.format(
                count=fmt.format_count(len(row.shortfalls), lang=lang),  # type: ignore[arg-type]
                units=units or _NO_UNITS[0 if lang == "vi" else 1],
                evidence=row.evidence(lang).rstrip("."),
            )
            out.append(_nfc(text))
        elif row.status == NO_DATA and include_no_data:
            name = target_name(row.target, lang=lang)
            out.append(
                _nfc(
                    f"Bổ sung số liệu để đánh giá {name.lower()}. Căn cứ: {row.evidence(lang).rstrip('.')}."
                    if lang == "vi"
                    else f"Collect the data needed to assess {name.lower()}. Evidence: {row.evidence(lang).rstrip('.')}."
                )
            )
    return out


def name_units(shortfalls: Sequence[Shortfall], *, lang: str = "vi", max_units: int = MAX_UNITS) -> str:
    """Return the units of ``shortfalls`` as a list for a sentence, with why each is listed when it helps.

    A unit listed several times (late reports for several periods) is named once with every note
    (``"Sở Y tế (báo cáo quý I, muộn 3 ngày; báo cáo năm, chưa nộp)"``); a district behind a religion target shows
    its own figure; a unit that sent no report says so. Units beyond ``max_units`` are counted, not named.
    """
    _check_lang(lang)
    names: dict[str, str] = {}
    notes: dict[str, list[str]] = {}
    for s in shortfalls:
        names[s.unit_code] = s.unit_name
        note = _describe_shortfall(s, lang)
        if note:
            notes.setdefault(s.unit_code, []).append(note)
    items = [f"{name} ({'; '.join(notes[code])})" if code in notes else name for code, name in names.items()]
    if len(items) > max_units:
        rest = len(items) - max_units
        more = f"và {rest} đơn vị khác" if lang == "vi" else f"and {rest} other(s)"
        items = [*items[:max_units], more]
    return _nfc(", ".join(items))


# "báo cáo quý I" / "Q1 report": which report of the year was late or missing.
_REPORTS = {
    "Q1": ("báo cáo quý I", "Q1 report"),
    "H1": ("báo cáo 6 tháng", "half-year report"),
    "9M": ("báo cáo 9 tháng", "nine-month report"),
    "Y": ("báo cáo năm", "annual report"),
}


def _describe_shortfall(s: Shortfall, lang: str) -> str:
    """Return why one unit is listed (empty when its name says enough)."""
    i = 0 if lang == "vi" else 1
    report = _REPORTS.get(s.period, (s.period, s.period))[i]
    if s.reason == "late":
        days = f"muộn {s.detail} ngày" if lang == "vi" else f"{s.detail} day(s) late"
        return f"{report}, {days}" if s.detail else report
    if s.reason == "missing":
        return f"{report}, {REASONS['missing'][i]}"
    if s.reason in REASONS and s.reason != "not_done":
        return REASONS[s.reason][i]
    return s.detail or ""


def describe_indicator(item: Indicator, *, lang: str = "vi") -> str:
    """Return ``"<label>: <value>"`` for one indicator, with numerator/denominator for a percent.

    Examples
    --------
    ``"Tỷ lệ ý kiến được trả lời trực tiếp tại hội nghị: 60,0 % (120/200)."``
    """
    _check_lang(lang)
    value = fmt.format_value(item.value, item.kind, lang=lang)  # type: ignore[arg-type]
    if item.kind == "percent" and item.denominator is not None:
        value += (
            f" ({fmt.format_count(item.numerator, lang=lang)}/"  # type: ignore[arg-type]
            f"{fmt.format_count(item.denominator, lang=lang)})"  # type: ignore[arg-type]
        )
    return _nfc(f"{item.label(lang)}: {value}.")
