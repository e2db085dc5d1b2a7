"""Synthetic report data (dialogues, religion, complaints, boards, plans, inspections, submissions, indices).

Each generator returns one year for every unit of the register in use (the province ``19``, 9 districts, the
communes and the provincial agencies of :data:`danvan_analysis.units.AGENCIES` where the dataset concerns them):
:func:`danvan_analysis.demo.generate_year` puts the year's map in use, the 2023 map (177 communes) for 2023 and
before (the real register had 178 communes before 10 April 2023; see SOURCES.md), the map before 01/07/2025 (172)
for 2024.

Cumulative figures follow the plan's calendar: a period's figure counts from 1 January, so quarterly increments are
drawn and summed (Q1 ≤ H1 ≤ 9M ≤ Y). Contract inequalities (answered + referred ≤ raised, resolved ≤ in
jurisdiction ≤ received, informed ≤ total, …) hold by construction: each smaller count is a binomial draw from the
larger one. A few deliberate shortfalls give the scorecard something to show: 1–3 commune heads hold no dialogue (and
sometimes one holds only a dialogue chaired by a deputy), one district stays below 80 % of dignitaries informed, a
religious hot spot appears in one district one year in three, one district's followers of unlawful organisations
grow, a couple of communes issue no plan, a few communes with investment projects lack a Community Investment
Supervision Board, one district inspects none of its communes, and one reporting unit is often late.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from danvan_analysis import vocab
from danvan_analysis.demo.common import (
    RELIGIONS_PRESENT,
    date_column,
    day_of,
    days_in_year,
    profile,
    rng_for,
    str_column,
)
from danvan_analysis.paths import package_data
from danvan_analysis.schemas import get_spec
from danvan_analysis.text import nfc
from danvan_analysis.units import PROVINCE_CODE, register

_PERIODS = tuple(vocab.Period.codes())
# Share of each field (vocab.Topic order: land, social policy, environment, investment, procedures, other).
_TOPIC_P = np.array([0.40, 0.17, 0.12, 0.12, 0.11, 0.08])
_COMPLAINT_FIELD_P = np.array([0.52, 0.14, 0.09, 0.08, 0.07, 0.10])
# Free-text notes by topic ({place} = the unit's name, e.g. "xã Phúc Xuân"); some carry "<", "&" or quotes.
_NOTES = {
    "land": (
        "Đối thoại về bồi thường, hỗ trợ, tái định cư khi thu hồi đất tại {place}.",
        "Người dân đề nghị xem xét cấp giấy chứng nhận cho các thửa đất có diện tích < 30 m².",
        "Kiến nghị về giá đất bồi thường & hỗ trợ chuyển đổi nghề nghiệp; đã giải thích chính sách.",
    ),
    "social_policy": (
        "Đối thoại về chính sách bảo hiểm y tế cho người cao tuổi, hộ cận nghèo ở {place}.",
        "Người dân đề nghị công khai danh sách rà soát hộ nghèo, hộ cận nghèo năm {year}.",
    ),
    "environment": (
        "Phản ánh ô nhiễm bụi, tiếng ồn từ hoạt động khai thác khoáng sản gần khu dân cư.",
        "Kiến nghị về thu gom, xử lý rác thải sinh hoạt tại {place}.",
    ),
    "investment": (
        "Đối thoại về tiến độ dự án đường giao thông liên xã và việc đóng góp ngày công.",
        "Người dân đề nghị công khai dự toán công trình nhà văn hóa xóm.",
    ),
    "admin_procedures": (
        "Hướng dẫn người dân sử dụng dịch vụ công trực tuyến, thanh toán phí, lệ phí qua mạng.",
        "Phản ánh thời gian giải quyết thủ tục chứng thực, đăng ký hộ tịch còn kéo dài.",
    ),
    "other": (
        "Đối thoại về an ninh trật tự, phòng chống tệ nạn xã hội ở khu dân cư.",
        'Trao đổi về xây dựng nông thôn mới nâng cao, "Ngày hội Đại đoàn kết toàn dân tộc".',
    ),
}


def _heads() -> pd.DataFrame:
    """Return every government whose head reports: province, districts, communes (code, level, district, name)."""
    reg = register()
    rows = [(PROVINCE_CODE, "province", None, "tỉnh Thái Nguyên")]
    rows += [(u.code, "district", u.code, _lower_type(u.name)) for u in reg.units("district")]
    rows += [(u.code, "commune", u.district_code, _lower_type(u.name)) for u in reg.units("commune")]
    return pd.DataFrame(rows, columns=["unit_code", "level", "district_code", "place"])


def _lower_type(name: str) -> str:
    """``"Xã Phúc Xuân"`` → ``"xã Phúc Xuân"`` (the type word in running text is lower case)."""
    return name[0].lower() + name[1:]


def _by_level(level: np.ndarray, *, province: ArrayLike, district: ArrayLike, commune: ArrayLike) -> np.ndarray:
    """Return, for each entry of ``level``, the value given for its level (scalars, or arrays shaped like ``level``)."""
    return np.select([level == "province", level == "district"], [province, district], commune)


def _text(values: list[str | None] | np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Return a pandas ``str`` array (None → missing)."""
    return pd.array(list(values), dtype="str")


