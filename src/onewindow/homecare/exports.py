"""The monthly settlement statement as Excel (openpyxl) and PDF (WeasyPrint, Noto CJK fonts).

Elders appear masked (张*英) with the order number: enough for the provider to check its own
visits, nothing more."""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils import timezone

from onewindow.core.masking import mask_name

from . import selectors
from .models import Settlement


def _lines(settlement: Settlement) -> list[list[object]]:
    return [[ln.order.number, mask_name(ln.elder.name), ln.order.service.name,
             timezone.localtime(ln.order.scheduled_at).strftime("%Y-%m-%d %H:%M"), float(ln.amount)]
            for ln in selectors.settlement_lines(settlement=settlement).iterator(chunk_size=2000)]


def settlement_xlsx(settlement: Settlement) -> io.BytesIO:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    ws = book.active
    assert ws is not None
    ws.title = "结算汇总"
    title = f"政府购买居家养老服务结算单 {settlement.number}"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    for row in (["服务机构", settlement.provider.name], ["结算月份", f"{settlement.month:%Y-%m}"],
                ["订单数", settlement.order_count], ["服务老人数", settlement.elder_count],
                ["政府购买服务金额（元）", float(settlement.total_allowance)],
                ["状态", settlement.get_status_display()]):
        ws.append(row)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 30
    per_elder = book.create_sheet("按老人")
    per_elder.append(["老人", "订单数", "金额（元）"])
    for r in selectors.settlement_by_elder(settlement=settlement):
        per_elder.append([mask_name(r["elder__name"]), r["orders"], float(r["amount"] or 0)])
    detail = book.create_sheet("订单明细")
    detail.append(["订单号", "老人", "服务", "服务时间", "金额（元）"])
    for line in _lines(settlement):
        detail.append(line)
    for sheet in (per_elder, detail):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 22
        sheet.column_dimensions["C"].width = 16
        sheet.column_dimensions["D"].width = 18
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def settlement_pdf(settlement: Settlement) -> io.BytesIO:
    from weasyprint import HTML

    html = render_to_string("homecare/settlement_pdf.html", {
        "s": settlement, "lines": _lines(settlement),
        "by_elder": [{**r, "name": mask_name(r["elder__name"])} for r in selectors.settlement_by_elder(
            settlement=settlement)], "now": timezone.localtime()})
    return io.BytesIO(HTML(string=html).write_pdf())
