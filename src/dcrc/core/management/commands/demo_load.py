"""`dcrc demo_load`: a realistic demo dataset. Running it again changes nothing."""

import datetime
import random
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.test.utils import override_settings
from django.utils import timezone

from dcrc.care import hotline as hotline_services
from dcrc.care import services as care_services
from dcrc.care.choices import (
    CallOutcome,
    Channel,
    InboundKind,
    InboundType,
    Problem,
    Satisfaction,
    TaskKind,
    TaskState,
)
from dcrc.care.defaults import care_defaults_ensure
from dcrc.care.models import ContactTask, InboundCall, PlanRun
from dcrc.care.planner import plan_daily
from dcrc.complaints.demo import demo_complaints_load
from dcrc.complaints.demo_improvement import demo_improvement_load
from dcrc.core.choices import Role
from dcrc.core.models import Dealer, DealerGroup, Manufacturer, User
from dcrc.customers import services
from dcrc.customers.choices import (
    BirthdayCalendar,
    CustomerKind,
    FuelType,
    OwnershipReason,
    VisitSource,
    VisitType,
)
from dcrc.customers.models import Customer, MembershipLevel, Vehicle
from dcrc.customers.normalize import vin_check_digit
from dcrc.parts.demo_parts import demo_parts_load
from dcrc.service.demo_appointments import demo_appointments_load
from dcrc.service.demo_catalogue import demo_catalogue_load
from dcrc.service.demo_orders import demo_orders_load
from dcrc.service.demo_settlement import demo_settlement_load
from dcrc.service.demo_workshop import demo_workshop_load

PASSWORD = "demo1234"
SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
    "袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛单"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志海燕小龙云飞晓东春梅宇轩子涵浩然欣怡思远佳琪"
MODELS = [
    ("一汽-大众", "速腾", "FV7141", FuelType.PETROL, Decimal("1.4")),
    ("一汽-大众", "迈腾", "FV7187", FuelType.PETROL, Decimal("1.8")),
    ("一汽-大众", "宝来", "FV7157", FuelType.PETROL, Decimal("1.5")),
    ("一汽-大众", "探岳", "FV6462", FuelType.PETROL, Decimal("2.0")),
    ("一汽-大众", "ID.4 CROZZ", "FV6471BCBEV", FuelType.ELECTRIC, None),
]
COLOURS = ["极地白", "深海蓝", "曜石黑", "珍珠白", "钨钢灰", "宝石红"]
ADVISORS = ["李明", "陈静", "黄伟", "周婷"]
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
DEALERS = [
    ("A001", "广州骏达一汽-大众4S店", "广州骏达", "粤", "A", "华南", "020-87654321"),
    ("A002", "佛山骏达一汽-大众4S店", "佛山骏达", "粤", "E", "华南", "0757-83331234"),
    ("B001", "北京京通一汽-大众4S店", "北京京通", "京", "N", "华北", "010-64381234"),
]
USERS = [
    ("agent", "王小美", Role.DCRC_AGENT, ["A001"]),
    ("crm", "刘经理", Role.CR_MANAGER, ["A001"]),
    ("archive", "赵档案", Role.ARCHIVE_ADMIN, ["A001"]),
    ("advisor", "李明", Role.SERVICE_ADVISOR, ["A001"]),
    ("dispatcher", "孙调度", Role.DISPATCHER, ["A001"]),
    ("advisor2", "张婷", Role.SERVICE_ADVISOR, ["A001"]),
    ("tech", "周师傅", Role.TECHNICIAN, ["A001"]),
    ("tech2", "钱师傅", Role.TECHNICIAN, ["A001"]),
    ("tech_body", "黄师傅（钣金）", Role.TECHNICIAN, ["A001"]),
    ("tech_paint", "罗师傅（喷漆）", Role.TECHNICIAN, ["A001"]),
    ("qc", "吴质检", Role.QC_INSPECTOR, ["A001"]),
    ("warehouse", "郑库管", Role.WAREHOUSE_KEEPER, ["A001"]),
    ("cashier", "冯收银", Role.CASHIER, ["A001"]),
    ("sales", "陈销售", Role.SALES_CONSULTANT, ["A001"]),
    ("svcmgr", "何服务经理", Role.SERVICE_MANAGER, ["A001"]),
    ("gm", "高总", Role.GENERAL_MANAGER, ["A001"]),
    ("agent_fs", "林坐席", Role.DCRC_AGENT, ["A002"]),
    ("agent_bj", "郭坐席", Role.DCRC_AGENT, ["B001"]),
    ("group", "骏达集团 马总", Role.GROUP_MANAGER, []),
    ("oem", "一汽-大众华南区域经理", Role.REGIONAL_MANAGER, []),
    ("crc", "一汽-大众厂家客户关系部", Role.MANUFACTURER_CRC, []),
]
# Staff told of important complaints by e-mail and SMS (the demo's mail goes to the console).
CONTACTS = {
    "crm": "13900001001",
    "svcmgr": "13900001002",
    "gm": "13900001003",
    "oem": "13900001004",
    "crc": "",
}


