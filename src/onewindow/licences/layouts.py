"""What each licence type prints: its own surface fields (照面信息) and layout.

A licence's ``data`` holds its surface items by their printed labels (as GB/T 36902 catalogues
them: 证照名称, 编号, 持证主体, 持证主体代码, 颁发机构, 颁发日期, 有效期 and the type's own items).
``LAYOUTS`` says, per licence type code, which items the document shows and in which order,
which of them the applicant fills in when applying (``inputs``), whether the holder's ID number
is printed in full (a card that *is* an identity document), masked, or not at all, and which of
three forms it takes: a framed licence (执照/许可证), a card-like certificate (证), or a decision
letter (决定书). Pure data and functions: no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from django.utils.html import strip_tags

IdPrint = Literal["full", "masked", "none"]
Form = Literal["licence", "certificate", "decision"]


@dataclass(frozen=True)
class SurfaceInput:
    """An item the applicant supplies on the application form (form_data key = label)."""

    label: str
    max_length: int = 200
    required: bool = True
    multiline: bool = False
    hint: str = ""


@dataclass(frozen=True)
class Layout:
    form: Form
    #: surface items in print order (labels; values come from ``data``)
    items: tuple[str, ...]
    inputs: tuple[SurfaceInput, ...] = ()
    id_print: IdPrint = "masked"
    #: label of the holder line for a person / an enterprise
    holder_label: tuple[str, str] = ("姓名", "名称")
    #: print the holder's identity line at all (some licences name the holder in an item)
    show_holder: bool = True
    #: a note printed under the items (e.g. the supervising body, remedies)
    note: str = ""
    wide_items: tuple[str, ...] = field(default=())
    #: items that name the holder when ``show_holder`` is off: (name item, enterprise code item)
    holder_items: tuple[str, str] = ("", "")


REMEDY = ("如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
          "或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。")

_BUSINESS_INPUTS = (
    SurfaceInput("名称", 60, hint="字号 + 行业 + 组织形式，如：盘龙区老张小吃店"),
    SurfaceInput("经营场所", 120),
    SurfaceInput("经营范围", 500, multiline=True, hint="如：小吃服务；食品销售（仅销售预包装食品）"),
    SurfaceInput("组成形式", 20, required=False, hint="个人经营或家庭经营"),
)

LAYOUTS: dict[str, Layout] = {
    # 营业执照 (个体工商户 and companies; the national specimen's items)
    "BUSINESS_LICENCE": Layout(
        form="licence", show_holder=False, id_print="none",
        items=("统一社会信用代码", "名称", "类型", "经营者", "法定代表人", "组成形式", "注册资本",
               "经营场所", "住所", "经营范围", "注册日期", "成立日期", "营业期限"),
        inputs=_BUSINESS_INPUTS, wide_items=("经营范围",), holder_items=("名称", "统一社会信用代码"),
        note="国家企业信用信息公示系统网址：http://www.gsxt.gov.cn",
    ),
    "FOOD_OPERATION_PERMIT": Layout(
        form="licence", show_holder=False, id_print="none",
        items=("经营者名称", "社会信用代码（身份证号码）", "法定代表人（负责人）", "住所", "经营场所",
               "主体业态", "经营项目", "许可证编号", "日常监督管理机构", "投诉举报电话"),
        inputs=(SurfaceInput("经营场所", 120), SurfaceInput("主体业态", 30, hint="如：餐饮服务经营者（小型餐馆）"),
                SurfaceInput("经营项目", 300, multiline=True, hint="如：热食类食品制售")),
        wide_items=("经营项目",), holder_items=("经营者名称", "社会信用代码（身份证号码）"),
    ),
    "OUTDOOR_SIGN_PERMIT": Layout(
        form="decision", id_print="none",
        items=("设置地点", "招牌规格", "招牌内容", "设置期限"),
        inputs=(SurfaceInput("设置地点", 120), SurfaceInput("招牌规格", 60, hint="长×高（米）、材质"),
                SurfaceInput("招牌内容", 60)),
        note=REMEDY,
    ),
    "PUBLIC_HEALTH_PERMIT": Layout(
        form="licence", id_print="none",
        items=("单位名称", "法定代表人（负责人）", "地址", "许可项目"),
        inputs=(SurfaceInput("地址", 120), SurfaceInput("许可项目", 100, hint="如：美容店、住宿")),
        holder_label=("经营者", "单位名称"), show_holder=False, holder_items=("单位名称", ""),
    ),
    "DRUG_OPERATION_PERMIT": Layout(
        form="licence", id_print="none", show_holder=False,
        items=("企业名称", "注册地址", "法定代表人", "企业负责人", "质量负责人", "仓库地址", "经营方式",
               "经营范围"),
        inputs=(SurfaceInput("注册地址", 120), SurfaceInput("企业负责人", 30), SurfaceInput("质量负责人", 30),
                SurfaceInput("经营方式", 30, hint="如：零售（连锁）"),
                SurfaceInput("经营范围", 300, multiline=True)),
        wide_items=("经营范围",), holder_items=("企业名称", ""),
    ),
    # Cards that are identity documents print the number in full: it is the card's own data.
    "SOCIAL_SECURITY_CARD": Layout(form="certificate", id_print="full",
                                   items=("社会保障号码", "卡号", "发卡日期"),
                                   holder_label=("姓名", "姓名")),
    "ID_CARD": Layout(form="certificate", id_print="full", items=("性别", "民族", "出生", "住址")),
    "RESIDENCE_PERMIT": Layout(form="certificate", id_print="full",
                               items=("居住地址", "签注有效期"),
                               inputs=(SurfaceInput("居住地址", 120),)),
    "DISABILITY_CERT": Layout(form="certificate", id_print="full",
                              items=("残疾类别", "残疾等级", "监护人")),
    "HOUSEHOLD_REGISTER": Layout(form="certificate", id_print="full",
                                 items=("户别", "住址", "与户主关系")),
    "MARRIAGE_CERT": Layout(form="certificate", id_print="masked",
                            items=("登记日期", "结婚证字号", "持证人", "配偶姓名")),
    "MINIMUM_LIVING_CERT": Layout(form="certificate", id_print="masked",
                                  items=("家庭住址", "保障人数", "保障金额（元/月）", "保障起始"),
                                  inputs=(SurfaceInput("家庭住址", 120),
                                          SurfaceInput("家庭人口", 10, hint="共同生活的家庭成员人数")),
                                  holder_label=("户主姓名", "户主姓名")),
    "ELDERLY_ALLOWANCE_CERT": Layout(form="certificate", id_print="masked",
                                     items=("出生日期", "津贴标准（元/月）", "享受起始")),
    "APPROVAL_DECISION": Layout(form="decision", id_print="masked",
                                items=("许可事项", "许可内容", "许可依据"),
                                note=REMEDY),
    "CONFIRMATION_LETTER": Layout(form="decision", id_print="masked",
                                  items=("确认事项", "确认内容"), note=REMEDY),
}

DEFAULT_LAYOUT = Layout(form="certificate", id_print="masked", items=())


def layout_for(type_code: str) -> Layout:
    return LAYOUTS.get((type_code or "").upper(), DEFAULT_LAYOUT)


_SPACES = re.compile(r"[ \t\u3000]+")


def surface_text(value: object, *, limit: int = 500) -> str:
    """An applicant's text as it may be printed: tags removed (never rendered), control
    characters dropped, runs of spaces folded, cut to ``limit``. The template escapes it again."""
    text = strip_tags(str(value if value is not None else ""))
    text = "".join(ch for ch in text if ch.isspace() or ch.isprintable())
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)[:limit]


def surface_items(type_code: str, data: dict[str, object]) -> list[tuple[str, str, bool]]:
    """(label, value, wide) in the layout's order, then any other items; empty ones left out."""
    layout = layout_for(type_code)
    shown: list[tuple[str, str, bool]] = []
    seen: set[str] = set()
    for label in layout.items:
        value = surface_text(data.get(label, ""))
        seen.add(label)
        if value:
            shown.append((label, value, label in layout.wide_items))
    for label, raw in data.items():
        if label in seen or label == "办件编号":
            continue
        value = surface_text(raw)
        if value:
            shown.append((str(label), value, len(value) > 40))
    return shown


