"""Closed sets used across the toolkit, each an Enum whose value is the stored code.

Each member carries a Vietnamese (``vi``) and an English (``en``) label. Data files may use the code or either label
(any case, NFC or NFD, with or without diacritics); :meth:`Vocab.parse` maps them back to the code. Templates show
the Vietnamese labels in their dropdowns.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import cache

from danvan_analysis.text import fold


@cache
def _alias_table(vocab: type[Vocab]) -> dict[str, str]:
    """Every folded code and label of ``vocab`` → its code; built once per set (the sets are fixed at import). A report
    parses ~750 codes, and building the table each time was half its formatting's CPU (07/12/2026)."""
    table: dict[str, str] = {}
    for m in vocab:
        for text in (m.value, m.vi, m.en):
            table[fold(text)] = m.value
    return table


class Vocab(StrEnum):
    """An Enum of string codes with Vietnamese and English labels."""

    def __new__(cls, code: str, vi: str, en: str) -> Vocab:
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.vi = vi
        obj.en = en
        return obj

    def __str__(self) -> str:
        return self.value

    def label(self, lang: str = "vi") -> str:
        """Return the label in ``lang`` (``"vi"`` or ``"en"``)."""
        return self.vi if lang == "vi" else self.en

    @classmethod
    def codes(cls) -> list[str]:
        """Return the codes in declaration order."""
        return [m.value for m in cls]

    @classmethod
    def aliases(cls) -> dict[str, str]:
        """Return a mapping from every folded code and label to the code."""
        return dict(_alias_table(cls))

    @classmethod
    def parse(cls, text: object) -> str | None:
        """Return the code that ``text`` names, or ``None`` when it names none."""
        if text is None:
            return None
        return _alias_table(cls).get(fold(str(text)))


class Level(Vocab):
    PROVINCE = ("province", "Tỉnh", "Province")
    DISTRICT = ("district", "Huyện", "District")
    COMMUNE = ("commune", "Xã", "Commune")


class UnitKind(Vocab):
    AGENCY = ("agency", "Cơ quan, đơn vị", "Agency")
    DISTRICT = ("district", "UBND cấp huyện", "District")
    COMMUNE = ("commune", "UBND cấp xã", "Commune")


class Period(Vocab):
    """Reporting periods of the plan; figures are cumulative from 1 January."""

    Q1 = ("Q1", "Quý I", "Q1")
    H1 = ("H1", "6 tháng", "First half")
    M9 = ("9M", "9 tháng", "Nine months")
    Y = ("Y", "Năm", "Year")

    def deadline(self, year: int) -> dt.date:
        """Return the plan's deadline for this period's report to the Department of Home Affairs."""
        month = {"Q1": 3, "H1": 6, "9M": 9, "Y": 11}[self.value]
        return dt.date(year, month, 15)


class Chair(Vocab):
    HEAD = ("head", "Người đứng đầu", "Head in person")
    DEPUTY = ("deputy", "Cấp phó", "Deputy")


class Topic(Vocab):
    """Fields of dialogues and complaints."""

    LAND = ("land", "Đất đai, bồi thường, GPMB", "Land and compensation")
    SOCIAL_POLICY = ("social_policy", "Chính sách xã hội", "Social policy")
    ENVIRONMENT = ("environment", "Môi trường", "Environment")
    INVESTMENT = ("investment", "Đầu tư, xây dựng", "Investment and construction")
    ADMIN_PROCEDURES = ("admin_procedures", "Thủ tục hành chính", "Administrative procedures")
    OTHER = ("other", "Khác", "Other")


class Religion(Vocab):
    BUDDHISM = ("buddhism", "Phật giáo", "Buddhism")
    CATHOLICISM = ("catholicism", "Công giáo", "Catholicism")
    PROTESTANTISM = ("protestantism", "Tin lành", "Protestantism")
    OTHER = ("other", "Tôn giáo khác", "Other recognised religion")


class InspectionScope(Vocab):
    DAN_VAN = ("dan_van", "Công tác dân vận", "Mass mobilisation work")
    GRASSROOTS = ("grassroots_democracy", "Dân chủ ở cơ sở", "Grassroots democracy")
    BOTH = ("both", "Dân vận và dân chủ ở cơ sở", "Both")


class IndexCode(Vocab):
    PAR_INDEX = ("PAR_INDEX", "Chỉ số cải cách hành chính (PAR INDEX)", "PAR INDEX")
    PCI = ("PCI", "Chỉ số năng lực cạnh tranh cấp tỉnh (PCI)", "PCI")
    SIPAS = ("SIPAS", "Chỉ số hài lòng về sự phục vụ hành chính (SIPAS)", "SIPAS")
    PAPI = ("PAPI", "Chỉ số hiệu quả quản trị và hành chính công (PAPI)", "PAPI")


class PapiGroup(Vocab):
    """PAPI performance groups, best first."""

    HIGHEST = ("highest", "Nhóm cao nhất", "Highest")
    HIGH_AVERAGE = ("high-average", "Nhóm trung bình cao", "High-average")
    LOW_AVERAGE = ("low-average", "Nhóm trung bình thấp", "Low-average")
    LOWEST = ("lowest", "Nhóm thấp nhất", "Lowest")


