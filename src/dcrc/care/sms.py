"""SMS: templates, sending through the gateway, quiet hours, rate limit, opt-out, delivery.

Every message, sent, deferred, blocked or received, is one SmsMessage row with its customer:
the customer's contact history. The gateway is chosen by DCRC_SMS_BACKEND (sms_backends.py).

How a message goes out (sms_send):
1. A marketing text to a customer who unsubscribed is recorded as blocked and not sent.
2. Its planned moment (`send_after`) is now, or the end of the dealer's quiet hours; a minute
   that already holds `sms_rate_per_minute` of the dealer's messages pushes it to the next one.
3. A message planned for now goes to the gateway at once; a later one waits as deferred until
   sms_deferred_send() (run by the scheduler every minute) claims and sends it.
"""

from __future__ import annotations

import datetime
import logging
import string
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncMinute
from django.utils import timezone
from django.utils.translation import gettext as _

from dcrc.core.models import Dealer, User
from dcrc.customers import normalize
from dcrc.customers.models import Customer

from .calendar import care_settings
from .choices import SmsDirection, SmsStatus, TaskKind
from .hotline import customers_by_phone, phone_canonical
from .models import CareSettings, ContactTask, SmsMessage, SmsTemplate
from .scripts import task_variables, text_render
from .sms_backends import OutgoingSms, SmsGatewayError, sms_backend

logger = logging.getLogger("dcrc.sms")

# The unsubscribe line every marketing text ends with.
UNSUBSCRIBE = "回复TD退订"
# Replies that unsubscribe the sender from marketing texts (compared in upper case).
OPT_OUT_REPLIES = {"TD", "T", "退订", "N", "0000"}
# How many deferred messages one run of sms_deferred_send() handles at most.
DEFERRED_BATCH = 500
# Variables a template may use, filled from the task, customer and dealer.
VARIABLES = ("name", "dealer", "hotline", "plate", "date")


def template_fields(body: str) -> list[str]:
    """The {variables} of a text in order of first appearance; ValueError if braces are broken."""
    names: list[str] = []
    for _literal, name, _spec, _conversion in string.Formatter().parse(body):
        if name is not None and name not in names:
            names.append(name)
    return names


# SMS templates and call scripts are filled alike (scripts.text_render).
sms_render = text_render


def customer_variables(customer: Customer | None, dealer: Dealer) -> dict[str, str]:
    """What a text to this customer can be filled with; what is unknown (the date, the plate
    of one of several cars) is left out, so it stays as {date} for the agent to write in."""
    vehicles = list(customer.vehicles.all()[:2]) if customer else []
    known = {
        "name": customer.name if customer else "",
        "dealer": dealer.short_name or dealer.name,
        "hotline": dealer.hotline,
        "plate": vehicles[0].plate if len(vehicles) == 1 else "",
    }
    return {name: value for name, value in known.items() if value}


def unfilled_variables(text: str) -> list[str]:
    """The template variables still written as {name} in a text about to be sent."""
    try:
        return [name for name in template_fields(text) if name in VARIABLES]
    except ValueError:
        return []


# --- templates -----------------------------------------------------------------------------

