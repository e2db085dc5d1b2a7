"""Sentences for the reports, generated from results in Vietnamese and English.

Narratives format results, they never compute them: every number in a sentence comes from a
:class:`~danvan_analysis.scorecard.Scorecard` (its checks, figures and shortfalls, worded with the plan file's
evidence phrases and actions) or an
:class:`~danvan_analysis.indicators.Indicator`, rendered with :mod:`danvan_analysis.fmt`, so the text cannot drift
from the tables. Recommendations follow the plan's logic: one per target **not met**, naming the units behind it
(the communes without a plan, the heads who held no dialogue, the reports that came late), as the Department's
annual review asks ("chỉ rõ đơn vị chưa thực hiện"). Every string returned is NFC.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from danvan_analysis import fmt, vocab
from danvan_analysis.indicators import REASONS, THEMES, Indicator, Shortfall
from danvan_analysis.numbers import check_lang as _check_lang
from danvan_analysis.scorecard import NO_DATA, NOT_MET, CheckResult, Scorecard, ScorecardSet, TargetScore
from danvan_analysis.units import province_code, province_unit

_NO_UNITS = ("các đơn vị liên quan", "the units concerned")
# How a dataset is named in "no data" sentences.
_DATASETS = {
    "plans": ("kế hoạch", "plans"),
    "dialogues": ("đối thoại", "dialogues"),
    "boards": ("Ban Thanh tra nhân dân, Ban Giám sát đầu tư của cộng đồng", "boards"),
    "religion": ("công tác tôn giáo", "religion"),
    "inspections": ("kiểm tra", "inspections"),
    "submissions": ("gửi báo cáo", "submissions"),
    "complaints": ("tiếp công dân, giải quyết khiếu nại, tố cáo", "complaints"),
    "survey": ("khảo sát sự hài lòng", "satisfaction survey"),
}
_SYMBOLS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def target_name(target: str, *, lang: str = "vi") -> str:
    """Return how a target is named in a sentence: ``"Chỉ tiêu 3"``, ``"Target 3"``, ``"Chế độ báo cáo"``."""
    _check_lang(lang)
    if target == "R":
        return "Chế độ báo cáo" if lang == "vi" else "Reporting"
    return f"Chỉ tiêu {target}" if lang == "vi" else f"Target {target}"


def describe_target(score: TargetScore, *, lang: str = "vi", interim: bool = False) -> str:
    """Return one sentence stating a target's status and the evidence behind it.

    Examples
    --------
    ``"Chỉ tiêu 3: Đạt — 187/187 (100,0 %) người đứng đầu chính quyền đã trực tiếp đối thoại với Nhân dân."``
    """
    _check_lang(lang)
    label = status_label(score, lang=lang, interim=interim)
    return _nfc(f"{target_name(score.target, lang=lang)}: {label} — {evidence(score, lang=lang).rstrip('.')}.")


def status_label(score: TargetScore, *, lang: str = "vi", interim: bool = False) -> str:
    """``Đạt``, ``Không đạt``, ``Chưa đủ dữ liệu``; ``Đạt, chưa chắc chắn`` when the CI contains the threshold;
    ``Chưa đạt`` instead of ``Không đạt`` in a period report (``interim``): the year is not over."""
    label = vocab.STATUS_LABELS[lang][score.status]
    if interim and score.status == NOT_MET:
        label = "Chưa đạt" if lang == "vi" else "Not yet met"
    if score.uncertain and score.status != NO_DATA:
        label += ", chưa chắc chắn" if lang == "vi" else ", not certain"
    return label


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
        name = province_unit().name_en if card.unit_code == province_code() else card.unit_name
        opening = (
            f"In {card.year}, {name} met {counts['met']} of {total} targets; "
            f"{counts[NOT_MET]} not met; {counts[NO_DATA]} without sufficient data."
        )
    interim = card.period is not None
    return [_nfc(opening)] + [describe_target(row, lang=lang, interim=interim) for row in card.rows]


def recommend_actions(
    card: Scorecard,
    *,
    lang: str = "vi",
    max_units: int | None = None,
    include_no_data: bool = False,
    districts: ScorecardSet | None = None,
) -> list[str]:
    """Return one recommendation per target not met, naming every unit behind it.

    Parameters
    ----------
    card : a scorecard.
    lang : ``"vi"`` or ``"en"``.
    max_units : name at most this many units, then count the rest; ``None`` (default) names them all (a report
        must not hide a unit that missed a target), grouped by district when the list is long.
    include_no_data : also ask for the missing data of targets without data.
    districts : the districts' scorecards (province report): a target the province meets as a whole still gets a
        recommendation naming the districts that missed it, and a missed target names their units too.

    Notes
    -----
    A district's scorecard repeats the province-level indices (targets 2a–2d); they get no recommendation there,
    since the district cannot act on them alone: the provincial report carries them.

    Returns
    -------
    list of str
        In the order of the targets; empty when every target is met everywhere.
    """
    _check_lang(lang)
    out = []
    for row in card.rows:
        if card.unit_code != province_code() and row.level == "province":
            continue  # province-level indices belong to the provincial report, not to a district's actions
        behind = _district_rows(districts, row.target) if card.unit_code == province_code() else []
        said = evidence(row, lang=lang).rstrip(".")
        action = card.plan.target(row.target).action
        if row.status == NOT_MET or behind:
            shortfalls = _shortfalls_with_districts(row, behind)
            if row.status != NOT_MET:  # met as a whole: the evidence is the districts' own
                said = "; ".join(f"{d.unit_name}: {evidence(r, lang=lang).rstrip('.')}" for d, r in behind)
            units = name_units(shortfalls, lang=lang, max_units=max_units)
            if action is None:  # a plan file without an action for this target: state the gap and its evidence
                template = (
                    "{name}: {status}. Căn cứ: {evidence}."
                    if lang == "vi"
                    else "{name}: {status}. Evidence: {evidence}."
                )
            else:
                template = action(lang)
            text = template.format(
                count=fmt.format_count(len(shortfalls), lang=lang),  # type: ignore[arg-type]
                units=units or _NO_UNITS[0 if lang == "vi" else 1],
                evidence=said,
                name=target_name(row.target, lang=lang),
                status=vocab.STATUS_LABELS[lang][NOT_MET],
            )
            out.append(_nfc(text))
        elif row.status == NO_DATA and include_no_data:
            name = target_name(row.target, lang=lang)
            out.append(
                _nfc(
                    f"Bổ sung số liệu để đánh giá {name.lower()}. Căn cứ: {said}."
                    if lang == "vi"
                    else f"Collect the data needed to assess {name.lower()}. Evidence: {said}."
                )
            )
    return out


def _district_rows(districts: ScorecardSet | None, target: str) -> list[tuple[Scorecard, TargetScore]]:
    """The district scorecards' rows of ``target`` that are not met (not the province-level indices they repeat)."""
    if districts is None:
        return []
    rows = []
    for code, district in districts.scorecards.items():
        if code == province_code():
            continue
        for row in district.rows:
            if row.target == target and row.level != "province" and row.status == NOT_MET:
                rows.append((district, row))
    return rows