def generate_dialogues(year: int, *, seed: int = 2023) -> pd.DataFrame:
    """Return the direct dialogues of heads of government with citizens in ``year`` (target 3).

    Each head holds 0–4 dialogues (province 2–4, districts 1–4, communes mostly 1–3, 1–3 communes none); the
    first is chaired by the head in person, later ones by a deputy one time in five. Opinions raised grow with
    participants; answered on the spot and referred are binomial splits of them; the share of referred opinions
    resolved later falls for dialogues held late in the year.

    Parameters
    ----------
    year : the reporting year.
    seed : random seed; the same (year, seed) gives the same frame.

    Returns
    -------
    pandas.DataFrame
        The columns of the ``dialogues`` contract (docs/design.md), in contract order.
    """
    rng = rng_for(seed, year, "dialogues")
    heads = _heads()
    level = heads["level"].to_numpy()
    count = _by_level(
        level,
        province=rng.integers(2, 5, len(heads)),
        district=1 + rng.choice(4, len(heads), p=[0.2, 0.4, 0.3, 0.1]),
        commune=1 + rng.choice(4, len(heads), p=[0.35, 0.4, 0.18, 0.07]),
    )
    communes = np.flatnonzero(level == "commune")
    silent = rng.choice(communes, size=int(rng.integers(1, 4)), replace=False)
    count[silent] = 0
    # Sometimes one commune head delegates the only dialogue: it then does not count for target 3 by default.
    delegated = rng.choice(np.setdiff1d(communes, silent)) if rng.random() < 0.6 else -1
    if delegated >= 0:
        count[delegated] = 1

    head = np.repeat(np.arange(len(heads)), count)
    n = head.size
    days = rng.integers(0, days_in_year(year), n)
    order = np.lexsort((days, head))
    head, days = head[order], days[order]
    number = np.arange(n) - np.repeat(np.cumsum(count) - count, count)
    chair = np.where((number == 0) | (rng.random(n) < 0.8), 0, 1)  # vocab.Chair: head, deputy
    chair[head == delegated] = 1

    lvl = level[head]
    participants = _by_level(
        lvl, province=150 + rng.poisson(200, n), district=60 + rng.poisson(90, n), commune=15 + rng.poisson(45, n)
    )
    raised = rng.poisson(3 + 0.08 * participants)
    answered = rng.binomial(raised, rng.uniform(0.5, 0.75, n))
    referred = rng.binomial(raised - answered, 0.85)
    resolved = rng.binomial(referred, np.clip(0.95 - 0.55 * days / 365, 0.3, 0.95))
    topic = rng.choice(len(_TOPIC_P), n, p=_TOPIC_P)
    topics = vocab.Topic.codes()
    places = heads["place"].to_numpy()[head]
    has_note = rng.random(n) < 0.65
    pick = rng.integers(0, 3, n)
    notes = [
        nfc(_NOTES[topics[t]][p % len(_NOTES[topics[t]])].format(place=place, year=year)) if keep else None
        for t, p, place, keep in zip(topic, pick, places, has_note, strict=True)
    ]
    codes = heads["unit_code"].to_numpy()[head]
    return pd.DataFrame(
        {
            "dialogue_id": _text([f"{year}-{c}-{k + 1:02d}" for c, k in zip(codes, number, strict=True)]),
            "year": np.full(n, year, dtype=np.int64),
            "level": _text(lvl),
            "unit_code": _text(codes),
            "district_code": _text(heads["district_code"].to_numpy()[head]),
            "date": date_column(year, days),
            "chair": str_column(chair, vocab.Chair.codes()),
            "participants": participants.astype(np.int64),
            "opinions_raised": raised.astype(np.int64),
            "answered_on_spot": answered.astype(np.int64),
            "referred": referred.astype(np.int64),
            "resolved_later": resolved.astype(np.int64),
            "topic": str_column(topic, topics),
            "note": _text(notes),
        }
    )


