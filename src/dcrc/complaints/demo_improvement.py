"""Demo data of the improvement loop: three months of CSI and SSI results per dealer and the last
two weeks' meetings with their actions, made through the services users go through.
Running it again changes nothing."""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from . import improvement, surveys
from .choices import Category, Department, SurveyKind
from .models import SatisfactionSurvey, WeeklyMeeting

# (code, item, target, key item, typical score)
CSI_ITEMS = [
    ("S01", "预约便利性", 92, True, 88),
    ("S02", "服务顾问接待与问诊", 90, True, 86),
    ("S03", "维修质量（一次修复）", 92, True, 84),
    ("S04", "交车时间准时", 90, True, 85),
    ("S05", "费用透明合理", 88, True, 82),
    ("S06", "休息区环境", 90, False, 92),
    ("S07", "车辆清洁", 90, False, 89),
    ("S08", "服务后回访", 90, False, 91),
]
SSI_ITEMS = [
    ("X01", "展厅接待", 92, True, 90),
    ("X02", "产品介绍与试驾", 90, True, 87),
    ("X03", "价格与手续透明", 88, True, 83),
    ("X04", "交车仪式", 92, False, 93),
    ("X05", "交车后7日回访", 90, True, 86),
]

MEETINGS = [
    # (weeks ago, minutes, decisions, actions: department, category, weak point, action, owner)
    (
        2,
        "通报上周短板问题：维修质量返修2起、交车等待时间投诉1起；回访中客户反映价格解释不清。",
        "车间建立交车前终检制度；服务前台增加快修工位引导；报价单须逐项向客户解释。",
        [
            (
                Department.WORKSHOP,
                Category.REPAIR_QUALITY,
                "维修质量 · 返修率偏高",
                "技术经理每日抽检3台交车车辆，返修车辆召开技术分析会。",
                "svcmgr",
            ),
            (
                Department.SERVICE,
                Category.WAITING_TIME,
                "交车等待时间长",
                "增设快修工位，保养车辆承诺60分钟交车，超时主动告知客户。",
                "advisor",
            ),
            (
                Department.SERVICE,
                Category.PRICE,
                "费用解释不清",
                "服务顾问结算前逐项解释报价单，客户签字确认。",
                "advisor",
            ),
        ],
    ),
    (
        1,
        "回顾上次例会整改措施：终检制度已执行，快修工位仍在改造。本周配件缺货投诉增加。",
        "配件部每周一提交缺货清单并反馈到货时间；服务态度问题纳入月度考核。",
        [
            (
                Department.PARTS,
                Category.PARTS_AVAILABILITY,
                "常用配件缺货",
                "建立常用配件安全库存，缺件24小时内告知客户预计到货时间。",
                "svcmgr",
            ),
            (
                Department.SERVICE,
                Category.SERVICE_ATTITUDE,
                "服务态度 · 接待不及时",
                "客户到店3分钟内接待，纳入服务顾问月度考核。",
                "advisor",
            ),
        ],
    ),
]


def _month_back(month: datetime.date, n: int) -> datetime.date:
    for _step in range(n):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def _survey_csv(items, rng: random.Random, month_index: int) -> tuple[bytes, Decimal]:
    lines = ["item code,item,score,target,key item"]
    scores = []
    for code, name, target, key, typical in items:
        # Key items improve month by month, as the actions take effect.
        score = typical + (1.5 * month_index if key else 0) + rng.uniform(-1.5, 1.5)
        score = round(min(score, 99.5), 1)
        scores.append(score)
        lines.append(f"{code},{name},{score},{target},{'是' if key else '否'}")
    overall = Decimal(str(round(sum(scores) / len(scores), 1)))
    return "\n".join(lines).encode(), overall


def _surveys(dealer, by, today: datetime.date) -> None:
    rng = random.Random(dealer.code)
    last = _month_back(today.replace(day=1), 1)
    for index in range(3):
        month = _month_back(last, 2 - index)
        for kind, items in ((SurveyKind.CSI, CSI_ITEMS), (SurveyKind.SSI, SSI_ITEMS)):
            content, overall = _survey_csv(items, rng, index)
            surveys.survey_import(
                dealer=dealer,
                kind=kind,
                month=month,
                upload=io.BytesIO(content),
                filename=f"{kind}-{month:%Y%m}.csv",
                by=by,
                overall_score=overall,
                replace=True,
            )


def _meetings(dealer, users: dict, today: datetime.date) -> None:
    chair = users["crm"]
    monday = improvement.week_start(today)
    for weeks_ago, minutes, decisions, actions in MEETINGS:
        week = monday - datetime.timedelta(weeks=weeks_ago)
        friday = week + datetime.timedelta(days=4)
        held_at = datetime.datetime.combine(
            friday, datetime.time(16, 30), tzinfo=timezone.get_current_timezone()
        )
        meeting = improvement.meeting_create(dealer=dealer, week_start=week, by=chair, today=friday)
        made = [
            improvement.improvement_action_create(
                dealer=dealer,
                by=chair,
                department=department,
                category=category,
                weak_point=weak_point,
                action=action,
                owner=users[owner],
                due_date=friday + datetime.timedelta(days=7),
                meeting=meeting,
                today=friday,
            )
            for department, category, weak_point, action, owner in actions
        ]
        attendees = [str(users[name]) for name in ("gm", "svcmgr", "advisor") if name in users]
        improvement.meeting_update(
            meeting=meeting,
            by=chair,
            held_at=held_at,
            location="三楼会议室",
            chair=chair,
            attendees=[*attendees, "一汽-大众华南区域服务经理 张工"],
            minutes=minutes,
            decisions=decisions,
        )
        improvement.meeting_finalise(meeting=meeting, by=chair)
        if weeks_ago == 2:
            # The older meeting's actions moved on: one verified, one awaiting verification.
            done_at = held_at + datetime.timedelta(days=5)
            first = improvement.improvement_action_done(
                action=made[0], by=made[0].owner, note="终检制度已执行，本周无返修。", at=done_at
            )
            improvement.improvement_action_verify(
                action=first, by=chair, effective=True, note="抽查5台，全部合格。", at=done_at
            )
            improvement.improvement_action_update(action=made[1], by=made[1].owner)
            improvement.improvement_action_done(
                action=made[2], by=made[2].owner, note="已培训全部服务顾问。", at=done_at
            )


def demo_improvement_load(*, dealers, users_by_username: dict, today: datetime.date) -> None:
    """Three months of CSI and SSI per dealer; the last two weeks' meetings where the DCRC works."""
    dealers = list(dealers.values()) if isinstance(dealers, dict) else list(dealers)
    crm = users_by_username["crm"]
    for dealer in dealers:
        if SatisfactionSurvey.objects.filter(dealer=dealer).exists():
            continue
        with transaction.atomic():
            _surveys(dealer, crm, today)
            if crm.dealers.filter(pk=dealer.pk).exists() and not (
                WeeklyMeeting.objects.filter(dealer=dealer).exists()
            ):
                _meetings(dealer, users_by_username, today)