def _shortfalls_with_districts(row: TargetScore, behind: list[tuple[Scorecard, TargetScore]]) -> list[Shortfall]:
    """The row's units, then each failing district's (the district itself when its row names none), each once."""
    found: dict[tuple[str, str, str], Shortfall] = {}
    for s in row.shortfalls:
        found.setdefault((s.unit_code, s.period, s.reason), s)
    for district, drow in behind:
        own = drow.shortfalls or (
            Shortfall(drow.target, district.unit_code, "Y", district.unit_code, district.unit_name, "not_done"),
        )
        for s in own:
            found.setdefault((s.unit_code, s.period, s.reason), s)
    return list(found.values())


def name_units(shortfalls: Sequence[Shortfall], *, lang: str = "vi", max_units: int | None = None) -> str:
    """Return the units of ``shortfalls`` as a list for a sentence, with why each is listed when it helps.

    A unit listed several times (late reports for several periods) is named once with every note
    (``"Sở Y tế (báo cáo quý I, muộn 3 ngày; báo cáo năm, chưa nộp)"``); a district behind a religion target shows
    its own figure; a unit that sent no report says so. With more than :data:`GROUP_ABOVE` units the list is
    grouped by district (``"Huyện Đại Từ: Xã A, Xã B; Cơ quan cấp tỉnh: Sở Y tế"``). ``max_units`` (default: no
    limit) names only that many and counts the rest.
    """
    _check_lang(lang)
    names: dict[str, str] = {}
    notes: dict[str, list[str]] = {}
    for s in shortfalls:
        names[s.unit_code] = s.unit_name
        note = _describe_shortfall(s, lang)
        if note:
            notes.setdefault(s.unit_code, []).append(note)
    items = {code: f"{name} ({'; '.join(notes[code])})" if code in notes else name for code, name in names.items()}
    if max_units is not None and len(items) > max_units:
        rest = len(items) - max_units
        more = f"và {rest} đơn vị khác" if lang == "vi" else f"and {rest} other(s)"
        return _nfc(", ".join([*list(items.values())[:max_units], more]))
    if len(items) <= GROUP_ABOVE:
        return _nfc(", ".join(items.values()))
    groups: dict[str, list[str]] = {}
    for code, item in items.items():
        groups.setdefault(_group_of(code, lang), []).append(item)
    return _nfc("; ".join(f"{group}: {', '.join(members)}" for group, members in groups.items()))


