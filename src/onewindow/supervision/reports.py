"""The monthly assessment report as Excel (openpyxl) and PDF (WeasyPrint, Noto CJK fonts)."""

from __future__ import annotations

import io
from typing import Any


def assessment_excel(context: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    run = context["run"]
    book = Workbook()
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    first = True
    for label, scores in context["groups"]:
        ws = book.active if first else book.create_sheet()
        first = False
        ws.title = f"{label}排名"
        ws.append([f"{run.period} 考核结果（{label}）", "", "", "", "", f"状态：{run.get_status_display()}"])
        ws["A1"].font = Font(bold=True, size=13)
        header = ["名次", "名称", "指标得分", "指标满分", "扣分", "加分", "总分"]
        ws.append(header)
        for cell in ws[2]:
            cell.font, cell.fill = bold, fill
        for s in scores:
            ws.append([s.rank, s.name, float(s.indicator_points), float(s.indicator_max), float(s.deducted),
                       float(s.bonus), float(s.total)])
        ws.column_dimensions["B"].width = 28
    ws = book.create_sheet("扣分明细")
    ws.append(["对象", "事件", "编号", "发生时间", "扣分", "状态", "说明"])
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
    for d, _link in context["deductions"]:
        ws.append([d.score.name, d.get_event_kind_display(), d.object_number,
                   d.occurred_at.strftime("%Y-%m-%d %H:%M"), float(d.points), d.get_status_display(), d.note])
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["C"].width = 22
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def assessment_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf())
