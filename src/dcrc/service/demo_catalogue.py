"""Demo after-sales set-up of a dealer: warehouses, parts with stock, labour items, stations, tools.

Idempotent: a dealer that has a labour catalogue already is left alone.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from dcrc.core.models import Dealer, User
from dcrc.parts.choices import Origin
from dcrc.parts.models import Part, Warehouse
from dcrc.parts.stock import stock_receive

from .choices import StationKind, ToolKind
from .models import LabourItem, ServiceSettings, Station, Tool

M, ME, SM, P = (
    StationKind.MAINTENANCE,
    StationKind.MECHANICAL,
    StationKind.SHEET_METAL,
    StationKind.PAINT,
)
# code, name, work type, standard hours, rate
LABOUR = [
    ("M001", "更换机油机滤", M, "0.50", "180"),
    ("M002", "更换空气滤清器", M, "0.20", "180"),
    ("M003", "更换空调滤清器", M, "0.30", "180"),
    ("M004", "更换火花塞（4缸）", M, "0.80", "180"),
    ("M005", "更换制动液", M, "0.80", "180"),
    ("M006", "四轮定位", M, "1.00", "200"),
    ("M007", "轮胎换位及动平衡", M, "0.80", "180"),
    ("M008", "首次保养检查", M, "1.00", "0"),
    ("M009", "常规保养检查（40项）", M, "0.50", "180"),
    ("M010", "更换变速箱油（DSG）", M, "1.20", "200"),
    ("J101", "更换前刹车片", ME, "1.20", "200"),
    ("J102", "更换后刹车片", ME, "1.20", "200"),
    ("J103", "更换前刹车盘", ME, "1.50", "200"),
    ("J104", "更换正时皮带套件", ME, "4.50", "220"),
    ("J105", "更换蓄电池", ME, "0.30", "180"),
    ("J106", "检查发动机异响", ME, "1.00", "220"),
    ("J107", "更换前减震器（单侧）", ME, "1.80", "220"),
    ("J108", "空调系统检测及加注冷媒", ME, "1.00", "200"),
    ("J109", "更换雨刮片", ME, "0.20", "180"),
    ("J110", "电脑诊断检测", ME, "0.50", "220"),
    ("B201", "前保险杠拆装", SM, "1.00", "200"),
    ("B202", "前叶子板钣金修复", SM, "3.00", "200"),
    ("B203", "车门凹陷修复（免喷漆）", SM, "1.50", "200"),
    ("B204", "后保险杠更换", SM, "1.50", "200"),
    ("P301", "前保险杠喷漆", P, "3.50", "260"),
    ("P302", "前叶子板喷漆", P, "3.00", "260"),
    ("P303", "车门喷漆（单门）", P, "3.50", "260"),
    ("P304", "全车抛光打蜡", P, "2.00", "200"),
]
# code, name, category, unit, sale price, cost price, shelf, stock, low-stock threshold
PARTS = [
    ("06L115562B", "机油滤清器", "滤清器", "个", "68.00", "38.00", "A-01-01", 60, 15),
    ("G052195M4", "全合成机油 5W-40", "油液", "升", "98.50", "62.00", "B-01-01", 240, 60),
    ("5Q0129620D", "空气滤清器", "滤清器", "个", "128.00", "72.00", "A-01-02", 30, 8),
    ("5Q0819653", "空调滤清器", "滤清器", "个", "158.00", "86.00", "A-01-03", 30, 8),
    ("04E905612C", "火花塞", "点火", "个", "88.00", "48.00", "A-02-01", 48, 16),
    ("B000750M3", "制动液 DOT4", "油液", "升", "75.00", "38.00", "B-01-02", 40, 10),
    ("5QD698151", "前刹车片（套）", "制动", "套", "680.00", "410.00", "C-01-01", 12, 4),
    ("5QD698451", "后刹车片（套）", "制动", "套", "520.00", "310.00", "C-01-02", 10, 4),
    ("5QD615301", "前刹车盘", "制动", "个", "860.00", "520.00", "C-02-01", 6, 2),
    ("04E198119A", "正时皮带套件", "发动机", "套", "1680.00", "1020.00", "D-01-01", 3, 1),
    ("000915105DE", "蓄电池 60Ah", "电气", "个", "980.00", "620.00", "D-02-01", 5, 2),
    ("5QD413031", "前减震器", "底盘", "个", "1260.00", "760.00", "D-03-01", 4, 2),
    ("G052512A2", "变速箱油 DSG", "油液", "升", "168.00", "98.00", "B-02-01", 36, 12),
    ("5G1955425", "雨刮片（对）", "附件", "对", "198.00", "105.00", "A-03-01", 20, 5),
    ("5GG807221", "前保险杠皮", "车身", "个", "2380.00", "1520.00", "E-01-01", 2, 1),
    ("5GG821021", "前叶子板（左）", "车身", "个", "1180.00", "720.00", "E-02-01", 1, 1),
    ("LA7W-PAINT", "面漆（极地白）", "漆料", "千克", "560.00", "320.00", "F-01-01", 8, 3),
    ("R134A-500", "空调冷媒 R134a", "油液", "瓶", "120.00", "55.00", "B-03-01", 24, 6),
    ("N90813202", "放油螺栓垫片", "紧固件", "个", "6.00", "1.50", "A-04-01", 200, 50),
    ("5Q0407151A", "下摆臂（左）", "底盘", "个", "920.00", "560.00", "D-03-02", 0, 1),
]
STATIONS = [
    ("Q1", "快保工位1", M, 2, ["tech"]),
    ("Q2", "快保工位2", M, 2, ["tech2"]),
    ("J1", "机修工位1", ME, 1, ["tech"]),
    ("J2", "机修工位2", ME, 1, ["tech2"]),
    ("B1", "钣金工位", SM, 1, ["tech_body"]),
    ("P1", "喷漆房", P, 1, ["tech_paint"]),
]
TOOLS = [
    ("T001", "四轮定位仪", ToolKind.EQUIPMENT, "定位工位"),
    ("T002", "VAS 6150 诊断电脑", ToolKind.EQUIPMENT, "工具室"),
    ("T003", "扭力扳手 40–200 N·m", ToolKind.TOOL, "工具室"),
    ("T004", "正时专用工具套装 T10352", ToolKind.TOOL, "工具室"),
    ("T005", "空调冷媒回收加注机", ToolKind.EQUIPMENT, "机修区"),
    ("T006", "制动液更换机", ToolKind.EQUIPMENT, "快保区"),
    ("T007", "EA888 维修手册", ToolKind.DOCUMENT, "资料室"),
    ("T008", "钣金外形修复机", ToolKind.EQUIPMENT, "钣金区"),
]


@transaction.atomic
def demo_catalogue_load(*, dealer: Dealer, users: dict[str, User]) -> bool:
    """The dealer's catalogues, stock and workshop; False when it has them already."""
    if LabourItem.objects.filter(dealer=dealer).exists():
        return False
    ServiceSettings.objects.get_or_create(dealer=dealer)
    main = Warehouse.objects.create(dealer=dealer, code="MAIN", name="主仓库", is_default=True)
    Warehouse.objects.create(dealer=dealer, code="OLD", name="旧件库")
    LabourItem.objects.bulk_create(
        LabourItem(
            dealer=dealer,
            code=code,
            name=name,
            work_type=kind,
            standard_hours=Decimal(hours),
            rate=Decimal(rate),
        )
        for code, name, kind, hours, rate in LABOUR
    )
    keeper = users.get("warehouse") or users["admin"]
    for code, name, category, unit, price, cost, shelf, stock, low in PARTS:
        part = Part.objects.create(
            dealer=dealer,
            code=code,
            name=name,
            brand="一汽-大众",
            category=category,
            applicable_models="速腾/迈腾/宝来/探岳",
            unit=unit,
            origin=Origin.OEM,
            default_bin=shelf,
            sale_price=Decimal(price),
            cost_price=Decimal(cost),
            low_stock_threshold=Decimal(low),
        )
        if stock:
            stock_receive(
                part=part,
                warehouse=main,
                quantity=Decimal(stock),
                by=keeper,
                reference="期初库存",
            )
    lead = users.get("dispatcher")
    for code, name, kind, bays, technicians in STATIONS:
        station = Station.objects.create(
            dealer=dealer, code=code, name=name, kind=kind, bays=bays, team_lead=lead
        )
        station.technicians.set([users[t] for t in technicians if t in users])
    Tool.objects.bulk_create(
        Tool(dealer=dealer, code=code, name=name, kind=kind, location=location)
        for code, name, kind, location in TOOLS
    )
    return True