#: Above this many units, a list is grouped by district.
GROUP_ABOVE = 10


def _group_of(code: str, lang: str) -> str:
    from danvan_analysis.errors import UnitError
    from danvan_analysis.units import register

    try:
        unit = register().unit(code)
    except UnitError:
        return "Khác" if lang == "vi" else "Other"
    if unit.kind == "agency":
        return "Cơ quan cấp tỉnh" if lang == "vi" else "Provincial agencies"
    if unit.kind == "province":
        return "Cấp tỉnh" if lang == "vi" else "Province"
    district = unit.code if unit.kind == "district" else unit.district_code
    return fmt.format_unit(district, lang=lang)  # type: ignore[arg-type]


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


# -- the evidence behind a target ------------------------------------------------------------------------------------
def evidence(score: TargetScore, *, lang: str = "vi") -> str:
    """Return the figures behind a target's status, worded with the plan's phrases, and whose threshold it is.

    Examples
    --------
    ``"187/187 (100,0 %) người đứng đầu chính quyền đã trực tiếp đối thoại với Nhân dân (yêu cầu: ≥ 100 %)"``;
    a threshold the analysis team chose reads ``"(ngưỡng do nhóm phân tích chọn: ≥ 80 %)"``.
    """
    _check_lang(lang)
    parts = [_check_text(check, score, lang) for check in score.checks]
    return _nfc("; ".join(p for p in parts if p))


def _check_text(check: CheckResult, score: TargetScore, lang: str) -> str:
    if check.reason is not None and check.met is None:
        return _no_data_text(check, lang)
    words = check.evidence(lang) if check.evidence is not None else ""
    figure = _figure(check, words, lang)
    for also in (k for k in check.details if k in _also_labels(check)):
        figure += f"; {_also_labels(check)[also][0 if lang == 'vi' else 1].lower()}: {fmt.format_count(check.details[also], lang=lang)}"  # type: ignore[arg-type]
    if score.status == NOT_MET and check.kind == "percent" and check.shortfalls and check.numerator is not None:
        units = len({s.unit_code for s in check.shortfalls})
        figure += f"; chưa đạt: {units} đơn vị" if lang == "vi" else f"; short: {units} unit(s)"
    return f"{figure} ({_requirement(check, score.threshold_source, lang)})"


def _also_labels(check: CheckResult) -> dict[str, tuple[str, str]]:
    theme = THEMES.get(check.measure.split(".", 1)[0])
    return dict(theme.labels) if theme is not None else {}


