"""What the columns of a legacy DMS export mean: targets, Chinese header synonyms, cell parsers.

DMS exports are written by many systems, each with its own headers ("客户名称", "车主姓名", ...)
and its own way of writing dates, amounts and codes. Everything here turns one cell into the
value the archive stores, or raises CellError with an English msgid naming what is wrong.
Nothing here touches the database.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import normalize
from .choices import (
    CustomerKind,
    FuelType,
    Gender,
    ImportKind,
    PurchaseMethod,
    TransmissionType,
    VehicleUsage,
    VisitType,
)


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the user next to the column."""


# --------------------------------------------------------------------------- cell parsers


def _number_text(value: Any) -> str:
    """A cell as text; integral floats lose their ".0" (Excel stores phones as numbers)."""
    if type(value) is str:  # most cells, every cell of a CSV
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        midnight = value.time() == datetime.time(0)
        return value.date().isoformat() if midnight else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def parse_text(value: Any) -> str:
    return normalize.normalize_text(_number_text(value))


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
# Legacy systems write 1900-01-01 (or 0000-00-00) where they mean "no date".
_NO_DATE_BEFORE = datetime.date(1900, 1, 2)


def parse_date(value: Any) -> datetime.date | None:
    """Excel dates, datetimes, "2023-05-01", "2023/5/1", "2023.5.1", "20230501", "2023年5月1日"."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        result = value.date()
    elif isinstance(value, datetime.date):
        result = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # An unformatted Excel date serial (days since 1899-12-30).
        if not 1 <= value < 2958466:
            raise CellError(_("Enter a date like 2023-05-01."))
        result = _EXCEL_EPOCH + datetime.timedelta(days=int(value))
    else:
        text = normalize.normalize_text(str(value))
        if not text or text.startswith("0000"):
            return None
        match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text.split(" ")[0])
        if not match:
            raise CellError(_("Enter a date like 2023-05-01."))
        try:
            result = datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise CellError(_("This date does not exist.")) from None
    return None if result < _NO_DATE_BEFORE else result


_NUMBER_NOISE_RE = re.compile(r"[,，\s]|元|¥|￥|RMB|CNY|km|KM|Km|公里|千米")


def _parse_number(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("Enter a number."))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = _NUMBER_NOISE_RE.sub("", normalize.normalize_text(str(value)))
    if not text or text in {"-", "/"}:
        return None
    factor = Decimal(1)
    if text.endswith("万"):
        factor, text = Decimal(10000), text[:-1]
    try:
        number = Decimal(text) * factor
    except InvalidOperation:
        raise CellError(_("Enter a number.")) from None
    if not number.is_finite():
        raise CellError(_("Enter a number."))
    return number


def parse_int(value: Any) -> int | None:
    number = _parse_number(value)
    if number is None:
        return None
    if number < 0:
        raise CellError(_("The number cannot be negative."))
    if number > 9_999_999:
        raise CellError(_("This number is too large."))
    return int(number.to_integral_value())


def parse_money(value: Any) -> Decimal | None:
    number = _parse_number(value)
    if number is None:
        return None
    if number < 0:
        raise CellError(_("The amount cannot be negative."))
    if number >= Decimal("10000000000"):
        raise CellError(_("This amount is too large."))
    return number.quantize(Decimal("0.01"))


def parse_year(value: Any) -> int | None:
    text = parse_text(value).removesuffix("款").removesuffix("年")
    if not text:
        return None
    if not text.isdigit() or len(text) != 4:
        raise CellError(_("Enter a year like 2023."))
    return int(text)


def _choice_parser(words: list[tuple[str, str]], message: Promise) -> Callable[[Any], str]:
    """A parser for a choice field: the first word contained in the cell decides."""
    lowered = [(word.lower(), choice) for word, choice in words]

    def parse(value: Any) -> str:
        text = parse_text(value).lower().replace(" ", "")
        if not text or text in {"-", "/", "未知", "不详", "无", "保密"}:
            return ""
        for word, choice in lowered:
            if word in text:
                return choice
        raise CellError(str(message))

    return parse


parse_gender = _choice_parser(
    [("女", Gender.FEMALE), ("男", Gender.MALE), ("female", Gender.FEMALE)]
    + [("male", Gender.MALE), ("f", Gender.FEMALE), ("m", Gender.MALE)],
    gettext_lazy("Write 男 or 女."),
)
parse_customer_kind = _choice_parser(
    [("个人", CustomerKind.INDIVIDUAL), ("私人", CustomerKind.INDIVIDUAL)]
    + [("私户", CustomerKind.INDIVIDUAL), ("individual", CustomerKind.INDIVIDUAL)]
    + [("车队", CustomerKind.FLEET), ("fleet", CustomerKind.FLEET)]
    + [("机关", CustomerKind.PUBLIC_INSTITUTION), ("事业", CustomerKind.PUBLIC_INSTITUTION)]
    + [("政府", CustomerKind.PUBLIC_INSTITUTION), ("public", CustomerKind.PUBLIC_INSTITUTION)]
    + [("单位", CustomerKind.COMPANY), ("公司", CustomerKind.COMPANY)]
    + [("企业", CustomerKind.COMPANY), ("集体", CustomerKind.COMPANY)]
    + [("company", CustomerKind.COMPANY)],
    gettext_lazy("Write 个人, 单位, 公司, 车队 or 机关."),
)
parse_usage = _choice_parser(
    [("非营运", VehicleUsage.PRIVATE), ("营运", VehicleUsage.COMMERCIAL)]
    + [("私用", VehicleUsage.PRIVATE), ("家用", VehicleUsage.PRIVATE)]
    + [("公务", VehicleUsage.PRIVATE), ("商用", VehicleUsage.COMMERCIAL)]
    + [("出租", VehicleUsage.COMMERCIAL), ("租赁", VehicleUsage.COMMERCIAL)],
    gettext_lazy("Write 营运 or 非营运."),
)
parse_fuel_type = _choice_parser(
    [("插电", FuelType.PLUG_IN_HYBRID), ("插混", FuelType.PLUG_IN_HYBRID)]
    + [("phev", FuelType.PLUG_IN_HYBRID), ("混", FuelType.HYBRID)]
    + [("纯电", FuelType.ELECTRIC), ("电动", FuelType.ELECTRIC)]
    + [("bev", FuelType.ELECTRIC), ("柴油", FuelType.DIESEL), ("汽油", FuelType.PETROL)],
    gettext_lazy("Write 汽油, 柴油, 混动, 插混 or 纯电."),
)
parse_transmission = _choice_parser(
    [("双离合", TransmissionType.DCT), ("dct", TransmissionType.DCT)]
    + [("dsg", TransmissionType.DCT), ("cvt", TransmissionType.CVT)]
    + [("无级", TransmissionType.CVT), ("手自一体", TransmissionType.AUTOMATIC)]
    + [("手动", TransmissionType.MANUAL), ("mt", TransmissionType.MANUAL)]
    + [("自动", TransmissionType.AUTOMATIC), ("at", TransmissionType.AUTOMATIC)]
    + [("单速", TransmissionType.SINGLE_SPEED)],
    gettext_lazy("Write 手动, 自动, CVT or 双离合."),
)
parse_purchase_method = _choice_parser(
    [("贷款", PurchaseMethod.LOAN), ("按揭", PurchaseMethod.LOAN), ("分期", PurchaseMethod.LOAN)]
    + [("金融", PurchaseMethod.LOAN), ("全款", PurchaseMethod.CASH)]
    + [("现金", PurchaseMethod.CASH), ("一次性", PurchaseMethod.CASH)],
    gettext_lazy("Write 全款 or 贷款."),
)
# Order matters: the first word found wins, so "首次保养" is a first maintenance and
# "事故钣喷" an accident repair rather than self-paid body work.
_VISIT_TYPE_WORDS = [(value, value) for value in VisitType.values] + [
    ("首保", VisitType.FIRST_MAINTENANCE),
    ("首次保养", VisitType.FIRST_MAINTENANCE),
    ("首次维护", VisitType.FIRST_MAINTENANCE),
    ("索赔", VisitType.WARRANTY),
    ("保修", VisitType.WARRANTY),
    ("三包", VisitType.WARRANTY),
    ("事故", VisitType.ACCIDENT),
    ("出险", VisitType.ACCIDENT),
    ("保险", VisitType.ACCIDENT),
    ("钣喷", VisitType.BODY_PAINT),
    ("钣金", VisitType.BODY_PAINT),
    ("喷漆", VisitType.BODY_PAINT),
    ("精品", VisitType.ACCESSORIES),
    ("装潢", VisitType.ACCESSORIES),
    ("装饰", VisitType.ACCESSORIES),
    ("加装", VisitType.ACCESSORIES),
    ("救援", VisitType.RESCUE),
    ("拖车", VisitType.RESCUE),
    ("定保", VisitType.PERIODIC_MAINTENANCE),
    ("定期", VisitType.PERIODIC_MAINTENANCE),
    ("保养", VisitType.PERIODIC_MAINTENANCE),
    ("维护", VisitType.PERIODIC_MAINTENANCE),
    ("大修", VisitType.MAJOR_REPAIR),
    ("小修", VisitType.MINOR_REPAIR),
    ("一般维修", VisitType.MINOR_REPAIR),
    ("普通维修", VisitType.MINOR_REPAIR),
    ("机修", VisitType.MINOR_REPAIR),
    ("维修", VisitType.MINOR_REPAIR),
]
parse_visit_type = _choice_parser(
    _VISIT_TYPE_WORDS,
    gettext_lazy(
        "Unknown visit type; write e.g. 首保, 定保, 索赔, 小修, 大修, 事故, 钣喷, 精品 or 救援."
    ),
)


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """A field of the archive a source column can be mapped to."""

    key: str
    label: Promise
    model: str  # "customer", "vehicle" or "visit": which record the value goes to
    synonyms: tuple[str, ...]
    parse: Callable[[Any], Any] = parse_text


def _t(key: str, label: Promise, model: str, synonyms: str, parse=parse_text) -> Target:
    return Target(key, label, model, tuple(synonyms.split()), parse)


CUSTOMER = "customer"
VEHICLE = "vehicle"
VISIT = "visit"

_VIN = "vin vin码 vin号 车架号 车架号码 底盘号 车辆识别代号 车辆识别码 车辆识别号 车辆vin"
_PLATE = "车牌 车牌号 车牌号码 号牌 号牌号码 牌照号 车牌照"

CUSTOMER_TARGETS: tuple[Target, ...] = (
    _t(
        "owner_code",
        gettext_lazy("Owner code"),
        CUSTOMER,
        "车主代号 车主编号 客户编号 客户代码 客户编码 客户代号",
    ),
    _t(
        "name",
        gettext_lazy("Name"),
        CUSTOMER,
        "客户名称 客户姓名 车主姓名 车主名称 车主 姓名 单位名称 客户 名称 用户名称",
    ),
    _t(
        "kind",
        gettext_lazy("Customer type"),
        CUSTOMER,
        "客户类型 客户性质 客户类别 车主性质 车主类型",
        parse_customer_kind,
    ),
    _t("gender", gettext_lazy("Gender"), CUSTOMER, "性别", parse_gender),
    _t(
        "mobile",
        gettext_lazy("Mobile"),
        CUSTOMER,
        "手机 手机号 手机号码 移动电话 联系电话 电话 联系方式 车主手机 客户手机 车主电话 客户电话",
    ),
    _t(
        "home_phone",
        gettext_lazy("Home phone"),
        CUSTOMER,
        "家庭电话 住宅电话 家庭电话号码 宅电 固定电话 固话",
    ),
    _t(
        "office_phone",
        gettext_lazy("Office phone"),
        CUSTOMER,
        "办公电话 单位电话 公司电话 工作电话",
    ),
    _t(
        "id_number",
        gettext_lazy("ID card no. / organisation code"),
        CUSTOMER,
        "身份证号 身份证号码 证件号码 证件号 身份证 机构代码 组织机构代码 统一社会信用代码 信用代码",
    ),
    _t("birthday", gettext_lazy("Birthday"), CUSTOMER, "生日 出生日期 出生年月日", parse_date),
    _t("email", gettext_lazy("E-mail"), CUSTOMER, "email e-mail 邮箱 电子邮箱 电子邮件 邮件"),
    _t(
        "address",
        gettext_lazy("Address"),
        CUSTOMER,
        "地址 联系地址 住址 家庭地址 通讯地址 客户地址 详细地址",
    ),
    _t("postcode", gettext_lazy("Postcode"), CUSTOMER, "邮编 邮政编码"),
    _t("employer", gettext_lazy("Employer"), CUSTOMER, "工作单位 所在单位"),
    _t("job_title", gettext_lazy("Job title"), CUSTOMER, "职务 职位"),
    _t("remarks", gettext_lazy("Remarks"), CUSTOMER, "备注 客户备注"),
    _t("vin", gettext_lazy("VIN"), VEHICLE, _VIN),
    _t("plate", gettext_lazy("Plate no."), VEHICLE, _PLATE),
    _t("archive_no", gettext_lazy("Archive no."), VEHICLE, "档案号 档案编号 车辆档案号"),
    _t("brand", gettext_lazy("Brand"), VEHICLE, "品牌 厂牌 车辆品牌"),
    _t("series", gettext_lazy("Series"), VEHICLE, "车系 车型系列"),
    _t("model_code", gettext_lazy("Model code"), VEHICLE, "车型 车型代码 车型编码 车型名称"),
    _t("model_year", gettext_lazy("Model year"), VEHICLE, "年款 车型年款", parse_year),
    _t("engine_no", gettext_lazy("Engine no."), VEHICLE, "发动机号 发动机号码"),
    _t("body_colour", gettext_lazy("Body colour"), VEHICLE, "颜色 车身颜色 车辆颜色 外观颜色"),
    _t("interior", gettext_lazy("Interior"), VEHICLE, "内饰 内饰颜色"),
    _t(
        "fuel_type",
        gettext_lazy("Fuel type"),
        VEHICLE,
        "燃料类型 燃油类型 能源类型 燃料",
        parse_fuel_type,
    ),
    _t(
        "transmission",
        gettext_lazy("Transmission"),
        VEHICLE,
        "变速箱 变速箱类型 变速器类型",
        parse_transmission,
    ),
    _t("usage", gettext_lazy("Usage"), VEHICLE, "使用性质 车辆用途 用途", parse_usage),
    _t(
        "production_date", gettext_lazy("Production date"), VEHICLE, "生产日期 出厂日期", parse_date
    ),
    _t(
        "purchase_date",
        gettext_lazy("Purchase date"),
        VEHICLE,
        "购车日期 销售日期 开票日期 购买日期 交车日期",
        parse_date,
    ),
    _t(
        "purchase_price",
        gettext_lazy("Purchase price"),
        VEHICLE,
        "购车价格 购车价 销售价格 车价 开票价格 开票金额",
        parse_money,
    ),
    _t(
        "purchase_mileage",
        gettext_lazy("Mileage at purchase (km)"),
        VEHICLE,
        "购车里程 交车里程 销售里程",
        parse_int,
    ),
    _t(
        "purchase_method",
        gettext_lazy("Purchase method"),
        VEHICLE,
        "付款方式 购车方式 购买方式",
        parse_purchase_method,
    ),
    _t(
        "registration_date",
        gettext_lazy("Registration date"),
        VEHICLE,
        "上牌日期 注册日期 登记日期",
        parse_date,
    ),
    _t("insurer", gettext_lazy("Insurer"), VEHICLE, "保险公司 承保公司"),
    _t(
        "insurance_expiry",
        gettext_lazy("Insurance expiry"),
        VEHICLE,
        "保险到期 保险到期日 保险到期日期 保险截止日期",
        parse_date,
    ),
    _t("sales_consultant", gettext_lazy("Sales consultant"), VEHICLE, "销售顾问 销售员 销售人员"),
)

VISIT_TARGETS: tuple[Target, ...] = (
    _t("vin", gettext_lazy("VIN"), VEHICLE, _VIN),
    _t("plate", gettext_lazy("Plate no."), VEHICLE, _PLATE),
    _t(
        "repair_order_no",
        gettext_lazy("Repair order no."),
        VISIT,
        "工单号 维修单号 委托书号 工单编号 维修工单号 委托书编号 维修单编号",
    ),
    _t(
        "visit_date",
        gettext_lazy("Visit date"),
        VISIT,
        "进厂日期 维修日期 结算日期 进站日期 进厂时间 维修时间 来店日期 服务日期",
        parse_date,
    ),
    _t(
        "mileage",
        gettext_lazy("Mileage (km)"),
        VISIT,
        "里程 进厂里程 行驶里程 公里数 进站里程 里程数 表显里程",
        parse_int,
    ),
    _t(
        "visit_type",
        gettext_lazy("Visit type"),
        VISIT,
        "维修类型 业务类型 维修类别 工单类型 服务类型 维修性质",
        parse_visit_type,
    ),
    _t(
        "amount",
        gettext_lazy("Amount"),
        VISIT,
        "金额 结算金额 总金额 维修金额 合计金额 费用 实收金额 工单金额",
        parse_money,
    ),
    _t(
        "advisor_name",
        gettext_lazy("Service advisor"),
        VISIT,
        "服务顾问 接待员 维修接待 服务专员 接车员",
    ),
    _t(
        "description",
        gettext_lazy("Work done"),
        VISIT,
        "维修内容 维修项目 故障描述 作业内容 维修说明",
    ),
)


def targets_for(kind: str) -> dict[str, Target]:
    targets = VISIT_TARGETS if kind == ImportKind.VISITS else CUSTOMER_TARGETS
    return {target.key: target for target in targets}


def required_targets(kind: str) -> list[tuple[str, ...]]:
    """Groups of targets of which at least one must be mapped for the import to make sense."""
    if kind == ImportKind.VISITS:
        return [("vin", "plate"), ("visit_date",), ("mileage",), ("visit_type",)]
    return [("name",)]


_BRACKETS_RE = re.compile(r"[(（\[【<《].*?[)）\]】>》]")
_HEADER_NOISE_RE = re.compile(r"[\s*＊:：#№._\-/\\]+")


def header_key(text: Any) -> str:
    """Compare headers by this: no spaces, case, punctuation or bracketed units ("里程(km)")."""
    text = normalize.normalize_text(_number_text(text)).lower()
    return _HEADER_NOISE_RE.sub("", _BRACKETS_RE.sub("", text))


def synonym_index(kind: str) -> dict[str, str]:
    """header_key(synonym) → target key, for matching headers."""
    index: dict[str, str] = {}
    for target in targets_for(kind).values():
        for synonym in (*target.synonyms, str(target.label), target.key):
            index.setdefault(header_key(synonym), target.key)
    return index
