"""The demo district's catalogue: fully specified items, themes, power/responsibility lists.

``demo_load_catalog`` is idempotent: items go through ``services.catalog_import`` (matched on
implementation code, unchanged items untouched), themes and list entries are created only
when missing. Item codes follow the national pattern (基本编码-区划码-000-部门代码-序号-00)
with made-up basic codes: they are demo data. The legal bases name real laws and
regulations; an article number is given only where it is certain, otherwise the law alone.

Append new items at the end of ``ITEMS`` (the position gives the basic code).
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from onewindow.accounts.models import Department
from onewindow.core.audit import audit_record
from onewindow.core.errors import ValidationFailed
from onewindow.regions.selectors import region_get_by_code

from . import constants as c
from .models import ListPublication, Material, PowerEntry, ResponsibilityEntry, ServiceItem, Theme
from .rules import elements_clean, errors_message, material_clean
from .services import (
    ImportRow,
    catalog_import,
    list_publish,
    power_entry_save,
    responsibility_entry_save,
    theme_save,
)

HOURS = "周一至周五 9:00—12:00，13:00—17:00（法定节假日除外）"
HALL = "盘龙区政务服务中心"
COMPLAINT = "12345政务服务便民热线；盘龙区政务服务管理局监督投诉窗口（政务服务中心一楼）"
W, N = c.TimeUnit.WORKING_DAY.value, c.TimeUnit.NATURAL_DAY.value


def law(name: str, article: str = "", text: str = "") -> dict[str, str]:
    return {"law": name, "article": article, "text": text}


def step(name: str, description: str, role: str, limit: str) -> dict[str, str]:
    return {"name": name, "description": description, "handler_role": role, "time_limit": limit}


def mat(name: str, kind: str = "original", *, required: bool = True, condition: str = "",
        copies: int = 1, source: str = "applicant", spec: str = "", licence: str = ""
        ) -> dict[str, Any]:
    # A material whose guide says 承诺 accepts the applicant's commitment (trust level D).
    promisable = "承诺" in spec or name.endswith("承诺书") or "承诺书" in name
    return {"name": name, "material_type": kind, "is_required": required,
            "condition": condition, "copies": copies, "source": source, "spec": spec,
            "licence_type_code": licence, "trust_levels": "ABCD" if promisable else "ABC"}


def fee(name: str, standard: str, basis: str, reducible: bool = False) -> dict[str, Any]:
    return {"name": name, "standard": standard, "basis": basis, "reducible": reducible}


ID = mat("申请人有效身份证件", "original", source="shared", licence="ID_CARD",
         spec="核验原件，可用电子身份证照替代")
HOUSEHOLD = mat("居民户口簿", "original", source="shared", licence="HOUSEHOLD_REGISTER",
                spec="核验原件，可用电子户口簿替代")
BUSINESS = mat("营业执照", "copy", source="shared", licence="BUSINESS_LICENCE",
               spec="可通过电子营业执照共享获取，无需提交纸质件")
PROXY = mat("授权委托书及受托人身份证件", "original", required=False,
            condition="委托他人代为办理的", spec="委托书须载明委托事项和权限")
SSC = mat("社会保障卡或银行账户信息", "copy", source="shared", licence="SOCIAL_SECURITY_CARD",
          spec="用于发放待遇，已有社会保障卡金融账户的无需提供")


def licence_steps(review_days: str, decide_days: str) -> list[dict[str, str]]:
    return [
        step("受理", "窗口核对申请材料，材料齐全、符合法定形式的当场受理；不齐全的一次性告知需补正内容",
             "窗口受理人员", "即时"),
        step("审查", "对申请材料进行审查，需要现场核查的组织核查", "部门审批人员", review_days),
        step("决定", "作出准予或不予许可的决定，不予许可的书面说明理由", "部门负责人", decide_days),
        step("送达", "通过窗口领取、快递寄送或电子证照方式送达结果", "出件窗口人员", "1个工作日"),
    ]


def service_steps(limit: str = "即时") -> list[dict[str, str]]:
    return [
        step("申请", "通过“一窗通办”平台、自助终端或窗口提交申请", "申请人", "—"),
        step("受理并办结", "核验身份和材料后当场办结，结果即时反馈", "窗口受理人员", limit),
    ]


# --- Themes -----------------------------------------------------------------------------------
THEMES: list[dict[str, Any]] = [
    {"code": "birth", "name": "出生", "person_kind": "natural", "order": 1,
     "description": "新生儿出生登记、落户、参保等“出生一件事”"},
    {"code": "school", "name": "入学", "person_kind": "natural", "order": 2,
     "description": "义务教育阶段入学、学生资助"},
    {"code": "employment", "name": "就业", "person_kind": "natural", "order": 3,
     "description": "就业登记、失业保险、社会保障卡"},
    {"code": "marriage", "name": "婚育", "person_kind": "natural", "order": 4,
     "description": "婚姻登记、生育登记"},
    {"code": "residence", "name": "居住与证件", "person_kind": "natural", "order": 5,
     "description": "身份证、居住证、不动产登记"},
    {"code": "retirement", "name": "退休养老", "person_kind": "natural", "order": 6,
     "description": "养老保险、退休待遇、高龄津贴、老年人优待"},
    {"code": "medical", "name": "就医与医保", "person_kind": "natural", "order": 7,
     "description": "医保参保、异地就医备案、医疗救助"},
    {"code": "assistance", "name": "社会救助", "person_kind": "natural", "order": 8,
     "description": "低保、特困供养、临时救助"},
    {"code": "disability", "name": "残疾人服务", "person_kind": "natural", "order": 9,
     "description": "残疾人证、两项补贴"},
    {"code": "veterans", "name": "退役军人", "person_kind": "natural", "order": 10,
     "description": "退役军人优待证"},
    {"code": "open-business", "name": "开办企业", "person_kind": "legal", "order": 1,
     "description": "企业开办、个体工商户登记"},
    {"code": "change-business", "name": "变更经营", "person_kind": "legal", "order": 2,
     "description": "营业执照变更"},
    {"code": "close-business", "name": "注销企业", "person_kind": "legal", "order": 3,
     "description": "企业注销"},
    {"code": "catering", "name": "餐饮与食品", "person_kind": "legal", "order": 4,
     "description": "食品经营、公共场所卫生、店招"},
    {"code": "construction", "name": "工程建设", "person_kind": "legal", "order": 5,
     "description": "规划许可、施工许可、道路挖掘与占用"},
    {"code": "transport-env", "name": "运输与环保", "person_kind": "legal", "order": 6,
     "description": "道路运输经营、排污许可"},
    {"code": "pharmacy", "name": "医药零售", "person_kind": "legal", "order": 7,
     "description": "药品零售许可"},
]


# --- Items ------------------------------------------------------------------------------------
# "dept" and "co" are department code suffixes of accounts.demo ("<area>-<suffix>").
ITEMS: list[dict[str, Any]] = [
    {
        "dept": "SCJGJ", "name": "个体工商户设立登记", "item_type": "01",
        "service_object": "natural", "themes": ["open-business"],
        "legal_basis": [
            law("中华人民共和国市场主体登记管理条例", "第三条",
                "市场主体应当依照本条例办理登记。未经登记，不得以市场主体名义从事经营活动。"),
            law("促进个体工商户发展条例"),
        ],
        "conditions": "有经营能力的自然人；有固定的经营场所；经营范围不属于法律、行政法规禁止的项目。",
        "steps": [step("网上申请", "登录“一窗通办”平台填报信息，电子签名", "申请人", "—"),
                  step("审核登记", "对申请材料进行形式审查，符合要求的予以登记", "登记人员",
                       "1个工作日"),
                  step("发照", "发放电子营业执照，需要纸质执照的可快递寄送", "登记人员", "即时")],
        "legal_limit": (3, W), "promised_limit": (1, W),
        "place": f"{HALL}市场监管专窗（B03）", "visits": 0, "online_depth": 4,
        "is_online": True, "appointment": True, "kiosk": True, "postal_delivery": True,
        "tongban_scope": "city",
        "result": ("licence", "营业执照", "BUSINESS_LICENCE"),
        "faq": [{"q": "可以用家庭住址作为经营场所吗？",
                 "a": "可以，按照本市住所（经营场所）登记管理规定提交住所使用承诺即可。"},
                {"q": "办理需要收费吗？", "a": "不收费。"}],
        "keywords": ["个体户", "开店", "营业执照", "个体执照"],
        "materials": [mat("个体工商户登记（备案）申请书", "efile", spec="在线填写，电子签名"),
                      ID, mat("经营场所使用证明", "copy",
                              spec="自有房屋提供不动产权证书，租赁的提供租赁合同；可承诺制"),
                      PROXY],
    },
    {
        "dept": "SCJGJ", "name": "食品经营许可", "item_type": "01", "service_object": "legal",
        "themes": ["catering"],
        "legal_basis": [
            law("中华人民共和国食品安全法", "第三十五条",
                "国家对食品生产经营实行许可制度。从事食品生产、食品销售、餐饮服务，应当依法取得许可。"),
            law("食品经营许可和备案管理办法"),
        ],
        "conditions": "具有与经营的食品品种、数量相适应的食品原料处理和食品加工、销售、贮存等场所；"
                      "具有相应的设备或者设施；有专职或者兼职的食品安全管理人员和保证食品安全的规章制度；"
                      "具有合理的设备布局和工艺流程。",
        "steps": licence_steps("3个工作日（含现场核查）", "1个工作日"),
        "legal_limit": (20, W), "promised_limit": (5, W),
        "place": f"{HALL}市场监管专窗（B03）", "visits": 1, "online_depth": 3,
        "is_online": True, "appointment": True, "postal_delivery": True,
        "result": ("licence", "食品经营许可证", "FOOD_OPERATION_PERMIT"),
        "faq": [{"q": "仅销售预包装食品需要办理许可吗？",
                 "a": "仅销售预包装食品的，办理备案即可，无需申请食品经营许可。"},
                {"q": "许可证有效期多长？", "a": "食品经营许可证有效期为5年。"}],
        "keywords": ["餐饮许可", "开饭店", "食品许可证", "小吃店"],
        "materials": [mat("食品经营许可申请书", "original"), BUSINESS,
                      mat("与食品经营相适应的主要设备设施、经营布局、操作流程等文件", "copy"),
                      mat("食品安全自查、从业人员健康管理、进货查验记录、食品安全事故处置等保证食品安全的规章制度",
                          "copy"),
                      mat("从业人员健康证明", "copy", required=False,
                          condition="从事接触直接入口食品工作的从业人员", source="shared",
                          licence="HEALTH_CERT"),
                      PROXY],
    },
    {
        "dept": "CGJ", "name": "户外广告设置（店招）审批", "item_type": "01",
        "service_object": "both", "themes": ["catering", "open-business"],
        "legal_basis": [
            law("城市市容和环境卫生管理条例", "第十一条",
                "大型户外广告的设置必须征得城市人民政府市容环境卫生行政主管部门同意后，"
                "按照有关规定办理审批手续。"),
        ],
        "conditions": "招牌设置位置、规格、材质符合本区户外广告和招牌设置规划及技术规范；"
                      "一店一招，不影响建筑安全和市容景观。",
        "steps": licence_steps("2个工作日", "1个工作日"),
        "legal_limit": (20, W), "promised_limit": (3, W),
        "place": f"{HALL}综合受理窗口", "visits": 1, "online_depth": 3, "is_online": True,
        "postal_delivery": True,
        "result": ("licence", "户外广告（招牌）设置许可决定书", "OUTDOOR_SIGN_PERMIT"),
        "faq": [{"q": "门头店招都需要审批吗？",
                 "a": "符合招牌设置技术规范的门头招牌实行告知承诺，大型户外广告须审批。"}],
        "keywords": ["店招", "招牌", "门头", "广告牌"],
        "materials": [mat("户外广告（招牌）设置申请表"), BUSINESS,
                      mat("设计效果图及尺寸、材质说明", "original",
                          spec="标明设置位置、尺寸、材质和照明方式"),
                      mat("设置场所使用权证明", "copy"), PROXY],
    },
    {
        "dept": "RSJ", "name": "城乡居民基本养老保险参保登记", "item_type": "20",
        "service_object": "natural", "themes": ["retirement"],
        "legal_basis": [
            law("中华人民共和国社会保险法", "第二十条",
                "国家建立和完善新型农村社会养老保险制度。"),
            law("中华人民共和国社会保险法", "第二十二条",
                "国家建立和完善城镇居民社会养老保险制度。"),
            law("国务院关于建立统一的城乡居民基本养老保险制度的意见", "国发〔2014〕8号"),
        ],
        "conditions": "年满16周岁（不含在校学生），非国家机关和事业单位工作人员及不属于职工基本养老保险"
                      "制度覆盖范围的城乡居民，在户籍地参保。",
        "steps": service_steps(), "legal_limit": (1, W), "promised_limit": (0, W),
        "place": f"{HALL}人社综合窗口或户籍所在地街道便民服务中心", "visits": 0, "online_depth": 4,
        "is_online": True, "kiosk": True, "tongban_scope": "province",
        "result": ("other", "参保登记信息", ""),
        "faq": [{"q": "缴费档次怎么选？", "a": "按本省公布的缴费档次自主选择，多缴多得。"}],
        "keywords": ["养老保险", "居民养老", "社保", "参保"],
        "materials": [ID, HOUSEHOLD],
    },
    {
        "dept": "RSJ", "name": "社会保障卡申领", "item_type": "20", "service_object": "natural",
        "themes": ["employment", "birth"],
        "legal_basis": [law("中华人民共和国社会保险法", "第五十八条",
                            "国家建立全国统一的个人社会保障号码。个人社会保障号码为公民身份号码。")],
        "conditions": "在本市参加社会保险或享受人社公共服务的人员，未持有有效社会保障卡。",
        "steps": [step("申请", "窗口或自助终端采集照片、核验身份", "窗口受理人员", "即时"),
                  step("制卡", "即时制卡网点现场制卡；线上申领的统一制卡后寄送", "制卡人员",
                       "即时（线上申领5个工作日）")],
        "legal_limit": (5, W), "promised_limit": (0, W),
        "place": f"{HALL}社保卡即时制卡窗口", "visits": 1, "online_depth": 3, "is_online": True,
        "appointment": True, "kiosk": True, "postal_delivery": True, "tongban_scope": "cross_province",
        "result": ("licence", "社会保障卡", "SOCIAL_SECURITY_CARD"),
        "faq": [{"q": "可以代办吗？", "a": "可以，代办人携带本人和申领人身份证件办理。"}],
        "keywords": ["社保卡", "sbk", "社会保障卡补办", "第三代社保卡"],
        "materials": [ID, mat("近期免冠彩色证件照", "efile", required=False,
                              condition="无法现场采集照片的", spec="白色背景，可现场免费拍摄"),
                      PROXY],
    },
    {
        "dept": "RSJ", "name": "失业保险金申领", "item_type": "05", "service_object": "natural",
        "themes": ["employment"],
        "legal_basis": [
            law("中华人民共和国社会保险法", "第四十五条",
                "失业人员符合下列条件的，从失业保险基金中领取失业保险金：（一）失业前用人单位和本人已经"
                "缴纳失业保险费满一年的；（二）非因本人意愿中断就业的；（三）已经进行失业登记，并有求职要求的。"),
            law("失业保险条例", "第十四条"),
        ],
        "conditions": "失业前用人单位和本人已缴纳失业保险费满一年；非因本人意愿中断就业；"
                      "已进行失业登记并有求职要求。",
        "steps": [step("网上申请", "通过平台或“电子社保卡”提交申请", "申请人", "—"),
                  step("审核", "核对参保缴费和就业状态信息", "经办人员", "3个工作日"),
                  step("发放", "按月发放至本人社会保障卡金融账户", "经办人员", "按月")],
        "legal_limit": (10, W), "promised_limit": (3, W),
        "place": f"{HALL}人社综合窗口", "visits": 0, "online_depth": 4, "is_online": True,
        "tongban_scope": "province",
        "result": ("other", "失业保险待遇核定结果", ""),
        "faq": [{"q": "领取失业保险金期间还能领取其他待遇吗？",
                 "a": "领取期间可享受职工基本医疗保险待遇，由失业保险基金代缴医疗保险费。"}],
        "keywords": ["失业金", "失业保险", "失业补助"],
        "materials": [ID, mat("解除或终止劳动关系的证明", "copy", source="issuer",
                              spec="由原用人单位出具，已通过用工备案共享的免交"), SSC],
    },
    {
        "dept": "MZJ", "name": "最低生活保障审核确认", "item_type": "05", "service_object": "natural",
        "exercise_level": "street", "themes": ["assistance"],
        "legal_basis": [
            law("社会救助暂行办法", "第九条",
                "国家对共同生活的家庭成员人均收入低于当地最低生活保障标准，且符合当地最低生活保障家庭财产"
                "状况规定的家庭，给予最低生活保障。"),
            law("社会救助暂行办法", "第十一条"),
        ],
        "conditions": "共同生活的家庭成员人均收入低于本市城乡最低生活保障标准，且家庭财产状况符合规定；"
                      "持有本市户籍（符合条件的非户籍常住人口可在居住地申请）。",
        "steps": [step("申请", "向户籍所在地街道办事处提出书面申请，社区可代为提交", "申请人", "—"),
                  step("家庭经济状况核对", "通过信息核对平台核对收入和财产", "街道民政工作人员",
                       "10个工作日"),
                  step("入户调查", "入户调查并在村（居）委会协助下民主评议", "街道民政工作人员",
                       "5个工作日"),
                  step("审核确认与公示", "审核确认并在申请人所在社区公示7天", "街道办事处",
                       "5个工作日"),
                  step("发放", "按月发放保障金", "区民政局", "按月")],
        "legal_limit": (30, W), "promised_limit": (20, W),
        "place": "户籍所在地街道便民服务中心社会救助窗口", "visits": 1, "online_depth": 3,
        "is_online": True, "appointment": True,
        "result": ("licence", "最低生活保障证", "MINIMUM_LIVING_CERT"),
        "faq": [{"q": "哪些收入不计入家庭收入？",
                 "a": "优待抚恤金、计划生育奖励与扶助金、奖学金等按规定不计入家庭收入。"}],
        "keywords": ["低保", "最低生活保障", "困难补助"],
        "materials": [mat("最低生活保障申请书"), ID, HOUSEHOLD,
                      mat("家庭经济状况核对授权书", spec="共同生活的家庭成员均须签字"),
                      mat("残疾人证", "copy", required=False, condition="家庭成员中有残疾人的",
                          source="shared", licence="DISABILITY_CERT")],
    },
    {
        "dept": "MZJ", "name": "高龄津贴申领", "item_type": "05", "service_object": "natural",
        "exercise_level": "street", "themes": ["retirement"],
        "legal_basis": [law("中华人民共和国老年人权益保障法", "第三十三条",
                            "国家鼓励地方建立八十周岁以上低收入老年人高龄津贴制度。")],
        "conditions": "具有本区户籍、年满80周岁的老年人。",
        "steps": [step("申请", "本人或家属在平台、社区或街道提交申请；符合条件的系统主动提醒",
                       "申请人", "—"),
                  step("审核", "核对年龄、户籍和生存状态", "街道民政工作人员", "5个工作日"),
                  step("发放", "次月起按月发放至社会保障卡", "区民政局", "按月")],
        "legal_limit": (15, W), "promised_limit": (5, W),
        "place": "户籍所在地街道便民服务中心", "visits": 0, "online_depth": 4, "is_online": True,
        "result": ("licence", "高龄津贴享受证明", "ELDERLY_ALLOWANCE_CERT"),
        "faq": [{"q": "行动不便可以上门办理吗？", "a": "可以，社区工作人员提供帮办代办上门服务。"}],
        "keywords": ["高龄补贴", "老人补贴", "80岁"],
        "materials": [ID, HOUSEHOLD, SSC, PROXY],
    },
    {
        "dept": "MZJ", "name": "困难残疾人生活补贴和重度残疾人护理补贴申领", "item_type": "05",
        "service_object": "natural", "exercise_level": "street", "co": ["CL"],
        "themes": ["disability", "assistance"],
        "legal_basis": [
            law("中华人民共和国残疾人保障法", "第四十八条"),
            law("国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见",
                "国发〔2015〕52号"),
        ],
        "conditions": "生活补贴：持第二代残疾人证且属于最低生活保障家庭的残疾人；护理补贴：持第二代"
                      "残疾人证、残疾等级为一级或二级的残疾人。",
        "steps": [step("申请", "向户籍所在地街道提出申请", "申请人", "—"),
                  step("初审", "街道对材料进行初审", "街道工作人员", "5个工作日"),
                  step("审核", "区残联审核残疾人证信息", "区残联", "5个工作日"),
                  step("审定", "区民政局审定并发放", "区民政局", "5个工作日")],
        "legal_limit": (20, W), "promised_limit": (15, W),
        "place": "户籍所在地街道便民服务中心", "visits": 1, "online_depth": 3, "is_online": True,
        "result": ("other", "补贴审定结果", ""),
        "faq": [{"q": "两项补贴可以同时领取吗？", "a": "符合条件的可以同时享受。"}],
        "keywords": ["残疾人两项补贴", "两补", "护理补贴", "生活补贴"],
        "materials": [mat("残疾人两项补贴申请审批表"), ID,
                      mat("残疾人证", "original", source="shared", licence="DISABILITY_CERT"),
                      HOUSEHOLD, SSC],
    },
    {
        "dept": "WJJ", "name": "生育登记", "item_type": "20", "service_object": "natural",
        "themes": ["marriage", "birth"],
        "legal_basis": [law("中华人民共和国人口与计划生育法", "第十八条",
                            "国家提倡适龄婚育、优生优育。一对夫妻可以生育三个子女。")],
        "conditions": "夫妻双方至少一方为本区户籍或在本区居住。",
        "steps": service_steps(), "legal_limit": (1, W), "promised_limit": (0, W),
        "place": f"{HALL}卫健窗口或户籍/居住地街道便民服务中心", "visits": 0, "online_depth": 4,
        "is_online": True, "tongban_scope": "province",
        "result": ("other", "生育登记服务单（电子）", ""),
        "faq": [{"q": "生育登记必须在怀孕前办理吗？", "a": "孕前、孕期或子女出生后均可登记。"}],
        "keywords": ["准生证", "生育服务证", "二孩", "三孩"],
        "materials": [mat("夫妻双方身份证件", "original", source="shared", licence="ID_CARD"),
                      mat("结婚证", "original", source="shared", licence="MARRIAGE_CERT")],
    },
    {
        "dept": "GAFJ", "name": "出生登记（新生儿落户）", "item_type": "07",
        "service_object": "natural", "co": ["WJJ", "YBJ"], "themes": ["birth"],
        "legal_basis": [law("中华人民共和国户口登记条例", "第七条",
                            "婴儿出生后一个月以内，由户主、亲属、抚养人或者邻居向婴儿常住地户口登记机关"
                            "申报出生登记。")],
        "conditions": "新生儿父亲或母亲为本区常住户口，随父或随母申报出生登记。",
        "steps": [step("一次申请", "“出生一件事”联办：出生医学证明、落户、医保参保一表申请",
                       "申请人", "—"),
                  step("户籍审核", "公安派出所审核并办理出生登记", "户籍民警", "即时"),
                  step("联办推送", "推送卫健、医保部门同步办理", "系统", "1个工作日")],
        "legal_limit": (1, W), "promised_limit": (0, W),
        "place": "户籍所在地公安派出所户籍窗口或盘龙区政务服务中心公安专窗（B01）", "visits": 1,
        "online_depth": 3, "is_online": True, "appointment": True,
        "result": ("licence", "居民户口簿（增页）", "HOUSEHOLD_REGISTER"),
        "faq": [{"q": "超过一个月还能落户吗？", "a": "可以，按规定补办出生登记。"}],
        "keywords": ["上户口", "新生儿落户", "报户口", "出生一件事"],
        "materials": [mat("出生医学证明", "original", source="shared",
                          licence="BIRTH_MEDICAL_CERT"),
                      mat("父母双方身份证件", "original", source="shared", licence="ID_CARD"),
                      HOUSEHOLD,
                      mat("父母结婚证", "original", required=False, condition="父母为夫妻关系的",
                          source="shared", licence="MARRIAGE_CERT")],
    },
    {
        "dept": "GAFJ", "name": "居住证办理", "item_type": "07", "service_object": "natural",
        "themes": ["residence"],
        "legal_basis": [law("居住证暂行条例", "第二条",
                            "公民离开常住户口所在地，到其他城市居住半年以上，符合有合法稳定就业、合法稳定"
                            "住所、连续就读条件之一的，可以依照本条例的规定申领居住证。")],
        "conditions": "在本区居住半年以上，并有合法稳定就业、合法稳定住所、连续就读条件之一。",
        "steps": licence_steps("10个工作日（制证）", "—"),
        "legal_limit": (15, N), "promised_limit": (10, W),
        "place": "居住地公安派出所户籍窗口", "visits": 1, "online_depth": 3, "is_online": True,
        "postal_delivery": True,
        "result": ("licence", "居住证", "RESIDENCE_PERMIT"),
        "faq": [{"q": "首次申领收费吗？", "a": "首次申领居住证免收证件工本费。"}],
        "keywords": ["暂住证", "居住登记"],
        "materials": [ID, mat("近期免冠证件照", spec="可现场采集"),
                      mat("居住证明", "copy", source="shared", licence="RESIDENCE_REGISTRATION",
                          spec="租赁合同、不动产权证书或单位宿舍证明；已由社区网格员核实居住登记的，"
                               "以电子居住登记证明替代，无需提交"),
                      mat("就业或就读证明", "copy", required=False,
                          condition="以就业或就读条件申领的")],
    },
    {
        "dept": "JTJ", "name": "义务教育阶段新生入学", "item_type": "20",
        "service_object": "natural", "themes": ["school"],
        "legal_basis": [law("中华人民共和国义务教育法", "第十二条",
                            "适龄儿童、少年免试入学。地方各级人民政府应当保障适龄儿童、少年在户籍所在地"
                            "学校就近入学。")],
        "conditions": "本区户籍或符合随迁子女入学条件的适龄儿童、少年（小学入学当年8月31日前年满6周岁）。",
        "steps": [step("网上报名", "在招生报名期内通过平台填报信息", "监护人", "报名期内"),
                  step("信息核验", "与公安、不动产等部门数据比对核验", "教育局", "10个工作日"),
                  step("学位分配", "按划片结果分配学位并通知", "学校", "按招生日程")],
        "legal_limit": (30, N), "promised_limit": (20, W),
        "place": "网上报名，无需到现场；疑难问题到区教育体育局招生咨询窗口", "visits": 0,
        "online_depth": 4, "is_online": True,
        "result": ("other", "入学通知", ""),
        "faq": [{"q": "租房可以入学吗？", "a": "符合随迁子女入学条件的，可凭居住证等材料在居住地申请入学。"}],
        "keywords": ["小学入学", "初中入学", "报名", "学位"],
        "materials": [mat("儿童户口簿", source="shared", licence="HOUSEHOLD_REGISTER"),
                      mat("出生医学证明", source="shared", licence="BIRTH_MEDICAL_CERT"),
                      mat("住房证明", "copy", spec="不动产权证书或租赁合同"),
                      mat("居住证", "copy", required=False, condition="随迁子女申请入学的",
                          source="shared", licence="RESIDENCE_PERMIT")],
    },
    {
        "dept": "ZRZYJ", "name": "建设工程规划许可", "item_type": "01", "service_object": "both",
        "themes": ["construction"],
        "legal_basis": [law("中华人民共和国城乡规划法", "第四十条",
                            "在城市、镇规划区内进行建筑物、构筑物、道路、管线和其他工程建设的，建设单位或者"
                            "个人应当向城市、县人民政府城乡规划主管部门或者省、自治区、直辖市人民政府确定的镇"
                            "人民政府申请办理建设工程规划许可证。")],
        "conditions": "已取得建设用地使用权；建设工程设计方案符合控制性详细规划和规划条件。",
        "steps": licence_steps("7个工作日", "2个工作日"),
        "legal_limit": (20, W), "promised_limit": (10, W),
        "place": f"{HALL}工程建设项目审批窗口", "visits": 1, "online_depth": 3, "is_online": True,
        "result": ("approval", "建设工程规划许可证", "APPROVAL_DECISION"),
        "faq": [{"q": "设计方案可以先行审查吗？", "a": "可以申请设计方案联合审查，缩短审批时间。"}],
        "keywords": ["规划许可证", "建设工程规划", "工程规划证"],
        "materials": [mat("建设工程规划许可申请表"), BUSINESS,
                      mat("不动产权证书或土地使用权证明", "copy"),
                      mat("建设工程设计方案", "efile", spec="含总平面图、建筑单体设计图")],
    },
    {
        "dept": "STHJFJ", "name": "排污许可", "item_type": "01", "service_object": "legal",
        "themes": ["transport-env"],
        "legal_basis": [
            law("中华人民共和国环境保护法", "第四十五条", "国家依照法律规定实行排污许可管理制度。"),
            law("排污许可管理条例"),
        ],
        "conditions": "纳入固定污染源排污许可分类管理名录的排污单位；污染防治设施、排放浓度和排放量"
                      "符合国家和地方标准及总量控制要求。",
        "steps": licence_steps("15个工作日", "5个工作日"),
        "legal_limit": (30, W), "promised_limit": (15, W),
        "place": "全国排污许可证管理信息平台网上申请", "visits": 0, "online_depth": 4,
        "is_online": True,
        "result": ("approval", "排污许可证", "APPROVAL_DECISION"),
        "faq": [{"q": "登记管理的单位需要申请许可证吗？", "a": "实行登记管理的，填报排污登记表即可。"}],
        "keywords": ["排污证", "环保许可", "排污登记"],
        "materials": [mat("排污许可证申请表", "efile"), BUSINESS,
                      mat("自行监测方案", "efile"),
                      mat("环境影响评价审批文件或备案材料", "efile", source="shared")],
    },
    {
        "dept": "JTYSJ", "name": "道路普通货物运输经营许可", "item_type": "01",
        "service_object": "both", "themes": ["transport-env"],
        "legal_basis": [law("中华人民共和国道路运输条例"),
                        law("道路货物运输及站场管理规定")],
        "conditions": "有与其经营业务相适应并经检测合格的车辆；有符合规定条件的驾驶人员；有健全的安全生产"
                      "管理制度。（使用总质量4500千克及以下普通货运车辆的无需办理）",
        "steps": licence_steps("10个工作日", "2个工作日"),
        "legal_limit": (20, W), "promised_limit": (10, W),
        "place": f"{HALL}交通运输窗口", "visits": 1, "online_depth": 3, "is_online": True,
        "postal_delivery": True,
        "result": ("approval", "道路运输经营许可证", "APPROVAL_DECISION"),
        "faq": [{"q": "驾驶员需要什么资格？", "a": "须取得相应的道路货物运输驾驶员从业资格证。"}],
        "keywords": ["货运许可", "道路运输证", "运输经营许可"],
        "materials": [mat("道路货物运输经营申请表"), BUSINESS,
                      mat("车辆行驶证及检测合格证明", "copy"),
                      mat("驾驶人员从业资格证", "copy"),
                      mat("安全生产管理制度文本", "copy")],
    },
    {
        "dept": "MZJ", "name": "临时救助", "item_type": "05", "service_object": "natural",
        "exercise_level": "street", "themes": ["assistance"],
        "legal_basis": [law("社会救助暂行办法", "第四十七条",
                            "国家对因火灾、交通事故等意外事件，家庭成员突发重大疾病等原因，导致基本生活暂时"
                            "出现严重困难的家庭，或者因生活必需支出突然增加超出家庭承受能力，导致基本生活暂时"
                            "出现严重困难的最低生活保障家庭，以及遭遇其他特殊困难的家庭，给予临时救助。")],
        "conditions": "因意外事件、突发重大疾病等原因导致基本生活暂时出现严重困难的家庭或个人。",
        "steps": [step("申请", "向街道提出申请；情况紧急的可先行救助后补办手续", "申请人", "—"),
                  step("审核", "调查核实困难情况", "街道民政工作人员", "5个工作日"),
                  step("审批发放", "审批并发放救助金或实物", "街道办事处/区民政局", "5个工作日")],
        "legal_limit": (15, W), "promised_limit": (10, W),
        "place": "户籍或居住地街道便民服务中心社会救助窗口", "visits": 1, "online_depth": 2,
        "appointment": True,
        "result": ("other", "临时救助审批结果", ""),
        "faq": [{"q": "非本地户籍可以申请吗？", "a": "可以向居住地街道申请。"}],
        "keywords": ["急难救助", "困难补助", "临时补助"],
        "materials": [mat("临时救助申请书"), ID,
                      mat("困难情况证明", "copy", spec="如医疗费用票据、事故证明等")],
    },
    {
        "dept": "TYJRJ", "name": "退役军人优待证申领", "item_type": "20",
        "service_object": "natural", "themes": ["veterans"],
        "legal_basis": [law("中华人民共和国退役军人保障法")],
        "conditions": "户籍在本区的退役军人和其他优抚对象。",
        "steps": [step("申请", "通过平台或退役军人服务站提交申请", "申请人", "—"),
                  step("信息审核", "核对退役军人信息采集数据", "区退役军人事务局", "5个工作日"),
                  step("制证发放", "统一制证后发放", "区退役军人事务局", "按批次")],
        "legal_limit": (30, W), "promised_limit": (20, W),
        "place": "户籍所在地街道退役军人服务站", "visits": 1, "online_depth": 3, "is_online": True,
        "result": ("other", "退役军人优待证", ""),
        "faq": [{"q": "优待证有什么用？", "a": "凭证享受交通、文化旅游等方面的优待服务。"}],
        "keywords": ["优待证", "退伍军人"],
        "materials": [ID, mat("退役证件", "copy", spec="退伍证、转业证等"),
                      mat("近期免冠彩色证件照", "efile")],
    },
    {
        "dept": "YBJ", "name": "城乡居民基本医疗保险参保登记", "item_type": "20",
        "service_object": "natural", "themes": ["medical", "birth"],
        "legal_basis": [law("中华人民共和国社会保险法", "第二十五条",
                            "国家建立和完善城镇居民基本医疗保险制度。城镇居民基本医疗保险实行个人缴费和政府"
                            "补贴相结合。")],
        "conditions": "未参加职工基本医疗保险的本区户籍居民及持本区居住证的常住人员。",
        "steps": service_steps(), "legal_limit": (1, W), "promised_limit": (0, W),
        "place": f"{HALL}医保窗口或街道便民服务中心", "visits": 0, "online_depth": 4,
        "is_online": True, "kiosk": True, "tongban_scope": "province",
        "result": ("other", "参保登记信息", ""),
        "faq": [{"q": "新生儿怎么参保？", "a": "出生登记时通过“出生一件事”同步参保。"}],
        "keywords": ["医保", "居民医保", "参保", "新农合"],
        "materials": [ID, HOUSEHOLD],
    },
    {
        "dept": "YBJ", "name": "异地就医备案", "item_type": "20", "service_object": "natural",
        "themes": ["medical"],
        "legal_basis": [law("国家医保局 财政部关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知",
                            "医保发〔2022〕22号")],
        "conditions": "本区参保人员异地长期居住、临时外出就医或转诊转院的。",
        "steps": service_steps(), "legal_limit": (1, W), "promised_limit": (0, W),
        "place": "国家医保服务平台APP或盘龙区政务服务中心医保窗口", "visits": 0,
        "online_depth": 4, "is_online": True, "tongban_scope": "cross_province",
        "result": ("other", "备案成功信息", ""),
        "faq": [{"q": "备案后多久生效？", "a": "备案即时生效，可在就医地直接结算。"}],
        "keywords": ["异地医保", "跨省就医", "医保备案", "异地就医"],
        "materials": [mat("医保电子凭证或社会保障卡", "efile", source="shared",
                          licence="SOCIAL_SECURITY_CARD"),
                      mat("个人承诺书", "efile", spec="线上勾选承诺")],
    },
    {
        "dept": "WJJ", "name": "公共场所卫生许可", "item_type": "01", "service_object": "legal",
        "themes": ["catering"],
        "legal_basis": [law("公共场所卫生管理条例", "第八条"),
                        law("公共场所卫生管理条例实施细则")],
        "conditions": "经营场所布局合理、卫生设施齐全，从业人员持有效健康证明，有卫生管理制度。",
        "steps": licence_steps("3个工作日（告知承诺的当场办结）", "1个工作日"),
        "legal_limit": (20, W), "promised_limit": (5, W),
        "place": f"{HALL}卫健窗口", "visits": 1, "online_depth": 3, "is_online": True,
        "postal_delivery": True,
        "result": ("licence", "公共场所卫生许可证", "PUBLIC_HEALTH_PERMIT"),
        "faq": [{"q": "哪些场所需要办理？",
                 "a": "宾馆、美容美发、沐浴、游泳场所等；部分场所实行告知承诺制。"}],
        "keywords": ["卫生许可证", "美容美发", "宾馆卫生"],
        "materials": [mat("公共场所卫生许可申请表"), BUSINESS,
                      mat("卫生管理制度", "copy"),
                      mat("从业人员健康证明", "copy", source="shared", licence="HEALTH_CERT")],
    },
    {
        "dept": "SCJGJ", "name": "药品零售企业经营许可", "item_type": "01",
        "service_object": "legal", "themes": ["pharmacy"],
        "legal_basis": [law("中华人民共和国药品管理法", "第五十一条",
                            "从事药品零售活动，应当经所在地县级以上地方人民政府药品监督管理部门批准，"
                            "取得药品经营许可证。")],
        "conditions": "有依法经过资格认定的药师或者其他药学技术人员；有与所经营药品相适应的营业场所、"
                      "设备、仓储设施和卫生环境；有与所经营药品相适应的质量管理机构或者人员；有保证药品"
                      "质量的规章制度。",
        "steps": licence_steps("10个工作日（含现场检查）", "2个工作日"),
        "legal_limit": (20, W), "promised_limit": (10, W),
        "place": f"{HALL}市场监管专窗（B03）", "visits": 1, "online_depth": 3, "is_online": True,
        "result": ("licence", "药品经营许可证", "DRUG_OPERATION_PERMIT"),
        "faq": [{"q": "药店必须配备执业药师吗？", "a": "经营处方药、甲类非处方药的须配备执业药师。"}],
        "keywords": ["药店", "开药店", "药品经营许可证"],
        "materials": [mat("药品经营许可证申请表"), BUSINESS,
                      mat("执业药师注册证", "copy"),
                      mat("经营场所和仓库平面布局图及使用证明", "copy"),
                      mat("药品质量管理文件目录", "copy")],
    },
    {
        "dept": "SCJGJ", "name": "营业执照变更登记", "item_type": "01", "service_object": "legal",
        "themes": ["change-business"],
        "legal_basis": [law("中华人民共和国市场主体登记管理条例", "第二十四条",
                            "市场主体变更登记事项，应当自作出变更决议、决定或者法定变更事项发生之日起30日内"
                            "向登记机关申请变更登记。")],
        "conditions": "已登记的市场主体，登记事项发生变更。",
        "steps": [step("网上申请", "在线填报变更事项并电子签名", "申请人", "—"),
                  step("审核登记", "形式审查，符合要求的予以变更", "登记人员", "1个工作日"),
                  step("换发执照", "换发电子营业执照，纸质执照可邮寄", "登记人员", "即时")],
        "legal_limit": (3, W), "promised_limit": (1, W),
        "place": f"{HALL}市场监管专窗（B03）", "visits": 0, "online_depth": 4, "is_online": True,
        "postal_delivery": True, "tongban_scope": "city",
        "result": ("licence", "营业执照", "BUSINESS_LICENCE"),
        "faq": [{"q": "变更地址需要先办什么？", "a": "跨登记机关辖区迁移的，应向迁入地登记机关申请。"}],
        "keywords": ["执照变更", "变更法人", "变更地址", "变更经营范围"],
        "materials": [mat("变更登记申请书", "efile"), BUSINESS,
                      mat("变更决议或决定", "efile", spec="公司提交股东会决议等"), PROXY],
    },
    {
        "dept": "SCJGJ", "name": "企业注销登记", "item_type": "01", "service_object": "legal",
        "co": ["SWUJU", "RSJ"], "themes": ["close-business"],
        "legal_basis": [law("中华人民共和国市场主体登记管理条例", "第三十一条",
                            "市场主体因解散、被宣告破产或者其他法定事由需要终止的，应当依法向登记机关申请"
                            "注销登记。")],
        "conditions": "已完成清算，清偿债务，结清税款和社会保险费；未发生债权债务或已清偿完毕的可申请"
                      "简易注销。",
        "steps": [step("一网申请", "企业注销“一网通办”平台同时向市场监管、税务、人社申请", "申请人",
                       "—"),
                  step("联合审核", "税务清税、社保注销同步办理", "各联办部门", "2个工作日"),
                  step("注销登记", "核准注销并公告", "登记人员", "1个工作日")],
        "legal_limit": (3, W), "promised_limit": (3, W),
        "place": f"{HALL}市场监管专窗（B03）", "visits": 0, "online_depth": 4, "is_online": True,
        "result": ("approval", "准予注销登记通知书", "APPROVAL_DECISION"),
        "faq": [{"q": "简易注销需要公告多久？", "a": "通过国家企业信用信息公示系统公示20日。"}],
        "keywords": ["公司注销", "注销执照", "简易注销"],
        "materials": [mat("注销登记申请书", "efile"),
                      mat("清算报告或全体投资人承诺书", "efile"), BUSINESS],
    },
    {
        "dept": "ZRZYJ", "name": "国有建设用地使用权及房屋所有权转移登记", "item_type": "07",
        "service_object": "both", "co": ["SWUJU"], "themes": ["residence"],
        "legal_basis": [
            law("中华人民共和国民法典", "第二百零九条",
                "不动产物权的设立、变更、转让和消灭，经依法登记，发生效力；未经登记，不发生效力，"
                "但是法律另有规定的除外。"),
            law("不动产登记暂行条例", "第二十条",
                "不动产登记机构应当自受理登记申请之日起30个工作日内办结不动产登记手续，法律另有规定"
                "的除外。"),
        ],
        "conditions": "不动产权属清楚，已依法缴纳相关税费，买卖双方共同申请。",
        "steps": [step("一窗受理", "登记、交易、税务“一窗受理、集成服务”", "窗口受理人员", "即时"),
                  step("审核", "查验权属和材料", "登记审核人员", "3个工作日"),
                  step("登簿发证", "记载于不动产登记簿，发放不动产权证书或电子证照", "登记人员",
                       "1个工作日")],
        "legal_limit": (30, W), "promised_limit": (5, W),
        "place": f"{HALL}不动产登记专窗（B02）", "visits": 1, "online_depth": 3, "is_online": True,
        "appointment": True, "postal_delivery": True, "is_free": False,
        "fees": [fee("不动产登记费", "住宅类每件80元；非住宅类每件550元（含第一本证书工本费）",
                     "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》"
                     "（发改价格规〔2016〕2559号）", True)],
        "result": ("approval", "不动产权证书", "APPROVAL_DECISION"),
        "faq": [{"q": "二手房过户要跑几次？", "a": "税费和登记一窗办理，资料齐全的只需跑一次。"}],
        "keywords": ["过户", "房产证", "不动产登记", "二手房"],
        "materials": [mat("不动产登记申请书"), mat("买卖双方身份证件", source="shared",
                                               licence="ID_CARD"),
                      mat("不动产权证书", "original"),
                      mat("不动产买卖合同", "original"),
                      mat("完税凭证", "copy", source="shared", spec="税务部门共享，无需提交")],
    },
    {
        "dept": "ZJJ", "name": "城市道路挖掘许可", "item_type": "01", "service_object": "both",
        "co": ["GAFJ"], "themes": ["construction"],
        "legal_basis": [
            law("城市道路管理条例", "第三十条",
                "未经市政工程行政主管部门和公安交通管理部门批准，任何单位或者个人不得占用或者挖掘"
                "城市道路。"),
            law("城市道路管理条例", "第三十七条"),
        ],
        "conditions": "因工程建设确需挖掘城市道路，已取得规划等相关批准文件，有施工方案和交通组织方案。",
        "steps": licence_steps("3个工作日（与交警部门并联审查）", "2个工作日"),
        "legal_limit": (20, W), "promised_limit": (5, W),
        "place": f"{HALL}工程建设项目审批窗口", "visits": 1, "online_depth": 3, "is_online": True,
        "is_free": False,
        "fees": [fee("城市道路挖掘修复费", "按挖掘面积和道路结构类型，依照省价格主管部门核定标准计收",
                     "《城市道路管理条例》第三十七条")],
        "result": ("approval", "城市道路挖掘许可决定书", "APPROVAL_DECISION"),
        "faq": [{"q": "抢修管线来不及审批怎么办？",
                 "a": "紧急抢修可先行挖掘，同时通知市政和交警部门，并在24小时内补办手续。"}],
        "keywords": ["挖路", "道路开挖", "掘路许可"],
        "materials": [mat("城市道路挖掘申请表"), BUSINESS,
                      mat("规划批准文件", "copy"),
                      mat("施工方案及交通组织方案", "original")],
    },
    {
        "dept": "CGJ", "name": "临时占用城市道路许可（占道施工）", "item_type": "01",
        "service_object": "both", "co": ["GAFJ"], "themes": ["construction"],
        "legal_basis": [law("城市道路管理条例", "第三十一条",
                            "因特殊情况需要临时占用城市道路的，须经市政工程行政主管部门和公安交通管理部门"
                            "批准，方可按照规定占用。")],
        "conditions": "因施工等特殊情况确需临时占用城市道路，占用期限和范围合理，有安全防护措施。",
        "steps": licence_steps("2个工作日", "1个工作日"),
        "legal_limit": (20, W), "promised_limit": (3, W),
        "place": f"{HALL}综合受理窗口", "visits": 1, "online_depth": 3, "is_online": True,
        "result": ("approval", "临时占用城市道路许可决定书", "APPROVAL_DECISION"),
        "faq": [{"q": "占用期满还需要继续占用怎么办？", "a": "应在期满前申请延期。"}],
        "keywords": ["占道", "占道施工", "临时占道"],
        "materials": [mat("临时占用城市道路申请表"), BUSINESS,
                      mat("占道位置示意图及安全防护方案", "original")],
    },
    {
        "dept": "MZJ", "name": "老年人优待证办理", "item_type": "20", "service_object": "natural",
        "exercise_level": "community", "themes": ["retirement"],
        "legal_basis": [law("中华人民共和国老年人权益保障法", "第五章", "社会优待")],
        "conditions": "年满60周岁的本区户籍老年人或持本区居住证的常住老年人。",
        "steps": service_steps("即时（电子证）"), "legal_limit": (5, W), "promised_limit": (0, W),
        "place": "户籍或居住地社区居委会", "visits": 0, "online_depth": 4, "is_online": True,
        "kiosk": True,
        "result": ("other", "老年人优待证（电子证）", ""),
        "faq": [{"q": "优待证有哪些优待？", "a": "公园、景区、公共交通等按规定给予免费或优惠。"}],
        "keywords": ["老年证", "敬老卡", "老人优待"],
        "materials": [ID, mat("近期免冠证件照", "efile", required=False,
                              condition="需要实体卡的")],
    },
    {
        "dept": "MZJ", "name": "婚姻登记咨询", "item_type": "20", "service_object": "natural",
        "themes": ["marriage"],
        "legal_basis": [law("中华人民共和国民法典", "第一千零四十九条",
                            "要求结婚的男女双方应当亲自到婚姻登记机关申请结婚登记。符合本法规定的，予以"
                            "登记，发给结婚证。完成结婚登记，即确立婚姻关系。")],
        "conditions": "有婚姻登记相关咨询需求的群众。",
        "steps": service_steps(), "legal_limit": (1, W), "promised_limit": (0, W),
        "place": "盘龙区婚姻登记处", "visits": 0, "online_depth": 4, "is_online": True,
        "appointment": True,
        "result": ("other", "咨询答复", ""),
        "faq": [{"q": "结婚登记需要预约吗？", "a": "建议通过平台预约，也可现场取号办理。"}],
        "keywords": ["结婚咨询", "离婚咨询", "婚姻登记"],
        "materials": [mat("咨询人身份信息", "efile", required=False,
                          condition="需要查询本人婚姻登记记录的", source="shared",
                          licence="ID_CARD")],
    },
    {
        "dept": "MZJ", "name": "内地居民结婚登记", "item_type": "07", "service_object": "natural",
        "themes": ["marriage"],
        "legal_basis": [law("中华人民共和国民法典", "第一千零四十九条",
                            "要求结婚的男女双方应当亲自到婚姻登记机关申请结婚登记。"),
                        law("婚姻登记条例")],
        "conditions": "男女双方完全自愿，达到法定婚龄（男不早于22周岁，女不早于20周岁），均无配偶，"
                      "不属于法律禁止结婚的亲属关系。",
        "steps": [step("预约", "通过平台预约登记时间", "申请人", "—"),
                  step("现场登记", "双方亲自到场，签署声明，当场审查", "婚姻登记员", "即时"),
                  step("颁证", "发放结婚证，可举行颁证仪式", "婚姻登记员", "即时")],
        "legal_limit": (1, W), "promised_limit": (0, W),
        "place": "盘龙区婚姻登记处", "visits": 1, "online_depth": 2, "appointment": True,
        "result": ("licence", "结婚证", "MARRIAGE_CERT"),
        "faq": [{"q": "需要带户口簿吗？", "a": "按现行规定携带本人身份证件和户口簿，以登记处告知为准。"}],
        "keywords": ["领证", "结婚证", "登记结婚"],
        "materials": [mat("双方居民身份证", source="shared", licence="ID_CARD"),
                      mat("双方居民户口簿", source="shared", licence="HOUSEHOLD_REGISTER"),
                      mat("双方近期半身免冠合影照片", copies=3, spec="2寸，红色背景")],
    },
    {
        "dept": "GAFJ", "name": "居民身份证换领、补领", "item_type": "07",
        "service_object": "natural", "themes": ["residence"],
        "legal_basis": [
            law("中华人民共和国居民身份证法", "第十一条",
                "居民身份证有效期满、公民姓名变更或者证件严重损坏不能辨认的，应当换领新证；居民身份证"
                "丢失的，应当申请补领。"),
            law("中华人民共和国居民身份证法", "第十条",
                "公安机关应当自公民提交《居民身份证申领登记表》之日起六十日内发放居民身份证。"),
        ],
        "conditions": "居民身份证有效期满、姓名变更、严重损坏或丢失的本区户籍居民；异地居民可跨省申请。",
        "steps": [step("受理", "采集照片和指纹，核验身份", "户籍民警", "即时"),
                  step("制证", "省级制证中心制证", "制证中心", "15个工作日"),
                  step("领取", "窗口领取或快递到家", "户籍民警", "—")],
        "legal_limit": (60, N), "promised_limit": (15, W),
        "place": "辖区公安派出所户籍窗口或盘龙区政务服务中心公安专窗（B01）", "visits": 1,
        "online_depth": 2, "appointment": True, "postal_delivery": True,
        "tongban_scope": "cross_province", "is_free": False,
        "fees": [fee("居民身份证工本费", "换领、补领每证20元；临时居民身份证每证10元",
                     "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》"
                     "（发改价格〔2003〕2322号）")],
        "result": ("licence", "居民身份证", "ID_CARD"),
        "faq": [{"q": "身份证丢了急用怎么办？", "a": "可同时申请临时居民身份证，当场或3日内领取。"}],
        "keywords": ["身份证", "补办身份证", "换身份证", "sfz"],
        "materials": [HOUSEHOLD, mat("原居民身份证", required=False,
                                     condition="换领的交回原证")],
    },
    {
        "dept": "RSJ", "name": "就业创业证申领", "item_type": "20", "service_object": "natural",
        "themes": ["employment"],
        "legal_basis": [law("中华人民共和国就业促进法", "第三十五条"),
                        law("就业服务与就业管理规定", "劳动和社会保障部令第28号")],
        "conditions": "法定劳动年龄内、有劳动能力和就业要求的城乡劳动者。",
        "steps": service_steps(), "legal_limit": (5, W), "promised_limit": (0, W),
        "place": f"{HALL}人社综合窗口或街道便民服务中心", "visits": 0, "online_depth": 4,
        "is_online": True, "kiosk": True, "tongban_scope": "province",
        "result": ("other", "就业创业证（电子）", ""),
        "faq": [{"q": "就业创业证有什么用？", "a": "用于享受就业创业扶持政策、办理失业登记等。"}],
        "keywords": ["就业登记", "失业登记", "就业失业登记证"],
        "materials": [ID],
    },
    {
        "dept": "RSJ", "name": "职工基本养老保险待遇申领（退休）", "item_type": "05",
        "service_object": "natural", "themes": ["retirement"],
        "legal_basis": [law("中华人民共和国社会保险法", "第十六条",
                            "参加基本养老保险的个人，达到法定退休年龄时累计缴费满十五年的，按月领取"
                            "基本养老金。")],
        "conditions": "达到法定退休年龄且累计缴费满规定年限的参保职工。",
        "steps": [step("申请", "单位或个人在线申报", "申请人/用人单位", "—"),
                  step("资格审核", "审核出生日期、视同缴费年限等", "社保经办人员", "10个工作日"),
                  step("待遇核定", "核定养老金并按月发放", "社保经办人员", "5个工作日")],
        "legal_limit": (20, W), "promised_limit": (15, W),
        "place": f"{HALL}人社综合窗口", "visits": 1, "online_depth": 3, "is_online": True,
        "appointment": True,
        "result": ("other", "基本养老金核定表", ""),
        "faq": [{"q": "退休后养老金怎么领？", "a": "按月发放至本人社会保障卡金融账户。"}],
        "keywords": ["退休", "养老金", "办退休", "退休审批"],
        "materials": [ID, mat("人事档案", "original", required=False,
                              condition="需核定视同缴费年限的", source="issuer"), SSC],
    },
    {
        "dept": "YBJ", "name": "医疗救助", "item_type": "05", "service_object": "natural",
        "co": ["MZJ"], "themes": ["medical", "assistance"],
        "legal_basis": [law("社会救助暂行办法", "第二十八条",
                            "国家建立健全医疗救助制度，保障医疗救助对象获得基本医疗卫生服务。")],
        "conditions": "最低生活保障家庭成员、特困供养人员、低收入家庭中的重病患者等医疗救助对象。",
        "steps": [step("一站式结算", "定点医疗机构出院时直接结算", "定点医疗机构", "即时"),
                  step("申请", "未能直接结算的向医保部门提出申请", "申请人", "—"),
                  step("审核发放", "审核并发放救助资金", "区医疗保障局", "10个工作日")],
        "legal_limit": (20, W), "promised_limit": (10, W),
        "place": f"{HALL}医保窗口", "visits": 0, "online_depth": 3, "is_online": True,
        "postal_delivery": True,
        "result": ("other", "医疗救助结算结果", ""),
        "faq": [{"q": "需要先垫付吗？", "a": "在定点医疗机构就医的，一站式结算，无需垫付。"}],
        "keywords": ["大病救助", "医疗补助", "因病救助"],
        "materials": [ID, mat("医疗费用发票及清单", "original"),
                      mat("最低生活保障证", "copy", required=False,
                          condition="以低保对象身份申请的", source="shared",
                          licence="MINIMUM_LIVING_CERT")],
    },
    {
        "dept": "SCJGJ", "name": "企业开办（设立登记、刻章、发票、社保登记一件事）",
        "item_type": "01", "service_object": "legal", "co": ["GAFJ", "SWUJU", "RSJ"],
        "themes": ["open-business"],
        "legal_basis": [law("中华人民共和国市场主体登记管理条例", "第三条",
                            "市场主体应当依照本条例办理登记。未经登记，不得以市场主体名义从事经营活动。"),
                        law("中华人民共和国公司法")],
        "conditions": "符合公司法等法律法规规定的设立条件，名称、住所、经营范围等符合登记要求。",
        "steps": [step("一表申请", "企业开办“一网通办”平台一次填报", "申请人", "—"),
                  step("设立登记", "市场监管部门核准登记", "登记人员", "半个工作日"),
                  step("同步办理", "刻制公章、申领发票、社保登记同步办理", "公安/税务/人社",
                       "半个工作日")],
        "legal_limit": (3, W), "promised_limit": (1, W),
        "place": f"{HALL}企业开办专区", "visits": 0, "online_depth": 4, "is_online": True,
        "postal_delivery": True, "appointment": True, "tongban_scope": "city",
        "result": ("licence", "营业执照", "BUSINESS_LICENCE"),
        "faq": [{"q": "刻章要收费吗？", "a": "新开办企业首套印章由政府购买服务，免费刻制。"},
                {"q": "开办企业要多久？", "a": "材料齐全的1个工作日内办结。"}],
        "keywords": ["开公司", "注册公司", "企业开办", "营业执照", "公司设立"],
        "materials": [mat("公司登记（备案）申请书", "efile"),
                      mat("公司章程", "efile"),
                      mat("股东、法定代表人身份证件", "efile", source="shared",
                          licence="ID_CARD"),
                      mat("住所使用证明", "copy", spec="可承诺制")],
    },
    {
        "dept": "ZJJ", "name": "建筑工程施工许可", "item_type": "01", "service_object": "legal",
        "themes": ["construction"],
        "legal_basis": [
            law("中华人民共和国建筑法", "第七条",
                "建筑工程开工前，建设单位应当按照国家有关规定向工程所在地县级以上人民政府建设行政"
                "主管部门申请领取施工许可证。"),
            law("中华人民共和国建筑法", "第八条",
                "建设行政主管部门应当自收到申请之日起七日内，对符合条件的申请颁发施工许可证。"),
        ],
        "conditions": "已办理用地批准手续；已取得建设工程规划许可证；已确定施工企业；有满足施工需要的"
                      "资金安排、施工图纸及技术资料；有保证工程质量和安全的具体措施。",
        "steps": licence_steps("3个工作日", "1个工作日"),
        "legal_limit": (7, N), "promised_limit": (3, W),
        "place": f"{HALL}工程建设项目审批窗口", "visits": 0, "online_depth": 4, "is_online": True,
        "result": ("approval", "建筑工程施工许可证", "APPROVAL_DECISION"),
        "faq": [{"q": "小型工程需要办理吗？",
                 "a": "工程投资额在30万元以下或建筑面积在300平方米以下的可不申请。"}],
        "keywords": ["施工许可证", "开工许可", "施工证"],
        "materials": [mat("建筑工程施工许可证申请表", "efile"),
                      mat("建设工程规划许可证", "efile", source="shared"),
                      mat("施工合同及中标通知书", "efile"),
                      mat("质量安全监督手续", "efile", source="shared")],
    },
    {
        "dept": "MZJ", "name": "特困人员救助供养审核确认", "item_type": "05",
        "service_object": "natural", "exercise_level": "street", "themes": ["assistance"],
        "legal_basis": [law("社会救助暂行办法", "第十四条",
                            "国家对无劳动能力、无生活来源且无法定赡养、抚养、扶养义务人，或者其法定赡养、"
                            "抚养、扶养义务人无赡养、抚养、扶养能力的老年人、残疾人以及未满16周岁的未成年人，"
                            "给予特困人员供养。")],
        "conditions": "无劳动能力、无生活来源，且无法定赡养、抚养、扶养义务人或其义务人无履行能力的"
                      "老年人、残疾人和未满16周岁的未成年人。",
        "steps": [step("申请", "本人或委托社区向街道提出申请", "申请人", "—"),
                  step("调查核实", "入户调查，核对经济状况", "街道民政工作人员", "10个工作日"),
                  step("审核确认", "审核确认并公示", "街道办事处", "10个工作日")],
        "legal_limit": (30, W), "promised_limit": (20, W),
        "place": "户籍所在地街道便民服务中心社会救助窗口", "visits": 1, "online_depth": 2,
        "appointment": True,
        "result": ("other", "特困人员救助供养证明", ""),
        "faq": [{"q": "可以选择集中供养吗？", "a": "可自愿选择在家分散供养或到供养服务机构集中供养。"}],
        "keywords": ["五保", "特困供养", "孤寡老人"],
        "materials": [mat("特困人员救助供养申请书"), ID, HOUSEHOLD,
                      mat("残疾人证", "copy", required=False, condition="残疾人申请的",
                          source="shared", licence="DISABILITY_CERT")],
    },
    {
        "dept": "CL", "name": "残疾人证办理", "item_type": "20", "service_object": "natural",
        "co": ["WJJ"], "themes": ["disability"],
        "legal_basis": [law("中华人民共和国残疾人保障法")],
        "conditions": "符合残疾标准的本区户籍居民。",
        "steps": [step("申请", "向区残联或街道提出申请", "申请人", "—"),
                  step("残疾评定", "到指定医疗机构进行残疾评定", "评定医生", "按预约"),
                  step("审核发证", "审核评定结果并发放残疾人证", "区残联", "10个工作日")],
        "legal_limit": (30, W), "promised_limit": (15, W),
        "place": "区残疾人联合会服务窗口或街道便民服务中心", "visits": 1, "online_depth": 3,
        "is_online": True, "postal_delivery": True,
        "result": ("licence", "中华人民共和国残疾人证", "DISABILITY_CERT"),
        "faq": [{"q": "评残要去哪家医院？", "a": "到区残联指定的评定机构，可在平台预约。"}],
        "keywords": ["残疾证", "残疾评定", "办残疾证"],
        "materials": [mat("残疾人证申请表"), ID, HOUSEHOLD,
                      mat("近期免冠证件照", copies=3, spec="2寸，白色背景")],
    },
]

#: Responsibility-list entries (责任清单) for some power items, by item name.
RESPONSIBILITIES: dict[str, list[dict[str, str]]] = {
    "食品经营许可": [
        {"duty": "受理责任：公示申请条件、材料和时限，一次性告知补正材料，依法受理或不予受理",
         "accountability_cases": "对符合法定条件的申请不予受理的；不一次性告知补正内容的",
         "accountable_subject": "区市场监督管理局、区纪委监委派驻纪检监察组",
         "accountability_basis": "《中华人民共和国行政许可法》第七十二条"},
        {"duty": "审查责任：对申请材料进行审查，组织现场核查",
         "accountability_cases": "对不符合法定条件的申请人准予许可的；超越法定职权作出许可的",
         "accountable_subject": "区市场监督管理局、区纪委监委派驻纪检监察组",
         "accountability_basis": "《中华人民共和国行政许可法》第七十四条"},
    ],
    "建设工程规划许可": [
        {"duty": "决定责任：在法定期限内作出许可决定，依法送达",
         "accountability_cases": "未在法定期限内作出决定的；违反法定程序实施许可的",
         "accountable_subject": "区自然资源局、区纪委监委派驻纪检监察组",
         "accountability_basis": "《中华人民共和国城乡规划法》第五十八条"},
    ],
    "居民身份证换领、补领": [
        {"duty": "受理、审核和发放责任：依法受理申领，按期发放居民身份证",
         "accountability_cases": "利用制作、发放居民身份证的便利，收受他人财物或者谋取其他利益的",
         "accountable_subject": "盘龙区公安分局",
         "accountability_basis": "《中华人民共和国居民身份证法》第二十条"},
    ],
}


def _implementation_code(area: str, position: int, item_type: str, dept_suffix: str) -> str:
    basic = f"{area}{item_type}{position:04d}"
    dept_code = f"11{area}{dept_suffix}".ljust(18, "0")[:18]
    return f"{basic}-{area}000000-000-{dept_code}-1-00"


def demo_item_records(*, area: str) -> list[dict[str, Any]]:
    """The demo items as plain records (department code suffix still to be resolved)."""
    records = []
    for position, spec in enumerate(ITEMS, start=1):
        legal, legal_unit = spec["legal_limit"]
        promised, promised_unit = spec["promised_limit"]
        result_type, result_name, result_code = spec["result"]
        elements = {
            "name": spec["name"], "item_type": spec["item_type"],
            "exercise_level": spec.get("exercise_level", "district"),
            "service_object": spec["service_object"], "legal_basis": spec["legal_basis"],
            "conditions": spec["conditions"], "steps": spec["steps"],
            "legal_limit_value": legal, "legal_limit_unit": legal_unit,
            "promised_limit_value": promised, "promised_limit_unit": promised_unit,
            "is_free": spec.get("is_free", True), "fees": spec.get("fees", []),
            "place": spec["place"], "hours": spec.get("hours", HOURS),
            "visits": spec["visits"], "online_depth": spec["online_depth"],
            "is_online": spec.get("is_online", False),
            "appointment": spec.get("appointment", False), "kiosk": spec.get("kiosk", False),
            "postal_delivery": spec.get("postal_delivery", False),
            "tongban_scope": spec.get("tongban_scope", "none"),
            "result_type": result_type, "result_name": result_name,
            "result_licence_type_code": result_code, "faq": spec["faq"],
            "complaint_channel": COMPLAINT, "keywords": spec["keywords"],
            "co_department_codes": [f"{area}-{s}" for s in spec.get("co", [])],
        }
        records.append({
            "implementation_code": _implementation_code(area, position, spec["item_type"],
                                                        spec["dept"]),
            "department_code": f"{area}-{spec['dept']}", "elements": elements,
            "materials": spec["materials"], "themes": spec.get("themes", []),
        })
    return records


def _blank_form(title: str, fields: list[str]) -> bytes:
    """A small .xlsx application form: title, then one row per field to fill in."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "表格"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    for name in fields:
        ws.append([name, ""])
    ws.append([])
    ws.append(["申请人签字：", "", "日期：", ""])
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 50
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