def generate_religion(year: int, *, seed: int = 2023) -> pd.DataFrame:
    """Return religious-outreach figures per district × period × religion present (target 5).

    Dignitaries informed accumulate through the year (roughly a third by Q1, 60 % by H1, 85 % by 9M) to 82–99 % at
    year end, except the profile's laggard district (60–78 %). Hot spots are 0 except in the profile's hot-spot
    district in one year of three (from 9M). Followers of unlawful organisations are a stock that moves from last
    year's end value to this year's geometrically (falling in most districts, growing in one), recorded on the
    Protestantism row where that religion is present (else Buddhism).

    Parameters
    ----------
    year : the reporting year.
    seed : random seed; the same (year, seed) gives the same frame.

    Returns
    -------
    pandas.DataFrame
        The columns of the ``religion`` contract (docs/design.md), in contract order.
    """
    rng = rng_for(seed, year, "religion")
    prof = profile(seed)
    rows = []
    for d, district in enumerate(prof.district_codes):
        present = RELIGIONS_PRESENT[district]
        end = prof.unlawful_base[d] * prof.unlawful_rate[d] ** (year - 2020)
        start = prof.unlawful_base[d] * prof.unlawful_rate[d] ** (year - 2021)
        unlawful = np.round(start + (end - start) * np.array([0.25, 0.5, 0.75, 1.0])).astype(np.int64)
        carrier = "protestantism" if "protestantism" in present else "buddhism"
        hot = district == prof.hot_spot_district and year % 3 == prof.hot_spot_phase
        for religion in present:
            total = int(prof.dignitaries[district, religion]) + int(rng.integers(-2, 3))
            total = max(total, 3)
            if district == prof.religion_laggard:
                share = rng.uniform(0.60, 0.78)
                final = int(np.floor(total * share))
            else:
                share = rng.uniform(0.82, 0.99)
                # Rounded up so that small groups (3–5 people) still clear 80 %, as real reports do.
                final = int(np.ceil(total * share))
            fraction = np.array([rng.uniform(0.30, 0.45), rng.uniform(0.55, 0.70), rng.uniform(0.80, 0.92), 1.0])
            informed = np.floor(final * fraction).astype(np.int64)
            venues = int(prof.venues[district, religion]) + int(rng.integers(0, 2))
            activities = np.cumsum(rng.poisson(0.6 * venues + 1, 4))
            hot_spots = np.array([0, 0, 1, 1]) if hot and religion == carrier else np.zeros(4, dtype=np.int64)
            followers = unlawful if religion == carrier else np.zeros(4, dtype=np.int64)
            for p, period in enumerate(_PERIODS):
                counts = (total, int(informed[p]), venues, int(activities[p]), int(hot_spots[p]), int(followers[p]))
                rows.append((year, period, district, religion, *counts))
    frame = pd.DataFrame(rows, columns=[c for c in get_spec("religion").column_names if c != "commune_code"])
    return _typed(frame, text=["period", "district_code", "religion"])


