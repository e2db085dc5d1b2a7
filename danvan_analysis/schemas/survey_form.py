"""The survey's field form, declared once: how the SIPAS-style questionnaire (an XLSForm) maps to the survey contract.

Field work runs on KoboToolbox or ODK Collect, which both read XLSForm (https://xlsform.org), the standard
spreadsheet form format. One declaration serves three ends:

* :mod:`danvan_analysis.questionnaire` writes it as an XLSForm (``danvan questionnaire``);
* :mod:`danvan_analysis.io` reads the exports of that form (KoboToolbox, ODK Central) into the survey contract;
* :mod:`danvan_analysis.demo` writes synthetic exports of it.

The mapping
-----------
Every field's XML name *is* the contract column it fills (``district_code``, ``sex``, ``q01`` … ``q33``), except:

* ``priorities``, a select_multiple whose choices are the :class:`~danvan_analysis.vocab.PriorityArea` codes: one
  contract column ``pr_<choice>`` per choice;
* ``used_policy`` and ``used_service``, the skip-logic questions (yes/no): they gate the policy block (q01–q14) and
  the service block (q15–q33), are checked against the answers and are not kept;
* ``weight``, ``stratum``, ``psu``: not asked (strata and PSUs default to district and commune; weights come from the
  sampling frame, see :data:`WEIGHTS_HINT`).

Select choices are stored by their names, which are the contract's codes (district and commune GSO codes, the vocab
codes, ratings ``1``–``5`` and ``9`` for "không biết / không áp dụng"), so an export "as XML values" holds codes and an
export "as labels" holds the labels declared here, in Vietnamese or English.

:data:`META_COLUMNS` lists the columns KoboToolbox and ODK Central add to an export (submission bookkeeping); the loader
sets them aside unread. No field of the form identifies a person: ``respondent_id`` is a random identifier
(``uuid()``) computed on the tablet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType

import pandas as pd

from danvan_analysis import vocab
from danvan_analysis.paths import package_data
from danvan_analysis.schemas.survey import SPEC

#: How an analyst obtains weights for an export (exports carry none); quoted in errors and the docs.
WEIGHTS_HINT = (
    "Exports of the field form carry no weights. Compute them from the sampling frame (design weights, then "
    "calibration): `danvan weights EXPORT --frame frame.csv --out survey.csv` (frame format: docs/field_survey.md, "
    "'Weights'). To check everything else first: load_survey(…, require_weight=False) or "
    "`danvan validate survey FILE --weights-later`."
)

#: Columns KoboToolbox and ODK Central add to an export, compared case-insensitively after removing a group path
#: (``meta/instanceID``, ``meta-instanceID``). They hold submission bookkeeping and are never read.
META_COLUMNS = frozenset(
    name.lower()
    for name in (
        # XLSForm metadata questions
        "start", "end", "today", "deviceid", "username", "audit", "instanceID", "instanceName", "rootUuid",
        "deprecatedID", "uuid",
        # KoboToolbox
        "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by",
        "__version__", "_version_", "_tags", "_index", "_parent_index", "_parent_table_name", "_xform_id_string",
        "_attachments", "_geolocation", "_duration", "formhub/uuid",
        # ODK Central
        "SubmissionDate", "KEY", "PARENT_KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
        "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion",
    )
)  # fmt: skip

#: The choice names of the rating scale: 1–5 and 9 (don't know / not applicable), as in the contract.
RATING_LABELS = (
    ("1", "Rất không hài lòng", "Very dissatisfied"),
    ("2", "Không hài lòng", "Dissatisfied"),
    ("3", "Bình thường", "Neither satisfied nor dissatisfied"),
    ("4", "Hài lòng", "Satisfied"),
    ("5", "Rất hài lòng", "Very satisfied"),
    (str(vocab.DONT_KNOW), "Không biết / không áp dụng", "Don't know / not applicable"),
)
YES, NO = "yes", "no"


@dataclass(frozen=True)
class _Labelled:
    name: str
    vi: str
    en: str

    def label(self, lang: str = "vi") -> str:
        """The label in ``lang`` (``"vi"`` or ``"en"``)."""
        return self.vi if lang == "vi" else self.en


@dataclass(frozen=True)
class Choice(_Labelled):
    """One choice of a list: its name (the stored code), its labels and, for cascading lists, its parent's code."""

    parent: str | None = None


@dataclass(frozen=True)
class FormGroup(_Labelled):
    """A group of questions (``begin_group`` … ``end_group``); ``parent`` is the enclosing group's name."""

    parent: str | None = None
    relevant: str = ""
    appearance: str = ""