FORM_FIELDS = ["申请人（单位）名称", "统一社会信用代码/身份证号码", "联系人", "联系电话", "地址",
               "申请事项", "申请理由及情况说明"]
FORM_WORDS = ("申请书", "申请表", "审批表", "登记表")


def _forms_ensure(item_ids: list[int]) -> int:
    """Attach a blank form and a filled sample to application-form materials lacking one."""
    count = 0
    materials = Material.objects.filter(version__item_id__in=item_ids, blank_form="",
                                        material_type__in=["original", "efile"])
    for material in materials:
        if not any(w in material.name for w in FORM_WORDS):
            continue
        material.blank_form.save(f"{material.name}.xlsx",
                                 ContentFile(_blank_form(material.name, FORM_FIELDS)), save=False)
        material.sample_file.save(f"{material.name}（填写示例）.xlsx",
                                  ContentFile(_blank_form(f"{material.name}（填写示例）",
                                                          FORM_FIELDS)), save=False)
        material.save(update_fields=["blank_form", "sample_file", "updated_at"])
        count += 1
    return count


def _themes_ensure() -> int:
    created = 0
    existing = set(Theme.objects.values_list("code", flat=True))
    for theme in THEMES:
        if theme["code"] in existing:
            continue
        theme_save(actor=None, code=theme["code"], name=theme["name"],
                   person_kind=theme["person_kind"], description=theme["description"],
                   order=theme["order"])
        created += 1
    return created