def generate_complaints(year: int, *, seed: int = 2023) -> pd.DataFrame:
    """Return citizen reception and complaint handling per unit × period × field (task area 4).

    Quarterly increments are drawn per unit, quarter and field and summed into the cumulative periods. Land
    dominates. Reception sessions are the unit's regular and head-led sessions apportioned over fields in
    proportion to the field shares (so summing over fields gives the unit's sessions): heads receive citizens about
    weekly (commune), twice a month (district) and monthly (province), as the Law on Citizen Reception requires.

    Parameters
    ----------
    year : the reporting year.
    seed : random seed; the same (year, seed) gives the same frame.

    Returns
    -------
    pandas.DataFrame
        The columns of the ``complaints`` contract (docs/design.md), in contract order.
    """
    rng = rng_for(seed, year, "complaints")
    heads = _heads()
    level = heads["level"].to_numpy()
    units, quarters, fields = len(heads), 4, len(_COMPLAINT_FIELD_P)
    shape = (units, quarters, fields)
    volume = _by_level(level, province=40.0, district=25.0, commune=4.0) * rng.lognormal(0, 0.4, units)
    expected = volume[:, None, None] * _COMPLAINT_FIELD_P[None, None, :] * np.ones(shape)
    people = rng.poisson(expected)
    petitions = rng.poisson(0.8 * expected)
    in_jurisdiction = rng.binomial(petitions, 0.65)
    resolved = rng.binomial(in_jurisdiction, rng.uniform(0.8, 0.97, units)[:, None, None] * np.ones(shape))
    on_time = rng.binomial(resolved, 0.9)
    land = np.arange(fields) == 0
    mass = rng.poisson(
        np.where(land, 0.05, 0.01) * np.where(level == "commune", 1.0, 3.0)[:, None, None] * np.ones(shape)
    )
    prolonged = rng.poisson(
        np.where(land, 0.08, 0.01) * np.where(level == "commune", 1.0, 2.0)[:, None, None] * np.ones(shape)
    )
    regular_total = _by_level(level, province=62, district=60, commune=12)
    head_due = _by_level(level, province=3, district=6, commune=13)
    head_total = rng.binomial(np.repeat(head_due[:, None], quarters, axis=1), 0.92)
    regular = _apportion(rng, np.repeat(regular_total[:, None], quarters, axis=1))
    head_sessions = _apportion(rng, head_total)

    cumulative = {
        "reception_sessions_regular": regular,
        "reception_sessions_head": head_sessions,
        "people_received": people,
        "petitions_received": petitions,
        "petitions_in_jurisdiction": in_jurisdiction,
        "cases_resolved": resolved,
        "cases_resolved_on_time": on_time,
        "mass_complaints": mass,
        "prolonged_cases": prolonged,
    }
    unit_index = np.repeat(np.arange(units), quarters * fields)
    columns: dict[str, object] = {
        "year": np.full(unit_index.size, year, dtype=np.int64),
        "period": str_column(np.tile(np.repeat(np.arange(quarters), fields), units), _PERIODS),
        "level": _text(level[unit_index]),
        "unit_code": _text(heads["unit_code"].to_numpy()[unit_index]),
        "district_code": _text(heads["district_code"].to_numpy()[unit_index]),
        "field": str_column(np.tile(np.arange(fields), units * quarters), vocab.Topic.codes()),
    }
    for name, increments in cumulative.items():
        columns[name] = np.cumsum(increments, axis=1).reshape(-1).astype(np.int64)
    return pd.DataFrame(columns)


def _apportion(rng: np.random.Generator, totals: np.ndarray) -> np.ndarray:
    """Split each total (units × quarters) over fields by a multinomial draw with the field shares."""
    return rng.multinomial(totals, _COMPLAINT_FIELD_P)


def generate_boards(year: int, *, seed: int = 2023) -> pd.DataFrame:
    """Return People's Inspection Boards and Community Investment Supervision Boards per commune and agency (target 4).

    PIBs are in place almost everywhere (0–2 communes and now and then one agency without) and a few in place are
    inactive; about 60 % of communes have investment projects, and 1–3 of those lack a CISB. Agencies have no
    investment projects of their own in this data (the CISB is a community, commune-level body).

    Parameters
    ----------
    year : the reporting year.
    seed : random seed; the same (year, seed) gives the same frame.

    Returns
    -------
    pandas.DataFrame
        The columns of the ``boards`` contract (docs/design.md), in contract order.
    """
    rng = rng_for(seed, year, "boards")
    reg = register()
    communes = reg.units("commune")
    agencies = reg.units("agency")
    n_c, n_a = len(communes), len(agencies)
    pib = np.ones(n_c + n_a, dtype=bool)
    pib[rng.choice(n_c, size=int(rng.integers(0, 3)), replace=False)] = False
    if rng.random() < 0.4:
        pib[n_c + rng.integers(n_a)] = False
    active = pib & (rng.random(n_c + n_a) > 0.04)
    urban = np.array([u.type_name == "Phường" for u in communes])
    projects = np.concatenate([rng.random(n_c) < np.where(urban, 0.45, 0.65), np.zeros(n_a, dtype=bool)])
    cisb = projects.copy()
    with_projects = np.flatnonzero(projects)
    cisb[rng.choice(with_projects, size=min(int(rng.integers(1, 4)), with_projects.size), replace=False)] = False
    return pd.DataFrame(
        {
            "year": np.full(n_c + n_a, year, dtype=np.int64),
            "unit_code": _text([u.code for u in communes] + [u.code for u in agencies]),
            "unit_kind": _text(["commune"] * n_c + ["agency"] * n_a),
            "district_code": _text([u.district_code for u in communes] + [None] * n_a),
            "pib_in_place": pib,
            "pib_active": active,
            "has_investment_projects": projects,
            "cisb_in_place": cisb,
        }
    )