# code: (task kind, marketing, name, text). The dealer edits them afterwards; names and texts
# are the dealer's own Chinese data, not interface strings.
DEFAULT_TEMPLATES: dict[str, tuple[str, bool, str, str]] = {
    "service_callback": (
        TaskKind.SERVICE_CALLBACK,
        False,
        "维修后回访",
        "{name}您好，感谢您近日光临{dealer}，您的爱车{plate}已完成保养维修。"
        "如对服务有任何意见或建议，请致电{hotline}，我们将及时为您处理。",
    ),
    "maintenance": (
        TaskKind.MAINTENANCE,
        False,
        "定期保养提醒",
        "{name}您好，您的爱车{plate}预计于{date}前后需要定期保养，"
        "欢迎致电{hotline}预约，{dealer}竭诚为您服务。",
    ),
    "first_maintenance": (
        TaskKind.FIRST_MAINTENANCE,
        False,
        "首保提醒",
        "{name}您好，您的爱车{plate}即将到达首次保养的时间或里程，首保关系到整车质保，"
        "请致电{hotline}预约。{dealer}",
    ),
    "inspection": (
        TaskKind.INSPECTION,
        False,
        "年检提醒",
        "{name}您好，您的爱车{plate}年检将于{date}到期，{dealer}可代办年检，详询{hotline}。",
    ),
    "insurance_renewal": (
        TaskKind.INSURANCE_RENEWAL,
        True,
        "续保提醒",
        "{name}您好，您的爱车{plate}保险将于{date}到期，{dealer}可为您办理续保，"
        "出险维修理赔更便捷，详询{hotline}。" + UNSUBSCRIBE,
    ),
    "warranty_expiry": (
        TaskKind.WARRANTY_EXPIRY,
        False,
        "质保到期提醒",
        "{name}您好，您的爱车{plate}整车质保将于{date}到期，建议到期前来店全面检查，"
        "预约电话{hotline}。{dealer}",
    ),
    "appointment_reminder": (
        TaskKind.APPOINTMENT_REMINDER,
        False,
        "预约提醒",
        "{name}您好，提醒您已预约{date}到{dealer}保养维修，我们已为您准备好工位和配件。"
        "如需改期请致电{hotline}。",
    ),
    "birthday": (
        TaskKind.BIRTHDAY,
        True,
        "生日祝福",
        "{name}您好，今天是您的生日，{dealer}全体员工祝您生日快乐，身体健康，用车愉快！"
        + UNSUBSCRIBE,
    ),
    "holiday": (
        TaskKind.HOLIDAY,
        True,
        "节日问候",
        "{name}您好，佳节将至，{dealer}祝您和家人节日快乐，出行平安！" + UNSUBSCRIBE,
    ),
    "event_invitation": (
        TaskKind.EVENT_INVITATION,
        True,
        "活动邀请",
        "{name}您好，{dealer}将于{date}举办车主活动，诚邀您和家人参加，报名电话{hotline}。"
        + UNSUBSCRIBE,
    ),
}


@transaction.atomic
def sms_templates_ensure(*, dealer_id: int) -> int:
    """Create the dealer's default templates that are missing (by code); returns how many.

    Running it again changes nothing a manager has edited.
    """
    existing = set(SmsTemplate.objects.filter(dealer_id=dealer_id).values_list("code", flat=True))
    created = SmsTemplate.objects.bulk_create(
        SmsTemplate(
            dealer_id=dealer_id,
            code=code,
            name=name,
            body=body,
            task_kind=kind,
            is_marketing=marketing,
        )
        for code, (kind, marketing, name, body) in DEFAULT_TEMPLATES.items()
        if code not in existing
    )
    return len(created)


def _template_clean(template: SmsTemplate) -> None:
    errors: dict[str, list[str]] = {}
    try:
        unknown = [name for name in template_fields(template.body) if name not in VARIABLES]
    except ValueError:
        errors["body"] = [_("Unbalanced braces: write variables as {name}.")]
    else:
        if unknown:
            errors["body"] = [
                _("Unknown variables: %(names)s. Use %(known)s.")
                % {
                    "names": ", ".join(unknown),
                    "known": ", ".join("{" + name + "}" for name in VARIABLES),
                }
            ]
    if errors:
        raise ValidationError(errors)
    if template.is_marketing and not template.body.rstrip().endswith(UNSUBSCRIBE):
        # Marketing texts must tell the customer how to unsubscribe (PIPL, carriers' rules).
        template.body = template.body.rstrip() + UNSUBSCRIBE
    taken = SmsTemplate.objects.filter(dealer_id=template.dealer_id, code=template.code)
    if taken.exclude(pk=template.pk).exists():
        raise ValidationError({"code": [_("This code is already in use.")]})
    template.full_clean(exclude=["dealer"], validate_constraints=False)


