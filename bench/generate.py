"""A synthetic customer archive for the benchmarks, written in bulk.

Three dealers of one group: the measured dealer holds most of the rows; the other two exist so
that the tenancy filters have something to filter, and some of their customers share a mobile,
a name or even a vehicle with the measured dealer (a car serviced at two shops).

Each customer comes with ~1.2 vehicles (valid VINs, plates including 8-character new-energy
ones), their ownership periods (a few vehicles changed hands), a year of service visits
(~2.5 per vehicle) and the search keys exactly as services.customer_search_keys() computes
them. The denormalised figures (customer visits, paid visits, spend and last visit; vehicle
mileage and first service) agree with the visits, and the owner-code sequence continues after
the generated codes, so the archive behaves like one filled through the services.

Rows go in with executemany (SQLite) or COPY (PostgreSQL), one transaction per CHUNK customers.
Everything is seeded: the same size gives the same archive.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
import sys
import time
from array import array
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from stdnum.cn import ric

from dcrc.core.choices import Role
from dcrc.core.models import Dealer, DealerGroup, DealerSequence, Manufacturer, User
from dcrc.customers import normalize, services
from dcrc.customers.choices import (
    BirthdayCalendar,
    ContactPreference,
    CustomerKind,
    FuelType,
    Gender,
    Lifecycle,
    OwnershipReason,
    TransmissionType,
    VisitSource,
    VisitType,
)
from dcrc.customers.models import (
    Customer,
    MembershipLevel,
    SearchKey,
    ServiceVisit,
    Vehicle,
    VehicleOwnership,
)

CHUNK = 5000
AGENT_USERNAME = "bench_agent"
SEED = 20261123


@dataclass(frozen=True)
class DealerSpec:
    code: str
    name: str
    short_name: str
    share: float  # of all customers
    city: str
    province: str
    plate_letters: str  # weighted: a letter repeated is more frequent
    area_code: str
    districts: tuple[str, ...]
    id_regions: tuple[str, ...]


# The first dealer is the measured one.
DEALERS = (
    DealerSpec(
        "GZ001",
        "广州骏达一汽-大众4S店",
        "广州骏达",
        0.8,
        "广州",
        "粤",
        "A" * 17 + "BBESTY",
        "020",
        ("天河区", "越秀区", "海珠区", "番禺区", "白云区", "荔湾区", "黄埔区", "花都区"),
        ("440103", "440104", "440105", "440106", "440111", "440112", "440113", "440114"),
    ),
    DealerSpec(
        "FS001",
        "佛山骏达一汽-大众4S店",
        "佛山骏达",
        0.1,
        "佛山",
        "粤",
        "E" * 18 + "AAY",
        "0757",
        ("禅城区", "南海区", "顺德区", "三水区", "高明区"),
        ("440604", "440605", "440606", "440607", "440608"),
    ),
    DealerSpec(
        "BJ001",
        "北京京通一汽-大众4S店",
        "北京京通",
        0.1,
        "北京",
        "京",
        "NNNNNQQQEFHJKLMP",
        "010",
        ("朝阳区", "海淀区", "丰台区", "东城区", "西城区", "通州区", "昌平区"),
        ("110101", "110102", "110105", "110106", "110108", "110112", "110114"),
    ),
)

# Surnames with their frequency per 10 000 people (2020 census order), the special readings
# of normalize._SURNAMES (曾 zeng, 单 shan, 区 ou, 解 xie, 仇 qiu, ...) and compound surnames.
SURNAMES = {
    "王": 710, "李": 700, "张": 670, "刘": 540, "陈": 450, "杨": 310, "黄": 220, "赵": 200,
    "吴": 180, "周": 170, "徐": 130, "孙": 130, "马": 120, "朱": 110, "胡": 100, "郭": 100,
    "何": 90, "林": 90, "高": 90, "罗": 80, "郑": 80, "梁": 70, "谢": 60, "宋": 60, "唐": 50,
    "许": 50, "韩": 50, "邓": 50, "冯": 50, "曹": 50, "彭": 40, "曾": 40, "肖": 40, "田": 40,
    "董": 40, "潘": 40, "袁": 40, "蔡": 30, "蒋": 30, "余": 30, "于": 30, "杜": 30, "叶": 30,
    "程": 30, "魏": 30, "苏": 30, "吕": 30, "丁": 30, "任": 30, "卢": 30, "姚": 30, "沈": 30,
    "钟": 30, "姜": 30, "崔": 30, "谭": 30, "陆": 30, "范": 20, "汪": 20, "廖": 20, "石": 20,
    "金": 20, "韦": 20, "贾": 20, "夏": 20, "付": 20, "方": 20, "邹": 20, "熊": 20, "白": 20,
    "孟": 20, "秦": 20, "邱": 20, "侯": 20, "江": 20, "尹": 20, "薛": 20, "闫": 20, "段": 20,
    "雷": 20, "龙": 20, "黎": 20, "史": 20, "陶": 20, "贺": 20, "毛": 20, "郝": 20, "顾": 20,
    "龚": 20, "邵": 20, "万": 20, "覃": 10, "武": 10, "钱": 10, "戴": 10, "严": 10, "莫": 10,
    "孔": 10, "向": 10, "常": 10, "汤": 10, "康": 10, "易": 10, "乔": 10, "赖": 10, "文": 10,
    "施": 10, "洪": 10, "辛": 10, "柯": 10, "庄": 10, "华": 5, "欧阳": 5, "单": 3, "解": 3,
    "翟": 3, "冼": 3, "纪": 3, "仇": 2, "区": 2, "查": 2, "朴": 2, "乐": 2, "缪": 2, "盖": 1,
    "燕": 1, "卜": 1, "司马": 1, "诸葛": 1, "上官": 1, "尉迟": 0.3, "令狐": 0.3, "长孙": 0.3,
}  # fmt: skip
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红建国志海燕小龙云飞晓东春梅宇轩"
    "子涵浩然欣怡思远佳琪俊文博婷雪慧鹏辉斌宁波晨阳颖琳新峰鑫凯翔瑶欢婉雨嘉诚天佑梓萱雅紫一"
    "诺若汐家豪振立永健德成秋菊丹凤金珍兴旺荣林彬亮琦蕾倩晶宏军伟明华强"
)
COMPANY_CORES = ("骏通", "华南", "广源", "珠江", "恒信", "粤海", "南方", "鸿运", "顺达", "新世纪", "宏图", "金穗")  # fmt: skip
COMPANY_TRADES = ("物流", "建材", "电子", "印务", "贸易", "科技", "实业", "运输", "租赁", "医药", "工程")  # fmt: skip
COMPANY_FORMS = ("有限公司", "有限公司", "股份有限公司", "有限责任公司")
MOBILE_PREFIXES = tuple(
    str(prefix)
    for prefix in (
        *range(130, 140),
        *range(150, 154),
        *range(155, 160),
        *range(180, 190),
        *(166, 173, 175, 176, 177, 178, 191, 193, 195, 198, 199),
    )
)
# brand, series, model code, fuel, displacement, transmission, WMI + VDS, weight
MODELS = (
    ("一汽-大众", "速腾", "FV7141", FuelType.PETROL, "1.4", TransmissionType.DCT, "LFV2A215", 25),
    ("一汽-大众", "宝来", "FV7157", FuelType.PETROL, "1.5", TransmissionType.AUTOMATIC, "LFV2A11K", 20),
    ("一汽-大众", "迈腾", "FV7187", FuelType.PETROL, "1.8", TransmissionType.DCT, "LFV3A23C", 15),
    ("一汽-大众", "探岳", "FV6462", FuelType.PETROL, "2.0", TransmissionType.DCT, "LFV3B28T", 12),
    ("一汽-大众", "捷达", "FV7152", FuelType.PETROL, "1.5", TransmissionType.MANUAL, "LFV2A157", 10),
    ("一汽-大众", "探歌", "FV6451", FuelType.PETROL, "1.4", TransmissionType.DCT, "LFV2B24L", 5),
    ("一汽-大众", "迈腾 GTE", "FV7147PHEV", FuelType.PLUG_IN_HYBRID, "1.4", TransmissionType.DCT, "LFV3A24H", 3),
    ("一汽-大众", "ID.4 CROZZ", "FV6471BCBEV", FuelType.ELECTRIC, None, TransmissionType.SINGLE_SPEED, "LFV3B2E4", 8),
    ("一汽-大众", "ID.6 CROZZ", "FV6492BCBEV", FuelType.ELECTRIC, None, TransmissionType.SINGLE_SPEED, "LFV3B2E6", 2),
)  # fmt: skip
NEW_ENERGY = {FuelType.ELECTRIC, FuelType.PLUG_IN_HYBRID}
COLOURS = ("极地白", "深海蓝", "曜石黑", "珍珠白", "钨钢灰", "宝石红", "星空灰")
INSURERS = ("中国人保", "平安保险", "太平洋保险", "中华联合", "大地保险")
CONSULTANTS = ("陈销售", "杨顾问", "许顾问", "黄顾问", "林顾问")
ADVISORS = ("李明", "陈静", "黄伟", "周婷", "吴磊", "郑丽")
ROADS = ("中山大道", "环市东路", "江南大道", "广州大道", "解放路", "人民路", "建设大马路", "滨江路")
CONTACT_TIMES = ("", "", "", "工作日晚上", "周末上午", "中午12点后", "下午3点后")
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # 33 characters, no I, O or Q
VIN_YEARS = dict(zip(range(2001, 2031), "123456789ABCDEFGHJKLMNPRSTVWXY", strict=True))
VIN_SPACE = len(VIN_CHARS) * 1_000_000  # plant character × 6-digit serial
VIN_MULTIPLIER = 2_654_435_761  # prime, coprime with VIN_SPACE: a bijection of the serials
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # serials never use I or O
NEV_SMALL = "ADFABCDEFGHJK"  # D and F most common, the 2022 letters A–K too
# Visit types of the periodic history with their weights, and the price range in yuan.
VISIT_MIX = (
    (VisitType.PERIODIC_MAINTENANCE, 50, 380, 1500, "常规保养 更换机油机滤"),
    (VisitType.MINOR_REPAIR, 15, 200, 3000, "更换刹车片"),
    (VisitType.WARRANTY, 8, 0, 0, "索赔 更换水泵"),
    (VisitType.BODY_PAINT, 8, 800, 6000, "前保险杠喷漆"),
    (VisitType.ACCIDENT, 7, 2000, 30000, "事故车维修 保险理赔"),
    (VisitType.MAJOR_REPAIR, 4, 3000, 20000, "变速箱维修"),
    (VisitType.ACCESSORIES, 5, 200, 3000, "加装行车记录仪"),
    (VisitType.RESCUE, 3, 0, 500, "道路救援 搭电"),
)
UNPAID = VisitType.unpaid()

CUSTOMER_COLUMNS = (
    "id", "dealer_id", "owner_code", "kind", "name", "name_pinyin", "gender", "mobile",
    "home_phone", "office_phone", "id_number", "birthday", "birthday_calendar",
    "lunar_birthday_month", "lunar_birthday_day", "address", "preferred_contact_time",
    "contact_preference", "lifecycle", "membership_level_id", "membership_no",
    "membership_expires", "employer", "last_visit_date", "visit_count", "paid_visit_count",
    "total_spend",
)  # fmt: skip
VEHICLE_COLUMNS = (
    "id", "dealer_id", "vin", "plate", "owner_id", "brand", "series", "model_code", "model_year",
    "fuel_type", "transmission", "displacement", "body_colour", "production_date",
    "purchase_date", "registration_date", "purchase_price", "purchase_mileage", "insurer",
    "insurance_start", "insurance_expiry", "warranty_end_date", "warranty_end_km",
    "first_service_date", "sales_consultant", "mileage", "mileage_date", "engine_no",
)  # fmt: skip
OWNERSHIP_COLUMNS = (
    "id", "dealer_id", "vehicle_id", "customer_id", "start_date", "end_date", "reason",
)  # fmt: skip
VISIT_COLUMNS = (
    "id", "dealer_id", "vehicle_id", "customer_id", "visit_date", "released_at", "mileage",
    "visit_type", "amount", "repair_order_no", "advisor_name", "description", "source",
)  # fmt: skip
KEY_COLUMNS = ("dealer_id", "key", "customer_id")


@dataclass(frozen=True)
class Archive:
    """What the benchmarks need to know about the generated archive."""

    dealer_id: int  # the measured dealer
    other_dealer_ids: tuple[int, ...]
    user_id: int  # a DCRC agent of the measured dealer
    customers: int
    vehicles: int
    ownerships: int
    visits: int
    search_keys: int
    seconds: float


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _cents(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _default(field, now: datetime.datetime):
    """What the ORM would store in a column that a row does not give."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = now
    else:
        value = field.get_default()  # None for a required column: the insert fails loudly
    return field.get_db_prep_save(value, connection)