def generate_plans(year: int, *, seed: int = 2023) -> pd.DataFrame:
    """Return whether each agency, district and commune issued its dân vận plan for ``year`` (target 1).

    Agencies issue in January–February, districts by early March, communes 3–40 days after their district (by
    31 March). Two communes and, in about half the years, one agency issue none. Document numbers follow the
    Vietnamese form ``<number>/KH-<issuer>`` (``KH-UBND`` for People's Committees).

    Parameters
    ----------
    year : the reporting year.
    seed : random seed; the same (year, seed) gives the same frame.

    Returns
    -------
    pandas.DataFrame
        The columns of the ``plans`` contract (docs/design.md), in contract order.
    """
    rng = rng_for(seed, year, "plans")
    reg = register()
    agencies, districts, communes = reg.units("agency"), reg.units("district"), reg.units("commune")
    agency_day = rng.integers(day_of(year, 1, 8), day_of(year, 2, 28) + 1, len(agencies))
    district_day = dict(
        zip((d.code for d in districts), rng.integers(day_of(year, 1, 12), day_of(year, 3, 5) + 1, 9), strict=True)
    )
    commune_day = np.minimum(
        np.array([district_day[c.district_code] for c in communes]) + rng.integers(3, 41, len(communes)),
        day_of(year, 3, 31),
    )
    units = [*agencies, *districts, *communes]
    kinds = ["agency"] * len(agencies) + ["district"] * len(districts) + ["commune"] * len(communes)
    days = np.concatenate([agency_day, list(district_day.values()), commune_day]).astype(np.int64)
    numbers = np.concatenate(
        [rng.integers(5, 90, len(agencies)), rng.integers(10, 121, len(districts)), rng.integers(3, 61, len(communes))]
    )
    issued = np.ones(len(units), dtype=bool)
    first_commune = len(agencies) + len(districts)
    issued[first_commune + rng.choice(len(communes), size=2, replace=False)] = False
    if rng.random() < 0.5:
        issued[rng.integers(len(agencies))] = False
    document = [
        f"{num}/KH-{u.code if kind == 'agency' else 'UBND'}" if ok else None
        for u, kind, num, ok in zip(units, kinds, numbers, issued, strict=True)
    ]
    return pd.DataFrame(
        {
            "year": np.full(len(units), year, dtype=np.int64),
            "unit_code": _text([u.code for u in units]),
            "unit_kind": _text(kinds),
            "district_code": _text(
                [u.district_code if kind != "agency" else None for u, kind in zip(units, kinds, strict=True)]
            ),
            "issued": issued,
            "document_number": _text(document),
            "issue_date": date_column(year, np.where(issued, days, -1)),
        }
    )


def generate_inspections(year: int, *, seed: int = 2023) -> pd.DataFrame:
    """Return inspections of dân vận work and grassroots democracy in ``year`` (target 6).

    Sở Nội vụ inspects 2–4 districts and sometimes one agency; every district but one (drawn per year) inspects 2–5
    of its communes. Inspections fall between April and November.

    Parameters
    ----------
    year : the reporting year.
    seed : random seed; the same (year, seed) gives the same frame.

    Returns
    -------
    pandas.DataFrame
        The columns of the ``inspections`` contract (docs/design.md), in contract order.
    """
    rng = rng_for(seed, year, "inspections")
    reg = register()
    districts = reg.district_codes
    rows: list[tuple[str, str, str | None]] = []  # inspecting, inspected, district of the inspected unit
    for code in rng.choice(districts, size=int(rng.integers(2, 5)), replace=False):
        rows.append(("SNV", str(code), str(code)))
    if rng.random() < 0.5:
        agencies = [u.code for u in reg.units("agency") if u.code != "SNV"]
        rows.append(("SNV", str(rng.choice(agencies)), None))
    idle = str(rng.choice(districts))
    for district in districts:
        if district == idle:
            continue
        communes = [u.code for u in reg.communes_of(district)]
        for code in rng.choice(communes, size=min(int(rng.integers(2, 6)), len(communes)), replace=False):
            rows.append((district, str(code), district))
    n = len(rows)
    inspecting = [r[0] for r in rows]
    number = pd.Series(inspecting).groupby(inspecting).cumcount().to_numpy() + 1
    days = rng.integers(day_of(year, 4, 1), day_of(year, 11, 30) + 1, n)
    return pd.DataFrame(
        {
            "inspection_id": _text([f"{year}-{u}-{k:02d}" for u, k in zip(inspecting, number, strict=True)]),
            "year": np.full(n, year, dtype=np.int64),
            "inspecting_unit_code": _text(inspecting),
            "inspected_unit_code": _text([r[1] for r in rows]),
            "district_code": _text([r[2] for r in rows]),
            "date": date_column(year, days),
            "scope": str_column(rng.choice(3, n, p=[0.35, 0.25, 0.40]), vocab.InspectionScope.codes()),
        }
    )