@transaction.atomic
def sms_template_create(*, dealer: Dealer, by: User | None = None, **fields: Any) -> SmsTemplate:
    template = SmsTemplate(dealer=dealer, **fields)
    _template_clean(template)
    template.save()
    return template


@transaction.atomic
def sms_template_update(
    *, template: SmsTemplate, by: User | None = None, **fields: Any
) -> SmsTemplate:
    template = SmsTemplate.objects.select_for_update().get(pk=template.pk)
    for name, value in fields.items():
        setattr(template, name, value)
    _template_clean(template)
    template.save()
    return template


# --- quiet hours and rate limit -------------------------------------------------------------


def quiet_hours_end(
    settings_row: CareSettings, moment: datetime.datetime
) -> datetime.datetime | None:
    """When the dealer's quiet hours around `moment` end, or None if `moment` is not in them."""
    start, end = settings_row.sms_quiet_start, settings_row.sms_quiet_end
    if start == end:
        return None
    local = timezone.localtime(moment)
    now = local.time()
    in_quiet = (start <= now < end) if start < end else (now >= start or now < end)
    if not in_quiet:
        return None
    day = local.date()
    if start > end and now >= start:
        day += datetime.timedelta(days=1)  # 21:00–08:00: the evening's quiet ends tomorrow
    return timezone.make_aware(datetime.datetime.combine(day, end), local.tzinfo)