def _lists_ensure(items: dict[str, ServiceItem]) -> tuple[int, int]:
    powers = responsibilities = 0
    have_power = set(PowerEntry.objects.filter(item__in=items.values())
                     .values_list("item_id", flat=True))
    have_duty = set(ResponsibilityEntry.objects.filter(item__in=items.values())
                    .values_list("item_id", flat=True))
    departments: dict[int, Department] = {}
    for name, item in items.items():
        version = item.current_version
        if version is None or version.item_type not in c.POWER_ITEM_TYPES:
            continue
        departments[item.department_id] = item.department
        if item.id not in have_power:
            power_entry_save(actor=None, item=item)
            powers += 1
        if item.id not in have_duty:
            for order, entry in enumerate(RESPONSIBILITIES.get(name, []), start=1):
                responsibility_entry_save(
                    actor=None, item=item, order=order, duty=entry["duty"],
                    accountability_cases=entry["accountability_cases"],
                    accountable_subject=entry["accountable_subject"],
                    accountability_basis=entry["accountability_basis"])
                responsibilities += 1
    if powers or responsibilities:
        for department in departments.values():
            for kind in (c.ListKind.POWER, c.ListKind.RESPONSIBILITY):
                list_publish(actor=None, department=department, kind=kind)
    return powers, responsibilities