class _Table:
    """Writes rows of one model: the given columns per row, then every other column's default."""

    def __init__(self, model: type[Model], given: tuple[str, ...]):
        fields = {field.attname: field for field in model._meta.concrete_fields}
        if unknown := set(given) - fields.keys():
            raise LookupError(f"{model.__name__} has no field {sorted(unknown)}")
        rest = [f for name, f in fields.items() if name not in given and not f.primary_key]
        now = timezone.now()
        self.defaults = tuple(_default(field, now) for field in rest)
        columns = ", ".join(
            connection.ops.quote_name(name)
            for name in [fields[name].column for name in given] + [field.column for field in rest]
        )
        table = connection.ops.quote_name(model._meta.db_table)
        width = len(given) + len(rest)
        self.insert_sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * width)})"
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        self.rows = 0

    def write(self, rows: list[tuple]) -> None:
        defaults = self.defaults
        self.rows += len(rows)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor, cursor.cursor.copy(self.copy_sql) as copy:
                for row in rows:
                    copy.write_row(row + defaults)
        else:
            connection.connection.executemany(self.insert_sql, [row + defaults for row in rows])


@dataclass(frozen=True)
class _DealerRef:
    pk: int
    spec: DealerSpec
    levels: tuple[int, ...]  # membership level ids
    measured: bool