def _minute(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(second=0, microsecond=0)


def _slot(*, settings_row: CareSettings, now: datetime.datetime) -> datetime.datetime:
    """The first moment from now, outside quiet hours, in a minute with room under the limit.

    The caller holds the lock on the dealer's settings row, so concurrent senders of one dealer
    take their slots one after the other.
    """
    start = quiet_hours_end(settings_row, now) or now
    first_minute = _minute(start)
    rate = max(settings_row.sms_rate_per_minute, 1)
    planned = dict(
        SmsMessage.objects.filter(
            dealer_id=settings_row.dealer_id,
            direction=SmsDirection.OUTBOUND,
            send_after__gte=first_minute,
            send_after__lt=first_minute + datetime.timedelta(days=1),
        )
        .exclude(status=SmsStatus.BLOCKED)
        .annotate(minute=TruncMinute("send_after"))
        .values("minute")
        .annotate(n=Count("id"))
        .values_list("minute", "n")
    )
    planned = {_minute(minute): n for minute, n in planned.items()}
    minute = first_minute
    while planned.get(minute, 0) >= rate:
        minute += datetime.timedelta(minutes=1)
    return start if minute == first_minute else minute


# --- sending -------------------------------------------------------------------------------


def _sign_name(dealer_id: int) -> str:
    signature = care_settings(dealer_id).sms_signature
    return signature or settings.DCRC_SMS_SIGN_NAME


def _outgoing(message: SmsMessage) -> OutgoingSms:
    """The gateway request: the message's template code and variables, else the free-text one."""
    template = message.template
    if template is not None and template.provider_template and message.params:
        code, params = template.provider_template, message.params
    else:
        code, params = settings.DCRC_SMS_FREE_TEXT_TEMPLATE, {"content": message.body}
    return OutgoingSms(
        phone=message.phone,
        body=message.body,
        sign_name=_sign_name(message.dealer_id),
        template_code=code,
        params=params,
    )


def _dispatch(message: SmsMessage) -> SmsMessage:
    """Hand a claimed (queued) message to the gateway and record the outcome."""
    backend = sms_backend()
    try:
        provider_id = backend.send(_outgoing(message))
    except SmsGatewayError as error:
        logger.warning("SMS %s to %s failed: %s", message.pk, message.phone, error)
        message.status = SmsStatus.FAILED
        message.error = str(error)[:200]
    else:
        message.status = SmsStatus.SENT
        message.provider_id = provider_id[:64]
        message.sent_at = timezone.now()
    message.backend = backend.name
    message.save(update_fields=["status", "error", "provider_id", "sent_at", "backend"])
    return message


def _customer_of(dealer_id: int, phone: str) -> Customer | None:
    matches = customers_by_phone(dealer_id=dealer_id, phone=phone, limit=2)
    return matches[0] if len(matches) == 1 else None


def sms_send(
    *,
    dealer_id: int,
    phone: str,
    body: str,
    customer: Customer | None = None,
    task: ContactTask | None = None,
    template: SmsTemplate | None = None,
    is_marketing: bool = False,
    by=None,
    variables: dict[str, str] | None = None,
    now: datetime.datetime | None = None,
) -> SmsMessage:
    """Record an outbound SMS and send it now, or defer it (quiet hours, rate limit).

    A marketing text to an opted-out customer is recorded as blocked; service texts always go.
    `variables` are the template's values, which gateway templates need (else the free-text
    template carries the rendered body). The gateway is called after the row is committed,
    outside the lock, so a slow gateway never holds other senders.
    """
    if not body.strip():
        raise ValidationError({"body": [_("The text is empty.")]})
    now = now or timezone.now()
    with transaction.atomic():
        care_settings(dealer_id)
        # One sender of a dealer at a time decides slots (ordered lock: a single row).
        settings_row = CareSettings.objects.select_for_update().get(pk=dealer_id)
        try:
            digits = normalize.normalize_phone(phone)
        except ValidationError:
            digits = ""
        if customer is None and digits:
            customer = _customer_of(dealer_id, digits)
        params = {}
        if template is not None and variables is not None:
            params = {name: str(variables.get(name, "")) for name in template_fields(template.body)}
        message = SmsMessage(
            dealer_id=dealer_id,
            customer=customer,
            task=task,
            template=template,
            phone=digits or phone_canonical(phone),
            body=body,
            params=params,
            is_marketing=is_marketing,
            created_by=by,
        )
        if not digits or normalize.phone_kind(digits) != "mobile":
            message.status = SmsStatus.FAILED
            message.error = "not a mobile number"
        elif is_marketing and customer is not None and customer.sms_opt_out:
            message.status = SmsStatus.BLOCKED
        else:
            message.send_after = _slot(settings_row=settings_row, now=now)
            deferred = _minute(message.send_after) > _minute(now)
            message.status = SmsStatus.DEFERRED if deferred else SmsStatus.QUEUED
        message.save()
    if message.status == SmsStatus.QUEUED:
        _dispatch(message)
    return message


def sms_task_send(*, task: ContactTask, by=None) -> SmsMessage:
    """Send the SMS version of a task (an SMS callback, a greeting) to the customer's mobile."""
    template = (
        SmsTemplate.objects.filter(dealer_id=task.dealer_id, task_kind=task.kind, active=True)
        .order_by("pk")
        .first()
    )
    body = template.body if template else "{dealer}: {name}，您好。"
    # Every SMS variable is filled, blank when unknown: no "{plate}" goes out to a customer.
    variables = dict.fromkeys(VARIABLES, "") | task_variables(task=task, agent=by)
    return sms_send(
        dealer_id=task.dealer_id,
        phone=task.customer.mobile,
        body=sms_render(body, variables),
        customer=task.customer,
        task=task,
        template=template,
        is_marketing=bool(template and template.is_marketing),
        by=by,
        variables=variables,
    )


def sms_deferred_send(*, now: datetime.datetime | None = None) -> int:
    """Send the deferred messages that are due; returns how many went to the gateway.

    Safe to run concurrently and again: each row is claimed with a conditional update
    (deferred → queued) before it is sent, so two runs never send one message twice. A
    marketing text whose customer unsubscribed while it waited is blocked instead.
    """
    now = now or timezone.now()
    due = list(
        SmsMessage.objects.filter(status=SmsStatus.DEFERRED, send_after__lte=now)
        .order_by("send_after", "id")
        .values_list("pk", flat=True)[:DEFERRED_BATCH]
    )
    sent = 0
    for pk in due:
        if not SmsMessage.objects.filter(pk=pk, status=SmsStatus.DEFERRED).update(
            status=SmsStatus.QUEUED
        ):
            continue  # another run claimed it
        message = SmsMessage.objects.select_related("template", "customer").get(pk=pk)
        if message.is_marketing and message.customer and message.customer.sms_opt_out:
            message.status = SmsStatus.BLOCKED
            message.save(update_fields=["status"])
            continue
        _dispatch(message)
        sent += 1
    return sent


# --- replies and delivery reports ------------------------------------------------------------


def is_opt_out(body: str) -> bool:
    text = normalize.normalize_text(body).strip().strip("。.!！").upper()
    return text in OPT_OUT_REPLIES


@transaction.atomic
def sms_inbound_record(
    *,
    dealer: Dealer,
    phone: str,
    body: str,
    received_at: datetime.datetime | None = None,
    provider_id: str = "",
) -> SmsMessage:
    """Record a customer's reply; "TD", "T" or "退订" unsubscribes them from marketing texts.

    Every customer of the dealer with that mobile is unsubscribed: the person who holds the
    number said so. Recorded once per gateway message id (a report delivered twice).
    """
    if provider_id:
        existing = SmsMessage.objects.filter(
            dealer=dealer, direction=SmsDirection.INBOUND, provider_id=provider_id
        ).first()
        if existing is not None:
            return existing
    digits = phone_canonical(phone)
    customers = customers_by_phone(dealer_id=dealer.pk, phone=digits)
    message = SmsMessage.objects.create(
        dealer=dealer,
        direction=SmsDirection.INBOUND,
        customer=customers[0] if customers else None,
        phone=digits,
        body=body,
        status=SmsStatus.RECEIVED,
        provider_id=provider_id[:64],
        sent_at=received_at or timezone.now(),
    )
    if is_opt_out(body):
        for customer in customers:
            if not customer.sms_opt_out:
                customer.sms_opt_out = True
                customer.save(update_fields=["sms_opt_out", "updated_at"])
    return message


@transaction.atomic
def sms_delivery_record(
    *,
    dealer_ids: list[int],
    provider_id: str,
    delivered: bool,
    at: datetime.datetime | None = None,
    error: str = "",
) -> SmsMessage | None:
    """Apply a gateway's delivery report to the message with that id; None if none of these
    dealers sent it. A report delivered twice changes nothing more."""
    message = (
        SmsMessage.objects.select_for_update()
        .filter(
            Q(direction=SmsDirection.OUTBOUND),
            dealer_id__in=dealer_ids,
            provider_id=provider_id,
        )
        .order_by("-id")
        .first()
    )
    if message is None or not provider_id:
        return None
    if delivered:
        message.status = SmsStatus.DELIVERED
        message.delivered_at = at or timezone.now()
        message.error = ""
    else:
        message.status = SmsStatus.FAILED
        message.error = (error or "undelivered")[:200]
    message.save(update_fields=["status", "delivered_at", "error"])
    return message


# --- selectors -----------------------------------------------------------------------------


def sms_messages(*, user: User, dealer: Dealer | None, status: str = "", direction: str = ""):
    """The SMS log, newest first; unknown filter values are ignored."""
    messages = SmsMessage.objects.for_user(user, dealer).select_related(
        "dealer", "customer", "template", "created_by"
    )
    if status in SmsStatus.values:
        messages = messages.filter(status=status)
    if direction in SmsDirection.values:
        messages = messages.filter(direction=direction)
    return messages.order_by("-created_at", "-id")