@dataclass(frozen=True)
class FormField:
    """One question or calculation of the form.

    Attributes
    ----------
    name : the XML name (= the contract column it fills, where it fills one).
    type : the XLSForm type (``select_one sex``, ``calculate``, ``text``, ``select_multiple priority_areas``).
    vi, en : question labels (empty for calculations).
    group : the enclosing group's name, or ``None`` at the top level.
    role : ``column`` (fills the contract column ``name``), ``priorities`` (one ``pr_<choice>`` per choice) or
        ``gate`` (a skip-logic question, checked and not kept).
    list_name : the choice list of a select.
    relevant, constraint, calculation, choice_filter, appearance, required : XLSForm columns of the same name.
    hint_vi, hint_en : the hint shown under the question.
    """

    name: str
    type: str
    vi: str = ""
    en: str = ""
    group: str | None = None
    role: str = "column"
    list_name: str | None = None
    relevant: str = ""
    constraint: str = ""
    constraint_vi: str = ""
    constraint_en: str = ""
    calculation: str = ""
    choice_filter: str = ""
    appearance: str = ""
    required: bool = True
    hint_vi: str = ""
    hint_en: str = ""

    def label(self, lang: str = "vi") -> str:
        return self.vi if lang == "vi" else self.en

    @property
    def is_select(self) -> bool:
        return self.list_name is not None


@dataclass(frozen=True)
class SurveyForm:
    """The questionnaire: groups, fields in form order and choice lists."""

    year: int
    groups: tuple[FormGroup, ...]
    fields: tuple[FormField, ...]
    lists: Mapping[str, tuple[Choice, ...]] = field(default_factory=dict)
    form_id: str = "danvan_sipas"
    title_vi: str = "Phiếu khảo sát sự hài lòng của người dân"
    title_en: str = "Citizen satisfaction survey"

    def field(self, name: str) -> FormField:
        """The field called ``name``."""
        for item in self.fields:
            if item.name == name:
                return item
        raise KeyError(f"the survey form has no field {name!r}")

    def group(self, name: str) -> FormGroup:
        """The group called ``name``."""
        return next(g for g in self.groups if g.name == name)

    def group_path(self, name: str | None) -> tuple[FormGroup, ...]:
        """The groups enclosing a field in group ``name``, outermost first."""
        path: list[FormGroup] = []
        while name is not None:
            group = self.group(name)
            path.insert(0, group)
            name = group.parent
        return tuple(path)

    def field_for_column(self, column: str) -> FormField | None:
        """The field that fills contract column ``column`` (``priorities`` for ``pr_<area>``), if any."""
        if column in vocab.PRIORITY_COLUMNS:
            return self.field("priorities")
        return next((f for f in self.fields if f.role == "column" and f.name == column), None)

    @property
    def gates(self) -> dict[str, tuple[str, ...]]:
        """Each skip-logic question and the items of the block it gates."""
        return {"used_policy": tuple(vocab.ITEMS[:14]), "used_service": tuple(vocab.ITEMS[14:])}


def _enum_choices(enum: type[vocab.Vocab]) -> tuple[Choice, ...]:
    return tuple(Choice(m.value, m.vi, m.en) for m in enum)


@cache
def _items() -> pd.DataFrame:
    return pd.read_csv(package_data("sipas_items.csv"), dtype=str).set_index("item")


def _lists(villages: tuple[Choice, ...] | None) -> dict[str, tuple[Choice, ...]]:
    from danvan_analysis.units import register

    reg = register()
    lists: dict[str, tuple[Choice, ...]] = {
        "districts": tuple(Choice(u.code, u.name, u.name) for u in reg.units("district")),
        "communes": tuple(Choice(u.code, u.name, u.name, u.district_code) for u in reg.units("commune")),
        "yes_no": (Choice(YES, "Có", "Yes"), Choice(NO, "Không", "No")),
        "rating": tuple(Choice(*row) for row in RATING_LABELS),
        "priority_areas": _enum_choices(vocab.PriorityArea),
    }
    for name in DEMOGRAPHICS:
        lists[name] = _enum_choices(SPEC.column(name).vocab)  # type: ignore[arg-type]
    if villages:
        lists["villages"] = villages
    return lists


#: The demographic questions: the survey contract's code-list columns (their vocab and labels come from the schema).
DEMOGRAPHICS = ("sex", "age_group", "ethnicity", "education", "occupation", "area", "channel")


def _groups() -> list[FormGroup]:
    items = _items()
    groups = [
        FormGroup("location", "Địa bàn khảo sát", "Location", appearance="field-list"),
        FormGroup("respondent", "Thông tin người trả lời", "About the respondent", appearance="field-list"),
        FormGroup("policy", "Phần I. Thực hiện chính sách", "Part I. Policies", relevant=f"${{used_policy}} = '{YES}'"),
        FormGroup(
            "service",
            "Phần II. Cung ứng dịch vụ hành chính công",
            "Part II. Public administrative services",
            relevant=f"${{used_service}} = '{YES}'",
        ),
    ]
    elements = items.drop_duplicates("element")
    for row in elements.itertuples():
        parent = "policy" if row.aspect == "policy" else "service"
        groups.append(FormGroup(row.element.lower(), row.element_vi, row.element_en, parent, appearance="field-list"))
    return groups


