"""The fields each kind of record can be imported into, and the guess from a file's headers.

Headers are compared after lower-casing and dropping spaces, punctuation and notes in
brackets ("客户名称（必填）" is "客户名称"), against the Chinese and English names people use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Kind


@dataclass(frozen=True)
class Field:
    name: str
    label: object
    required: bool = False
    synonyms: tuple[str, ...] = ()


EXTERNAL_ID = Field(
    "external_id", _("External id"), synonyms=("externalid", "外部编号", "外部id", "原系统编号", "原编号", "编号", "id")
)
OWNER = Field(
    "owner",
    _("Owner (username)"),
    synonyms=("owner", "ownerusername", "owneruser", "负责人", "负责人账号", "所有者", "销售", "销售代表", "跟进人"),
)
PHONE = Field(
    "phone", _("Phone"), synonyms=("phone", "telephone", "tel", "mobile", "电话", "手机", "联系电话", "手机号")
)
EMAIL = Field("email", _("Email"), synonyms=("email", "e-mail", "mail", "邮箱", "电子邮件", "电子邮箱"))
NOTES = Field("notes", _("Notes"), synonyms=("notes", "note", "remarks", "comment", "备注", "说明"))
COMPANY_SYNONYMS = (
    "company",
    "companyname",
    "customer",
    "customername",
    "account",
    "accountname",
    "公司",
    "公司名称",
    "客户",
    "客户名称",
    "单位",
    "企业名称",
)
CUSTOMER_TYPE = Field("customer_type", _("Customer type"), synonyms=("customertype", "type", "客户类型", "类型"))
INDUSTRY = Field("industry", _("Industry"), synonyms=("industry", "行业"))
REGION = Field("region", _("Region"), synonyms=("region", "area", "地区", "区域"))
TITLE = Field("title", _("Job title"), synonyms=("title", "jobtitle", "position", "职位", "职务"))

FIELDS: dict[str, list[Field]] = {
    Kind.CUSTOMER: [
        EXTERNAL_ID,
        Field("name", _("Company name"), True, COMPANY_SYNONYMS + ("name", "名称")),
        PHONE,
        EMAIL,
        CUSTOMER_TYPE,
        INDUSTRY,
        REGION,
        Field("value_tier", _("Value tier"), synonyms=("valuetier", "value", "客户价值", "价值等级")),
        Field("website", _("Website"), synonyms=("website", "web", "url", "网站", "网址", "官网")),
        Field("address", _("Address"), synonyms=("address", "地址")),
        OWNER,
        NOTES,
    ],
    Kind.CONTACT: [
        EXTERNAL_ID,
        Field("customer", _("Company"), True, COMPANY_SYNONYMS),
        Field(
            "name",
            _("Contact name"),
            True,
            ("name", "contact", "contactname", "fullname", "姓名", "联系人", "联系人姓名"),
        ),
        TITLE,
        PHONE,
        EMAIL,
        Field("buying_role", _("Buying role"), synonyms=("buyingrole", "role", "角色", "采购角色")),
        Field("attitude", _("Attitude"), synonyms=("attitude", "态度")),
        NOTES,
    ],
    Kind.LEAD: [
        EXTERNAL_ID,
        Field(
            "name",
            _("Contact name"),
            True,
            ("name", "contact", "contactname", "fullname", "姓名", "联系人", "联系人姓名"),
        ),
        Field("company", _("Company"), True, COMPANY_SYNONYMS),
        TITLE,
        PHONE,
        EMAIL,
        Field("source", _("Source"), synonyms=("source", "leadsource", "来源", "线索来源", "渠道")),
        CUSTOMER_TYPE,
        INDUSTRY,
        REGION,
        Field("budget_amount", _("Budget"), synonyms=("budget", "amount", "预算", "金额")),
        Field("need_description", _("Need"), synonyms=("need", "needs", "需求", "需求描述")),
        Field(
            "timeline_date",
            _("Expected purchase date"),
            synonyms=("expectedpurchasedate", "timeline", "purchasedate", "预计采购日期", "采购时间", "预计成交日期"),
        ),
        OWNER,
        NOTES,
    ],
    Kind.OPPORTUNITY: [
        EXTERNAL_ID,
        Field(
            "name",
            _("Deal name"),
            True,
            (
                "name",
                "deal",
                "dealname",
                "opportunity",
                "opportunityname",
                "商机",
                "商机名称",
                "机会名称",
                "项目名称",
                "名称",
            ),
        ),
        Field("customer", _("Company"), True, COMPANY_SYNONYMS),
        Field(
            "amount", _("Amount"), synonyms=("amount", "value", "dealvalue", "金额", "商机金额", "预计金额", "合同金额")
        ),
        Field("stage", _("Stage"), True, ("stage", "dealstage", "salesstage", "阶段", "销售阶段", "商机阶段")),
        OWNER,
        Field(
            "expected_close_date",
            _("Expected close date"),
            synonyms=(
                "expectedclose",
                "expectedclosedate",
                "closedate",
                "预计成交日期",
                "预计签约日期",
                "成交日期",
                "预计成交时间",
            ),
        ),
        Field("next_step", _("Next step"), synonyms=("nextstep", "下一步", "下一步计划")),
        Field("need_description", _("Need"), synonyms=("need", "needs", "需求", "需求描述")),
        Field("loss_reason", _("Loss reason"), synonyms=("lossreason", "输单原因", "丢单原因")),
    ],
}

_BRACKETS = re.compile(r"[(（\[【].*?[)）\]】]")
_NOISE = re.compile(r"[\s\u3000_\-*:：/.]+")


def normalise_header(header: str) -> str:
    return _NOISE.sub("", _BRACKETS.sub("", (header or "").lower()))


def fields_for(kind: str) -> list[Field]:
    return FIELDS[kind]


def guess_mapping(kind: str, headers: list[str]) -> dict[str, str]:
    """{column index (as text): field name} for the columns we recognise; each field once."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    normalised = [normalise_header(h) for h in headers]
    for field in FIELDS[kind]:
        names = {normalise_header(s) for s in field.synonyms} | {normalise_header(str(field.label))}
        for index, header in enumerate(normalised):
            if str(index) in mapping or field.name in taken or not header:
                continue
            if header in names:
                mapping[str(index)] = field.name
                taken.add(field.name)
    return mapping