def _figure(check: CheckResult, words: str, lang: str) -> str:
    d = check.details
    if check.kind == "rank":
        rank, of = fmt.format_count(check.value, lang=lang), d.get("n_provinces")  # type: ignore[arg-type]
        shown = f"xếp thứ {rank}" if lang == "vi" else f"ranked {rank}"
        shown += "" if of is None else f"/{fmt.format_count(of, lang=lang)}"  # type: ignore[arg-type]
        return f"{d['index'].replace('_', ' ')} {d['year']}: {shown}{_points(d, lang)}"
    if check.kind == "group":
        group = fmt.format_papi_group(d.get("group"), lang=lang)
        shown = group.lower() if lang == "vi" else f"{group.lower()} group"
        return f"PAPI {d['year']}: {shown}{_points(d, lang)}"
    if check.ci_low is not None:  # a survey estimate
        pct = fmt.format_percent(check.value, lang=lang, basis="percent")
        ci = f"{fmt.format_number(check.ci_low, lang=lang)}–{fmt.format_number(check.ci_high, lang=lang)}"  # type: ignore[arg-type]
        n = fmt.format_count(d.get("n"), lang=lang)  # type: ignore[arg-type]
        if check.uncertain:
            doubt = "; khoảng tin cậy chứa ngưỡng" if lang == "vi" else "; the interval contains the threshold"
        else:
            doubt = ""
        if lang == "vi":
            return f"{pct} {words} (KTC 95%: {ci}; n = {n}{doubt})"
        return f"{pct} {words} (95% CI {ci}; n = {n}{doubt})"
    if "previous" in d:
        before, now = (fmt.format_count(d[k], lang=lang) for k in ("previous", "current"))  # type: ignore[arg-type]
        change = fmt.format_count(check.value, lang=lang)  # type: ignore[arg-type]
        change = f"+{change}" if check.value and check.value > 0 else change
        return (
            f"{before} → {now} {words} (thay đổi {change})"
            if lang == "vi"
            else f"{before} → {now} {words} (change {change})"
        )
    if check.kind == "percent":
        num, den = (fmt.format_count(v, lang=lang) for v in (check.numerator, check.denominator))  # type: ignore[arg-type]
        if check.denominator == 0:
            none = "không đơn vị nào thuộc diện phải thực hiện" if lang == "vi" else "no unit had to"
            return f"{num}/{den} {words} ({none})"
        return f"{num}/{den} ({fmt.format_percent(check.value, lang=lang, basis='percent')}) {words}"
    return f"{fmt.format_count(check.value, lang=lang)} {words}"  # type: ignore[arg-type]


def _points(details: Mapping[str, Any], lang: str) -> str:
    score = details.get("score")
    if score is None:
        return ""
    return f", {'điểm' if lang == 'vi' else 'score'} {fmt.format_number(score, lang=lang, decimals=2)}"  # type: ignore[arg-type]


def _requirement(check: CheckResult, source: str, lang: str) -> str:
    """``yêu cầu: ≥ 100 %`` or ``ngưỡng do nhóm phân tích chọn: ≥ 80 %``: the comparison and whose it is."""
    whose = vocab.ThresholdSource(source).label(lang)
    if check.kind == "group":
        group = fmt.format_papi_group(check.details.get("group_threshold"), lang=lang).lower()
        need = f"{group} trở lên" if lang == "vi" else f"{group} or better"
    elif "previous" in check.details:
        need = "không tăng so với năm trước" if lang == "vi" else "no growth on the previous year"
    elif check.kind == "rank":
        top = fmt.format_count(check.threshold, lang=lang)  # type: ignore[arg-type]
        need = f"trong {top} tỉnh dẫn đầu" if lang == "vi" else f"top {top}"
    else:
        basis = "percent" if check.kind == "percent" else None
        shown = (
            fmt.format_percent(check.threshold, lang=lang, basis="percent", decimals=0)
            if basis
            else fmt.format_count(check.threshold, lang=lang)  # type: ignore[arg-type]
        )
        need = f"{_SYMBOLS.get(check.rule or '', check.rule)} {shown}"
    return f"{whose}: {need}"


def _no_data_text(check: CheckResult, lang: str) -> str:
    d, vi = check.details, lang == "vi"
    reason = check.reason
    if reason == "no_dataset":
        name = _DATASETS.get(d.get("dataset", ""), (d.get("dataset", ""),) * 2)[0 if vi else 1]
        return f"Chưa có số liệu ({name})" if vi else f"No data ({name})"
    if reason == "no_index":
        index = str(d.get("index", "")).replace("_", " ")
        return (
            f"Chưa có kết quả {index} năm {d.get('year')} được công bố"
            if vi
            else f"No published {index} result for {d.get('year')}"
        )
    if reason == "too_few":
        n, m = (fmt.format_count(d.get(k), lang=lang) for k in ("n", "min_n"))  # type: ignore[arg-type]
        return (
            f"Số người trả lời quá ít (n = {n}; cần ít nhất {m})"
            if vi
            else f"Too few respondents (n = {n}; at least {m} needed)"
        )
    if reason == "withheld":
        return (
            "Không công bố để bảo vệ số liệu của đơn vị có ít người trả lời (bảo mật thống kê)"
            if vi
            else "Withheld to protect a unit with few respondents (statistical disclosure control)"
        )
    if reason == "no_estimate":
        return "Chưa có ước lượng từ khảo sát" if vi else "No survey estimate"
    if reason == "no_previous":
        return "Chưa có số liệu năm trước để so sánh" if vi else "No previous-year figures to compare with"
    if reason == "unreported":
        k = fmt.format_count(d.get("unreported"), lang=lang)  # type: ignore[arg-type]
        return f"{k} đơn vị chưa báo cáo" if vi else f"{k} unit(s) sent no report"
    return "Chưa có số liệu" if vi else "No figures"