def _reference_data() -> tuple[list[_DealerRef], User]:
    """The maker, group, dealers with their membership levels, and the measured dealer's agent."""
    maker = Manufacturer.objects.create(name="一汽-大众")
    group = DealerGroup.objects.create(name="骏达汽车集团")
    dealers = []
    for index, spec in enumerate(DEALERS):
        dealer = Dealer.objects.create(
            code=spec.code,
            name=spec.name,
            short_name=spec.short_name,
            group=group,
            manufacturer=maker,
            region="华北" if spec.province == "京" else "华南",
            hotline=f"{spec.area_code}-88886666",
        )
        levels = [
            MembershipLevel.objects.create(
                dealer=dealer,
                number=number,
                name=name,
                fee=fee,
                labour_discount_pct=discount,
                parts_discount_pct=discount / 2,
            ).pk
            for number, name, fee, discount in (
                (1, "普通卡", 0, 0),
                (2, "银卡", 200, 5),
                (3, "金卡", 500, 10),
                (4, "钻石卡", 1000, 15),
            )
        ]
        dealers.append(_DealerRef(dealer.pk, spec, tuple(levels), measured=index == 0))
    agent = User(username=AGENT_USERNAME, display_name="基准坐席", role=Role.DCRC_AGENT)
    agent.set_unusable_password()
    agent.save()
    agent.dealers.set([dealers[0].pk])
    return dealers, agent