def _fields(year: int, villages: bool) -> list[FormField]:
    fields = [
        FormField("respondent_id", "calculate", calculation="once(uuid())"),
        FormField("year", "calculate", calculation=str(year)),
        FormField(
            "district_code",
            "select_one districts",
            "Huyện, thành phố nơi ông/bà sinh sống",
            "District where you live",
            "location",
            list_name="districts",
        ),
        FormField(
            "commune_code",
            "select_one communes",
            "Xã, phường, thị trấn nơi ông/bà sinh sống",
            "Commune where you live",
            "location",
            list_name="communes",
            choice_filter="district = ${district_code}",
        ),
    ]
    if villages:
        fields.append(
            FormField(
                "ssu",
                "select_one villages",
                "Thôn, xóm, tổ dân phố",
                "Village",
                "location",
                list_name="villages",
                choice_filter="commune = ${commune_code}",
            )
        )
    else:
        fields.append(
            FormField(
                "ssu",
                "text",
                "Thôn, xóm, tổ dân phố",
                "Village",
                "location",
                hint_vi="Tên hoặc mã thôn, xóm, tổ dân phố theo danh sách mẫu (không ghi địa chỉ nhà)",
                hint_en="Name or code of the village in the sample list (not a home address)",
            )
        )
    for name in DEMOGRAPHICS:
        vi, en = SPEC.column(name).vi, SPEC.column(name).en
        # A respondent may refuse a demographic question (the contract's empty cell); area and channel are the
        # enumerator's to record.
        required = name in ("area", "channel")
        fields.append(FormField(name, f"select_one {name}", vi, en, "respondent", list_name=name, required=required))
    fields.append(
        FormField(
            "used_policy",
            "select_one yes_no",
            "Trong 12 tháng qua, ông/bà có được phổ biến, tìm hiểu hoặc thụ hưởng chính sách của chính quyền địa phương không?",
            "In the past 12 months, were you told about, did you look into or benefit from local government policies?",
            role="gate",
            list_name="yes_no",
        )
    )
    items = _items()
    for item, row in items.iterrows():
        if item == "q15":
            fields.append(
                FormField(
                    "used_service",
                    "select_one yes_no",
                    "Trong 12 tháng qua, ông/bà có trực tiếp giải quyết thủ tục hành chính tại cơ quan nhà nước không?",
                    "In the past 12 months, did you yourself carry out an administrative procedure at a state agency?",
                    role="gate",
                    list_name="yes_no",
                )
            )
        number = int(item[1:])
        fields.append(
            FormField(
                str(item),
                "select_one rating",
                f"Câu {number:02d}. {row.text_vi}",
                f"Item {number:02d}. {row.text_en}",
                row.element.lower(),
                list_name="rating",
                appearance="likert",
                required=False,  # item non-response stays possible: the contract's empty cell
            )
        )
    fields.append(
        FormField(
            "priorities",
            "select_multiple priority_areas",
            "Theo ông/bà, chính quyền cần ưu tiên cải thiện những nội dung nào? (chọn tối đa 3)",
            "Which areas should the government improve first? (up to 3)",
            role="priorities",
            list_name="priority_areas",
            constraint="count-selected(.) <= 3",
            constraint_vi="Chọn tối đa 3 nội dung",
            constraint_en="Choose at most 3 areas",
            required=False,
        )
    )
    return fields


def survey_form(year: int = 2023, *, villages: tuple[Choice, ...] | None = None) -> SurveyForm:
    """Return the SIPAS-style questionnaire of ``year`` as a :class:`SurveyForm`.

    Parameters
    ----------
    year : the survey year (stored by the form's ``year`` calculation).
    villages : the sample's villages as choices (``name`` = village code, ``parent`` = its commune code); the village
        is then a select cascading from the commune, else a text question.
    """
    return SurveyForm(
        year=year,
        groups=tuple(_groups()),
        fields=tuple(_fields(year, bool(villages))),
        lists=MappingProxyType(_lists(villages)),
    )


@cache
def default_form() -> SurveyForm:
    """The form of the shipped register with a text village question (what the loader maps exports with).

    Built on the shipped register whatever map is in use when it is first asked for: it is kept for the process, and
    a process that put another map in use first (a two-level report's parameters) would otherwise keep that map's
    communes in the form of every 2023 export it then writes or reads.
    """
    from danvan_analysis.units import using_register

    with using_register(None):  # None: the shipped 2023 register
        return survey_form()