def uscc_for_individual(*, division_code: str, serial: int) -> str:
    """A unified social credit code for a new 个体工商户 (GB 32100-2015: 登记管理部门 9 = 市场监管,
    机构类别 2 = 个体工商户, the 6-digit division, a 9-character body, the check character)."""
    from onewindow.accounts.rules import credit_code_check_char

    body = f"{serial % 10**8:08d}"
    body += _org_check_char(body)
    first17 = "92" + (division_code + "000000")[:6] + body
    return first17 + credit_code_check_char(first17)


def _org_check_char(first8: str) -> str:
    """The check character of a 9-character organisation code body (GB 11714)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    total = sum(alphabet.index(c) * w for c, w in zip(first8, weights, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


@dataclass(frozen=True)
class ResultFacts:
    """What the case knows when its result is issued (plain values; no models)."""

    type_code: str
    item_name: str
    holder_is_person: bool
    holder_name: str
    credit_code: str = ""
    legal_representative: str = ""
    enterprise_address: str = ""
    person_birth: str = ""
    form: dict[str, str] = field(default_factory=dict)
    accepted_on: str = ""
    decided_on: str = ""
    district_code: str = ""
    department_name: str = ""
    serial: int = 0


def result_surface(facts: ResultFacts) -> dict[str, str]:
    """The surface items of a case's result document: the layout's items from what the
    applicant filled in, the holder's records and the case itself. Never the free 申请说明 or
    any other form text the layout does not name."""
    form = {k: surface_text(v) for k, v in facts.form.items()}
    code = facts.type_code.upper()
    data: dict[str, str] = {}
    if code == "BUSINESS_LICENCE":
        if facts.holder_is_person:
            data["统一社会信用代码"] = uscc_for_individual(division_code=facts.district_code[:6],
                                                   serial=facts.serial)
            data["名称"] = form.get("名称") or facts.holder_name
            data["类型"] = "个体工商户"
            data["经营者"] = facts.holder_name
            data["组成形式"] = form.get("组成形式") or "个人经营"
            data["经营场所"] = form.get("经营场所") or form.get("地址", "")
            data["注册日期"] = facts.decided_on
        else:
            data["统一社会信用代码"] = facts.credit_code
            data["名称"] = form.get("名称") or facts.holder_name
            data["类型"] = form.get("类型") or "有限责任公司"
            data["法定代表人"] = facts.legal_representative
            data["住所"] = form.get("住所") or form.get("经营场所") or facts.enterprise_address
            data["成立日期"] = form.get("成立日期", "")
            data["营业期限"] = form.get("营业期限") or "长期"
        data["经营范围"] = form.get("经营范围", "")
    elif code in ("FOOD_OPERATION_PERMIT", "FOOD_BUSINESS_LICENCE"):
        data["经营者名称"] = facts.holder_name
        data["社会信用代码（身份证号码）"] = facts.credit_code
        data["法定代表人（负责人）"] = facts.legal_representative
        data["住所"] = facts.enterprise_address
        data["经营场所"] = form.get("经营场所") or form.get("地址", "")
        data["主体业态"] = form.get("主体业态", "")
        data["经营项目"] = form.get("经营项目", "")
        data["日常监督管理机构"] = facts.department_name
        data["投诉举报电话"] = "12315"
    elif code in ("APPROVAL_DECISION", "CONFIRMATION_LETTER"):
        key = "许可事项" if code == "APPROVAL_DECISION" else "确认事项"
        data[key] = facts.item_name
        data["许可内容" if code == "APPROVAL_DECISION" else "确认内容"] = (
            form.get("许可内容") or f"准予{facts.item_name}")
    else:
        layout = layout_for(code)
        for spec in layout.inputs:
            if form.get(spec.label):
                data[spec.label] = form[spec.label]
        if code == "ELDERLY_ALLOWANCE_CERT" and facts.person_birth:
            data["出生日期"] = facts.person_birth
        for label in ("保障起始", "享受起始", "签注有效期"):
            if label in layout.items:
                data[label] = facts.decided_on
    for spec in layout_for(code).inputs:  # what the applicant filled in for this document
        if spec.label not in data and form.get(spec.label):
            data[spec.label] = form[spec.label]
    if layout_for(code).form == "decision" and facts.accepted_on:
        data["受理日期"] = facts.accepted_on
    return {k: v[:500] for k, v in data.items() if v}