class _ArchiveRows:
    """The rows of the archive, chunk by chunk, as tuples in the *_COLUMNS order.

    Touches no database. (Generating in a forked process while the parent writes was tried:
    with pickling both ways it was slower on the 2-core machine, so it stays sequential.)
    """

    def __init__(self, n: int, seed: int, dealers: list[_DealerRef], vendor: str):
        self.n = n
        self.dealers = dealers
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.released_suffix = "+00" if vendor == "postgresql" else ""
        self.surnames = list(SURNAMES)
        self.surname_weights = list(SURNAMES.values())
        self.model_weights = [model[-1] for model in MODELS]
        self.visit_weights = [mix[1] for mix in VISIT_MIX]
        self.next_id = {"customer": 1, "vehicle": 1, "ownership": 1, "visit": 1}
        self.customer_ids: dict[int, array] = {dealer.pk: array("q") for dealer in dealers}
        self.owner_codes = dict.fromkeys(self.customer_ids, 0)
        self.repair_orders = dict.fromkeys(self.customer_ids, 0)
        self.last_mobile: dict[int, str] = {}
        # The measured dealer's recent people and vehicles, some of whom the other dealers see too.
        self.shared_people: deque[tuple[str, str]] = deque(maxlen=2000)
        self.shared_vehicles: deque[tuple] = deque(maxlen=2000)
        self.probe = Customer()  # a real Customer for customer_search_keys(), never saved

    def chunks(self) -> Iterator[dict[str, list[tuple]]]:
        weights = [dealer.spec.share for dealer in self.dealers]
        done = 0
        while done < self.n:
            size = min(CHUNK, self.n - done)
            rows: dict[str, list[tuple]] = {name: [] for name in TABLES}
            for dealer in self.rng.choices(self.dealers, weights, k=size):
                self.customer(dealer, rows)
            done += size
            yield rows

    # --- one customer with vehicles, ownership, visits and keys ----------------------------

    def person_name(self) -> str:
        rng = self.rng
        surname = rng.choices(self.surnames, self.surname_weights)[0]
        return surname + "".join(rng.choices(GIVEN, k=1 if rng.random() < 0.18 else 2))

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def landline(self, spec: DealerSpec) -> str:
        return spec.area_code + self.rng.choice("3568") + f"{self.rng.randrange(10**7):07d}"

    def id_number(self, spec: DealerSpec, birthday: datetime.date, male: bool) -> str:
        sequence = self.rng.randrange(500) * 2 + (1 if male else 0)
        body = f"{self.rng.choice(spec.id_regions)}{birthday:%Y%m%d}{sequence:03d}"
        return body + ric.calc_check_digit(body + "0")

    def plate(self, spec: DealerSpec, new_energy: bool) -> str:
        rng = self.rng
        prefix = spec.province + rng.choice(spec.plate_letters)
        if new_energy:
            if rng.random() < 0.9:  # small new-energy plate: 粤AD12345, 粤AF1B234
                serial = (
                    rng.choice(PLATE_LETTERS) if rng.random() < 0.2 else rng.choice("0123456789")
                )
                return prefix + rng.choice(NEV_SMALL) + serial + f"{rng.randrange(10**4):04d}"
            return prefix + f"{rng.randrange(10**5):05d}" + rng.choice("DF")  # large: 粤A12345D
        serial = "".join(
            rng.choice(PLATE_LETTERS) if rng.random() < 0.2 else rng.choice("0123456789")
            for _ in range(5)
        )
        return prefix + serial

    @staticmethod
    def model_year(purchase: datetime.date) -> int:
        return purchase.year + (purchase.month > 8)  # next year's models ship in September

    def vin(self, vehicle_id: int, wmi_vds: str, model_year: int) -> str:
        """A VIN with a valid check digit, unique by construction: plant and serial number are
        a bijection of the vehicle id."""
        scrambled = vehicle_id * VIN_MULTIPLIER % VIN_SPACE
        plant, serial = divmod(scrambled, 1_000_000)
        body = f"{wmi_vds}0{VIN_YEARS[model_year]}{VIN_CHARS[plant]}{serial:06d}"
        return body[:8] + normalize.vin_check_digit(body) + body[9:]

    def customer(self, dealer: _DealerRef, rows: dict[str, list[tuple]]) -> None:
        rng, today = self.rng, self.today
        dealer_id, spec, measured = dealer.pk, dealer.spec, dealer.measured
        cid = self.next_id["customer"]
        self.next_id["customer"] += 1
        self.owner_codes[dealer_id] += 1
        owner_code = f"C{self.owner_codes[dealer_id]:07d}"
        roll = rng.random()
        kind = (
            CustomerKind.INDIVIDUAL
            if roll >= 0.04
            else (CustomerKind.FLEET if roll < 0.005 else CustomerKind.COMPANY)
        )
        company = kind != CustomerKind.INDIVIDUAL
        district = rng.choice(spec.districts)
        address = f"{district}{rng.choice(ROADS)}{rng.randint(1, 999)}号"
        gender = birthday = id_number = lunar_month = lunar_day = None
        home = office = employer = ""
        calendar = BirthdayCalendar.SOLAR
        if company:
            name = (
                spec.city
                + rng.choice(COMPANY_CORES)
                + ("出租汽车" if kind == CustomerKind.FLEET else rng.choice(COMPANY_TRADES))
                + rng.choice(COMPANY_FORMS)
            )
            mobile = self.mobile()
            office = self.landline(spec)
            gender = ""
        else:
            if not measured and self.shared_people and rng.random() < 0.05:
                name, mobile = self.shared_people[rng.randrange(len(self.shared_people))]
            else:
                name = self.person_name()
                if rng.random() < 0.02 and self.last_mobile.get(dealer_id):
                    mobile = self.last_mobile[dealer_id]  # a family sharing one phone
                elif rng.random() < 0.03:
                    mobile = ""
                else:
                    mobile = self.mobile()
            if measured and mobile:
                self.shared_people.append((name, mobile))
            male = rng.random() < 0.7
            gender = Gender.MALE if male else Gender.FEMALE
            if rng.random() < 0.7:
                birthday = datetime.date(
                    rng.randint(1955, 2003), rng.randint(1, 12), rng.randint(1, 28)
                )
                if rng.random() < 0.4:
                    id_number = self.id_number(spec, birthday, male)
                if rng.random() < 0.25:
                    calendar = BirthdayCalendar.LUNAR
                    lunar_month, lunar_day = rng.randint(1, 12), rng.randint(1, 29)
            if rng.random() < 0.08:
                home = self.landline(spec)
            if rng.random() < 0.1:
                employer = rng.choice(COMPANY_CORES) + rng.choice(COMPANY_TRADES) + "有限公司"
        if mobile:
            self.last_mobile[dealer_id] = mobile
        # Vehicles: most people one, some two or three, companies a fleet.
        if company:
            count = rng.randint(2, 8 if kind == CustomerKind.FLEET else 5)
        else:
            roll = rng.random()
            count = 0 if roll < 0.06 else 1 if roll < 0.82 else 2 if roll < 0.97 else 3
        pairs = []
        visits = paid = spend = 0
        last_visit = None
        for _ in range(count):
            vin, plate, last = self.vehicle(cid, dealer_id, spec, measured, rows)
            pairs.append((vin, plate))
            visits += last[0]
            paid += last[1]
            spend += last[2]
            if last[3] and (last_visit is None or last[3] > last_visit):
                last_visit = last[3]
        level = None
        membership_no = ""
        membership_expires = None
        if count and rng.random() < 0.3:
            level = rng.choice(dealer.levels)
            membership_no = f"M{spec.code}{cid:08d}"
            membership_expires = today + datetime.timedelta(days=rng.randint(-60, 365))
        row = (
            cid,
            dealer_id,
            owner_code,
            kind,
            name,
            normalize.name_pinyin(name, person=not company)[0],  # as customer_create() does
            gender or "",
            mobile,
            home,
            office,
            id_number or "",
            birthday,
            calendar,
            lunar_month,
            lunar_day,
            address,
            rng.choice(CONTACT_TIMES),
            ContactPreference.SMS if rng.random() < 0.03 else ContactPreference.PHONE,
            Lifecycle.CUSTOMER if count else Lifecycle.PROSPECT,
            level,
            membership_no,
            membership_expires,
            employer,
            last_visit,
            visits,
            paid,
            _cents(spend),
        )
        rows["customer"].append(row)
        probe = self.probe
        for attname, value in zip(CUSTOMER_COLUMNS, row, strict=True):
            setattr(probe, attname, value)
        rows["key"].extend(
            (dealer_id, key, cid) for key in services.customer_search_keys(probe, pairs)
        )
        self.customer_ids[dealer_id].append(cid)
        if cid % 997 == 0:
            self.check(row, pairs)

    def vehicle(self, cid, dealer_id, spec, measured, rows) -> tuple[str, str, tuple]:
        rng, today = self.rng, self.today
        vid = self.next_id["vehicle"]
        self.next_id["vehicle"] += 1
        shared = None
        if not measured and self.shared_vehicles and rng.random() < 0.05:
            shared = self.shared_vehicles.popleft()  # once only: a VIN is unique per dealer
        if shared:
            vin, plate, model, purchase = shared
        else:
            model = rng.choices(MODELS, self.model_weights)[0]
            purchase = today - datetime.timedelta(days=rng.randint(20, 8 * 365))
            vin = self.vin(vid, model[6], self.model_year(purchase))
            plate = "" if rng.random() < 0.04 else self.plate(spec, model[3] in NEW_ENERGY)
            if measured:
                self.shared_vehicles.append((vin, plate, model, purchase))
        brand, series, model_code, fuel, displacement, gearbox, _, _ = model
        # A few vehicles came second-hand from another customer of the dealer.
        start, reason = purchase, OwnershipReason.PURCHASE
        earlier = self.customer_ids[dealer_id]
        if (today - purchase).days > 800 and earlier and rng.random() < 0.04:
            start = purchase + datetime.timedelta(
                days=rng.randint(365, (today - purchase).days - 370)
            )
            rows["ownership"].append(
                (self.next_id["ownership"], dealer_id, vid, earlier[rng.randrange(len(earlier))],
                 purchase, start, OwnershipReason.PURCHASE)
            )  # fmt: skip
            self.next_id["ownership"] += 1
            reason = OwnershipReason.TRANSFER
        rows["ownership"].append(
            (self.next_id["ownership"], dealer_id, vid, cid, start, None, reason)
        )
        self.next_id["ownership"] += 1
        # A year of history (~2.5 visits), odometer rising with the vehicle's daily distance.
        daily_km = rng.randint(15, 80)
        window_start = max(
            purchase + datetime.timedelta(days=7), today - datetime.timedelta(days=365)
        )
        span = (today - window_start).days
        count = min(rng.choice((1, 2, 2, 3, 3, 3, 4)), max(0, span // 20))
        visits = paid = spend = 0
        first_service = last_date = None
        mileage = 0
        for offset in sorted(rng.sample(range(span), count)):
            visit_date = window_start + datetime.timedelta(days=offset)
            mileage = max(mileage + 1, (visit_date - purchase).days * daily_km + rng.randrange(300))
            if not visits and (visit_date - purchase).days < 240:
                visit_type, cents, description = VisitType.FIRST_MAINTENANCE, 0, "首次保养"
            else:
                visit_type, _, low, high, description = rng.choices(VISIT_MIX, self.visit_weights)[
                    0
                ]
                cents = rng.randint(low, high) * 100 + rng.choice((0, 0, 50))
            self.repair_orders[dealer_id] += 1
            rows["visit"].append(
                (
                    self.next_id["visit"],
                    dealer_id,
                    vid,
                    cid,
                    visit_date,
                    f"{visit_date.isoformat()} {rng.randint(1, 10):02d}:{rng.randrange(60):02d}:00"
                    + self.released_suffix,
                    mileage,
                    visit_type,
                    _cents(cents),
                    f"RO{spec.code}{self.repair_orders[dealer_id]:09d}",
                    rng.choice(ADVISORS),
                    description,
                    VisitSource.IMPORT,
                )
            )
            self.next_id["visit"] += 1
            visits += 1
            paid += visit_type not in UNPAID
            spend += cents
            first_service = first_service or visit_date
            last_date = visit_date
        rows["vehicle"].append(
            (
                vid,
                dealer_id,
                vin,
                plate,
                cid,
                brand,
                series,
                model_code,
                self.model_year(purchase),
                fuel,
                gearbox,
                displacement,
                rng.choice(COLOURS),
                purchase - datetime.timedelta(days=rng.randint(20, 90)),
                purchase,
                purchase + datetime.timedelta(days=3),
                f"{rng.randrange(120, 320) * 1000}.00",
                0,
                rng.choice(INSURERS),
                today - datetime.timedelta(days=rng.randint(30, 330)),
                today + datetime.timedelta(days=rng.randint(-30, 330)),
                purchase + datetime.timedelta(days=3 * 365),
                100_000,
                first_service,
                rng.choice(CONSULTANTS),
                mileage,
                last_date,
                f"{model_code[:3]}{vid:08d}",
            )
        )
        return vin, plate, (visits, paid, spend, last_date)

    def check(self, row: tuple, pairs: list[tuple[str, str]]) -> None:
        """Spot-check that generated identifiers are what the normalisers would store."""
        customer = dict(zip(CUSTOMER_COLUMNS, row, strict=True))
        for field in ("mobile", "home_phone", "office_phone"):
            if customer[field]:
                assert normalize.normalize_phone(customer[field]) == customer[field], customer
        if customer["id_number"]:
            assert normalize.normalize_id_number(customer["id_number"]) == customer["id_number"]
        for vin, plate in pairs:
            assert normalize.normalize_vin(vin) == vin, vin
            if plate:
                assert normalize.normalize_plate(plate) == plate, plate


TABLES = {
    "customer": (Customer, CUSTOMER_COLUMNS),  # parents first
    "vehicle": (Vehicle, VEHICLE_COLUMNS),
    "ownership": (VehicleOwnership, OWNERSHIP_COLUMNS),
    "visit": (ServiceVisit, VISIT_COLUMNS),
    "key": (SearchKey, KEY_COLUMNS),
}


def _load(n: int, seed: int) -> Archive:
    """Reference data, then the rows chunk by chunk, one transaction each."""
    started = time.perf_counter()
    with transaction.atomic():
        dealers, agent = _reference_data()
    tables = {name: _Table(model, columns) for name, (model, columns) in TABLES.items()}
    owner_codes = Counter()
    done, report_every = 0, max(CHUNK, n // 10 // CHUNK * CHUNK)
    for rows in _ArchiveRows(n, seed, dealers, connection.vendor).chunks():
        with transaction.atomic():
            for name, table in tables.items():
                table.write(rows[name])
        owner_codes.update(row[1] for row in rows["customer"])
        done += len(rows["customer"])
        if done % report_every == 0 or done == n:
            elapsed = time.perf_counter() - started
            log(f"generate: {done:,}/{n:,} customers, {elapsed:.1f} s, {done / elapsed:,.0f}/s")
    with transaction.atomic():  # new customers continue after the generated owner codes
        for dealer in dealers:
            DealerSequence.objects.update_or_create(
                dealer_id=dealer.pk, name="owner", defaults={"last": owner_codes[dealer.pk]}
            )
    return Archive(
        dealer_id=dealers[0].pk,
        other_dealer_ids=tuple(dealer.pk for dealer in dealers[1:]),
        user_id=agent.pk,
        customers=tables["customer"].rows,
        vehicles=tables["vehicle"].rows,
        ownerships=tables["ownership"].rows,
        visits=tables["visit"].rows,
        search_keys=tables["key"].rows,
        seconds=time.perf_counter() - started,
    )


def _sqlite_pragmas(bulk: bool) -> None:
    """Durability off while generating (a crash means regenerating); back to settings after."""
    with connection.cursor() as cursor:
        if bulk:
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-1048576")  # 1 GiB
        else:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")


def _drop_indexes(models: list[type[Model]]) -> list[str]:
    """Drop the secondary indexes and constraints of these tables; return SQL restoring them.

    Building an index once over loaded rows is several times faster than updating it row by
    row; the rebuilt unique indexes and foreign keys check every generated row all the same.
    """
    tables = [model._meta.db_table for model in models]
    quote = connection.ops.quote_name
    drop, restore = [], []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                f" AND tbl_name IN ({', '.join(['%s'] * len(tables))})",
                tables,
            )
            for name, sql in cursor.fetchall():
                drop.append(f"DROP INDEX {quote(name)}")
                restore.append(sql)
        else:
            cursor.execute(
                "SELECT conname, conrelid::regclass::text, contype, pg_get_constraintdef(oid)"
                " FROM pg_constraint WHERE contype IN ('u', 'f')"
                " AND conrelid = ANY(%s::regclass[]) ORDER BY contype DESC",
                [tables],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                " AND tablename = ANY(%s) AND indexname NOT IN"
                " (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))",
                [tables],
            )
            indexes = cursor.fetchall()
            for name, table, _, definition in constraints:  # unique ones first, then keys
                drop.insert(0, f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
                restore.append(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
            for name, definition in indexes:
                drop.append(f"DROP INDEX {quote(name)}")
                restore.insert(0, definition)
        for sql in drop:
            cursor.execute(sql)
    return restore


def generate(n: int, *, seed: int = SEED) -> Archive:
    """Write an archive of `n` customers into the (empty, migrated) default database."""
    started = time.perf_counter()
    connection.ensure_connection()
    sqlite = connection.vendor == "sqlite"
    models = [Customer, Vehicle, VehicleOwnership, ServiceVisit, SearchKey]
    with connection.cursor() as cursor:
        if sqlite:
            _sqlite_pragmas(bulk=True)
        else:
            cursor.execute("SET maintenance_work_mem = '512MB'")
        with transaction.atomic():
            restore = _drop_indexes(models)
        try:
            loaded = _load(n, seed)
        finally:
            if sqlite:
                _sqlite_pragmas(bulk=False)
        indexing = time.perf_counter()
        with transaction.atomic():
            for sql in restore:
                cursor.execute(sql)
        analyzing = time.perf_counter()
        if sqlite:
            cursor.execute("ANALYZE")
        else:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
            # What autovacuum would have done by the time the archive is in use: statistics,
            # the visibility map (index-only scans) and hint bits (no page writes on first read).
            cursor.execute("VACUUM ANALYZE")
    connection.close()  # the benchmarks start on a fresh connection with the settings' pragmas
    archive = dataclasses.replace(loaded, seconds=time.perf_counter() - started)
    log(
        f"generate: {archive.customers:,} customers, {archive.vehicles:,} vehicles, "
        f"{archive.ownerships:,} ownerships, {archive.visits:,} visits, "
        f"{archive.search_keys:,} search keys in {archive.seconds:.1f} s "
        f"(rows {indexing - started:.1f} s, indexes {analyzing - indexing:.1f} s, "
        f"ANALYZE {time.perf_counter() - analyzing:.1f} s)"
    )
    return archive


def existing_archive() -> Archive:
    """The archive a previous run generated (for `--reuse`)."""
    agent = User.objects.get(username=AGENT_USERNAME)
    dealer_id = agent.dealers.get().pk
    others = Dealer.objects.exclude(pk=dealer_id).values_list("pk", flat=True)
    return Archive(
        dealer_id=dealer_id,
        other_dealer_ids=tuple(others),
        user_id=agent.pk,
        customers=Customer.objects.count(),
        vehicles=Vehicle.objects.count(),
        ownerships=VehicleOwnership.objects.count(),
        visits=ServiceVisit.objects.count(),
        search_keys=SearchKey.objects.count(),
        seconds=0.0,
    )
