"""Demo complaints: about three months of a dealership's complaints, made through the services.

Each complaint is registered and moved with `at=` in the past, so that deadlines, overdue ones,
escalations, reopened ones and closures look as they would after three real months: recent ones
still being worked, a few left overdue, the older ones closed with their root cause. Unhappy
callbacks and the hotline's complaint call are linked to the complaints they became.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from dcrc.care import services as care_services
from dcrc.care.choices import CallOutcome, InboundType, Problem, Satisfaction, TaskKind
from dcrc.care.models import ContactTask, InboundCall
from dcrc.core.models import Dealer, User
from dcrc.customers.models import Vehicle

from .choices import Action, Category, Channel, Department, ImportantFlag, Severity, TypicalCase
from .deadlines import next_office_moment
from .models import Complaint
from .services import complaint_actions, complaint_move, complaint_register

DAYS = 90
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Case:
    category: str
    department: str
    severity: str
    subject: str
    description: str
    demand: str
    solution: str
    root_cause: str
    prevention: str
    typical_case: str = ""


CASES = [
    Case(Category.REPAIR_QUALITY, Department.WORKSHOP, Severity.MEDIUM,
         "保养后发动机异响", "客户反映上周保养后冷车启动时发动机有明显异响。",
         "尽快检查并免费处理", "免费检查正时皮带张紧器并重新紧固",
         "保养时张紧器螺栓未按力矩紧固", "保养作业增加关键螺栓力矩复核，班组长抽检"),
    Case(Category.SERVICE_ATTITUDE, Department.SERVICE, Severity.MEDIUM,
         "服务顾问接待态度冷淡", "客户到店后等候十分钟无人接待，服务顾问解释问题时不耐烦。",
         "要求服务顾问道歉", "服务经理当面致歉，赠送一次免费洗车",
         "高峰时段接待人手不足，顾问未按礼仪规范接待", "高峰时段增派预约专员，接待礼仪每周抽查"),
    Case(Category.WAITING_TIME, Department.WORKSHOP, Severity.LOW,
         "交车时间一再推迟", "约定下午四点交车，实际拖到晚上七点，期间无人主动告知。",
         "说明原因并补偿", "致歉并赠送下次保养工时八折券",
         "派工时未考虑返修车辆占用工位", "派工看板显示预计完工时间，超时三十分钟主动告知客户"),
    Case(Category.PRICE, Department.CASHIER, Severity.MEDIUM,
         "结算金额高于报价", "结算时比接车报价多出三百余元，事先未征得同意。",
         "退还多收费用", "核对工单后退还未经同意的增项费用",
         "增项作业未经客户签字确认", "增项必须客户电话或签字确认后方可施工"),
    Case(Category.PARTS_AVAILABILITY, Department.PARTS, Severity.MEDIUM,
         "配件缺货等待两周", "左前大灯总成订货已两周仍未到货，车辆无法正常使用。",
         "尽快到货或提供代步车", "协调厂家紧急调货，期间提供代步车",
         "常用碰撞件安全库存不足", "按近六个月消耗调整安全库存，缺件每日跟踪"),
    Case(Category.PRODUCT_QUALITY, Department.MANUFACTURER, Severity.MEDIUM,
         "新车车机频繁死机", "提车一个月，中控屏多次死机黑屏，需要熄火重启才能恢复。",
         "更换车机或给出解决方案", "升级车机软件至最新版本并跟踪一周",
         "车机软件版本缺陷（厂家已发布升级）", "新车PDI时检查并升级车机软件版本",
         TypicalCase.NEW_CAR_MINOR_FAULT),
    Case(Category.PRODUCT_QUALITY, Department.MANUFACTURER, Severity.HIGH,
         "变速箱低速顿挫反复出现", "客户称低速跟车时偶尔顿挫，描述不清具体工况，已三次进店。",
         "彻底解决，否则要求换车", "技术经理随车路试复现故障，更换机电单元",
         "机电单元阀体磨损", "疑难故障建立档案，第二次进店即由技术经理路试诊断",
         TypicalCase.VAGUE_REPEATED_FAULT),
    Case(Category.PRODUCT_QUALITY, Department.MANUFACTURER, Severity.MEDIUM,
         "质保刚过期要求免费维修", "质保期满后第十天水泵漏水，客户认为应按质保免费维修。",
         "免费维修", "向厂家申请善意维修，配件厂家承担，工时店内承担",
         "水泵密封件老化", "质保到期前一个月主动邀约免费检测",
         TypicalCase.WARRANTY_JUST_EXPIRED),
    Case(Category.SALES, Department.SALES, Severity.LOW,
         "交车时承诺的赠品未兑现", "购车时承诺赠送脚垫和行车记录仪，交车时未提供。",
         "兑现赠品", "补送赠品并上门安装",
         "销售承诺未写入合同，交车检查表未列赠品", "赠品一律写入合同附件，交车前逐项核对"),
    Case(Category.REPAIR_QUALITY, Department.WORKSHOP, Severity.LOW,
         "洗车后内饰有污渍", "保养后取车发现座椅和方向盘有油污。",
         "重新清洁", "免费精洗内饰并致歉",
         "维修时未使用座椅套和方向盘套", "三件套使用纳入交车前质检项目"),
]  # fmt: skip
CHANNELS = [Channel.HOTLINE] * 4 + [Channel.ON_SITE] * 3 + [Channel.LETTER, Channel.EMAIL]
# What an unhappy callback's problem becomes as a complaint.
PROBLEM_CASES = {
    Problem.WAITING: 2,
    Problem.RECEPTION: 1,
    Problem.PRICE: 3,
    Problem.ATTITUDE: 1,
    Problem.REPAIR_QUALITY: 0,
}


@dataclass
class Staff:
    """Who takes complaints down, who handles and escalates them, who calls back."""

    intake: list[User]
    handlers: list[User]
    escalator: User
    manager: User
    caller: User
    manufacturer: User | None


def demo_complaints_load(
    *, dealers: dict[str, Dealer], users_by_username: dict[str, User], now: datetime.datetime
) -> int:
    """Three months of complaints for each demo dealer that has none yet; returns how many."""
    made = 0
    users = users_by_username
    for code, dealer in dealers.items():
        if Complaint.objects.filter(dealer=dealer).exists():
            continue
        staff = _staff(code, users)
        if staff is None:
            continue
        rng = random.Random(f"complaints-{code}")
        loader = _Loader(dealer=dealer, staff=staff, rng=rng, now=now)
        if code == "A001":
            loader.important_cases()
        count = 36 if code == "A001" else 14
        loader.linked()
        for _n in range(count):
            loader.ordinary()
        made += loader.made
    return made


def _staff(code: str, users: dict[str, User]) -> Staff | None:
    manufacturer = users.get("oem")
    if code == "A001":
        names = ["crm", "svcmgr", "advisor", "gm", "agent"]
        if not all(name in users for name in names):
            return None
        return Staff(
            intake=[users["agent"], users["crm"], users["advisor"]],
            handlers=[users["crm"], users["svcmgr"], users["advisor"]],
            escalator=users["svcmgr"],
            manager=users["gm"],
            caller=users["agent"],
            manufacturer=manufacturer,
        )
    agent = users.get({"A002": "agent_fs", "B001": "agent_bj"}.get(code, ""))
    if agent is None:
        return None
    # The smaller demo dealers have one DCRC agent, who does everything.
    region_ok = manufacturer is not None and code.startswith("A")
    return Staff([agent], [agent], agent, agent, agent, manufacturer if region_ok else None)


class _Loader:
    def __init__(self, *, dealer: Dealer, staff: Staff, rng: random.Random, now):
        self.dealer, self.staff, self.rng, self.now = dealer, staff, rng, now
        # The time of each complaint's latest step: the next one comes a while after it.
        self.last_step: dict[int, datetime.datetime] = {}
        self.made = 0
        self.vehicles = list(
            Vehicle.objects.filter(dealer=dealer).select_related("owner").order_by("pk")[:200]
        )

    # --- helpers --------------------------------------------------------------------------

    def _moment(self, days_ago: float) -> datetime.datetime:
        """A moment in office hours `days_ago` days back (never in the future)."""
        local = timezone.localtime(self.now - datetime.timedelta(days=days_ago))
        hour = self.rng.choice([9, 10, 11, 14, 15, 16])
        moment = local.replace(hour=hour, minute=self.rng.randrange(60), second=0, microsecond=0)
        return min(moment, self.now - HOUR)

    def _register(self, case: Case, at: datetime.datetime, **extra) -> Complaint:
        vehicle = extra.pop("vehicle", None)
        named = extra.get("customer") is not None or "contact_name" in extra
        if vehicle is None and not named and self.vehicles:
            vehicle = self.rng.choice(self.vehicles)
        people = {}
        if vehicle is None and not named:
            people = {"contact_name": "陈先生", "contact_phone": "13912340000"}
        complaint = complaint_register(
            dealer=self.dealer,
            by=extra.pop("by", None) or self.rng.choice(self.staff.intake),
            channel=extra.pop("channel", None) or self.rng.choice(CHANNELS),
            category=case.category,
            department=case.department,
            severity=extra.pop("severity", case.severity),
            typical_case=case.typical_case,
            subject=extra.pop("subject", case.subject),
            description=extra.pop("description", case.description),
            customer_demand=case.demand,
            vehicle=vehicle,
            at=at,
            **people,
            **extra,
        )
        self.made += 1
        return complaint

    def _move(self, complaint, action, by, at, note="", **fields) -> Complaint | None:
        """The complaint after the move (skipped when already past it); None when `at` is
        still to come. Staff act in office hours: a step due at night waits for the morning."""
        at = self._office_time(complaint, at)
        if at >= self.now:
            return None
        if action not in complaint_actions(complaint):
            return complaint
        return complaint_move(complaint=complaint, action=action, by=by, at=at, note=note, **fields)

    def _office_time(self, complaint: Complaint, at: datetime.datetime) -> datetime.datetime:
        """`at`, or the next office opening; never at the same moment as the step before."""
        at = next_office_moment(dealer_id=self.dealer.pk, moment=at)
        last = self.last_step.get(complaint.pk)
        if last is not None and at <= last:
            later = last + datetime.timedelta(minutes=self.rng.randint(20, 90))
            at = next_office_moment(dealer_id=self.dealer.pk, moment=later)
        self.last_step[complaint.pk] = at
        return at

    def _follow_up(self, complaint: Complaint, at, *, happy: bool = True) -> Complaint:
        """The contact center's follow-up call; a satisfied customer confirms, else reopens."""
        task = ContactTask.objects.get(pk=complaint.follow_up_task_id)
        at = self._office_time(complaint, at)
        if at >= self.now:  # the call is still to come: left in the agents' queue
            return complaint
        care_services.task_claim(task=task, agent=self.staff.caller, at=at)
        care_services.attempt_record(
            task=task,
            agent=self.staff.caller,
            outcome=CallOutcome.REACHED,
            satisfaction=Satisfaction.SATISFIED if happy else Satisfaction.DISSATISFIED,
            notes="" if happy else "客户表示问题仍未解决",
            at=at,
        )
        return Complaint.objects.get(pk=complaint.pk)

    def _work(self, complaint: Complaint, case: Case, start, *, until: str, reopen=False) -> None:
        """Handle the complaint step by step from `start`, up to the step `until`; a step
        that would lie in the future is left for the real users."""
        handler = complaint.owner or self.rng.choice(self.staff.handlers)
        answer = self.rng.choice([0.5, 1, 2, 3, 5, 20, 30]) * HOUR
        acknowledged = start + answer
        proposed = acknowledged + 20 * HOUR
        resolved = proposed + DAY
        plan = [
            (Action.ACKNOWLEDGE, acknowledged, {}),
            (Action.INVESTIGATE, acknowledged + 3 * HOUR, {}),
            (Action.PROPOSE, proposed, {"solution": case.solution}),
            (Action.ACCEPT, proposed + 4 * HOUR, {}),
            (Action.RESOLVE, resolved, {"resolution": case.solution + "，客户已确认"}),
        ]
        for action, at, fields in plan:
            complaint = self._move(complaint, action, handler, at, **fields)
            if complaint is None:
                return
            if action == until:
                return
        call_at = resolved + DAY
        if call_at >= self.now:
            return
        complaint = self._follow_up(complaint, call_at, happy=not reopen)
        if reopen:  # the customer was not satisfied: investigated again, then accepted
            again = call_at + 2 * HOUR
            for action, at, fields in [
                (Action.PROPOSE, again + DAY, {"solution": "更换相关总成并延长该部件质保一年"}),
                (Action.ACCEPT, again + DAY + 2 * HOUR, {}),
                (Action.RESOLVE, again + 2 * DAY, {"resolution": "已更换总成，路试正常"}),
            ]:
                complaint = self._move(complaint, action, handler, at, **fields)
                if complaint is None:
                    return
            call_at = again + 3 * DAY
            if call_at >= self.now:
                return
            complaint = self._follow_up(complaint, call_at)
        if until == Action.CONFIRM_FOLLOW_UP:
            return
        self._move(
            complaint,
            Action.CLOSE,
            handler,
            call_at + 4 * HOUR,
            root_cause=case.root_cause,
            prevention=case.prevention,
        )

    # --- the complaints -------------------------------------------------------------------

    def important_cases(self) -> None:
        """A001's important complaints: a safety case with an on-site assessment, a media
        case still open, a consumer-association case closed."""
        staff = self.staff
        gm = staff.manager
        safety = Case(
            Category.PRODUCT_QUALITY, Department.MANUFACTURER, Severity.CRITICAL,
            "高速行驶中制动警告灯亮起，险些追尾",
            "客户在高速上行驶时制动系统警告灯突然亮起，制动踏板变软，险些追尾前车。客户情绪激动，"
            "表示家人受到惊吓。",
            "彻底查明原因，书面说明，要求换车",
            "厂家区域服务经理与技术专家到店联合鉴定，更换制动总泵及ABS泵",
            "ABS泵阀体密封件批次缺陷",
            "厂家发布技术通报，同批次车辆主动召回检查",
        )  # fmt: skip
        start = self._moment(24)
        complaint = self._register(
            safety,
            start,
            channel=Channel.HOTLINE,
            important_flags=[ImportantFlag.SAFETY],
            by=staff.intake[0],
        )
        owner = staff.manufacturer
        complaint = self._move(complaint, Action.ACKNOWLEDGE, staff.escalator, start + 0.5 * HOUR)
        complaint = self._move(
            complaint,
            Action.ESCALATE_REGIONAL,
            staff.escalator,
            start + 2 * HOUR,
            note="安全相关，请区域服务经理协助处理",
            **({"owner": owner} if owner else {}),
        )
        complaint = self._move(
            complaint,
            Action.REQUEST_ON_SITE,
            gm,
            start + 5 * HOUR,
            note="客户要求换车，申请厂家技术专家紧急到店鉴定",
        )
        self._work(complaint, safety, start + DAY, until=Action.CLOSE)

        media = Case(
            Category.REPAIR_QUALITY, Department.WORKSHOP, Severity.HIGH,
            "维修后再次漏油，客户称将联系媒体曝光",
            "发动机油底壳维修后第三天再次漏油，客户已在社交媒体发帖并称将联系电视台。",
            "赔偿误工损失一万五千元", "更换油底壳及密封胶，协商误工补偿",
            "", "",
        )  # fmt: skip
        complaint = self._register(
            media,
            self._moment(6),
            channel=Channel.ON_SITE,
            important_flags=[ImportantFlag.MEDIA],
            loss_amount=Decimal("15000"),
        )
        self._work(complaint, media, complaint.registered_at, until=Action.INVESTIGATE)

        association = Case(
            Category.PRICE, Department.SERVICE, Severity.HIGH,
            "客户向消费者协会投诉维修收费",
            "客户认为更换的刹车片价格明显高于市场价，已向区消费者协会投诉，消协来函要求说明。",
            "退还差价", "提供配件进货凭证，退还工时差价，书面回复消协",
            "报价时未说明原厂件与副厂件差异", "报价单分别列出原厂件价格及说明，客户签字确认",
        )  # fmt: skip
        complaint = self._register(
            association,
            self._moment(50),
            channel=Channel.LETTER,
            important_flags=[ImportantFlag.CONSUMER_ASSOCIATION],
        )
        self._work(complaint, association, complaint.registered_at, until=Action.CLOSE)

    def linked(self) -> None:
        """Unhappy callbacks and the hotline's complaint calls become complaints."""
        tasks = (
            ContactTask.objects.filter(
                dealer=self.dealer, kind=TaskKind.SERVICE_CALLBACK, closed_at__isnull=False
            )
            .exclude(problems=[])
            .select_related("customer", "vehicle")
            .order_by("closed_at")[:4]
        )
        for task in tasks:
            problem = next((p for p in task.problems if p in PROBLEM_CASES), None)
            case = CASES[PROBLEM_CASES[problem]] if problem else CASES[2]
            at = min(task.closed_at + 2 * HOUR, self.now - HOUR)
            complaint = self._register(
                case,
                at,
                channel=Channel.CALLBACK,
                contact_task=task,
                customer=task.customer,
                vehicle=task.vehicle,
                by=self.staff.caller,
            )
            age = (self.now - at).days
            self._work(complaint, case, at, until=Action.CLOSE if age > 7 else Action.PROPOSE)
        calls = InboundCall.objects.filter(
            dealer=self.dealer, call_type=InboundType.COMPLAINT
        ).select_related("customer", "vehicle")
        for call in calls[:2]:
            people = {}
            if call.customer is None:
                people = {"contact_name": "来电客户", "contact_phone": call.phone}
            self._register(
                CASES[0],
                min(call.received_at + HOUR, self.now - HOUR),
                channel=Channel.HOTLINE,
                inbound_call=call,
                customer=call.customer,
                vehicle=call.vehicle,
                by=self.staff.caller,
                **people,
            )

    def ordinary(self) -> None:
        rng = self.rng
        case = rng.choice(CASES)
        recent = rng.random() < 0.35
        days_ago = rng.uniform(0.2, 14) if recent else rng.uniform(14, DAYS)
        at = self._moment(days_ago)
        complaint = self._register(case, at)
        if case.department == Department.MANUFACTURER and rng.random() < 0.4:
            # A product fault the dealer cannot settle alone: the manufacturer's CRC helps.
            complaint = (
                self._move(
                    complaint,
                    Action.ESCALATE_CRC,
                    self.staff.escalator,
                    at + 3 * HOUR,
                    note="产品质量问题，申请厂家CRC技术支持",
                )
                or complaint
            )
        if days_ago < 1.5:
            if rng.random() < 0.5:
                self._work(complaint, case, at, until=Action.ACKNOWLEDGE)
            return  # the newest: waiting for their first response
        if days_ago < 12:
            # The last days' complaints are still being worked; the odd one left lying.
            steps = [Action.ACKNOWLEDGE, Action.INVESTIGATE, Action.PROPOSE]
            if days_ago > 4:
                steps = [Action.RESOLVE, Action.CONFIRM_FOLLOW_UP, Action.CLOSE, Action.CLOSE]
            until = Action.INVESTIGATE if rng.random() < 0.12 else rng.choice(steps)
            self._work(complaint, case, at, until=until)
            return
        reopen = rng.random() < 0.12
        until = Action.CLOSE if rng.random() < 0.85 else Action.CONFIRM_FOLLOW_UP
        if rng.random() < 0.06:
            until = Action.INVESTIGATE  # an old one nobody finished: long overdue
        self._work(complaint, case, at, until=until, reopen=reopen)