class ScoreUnit(Vocab):
    """Scale of a published index score."""

    PERCENT = ("percent", "Phần trăm", "Percent")
    POINTS = ("points", "Điểm", "Points")


class Sex(Vocab):
    MALE = ("male", "Nam", "Male")
    FEMALE = ("female", "Nữ", "Female")


class AgeGroup(Vocab):
    A18_29 = ("18-29", "18–29 tuổi", "18–29")
    A30_44 = ("30-44", "30–44 tuổi", "30–44")
    A45_59 = ("45-59", "45–59 tuổi", "45–59")
    A60P = ("60+", "Từ 60 tuổi", "60 and over")


class Ethnicity(Vocab):
    KINH = ("kinh", "Kinh", "Kinh")
    MINORITY = ("minority", "Dân tộc thiểu số", "Ethnic minority")


class Education(Vocab):
    PRIMARY = ("primary", "Tiểu học trở xuống", "Primary or less")
    LOWER_SECONDARY = ("lower_secondary", "Trung học cơ sở", "Lower secondary")
    UPPER_SECONDARY = ("upper_secondary", "Trung học phổ thông", "Upper secondary")
    VOCATIONAL = ("vocational", "Trung cấp, cao đẳng", "Vocational or college")
    UNIVERSITY = ("university", "Đại học trở lên", "University or higher")


class Occupation(Vocab):
    FARMER = ("farmer", "Nông dân", "Farmer")
    WORKER = ("worker", "Công nhân", "Worker")
    CIVIL_SERVANT = ("civil_servant", "Cán bộ, công chức, viên chức", "Civil servant")
    BUSINESS = ("business", "Kinh doanh, dịch vụ", "Business")
    STUDENT = ("student", "Học sinh, sinh viên", "Student")
    RETIRED = ("retired", "Nghỉ hưu", "Retired")
    OTHER = ("other", "Khác", "Other")


class Area(Vocab):
    URBAN = ("urban", "Thành thị", "Urban")
    RURAL = ("rural", "Nông thôn", "Rural")


class Channel(Vocab):
    IN_PERSON = ("in_person", "Trực tiếp", "In person")
    ONLINE = ("online", "Trực tuyến", "Online")


class PriorityArea(Vocab):
    """Improvement priorities a respondent may tick (column ``pr_<code>`` in the survey)."""

    POLICY_INFO = ("policy_info", "Thông tin chính sách", "Policy information")
    CONSULTATION = ("consultation", "Lấy ý kiến người dân", "Consulting citizens")
    PROCEDURES = ("procedures", "Đơn giản hóa thủ tục", "Simpler procedures")
    PROCESSING_TIME = ("processing_time", "Rút ngắn thời gian giải quyết", "Shorter processing time")
    STAFF_ATTITUDE = ("staff_attitude", "Thái độ công chức", "Civil servants' attitude")
    FACILITIES = ("facilities", "Cơ sở vật chất", "Facilities")
    ONLINE_SERVICES = ("online_services", "Dịch vụ công trực tuyến", "Online public services")
    FEEDBACK = ("feedback", "Xử lý phản ánh, kiến nghị", "Handling feedback")


#: The datasets of the data contract, in the order of the design document: the names a year folder's files take.
#: Here, in a module without pandas or pandera, so that planning a batch need not import the schemas;
#: :mod:`danvan_analysis.schemas` checks on import that its ``DATASETS`` has exactly these names, in this order.
DATASET_NAMES = (
    "survey", "dialogues", "religion", "complaints", "boards", "plans", "inspections", "submissions", "indices",
)  # fmt: skip
#: Code for "don't know / not applicable" in the rated items q01–q33; distinct from missing (<NA>).
DONT_KNOW = 9
#: The rated items of the SIPAS questionnaire.
ITEMS = [f"q{i:02d}" for i in range(1, 34)]
#: Improvement-priority columns of the survey.
PRIORITY_COLUMNS = [f"pr_{m.value}" for m in PriorityArea]


#: Reporting statuses of a target.
class Status(Vocab):
    """The verdict on a target."""

    MET = ("met", "Đạt", "Met")
    NOT_MET = ("not_met", "Không đạt", "Not met")
    NO_DATA = ("no_data", "Chưa đủ dữ liệu", "Insufficient data")


class ThresholdSource(Vocab):
    """Whose threshold a target applies: the plan's requirement, or the analysis team's choice where the plan is silent."""

    PLAN = ("plan", "yêu cầu", "required")
    TOOLKIT = ("toolkit", "ngưỡng do nhóm phân tích chọn", "threshold chosen by the analysis team")


STATUS_MET, STATUS_NOT_MET, STATUS_NO_DATA = Status.MET.value, Status.NOT_MET.value, Status.NO_DATA.value
#: Status code → label, by language (from :class:`Status`).
STATUS_LABELS = {lang: {s.value: s.label(lang) for s in Status} for lang in ("vi", "en")}
