"""A dealer's contact rules out of the box, from the domain brief (§4). Editable afterwards."""

from __future__ import annotations

from django.db import transaction

from .choices import Channel, TaskKind
from .models import CareRule, CareSettings, InspectionRule, MaintenanceSchedule

# kind: (offset_days, lead_days, window_days, priority, channel, call_on_holidays)
RULE_DEFAULTS: dict[str, tuple[int, int, int, int, str, bool]] = {
    TaskKind.SERVICE_CALLBACK: (1, 0, 3, 1, Channel.PHONE, False),
    TaskKind.NEW_CAR_CALL: (7, 0, 3, 1, Channel.PHONE, False),
    TaskKind.APPOINTMENT_REMINDER: (0, 1, 1, 1, Channel.PHONE, True),
    TaskKind.FOLLOW_UP: (0, 0, 1, 1, Channel.PHONE, False),
    TaskKind.COMPLAINT_FOLLOW_UP: (0, 0, 2, 1, Channel.PHONE, False),
    TaskKind.RECALL: (0, 0, 30, 2, Channel.PHONE, False),
    TaskKind.FIRST_MAINTENANCE: (0, 7, 14, 2, Channel.PHONE, False),
    TaskKind.MAINTENANCE: (0, 7, 14, 2, Channel.PHONE, False),
    TaskKind.INSURANCE_RENEWAL: (0, 30, 30, 2, Channel.PHONE, False),
    TaskKind.INSPECTION: (0, 30, 30, 3, Channel.PHONE, False),
    TaskKind.WARRANTY_EXPIRY: (0, 30, 30, 3, Channel.PHONE, False),
    TaskKind.RETENTION: (0, 0, 14, 3, Channel.PHONE, False),
    TaskKind.EVENT_INVITATION: (0, 3, 3, 4, Channel.PHONE, False),
    TaskKind.BIRTHDAY: (0, 0, 1, 5, Channel.SMS, True),
    TaskKind.HOLIDAY: (0, 1, 2, 5, Channel.SMS, True),
}

# (usage, start month, end month, every months) — private small passenger cars: inspection
# marks at 6 and 10 years, yearly from 10 to 15 years, twice a year after 15; commercial
# (operating) passenger cars yearly for 5 years, then twice a year.
INSPECTION_DEFAULTS = [
    ("private", 72, None, 0),
    ("private", 120, 180, 12),
    ("private", 186, None, 6),
    ("commercial", 12, 60, 12),
    ("commercial", 66, None, 6),
]


def default_script(kind: str) -> str:
    """The opening, purpose and closing an agent follows for a task type (话术).

    Scripts are the dealer's own Chinese text (editable per rule), not interface strings.
    """
    opening = (
        "您好，我是{dealer}客户关系中心的{agent}。请问是{name}先生/女士吗？现在和您通话方便吗？"
    )
    closing = "感谢您的支持，祝您工作顺利、用车愉快，再见！"
    purposes = {
        TaskKind.SERVICE_CALLBACK: (
            "您的爱车（{plate}）于{date}在我店完成保养维修，想耽误您两分钟做个回访："
            "1. 接待服务您满意吗？2. 维修质量和交车时间满意吗？3. 费用是否和估价一致、解释清楚？"
            "4. 您对我们还有什么建议？"
        ),
        TaskKind.NEW_CAR_CALL: (
            "感谢您选择我店购车！新车使用一周了，车辆使用是否正常？想和您核对一下车主资料："
            "联系电话、地址、常用联系时间。首次保养在{first_km}公里或{first_months}个月，"
            "届时欢迎预约。"
        ),
        TaskKind.FIRST_MAINTENANCE: (
            "您的爱车（{plate}）即将到达首次保养（强保）的时间或里程，首保关系到质保，"
            "请问您方便哪天来店？可以为您预约。"
        ),
        TaskKind.MAINTENANCE: (
            "根据保养计划，您的爱车（{plate}）预计在{date}前后（约{km}公里）需要定期保养，"
            "请问您方便哪天来店？可以为您预约，减少等待。"
        ),
        TaskKind.INSPECTION: (
            "您的爱车（{plate}）年检（或申领检验标志）将于{date}到期，我店可以代办年检，"
            "需要为您安排吗？"
        ),
        TaskKind.WARRANTY_EXPIRY: (
            "您的爱车（{plate}）整车质保将于{date}到期，建议到期前来店做一次全面检查，"
            "质保期内发现的问题可以免费处理。"
        ),
        TaskKind.INSURANCE_RENEWAL: (
            "您的爱车（{plate}）保险将于{date}到期，我店可以为您办理续保，出险后维修理赔也更方便。"
            "需要为您报价吗？"
        ),
        TaskKind.RECALL: (
            "厂家针对您的车型（{plate}）开展{campaign}，可免费检查或更换，大约需要{hours}。"
            "请问您方便哪天来店？"
        ),
        TaskKind.APPOINTMENT_REMINDER: (
            "提醒您明天（{date}）已预约来店保养维修，我们已为您准备好工位和配件，"
            "请问时间是否有变化？"
        ),
        TaskKind.BIRTHDAY: ("今天是您的生日，{dealer}全体员工祝您生日快乐，身体健康！"),
        TaskKind.HOLIDAY: ("{holiday}将至，{dealer}祝您和家人节日快乐，出行平安！"),
        TaskKind.RETENTION: (
            "您的爱车（{plate}）已经有一段时间没有回店了，车辆使用情况如何？"
            "近期有保养优惠，是否需要为您安排检查？如有不满意的地方，也请告诉我们。"
        ),
        TaskKind.EVENT_INVITATION: (
            "我店将于{date}举办{campaign}，诚挚邀请您和家人参加，请问您方便到场吗？"
        ),
        TaskKind.FOLLOW_UP: (
            "关于您上次反映的问题（{problems}），我们非常重视，想向您进一步了解情况并跟进处理。"
        ),
        TaskKind.COMPLAINT_FOLLOW_UP: (
            "关于您反映的问题（{campaign}），我们已按与您商定的方案处理完毕。"
            "想向您确认：1. 问题是否已经解决？2. 您对处理结果是否满意？3. 还有什么需要我们做的？"
        ),
    }
    return "\n".join([opening, purposes.get(kind, ""), closing])


@transaction.atomic
def care_defaults_ensure(*, dealer_id: int) -> None:
    """Create the dealer's settings, rules, maintenance schedule, inspection rules and SMS
    templates if missing. Running it again changes nothing a manager has edited.
    """
    from .sms import sms_templates_ensure

    CareSettings.objects.get_or_create(dealer_id=dealer_id)
    sms_templates_ensure(dealer_id=dealer_id)
    existing = set(CareRule.objects.filter(dealer_id=dealer_id).values_list("kind", flat=True))
    CareRule.objects.bulk_create(
        CareRule(
            dealer_id=dealer_id,
            kind=kind,
            offset_days=offset,
            lead_days=lead,
            window_days=window,
            priority=priority,
            channel=channel,
            call_on_holidays=on_holidays,
            script=default_script(kind),
        )
        for kind, (offset, lead, window, priority, channel, on_holidays) in RULE_DEFAULTS.items()
        if kind not in existing
    )
    MaintenanceSchedule.objects.get_or_create(dealer_id=dealer_id, brand="", series="")
    if not InspectionRule.objects.filter(dealer_id=dealer_id).exists():
        InspectionRule.objects.bulk_create(
            InspectionRule(
                dealer_id=dealer_id,
                usage=usage,
                start_month=start,
                end_month=end,
                every_months=every,
            )
            for usage, start, end, every in INSPECTION_DEFAULTS
        )
