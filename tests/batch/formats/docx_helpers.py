"""Blocks for the Word writer's tests: a small hand-made report, and the real district report's blocks."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

from danvan_analysis.batch.formats.blocks import (
    Block,
    Bullets,
    Column,
    Figure,
    Heading,
    Headline,
    Meta,
    Paragraph,
    Table,
    Verdicts,
    blocks_from_json,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: A dialogue note an attacker (or a careless clerk) could write: XML, Jinja, an ampersand, a bell character.
INJECTION = "<w:t>x</w:t> {{ x }} {% for i in y %} & \x07chuông"
INJECTION_SHOWN = "<w:t>x</w:t> {{ x }} {% for i in y %} & chuông"


def district_blocks() -> list[Block]:
    """The blocks of the demo district report of Định Hóa (helper fixture written by make_block_fixtures.py)."""
    return blocks_from_json(json.loads((FIXTURES / "blocks_district.json").read_text(encoding="utf-8")))


def png(width: int = 640, height: int = 320, shade: int = 0) -> bytes:
    """A plain PNG of ``width`` × ``height`` pixels (a figure's stand-in)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(width / 100, height / 100), dpi=100)
    figure.patch.set_facecolor((shade / 255, 0.5, 0.5))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def meta(**changes: object) -> Meta:
    base = Meta(
        kind="district",
        lang="vi",
        year=2023,
        period=None,
        period_label=None,
        unit_code="167",
        unit_name="Huyện Định Hóa",
        issuer="UBND huyện Định Hóa",
        issuer_parent=None,
        symbol="BC-UBND",
        place="Định Hóa",
        date="2026-03-05",
        title="Báo cáo đánh giá công tác dân vận chính quyền năm 2023: Huyện Định Hóa",
        subject="Kết quả thực hiện công tác dân vận chính quyền năm 2023",
        demo=False,
        demo_text=None,
    )
    return dataclasses.replace(base, **changes)


def _column(key: str, label: str, kind: str = "text") -> Column:
    return Column(key, label, kind)


def small_report(*, figure_shade: int = 0, **meta_changes: object) -> list[Block]:
    """A report with one section per part of the outline, two tables, two figures and the injection string."""
    card = Table(
        caption=None,
        source="scorecard",
        columns=(
            _column("target", "Chỉ tiêu"),
            _column("label", "Nội dung"),
            _column("status", "Kết quả", "status"),
            _column("figure", "Năm 2023", "percent"),
        ),
        rows=(("1", "Ban hành kế hoạch", "met", 100.0), ("3", "Đối thoại", "not_met", 80.0)),
        display=(("1", "Ban hành kế hoạch", "Đạt", "100,0 %"), ("3", "Đối thoại", "Chưa đạt", "80,0 %")),
        suppressed=((None,) * 4, (None,) * 4),
        section="summary",
        chapter="summary",
        heading="Tóm tắt kết quả thực hiện các chỉ tiêu",
    )
    notes = Table(
        caption="Ghi chú của các cuộc đối thoại",
        source="dialogues",
        columns=(_column("date", "Ngày", "date"), _column("note", "Ghi chú")),
        rows=(("2023-03-05", INJECTION),),
        display=(("05/03/2023", INJECTION),),
        suppressed=((None, None),),
        section="dialogues",
        chapter="dialogues",
    )
    return [
        meta(**meta_changes),
        Heading(1, "Báo cáo đánh giá", "title"),
        Paragraph("Đánh giá cả năm 2023 · Lập ngày 05/03/2026", "subtitle"),
        Verdicts(
            {"met": 1, "not_met": 1, "no_data": 0}, {"met": "Đạt", "not_met": "Chưa đạt", "no_data": "Chưa đủ dữ liệu"}
        ),
        Headline((("Mức độ hài lòng chung", "72,5 %"),)),
        Heading(2, "Tóm tắt kết quả thực hiện các chỉ tiêu", "s-summary", "summary", "summary"),
        card,
        Heading(2, "Mức độ hài lòng của người dân", "s-satisfaction", "satisfaction", "satisfaction"),
        Heading(3, "Chỉ số theo yếu tố", "s-sat-elements", "sat_elements", "satisfaction"),
        Figure("Chỉ số theo yếu tố", png(480, 320, figure_shade), "sat_elements", "satisfaction"),
        Heading(2, "Đối thoại trực tiếp với Nhân dân", "s-dialogues", "dialogues", "dialogues"),
        Paragraph(f"Ghi chú: {INJECTION}", None, "dialogues", "dialogues"),
        Figure("Đối thoại theo lĩnh vực", png(900, 400, figure_shade), "dialogues", "dialogues"),
        Heading(3, "Ghi chú của các cuộc đối thoại", "s-dialogue-notes", "dialogues", "dialogues"),
        notes,
        Heading(2, "Thực hiện dân chủ ở cơ sở", "s-democracy", "democracy", "democracy"),
        Heading(3, "Ban hành kế hoạch", "s-plans", "plans", "democracy"),
        Paragraph("Tỷ lệ xã ban hành kế hoạch: 100,0 %.", None, "plans", "democracy"),
        Heading(2, "Còn phải làm đến cuối năm", "s-remaining", "remaining", "remaining"),
        Bullets(("Chỉ tiêu 3: còn 2 xã.",), section="remaining", chapter="remaining"),
        Heading(2, "Kiến nghị", "s-recommendations", "recommendations", "recommendations"),
        Bullets(("Tăng cường đối thoại.", INJECTION), section="recommendations", chapter="recommendations"),
        Heading(2, "Phụ lục: chất lượng dữ liệu và phương pháp", "s-appendix", "appendix", "appendix"),
        Heading(3, "Phương pháp", "s-method", "method", "appendix"),
        Paragraph("Chỉ số hài lòng theo phương pháp SIPAS.", None, "method", "appendix"),
    ]