def released(day, rng):
    """The time the car left the workshop on `day`, in the afternoon."""
    moment = datetime.time(rng.randint(15, 18), rng.randrange(60))
    return datetime.datetime.combine(day, moment, tzinfo=timezone.get_current_timezone())


def _users_by_username():
    return {user.username: user for user in User.objects.all()}


class Command(BaseCommand):
    help = "Load the demo dealers, staff and a year of customer history (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=240, help="customers per dealer")

    def handle(self, *args, customers, **options):
        rng = random.Random(20261123)
        maker, _ = Manufacturer.objects.get_or_create(name="一汽-大众")
        group, _ = DealerGroup.objects.get_or_create(name="骏达汽车集团")
        dealers = {}
        for code, name, short, _province, _letter, region, hotline in DEALERS:
            dealers[code], _ = Dealer.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "short_name": short,
                    "manufacturer": maker,
                    "group": group if code.startswith("A") else None,
                    "region": region,
                    "hotline": hotline,
                },
            )
        self._users(dealers, maker, group)
        for code, _name, _short, province, letter, _region, _hotline in DEALERS:
            dealer = dealers[code]
            if Customer.objects.filter(dealer=dealer).exists():
                continue
            self.stdout.write(f"Loading demo customers of {dealer} …")
            with transaction.atomic():
                self._archive(dealer, rng, customers, province + letter)
        agents = {"A001": "agent", "A002": "agent_fs", "B001": "agent_bj"}
        for code, dealer in dealers.items():
            care_defaults_ensure(dealer_id=dealer.pk)
            agent = User.objects.get(username=agents[code])
            if not InboundCall.objects.filter(dealer=dealer).exists():
                self._hotline(dealer, agent)
            if not PlanRun.objects.filter(dealer=dealer).exists():
                self._past_month(dealer, agent, random.Random(code))
            run = plan_daily(dealer_id=dealer.pk)
            if run.created:
                self.stdout.write(
                    f"Planned {sum(run.created.values())} contact tasks for {dealer}."
                )
        self._after_sales(dealers)
        # The back-filled months of complaints and meetings notified their people at the time;
        # their e-mails are not sent again today (new events of the running demo are).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            demo_complaints_load(
                dealers=dealers, users_by_username=_users_by_username(), now=timezone.now()
            )
            demo_improvement_load(
                dealers=dealers, users_by_username=_users_by_username(), today=timezone.localdate()
            )
        self._print_logins()

    def _after_sales(self, dealers):
        """Every dealer's catalogues and workshop; today's after-sales day at the first one,
        whose staff the demo has: bookings, reception, the workshop, the warehouse, the cashier."""
        users = _users_by_username()
        for dealer in dealers.values():
            demo_catalogue_load(dealer=dealer, users=users)
        dealer, now = dealers["A001"], timezone.now()
        self.stdout.write(f"Loading today's after-sales day of {dealer} …")
        for load in (
            demo_parts_load,
            demo_appointments_load,
            demo_orders_load,
            demo_workshop_load,
            demo_settlement_load,
        ):
            load(dealer=dealer, users=users, now=now)

    def _users(self, dealers, maker, group):
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "", PASSWORD, display_name="系统管理员")
        for username, display, role, codes in USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"display_name": display, "role": role}
            )
            if created:
                user.set_password(PASSWORD)
                if role == Role.GROUP_MANAGER:
                    user.dealer_group = group
                if role == Role.REGIONAL_MANAGER:
                    user.manufacturer, user.region = maker, "华南"
                if role == Role.MANUFACTURER_CRC:
                    user.manufacturer = maker
                if username in CONTACTS:
                    user.email = f"{username}@demo.dcrc.local"
                    user.mobile = CONTACTS[username]
                user.save()
                user.dealers.set([dealers[code] for code in codes])

    def _archive(self, dealer, rng, count, plate_prefix):
        levels = [
            MembershipLevel.objects.get_or_create(
                dealer=dealer,
                number=number,
                defaults={
                    "name": name,
                    "fee": fee,
                    "labour_discount_pct": labour,
                    "parts_discount_pct": parts,
                    "points_required": points,
                },
            )[0]
            for number, name, fee, labour, parts, points in [
                (1, "普通卡", 0, 0, 0, 0),
                (2, "银卡", 200, 5, 3, 2000),
                (3, "金卡", 500, 10, 5, 5000),
                (4, "钻石卡", 1000, 15, 8, 10000),
            ]
        ]
        today = timezone.localdate()
        # A few fixed names show off pinyin search: zs → 张三, zxm → 曾小明 (not "ceng").
        fixed = ["张三", "曾小明", "单田芳", "张帅"]
        for index in range(count):
            company = index % 25 == 0
            name = (
                rng.choice(["骏通物流", "华南建材", "广源电子", "珠江印务", "恒信贸易"])
                + rng.choice(["有限公司", "股份有限公司"])
                if company
                else fixed[index - 1]
                if 0 < index <= len(fixed)
                else rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice([1, 2])))
            )
            lunar = not company and rng.random() < 0.3
            customer = services.customer_create(
                dealer=dealer,
                name=name,
                kind=CustomerKind.COMPANY if company else CustomerKind.INDIVIDUAL,
                mobile=rng.choice(["138", "139", "186", "135", "177"])
                + f"{rng.randrange(10**8):08d}",
                office_phone=f"020{rng.randrange(2 * 10**7, 9 * 10**7)}" if company else "",
                gender="" if company else rng.choice(["male", "female"]),
                birthday=None
                if company
                else datetime.date(rng.randint(1965, 2000), rng.randint(1, 12), rng.randint(1, 28)),
                birthday_calendar=BirthdayCalendar.LUNAR if lunar else BirthdayCalendar.SOLAR,
                lunar_birthday_month=rng.randint(1, 12) if lunar else None,
                lunar_birthday_day=rng.randint(1, 29) if lunar else None,
                address=rng.choice(["天河区", "越秀区", "海珠区", "番禺区", "白云区"])
                + f"{rng.choice(['中山大道', '环市东路', '江南大道', '广州大道'])}{rng.randint(1, 999)}号",
                preferred_contact_time=rng.choice(["", "", "工作日晚上", "周末上午", "中午12点后"]),
                preferred_call_window=rng.choice(["", "", "", "", "morning", "afternoon"]),
                contact_preference=rng.choice(["phone"] * 18 + ["sms", "none"]),
                membership_level=rng.choice(levels) if rng.random() < 0.4 else None,
            )
            for _ in range(3 if company else (2 if rng.random() < 0.2 else 1)):
                self._vehicle(customer, rng, plate_prefix, today)
        self._recent_services(dealer, rng, today)

    def _recent_services(self, dealer, rng, today):
        """Cars released in the last two days: the post-service callbacks of the demo queue."""
        vehicles = Vehicle.objects.filter(dealer=dealer).exclude(
            visits__visit_date__gte=today - datetime.timedelta(days=3)
        )
        for index, vehicle in enumerate(vehicles.order_by("pk")[:12]):
            day = today - datetime.timedelta(days=1 + index % 2)
            services.service_visit_record(
                vehicle=vehicle,
                visit_date=day,
                mileage=vehicle.mileage + rng.randint(300, 3000),
                visit_type=rng.choice(
                    [VisitType.PERIODIC_MAINTENANCE, VisitType.MINOR_REPAIR, VisitType.BODY_PAINT]
                ),
                amount=Decimal(rng.randrange(380, 4800)) + Decimal("0.50"),
                repair_order_no=f"RO{dealer.code}{day:%y%m%d}{index:05d}",
                advisor_name=rng.choice(ADVISORS),
                source=VisitSource.IMPORT,
                released_at=released(day, rng),
            )

    def _vehicle(self, customer, rng, plate_prefix, today):
        brand, series, model_code, fuel, displacement = rng.choice(MODELS)
        body = (
            "LFV"
            + "".join(rng.choices(VIN_CHARS, k=5))
            + "0"
            + "".join(rng.choices(VIN_CHARS, k=8))
        )
        vin = body[:8] + vin_check_digit(body) + body[9:]
        while True:  # a plate sits on one vehicle at a time; draw again on the rare clash
            serial = rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")
            digits = "".join(rng.choices("0123456789", k=4))
            electric = "D" if fuel == FuelType.ELECTRIC else ""
            plate = plate_prefix + electric + serial + digits
            if not Vehicle.objects.filter(dealer_id=customer.dealer_id, plate=plate).exists():
                break
        purchase = today - datetime.timedelta(days=rng.randint(60, 5 * 365))
        vehicle = services.vehicle_create(
            owner=customer,
            reason=OwnershipReason.PURCHASE,
            vin=vin,
            plate=plate,
            brand=brand,
            series=series,
            model_code=model_code,
            model_year=purchase.year,
            fuel_type=fuel,
            displacement=displacement,
            body_colour=rng.choice(COLOURS),
            purchase_date=purchase,
            production_date=purchase - datetime.timedelta(days=rng.randint(20, 90)),
            registration_date=purchase + datetime.timedelta(days=3),
            purchase_price=Decimal(rng.randrange(120_000, 320_000, 1000)),
            warranty_end_date=purchase.replace(year=purchase.year + 3)
            if not (purchase.month == 2 and purchase.day == 29)
            else purchase + datetime.timedelta(days=3 * 365),
            warranty_end_km=100_000,
            insurance_expiry=today + datetime.timedelta(days=rng.randint(-30, 330)),
            insurer=rng.choice(["中国人保", "平安保险", "太平洋保险"]),
            sales_consultant=rng.choice(["陈销售", "杨顾问", "许顾问"]),
        )
        # A year of history: first maintenance for new cars, then periodic visits and repairs.
        mileage, day = 0, max(purchase, today - datetime.timedelta(days=365))
        daily_km = rng.randint(20, 70)
        first = True
        while True:
            day += datetime.timedelta(days=rng.randint(60, 150))
            if day >= today:
                break
            mileage = (day - purchase).days * daily_km
            kind = (
                VisitType.FIRST_MAINTENANCE
                if first and (day - purchase).days < 240
                else rng.choice(
                    [VisitType.PERIODIC_MAINTENANCE] * 4
                    + [VisitType.MINOR_REPAIR, VisitType.BODY_PAINT, VisitType.WARRANTY]
                )
            )
            first = False
            amount = {
                VisitType.FIRST_MAINTENANCE: Decimal("0"),
                VisitType.WARRANTY: Decimal("0"),
            }.get(kind, Decimal(rng.randrange(380, 4800)) + Decimal("0.50"))
            services.service_visit_record(
                vehicle=vehicle,
                visit_date=day,
                mileage=mileage,
                visit_type=kind,
                amount=amount,
                repair_order_no=f"RO{customer.dealer.code}{day:%y%m%d}{rng.randrange(10**5):05d}",
                advisor_name=rng.choice(ADVISORS),
                source=VisitSource.IMPORT,
                released_at=released(day, rng),
            )

    def _past_month(self, dealer, agent, rng):
        """The last four weeks of contact work, planned day by day and worked by the agent."""
        today = timezone.localdate()
        tz = timezone.get_current_timezone()
        outcomes = (
            [CallOutcome.REACHED] * 15
            + [CallOutcome.NO_ANSWER] * 3
            + [CallOutcome.VOICEMAIL, CallOutcome.WRONG_NUMBER, CallOutcome.DRIVING]
        )
        moods = (
            [Satisfaction.VERY_SATISFIED] * 8
            + [Satisfaction.SATISFIED] * 9
            + [
                Satisfaction.NEUTRAL,
                Satisfaction.DISSATISFIED,
            ]
        )
        for days_ago in range(28, 0, -1):
            day = today - datetime.timedelta(days=days_ago)
            plan_daily(dealer_id=dealer.pk, today=day)
            hour = datetime.time(rng.choice([9, 10, 14, 15, 16]), rng.randrange(60))
            moment = datetime.datetime.combine(day, hour, tzinfo=tz)
            due = ContactTask.objects.filter(
                dealer=dealer,
                state=TaskState.OPEN,
                channel=Channel.PHONE,
                due_from__lte=day,
                kind__in=[
                    TaskKind.SERVICE_CALLBACK,
                    TaskKind.MAINTENANCE,
                    TaskKind.INSURANCE_RENEWAL,
                ],
            ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=moment))
            for task in due.order_by("priority", "due_from", "pk")[:12]:
                moment += datetime.timedelta(minutes=rng.randint(3, 9))
                outcome = rng.choice(outcomes)
                satisfaction = rng.choice(moods) if outcome == CallOutcome.REACHED else ""
                problems = (
                    [rng.choice([Problem.WAITING, Problem.RECEPTION, Problem.PRICE])]
                    if satisfaction in Satisfaction.unhappy()
                    else []
                )
                appointment = None
                if outcome == CallOutcome.REACHED and task.kind != TaskKind.SERVICE_CALLBACK:
                    appointment = datetime.datetime.combine(
                        day + datetime.timedelta(days=rng.randint(2, 6)), datetime.time(10), tz
                    )
                care_services.attempt_record(
                    task=task,
                    agent=agent,
                    outcome=outcome,
                    satisfaction=satisfaction,
                    problems=problems,
                    notes="客户反映等待时间较长" if problems else "",
                    appointment_at=appointment,
                    at=moment,
                )

    def _hotline(self, dealer, agent):
        """A morning on the hotline: calls and a voicemail, one overdue, one replied."""
        now = timezone.now()
        customers = list(Customer.objects.filter(dealer=dealer).exclude(mobile="")[:6])
        calls = [
            (customers[0].mobile, InboundType.APPOINTMENT, InboundKind.CALL, 2, "预约周六上午保养，约10点到店"),
            (customers[1].mobile, InboundType.COMPLAINT, InboundKind.CALL, 30, "上次保养后发动机异响，要求尽快处理"),
            (customers[2].mobile, InboundType.RESCUE, InboundKind.CALL, 1, "快速路抛锚，无法启动，已告知救援电话"),
            ("13912345678", InboundType.SALES, InboundKind.VOICEMAIL, 26, "留言咨询新款迈腾价格"),
            (customers[3].mobile, InboundType.CONSULTATION, InboundKind.CALL, 5, "询问首保里程和费用"),
        ]  # fmt: skip
        for phone, call_type, kind, hours_ago, content in calls:
            hotline_services.inbound_call_register(
                dealer=dealer,
                phone=phone,
                call_type=call_type,
                kind=kind,
                received_at=now - datetime.timedelta(hours=hours_ago),
                content=content,
                by=agent,
            )
        replied = hotline_services.inbound_call_register(
            dealer=dealer,
            phone=customers[4].mobile,
            received_at=now - datetime.timedelta(hours=20),
            content="询问保险到期时间和续保报价",
            by=agent,
        )
        hotline_services.inbound_call_reply(
            call=replied, by=agent, result="已回电，续保报价已短信发送"
        )

    def _print_logins(self):
        self.stdout.write(f"\nDemo logins (password for all: {PASSWORD})")
        for username, display, role, codes in USERS:
            self.stdout.write(f"  {username:<11} {Role(role).label} {display} {' '.join(codes)}")
        self.stdout.write("  admin       superuser (Django admin at /admin/)\n")