def describe_notes(card: Scorecard, *, lang: str = "vi") -> list[str]:
    """Return the scorecard's notes as sentences (themes without data, derived indices, withheld estimates)."""
    _check_lang(lang)
    vi, out = lang == "vi", []
    status = vocab.STATUS_LABELS[lang][NO_DATA]
    for code, d in card.notes:
        if code == "no_dataset":
            name = _DATASETS.get(d["dataset"], (d["dataset"],) * 2)[0 if vi else 1]
            out.append(
                f"Chưa có số liệu {name} năm {card.year}; các chỉ tiêu đọc từ đó được ghi “{status}”."
                if vi
                else f"No {name} data for {card.year}; the targets read from it are marked “{status}”."
            )
        elif code == "derived_index":
            index = str(d["index"]).replace("_", " ")
            out.append(
                f"{index} {d['year']}: giá trị trong tệp chỉ số công bố được suy ra, không đọc trực tiếp từ nguồn."
                if vi
                else f"{index} {d['year']}: a value in the published-indices file is derived, not read from the source."
            )
        elif code == "withheld":
            out.append(
                f"Ước lượng khảo sát của {card.unit_name} không được công bố để không suy ra được số liệu của đơn vị có ít người trả lời."
                if vi
                else f"The survey estimate for {card.unit_name} is withheld so that a small unit's figure cannot be worked out."
            )
        elif code == "too_few":
            n, m = (fmt.format_count(d.get(k), lang=lang) for k in ("n", "min_n"))  # type: ignore[arg-type]
            unit = card.unit_name
            out.append(
                f"Ước lượng khảo sát của {unit} chỉ dựa trên {n} người trả lời (dưới {m}): không công bố, chỉ tiêu được ghi “{status}”."
                if vi
                else f"The survey estimate for {unit} rests on {n} respondents (fewer than {m}): not published; the target is marked “{status}”."
            )
    return [_nfc(line) for line in out]


def figure(score: TargetScore, *, lang: str = "vi") -> str:
    """A target's figure in a few characters: ``98,6 %``, ``2``, ``hạng 6``, ``Nhóm cao nhất``; ``–`` without data."""
    _check_lang(lang)
    check = score.headline
    if check.value is None or score.status == NO_DATA:
        return fmt.MISSING
    if check.kind == "rank":
        rank = fmt.format_count(check.value, lang=lang)  # type: ignore[arg-type]
        return f"hạng {rank}" if lang == "vi" else f"rank {rank}"
    if check.kind == "group":
        return fmt.format_papi_group(check.details.get("group"), lang=lang)
    if "previous" in check.details:  # not growing: the count itself, not the change
        return fmt.format_count(check.details.get("current"), lang=lang)  # type: ignore[arg-type]
    return fmt.format_value(check.value, check.kind or "count", lang=lang)  # type: ignore[arg-type]


def scorecard_frame(card: Scorecard, *, lang: str = "vi", previous: Scorecard | None = None) -> pd.DataFrame:
    """Return :meth:`Scorecard.to_frame` with the evidence in ``lang`` (column ``evidence``), for display.

    With ``previous`` (the same unit's scorecard of the year before), columns ``figure`` and ``previous`` give this
    year's and last year's figures side by side (``–`` where last year has no data).
    """
    _check_lang(lang)
    frame = card.to_frame()
    frame["figure"] = [figure(row, lang=lang) for row in card.rows]
    if previous is not None:
        before = {row.target: figure(row, lang=lang) for row in previous.rows}
        frame["previous"] = [before.get(row.target, fmt.MISSING) for row in card.rows]
    frame["evidence"] = [evidence(row, lang=lang) for row in card.rows]
    interim = card.period is not None
    frame[f"status_{lang}"] = [status_label(row, lang=lang, interim=interim) for row in card.rows]
    return frame