def generate_submissions(year: int, *, seed: int = 2023) -> pd.DataFrame:
    """Return when each district and agency's periodic report reached Sở Nội vụ (reporting timeliness).

    Most reports arrive 0–10 days before the deadline (15/3, 15/6, 15/9, 15/11); 6 % are 1–7 days late (50 % for
    the profile's late reporter) and 2 % never arrive (empty ``date_received``).

    Parameters
    ----------
    year : the reporting year.
    seed : random seed; the same (year, seed) gives the same frame.

    Returns
    -------
    pandas.DataFrame
        The columns of the ``submissions`` contract (docs/design.md), in contract order.
    """
    rng = rng_for(seed, year, "submissions")
    prof = profile(seed)
    reg = register()
    units = [*reg.district_codes, *(u.code for u in reg.units("agency"))]
    n = len(units) * len(_PERIODS)
    unit = np.repeat(np.arange(len(units)), len(_PERIODS))
    period = np.tile(np.arange(len(_PERIODS)), len(units))
    deadline = np.array([day_of(year, vocab.Period(p).deadline(year).month, 15) for p in _PERIODS])[period]
    p_late = np.where(np.array(units)[unit] == prof.late_reporter, 0.5, 0.06)
    u = rng.random(n)
    offset = np.where(u < p_late, rng.integers(1, 8, n), -rng.integers(0, 11, n))
    days = np.where(rng.random(n) < 0.02, -1, deadline + offset)
    return pd.DataFrame(
        {
            "year": np.full(n, year, dtype=np.int64),
            "unit_code": str_column(unit, units),
            "period": str_column(period, _PERIODS),
            "date_received": date_column(year, days),
        }
    )


def generate_indices(year: int, *, seed: int | None = None) -> pd.DataFrame:
    """Return the shipped published indices (``data/published_indices.csv``) of ``year``, typed.

    Parameters
    ----------
    year : the year of the indices.
    seed : ignored (published figures are not random); accepted so every generator can be called alike.

    Returns
    -------
    pandas.DataFrame
        The columns of the ``indices`` contract; ``rank`` is ``Int64`` (empty where no source gave it).
    """
    table = pd.read_csv(package_data("published_indices.csv"), dtype=str, keep_default_na=False)
    table = table[table["year"] == str(year)].reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "province_code": _text(table["province_code"]),
            "index_code": _text(table["index_code"]),
            "year": table["year"].astype("int64"),
            "score": pd.to_numeric(table["score"].mask(table["score"] == "")).astype("float64"),
            "score_unit": _text(table["score_unit"]),
            "rank": pd.array(pd.to_numeric(table["rank"].mask(table["rank"] == "")), dtype="Int64"),
            "n_provinces": table["n_provinces"].astype("int64"),
            "group": _text(table["group"].mask(table["group"] == "")),
            "derived": table["derived"].eq("true").to_numpy(),
            "source": _text(table["source"].map(nfc)),
        }
    )
    return frame


def _typed(frame: pd.DataFrame, *, text: list[str]) -> pd.DataFrame:
    """Cast ``text`` columns to ``str`` and every other non-year column to int64 (counts)."""
    out = frame.copy()
    for column in out.columns:
        out[column] = out[column].astype("str") if column in text else out[column].astype("int64")
    return out