def demo_load_catalog(*, small: bool = False) -> dict[str, int]:
    """Load the demo catalogue of the platform's district (idempotent). ``small`` is accepted
    for the demo_load interface; the catalogue is the same size either way."""
    district = region_get_by_code(code=settings.ONEWINDOW_DISTRICT_CODE)
    if district is None:
        raise RuntimeError("找不到平台所在区县的区划：请先运行 regions_demo_load")
    area = district.code[:6]
    records = demo_item_records(area=area)
    codes = {r["department_code"] for r in records}
    codes |= {code for r in records for code in r["elements"]["co_department_codes"]}
    departments = {d.code: d for d in Department.objects.filter(code__in=codes)}
    missing = sorted(codes - set(departments))
    if missing:
        raise RuntimeError(f"缺少演示部门：{'、'.join(missing)}（请先运行 accounts_demo_load）")
    with transaction.atomic():
        themes_created = _themes_ensure()
        rows = []
        for line, record in enumerate(records, start=1):
            elements, errors = elements_clean(record["elements"])
            materials = []
            for m in record["materials"]:
                cleaned, m_errors = material_clean(m)
                errors.update(m_errors)
                materials.append(cleaned)
            if errors:
                raise ValidationFailed(f"演示事项“{record['elements']['name']}”有误："
                                       f"{errors_message(errors)}", code="demo_invalid")
            rows.append(ImportRow(
                line=line, implementation_code=record["implementation_code"],
                basic_code=record["implementation_code"].split("-")[0],
                department=departments[record["department_code"]], elements=elements,
                materials=materials, theme_codes=record["themes"]))
        result = catalog_import(actor=None, rows=rows, publish=True, source=c.ItemSource.DEMO,
                                label="demo_load")
        items = {i.current_version.name: i for i in ServiceItem.objects.filter(
            implementation_code__in=[r.implementation_code for r in rows]
        ).select_related("current_version", "department") if i.current_version}
        forms = _forms_ensure([i.id for i in items.values()])
        if forms:
            audit_record(actor=None, action="catalog.demo_forms", object_type="catalog.demo",
                         summary={"forms": forms})
        powers, duties = _lists_ensure(items)
    return {
        "事项（已发布）": ServiceItem.objects.filter(
            department__region__path__startswith=district.path,
            current_version__isnull=False).count(),
        "本次新建事项": result.created,
        "本次更新事项": result.versioned,
        "主题/人生事": Theme.objects.count(),
        "本次新建主题": themes_created,
        "本次生成表格": forms,
        "权力清单条目": PowerEntry.objects.filter(item__in=items.values()).count(),
        "本次新建责任清单条目": duties,
        "清单公布记录": ListPublication.objects.count(),
        "本次新建权力清单条目": powers,
    }