# -- the factors of satisfaction -----------------------------------------------------------------------------------
def _predictor_label(predictor: str, lang: str) -> str:
    from danvan_analysis.schemas import DATASETS

    try:
        meta = DATASETS["survey"].column(predictor)
    except (KeyError, ValueError):
        return predictor
    return meta.vi if lang == "vi" else meta.en


def _level_label(predictor: str, level: str, lang: str) -> str:
    if predictor == "district_code":
        return fmt.format_unit(level, lang=lang)  # type: ignore[arg-type]
    from danvan_analysis.schemas import column_vocabs

    vocabulary = column_vocabs().get(predictor)
    return fmt.format_code(level, vocabulary, lang=lang) if vocabulary else level  # type: ignore[arg-type]


def model_frame(model: Any, *, lang: str = "vi", district_terms: bool = False) -> pd.DataFrame:
    """Return a model's terms with Vietnamese (or English) names of predictors and categories, never codes.

    ``district_terms=False`` leaves out the district terms of a province model (shown in a sentence instead).
    """
    _check_lang(lang)
    frame = model.to_frame()
    frame = frame[frame["term"] != "(Intercept)"]
    if not district_terms:
        frame = frame[frame["predictor"] != "district_code"]
    frame = frame.copy()
    frame["level"] = [_level_label(p, lv, lang) for p, lv in zip(frame["predictor"], frame["level"], strict=True)]
    frame["reference"] = [_level_label(p, r, lang) for p, r in zip(frame["predictor"], frame["reference"], strict=True)]
    frame["predictor"] = [_predictor_label(p, lang) for p in frame["predictor"]]
    return frame.reset_index(drop=True)


def describe_district_effect(model: Any, district: str, *, lang: str = "vi") -> str:
    """One sentence: how a district's citizens compare with the reference district once the factors are held equal."""
    _check_lang(lang)
    frame = model.to_frame()
    rows = frame[frame["predictor"] == "district_code"]
    name = fmt.format_unit(district, lang=lang)  # type: ignore[arg-type]
    if rows.empty:
        return ""
    reference = fmt.format_unit(rows["reference"].iloc[0], lang=lang)  # type: ignore[arg-type]
    mine = rows[rows["level"] == district]
    if mine.empty:
        return _nfc(
            f"{name} là đơn vị tham chiếu của mô hình: tỷ số chênh của các huyện khác được so với {name}."
            if lang == "vi"
            else f"{name} is the model's reference: the other districts' odds ratios are relative to it."
        )
    row = mine.iloc[0]
    ratio = fmt.format_number(row["odds_ratio"], lang=lang, decimals=2)  # type: ignore[arg-type]
    low, high = (fmt.format_number(row[c], lang=lang, decimals=2) for c in ("ci_low", "ci_high"))  # type: ignore[arg-type]
    if lang == "vi":
        return _nfc(
            f"Khi các đặc điểm của người trả lời như nhau, khả năng hài lòng của người dân {name} so với {reference}: "
            f"tỷ số chênh {ratio} (KTC 95 %: {low}–{high})."
        )
    return _nfc(
        f"With respondents' characteristics held equal, the odds of satisfaction in {name} relative to {reference}: "
        f"odds ratio {ratio} (95% CI {low}–{high})."
    )


def remaining_work(card: Scorecard, *, lang: str = "vi") -> list[str]:
    """A period report's "still to do by the end of the year": per target not yet met, the units that still have
    to act (hold a dialogue, issue a plan, set up a board, send a report), every one named."""
    _check_lang(lang)
    out = []
    for row in card.rows:
        if row.status != NOT_MET or (card.unit_code != province_code() and row.level == "province"):
            continue
        target = card.plan.target(row.target)
        name = target.short(lang) if target.short is not None else row.label(lang)
        units = name_units(row.shortfalls, lang=lang)
        what = units or evidence(row, lang=lang).rstrip(".")
        out.append(_nfc(f"{target_name(row.target, lang=lang)} ({name}): {what}."))
    return out
