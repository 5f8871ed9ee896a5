"""SMS: render a template, honour opt-out, record the message, hand it to the gateway.

The gateway is chosen by DCRC_SMS_BACKEND; the default writes messages to the log.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from dcrc.customers.models import Customer

from .choices import SmsStatus
from .models import ContactTask, SmsMessage, SmsTemplate

logger = logging.getLogger("dcrc.sms")


class _Vars(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def sms_render(body: str, variables: dict) -> str:
    """Fill {name}-style variables; unknown ones stay as written instead of failing."""
    return body.format_map(_Vars(variables))


def task_variables(task: ContactTask) -> dict[str, str]:
    dealer = task.dealer
    vehicle = task.vehicle
    return {
        "name": task.customer.name,
        "dealer": dealer.short_name or dealer.name,
        "hotline": dealer.hotline,
        "plate": vehicle.plate if vehicle else "",
        "date": task.due_date.isoformat() if task.due_date else "",
    }


@transaction.atomic
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
) -> SmsMessage:
    """Record an outbound SMS and send it; a marketing text to an opted-out customer is blocked."""
    message = SmsMessage.objects.create(
        dealer_id=dealer_id,
        customer=customer,
        task=task,
        template=template,
        phone=phone,
        body=body,
        is_marketing=is_marketing,
        created_by=by,
    )
    if is_marketing and customer is not None and customer.sms_opt_out:
        message.status = SmsStatus.BLOCKED
        message.save(update_fields=["status"])
        return message
    logger.info("SMS to %s: %s", phone, body)
    message.status = SmsStatus.SENT
    message.backend = "log"
    message.sent_at = timezone.now()
    message.save(update_fields=["status", "backend", "sent_at"])
    return message


def sms_task_send(*, task: ContactTask, by=None) -> SmsMessage:
    """Send the SMS version of a task (an SMS callback, a greeting) to the customer's mobile."""
    template = (
        SmsTemplate.objects.filter(dealer_id=task.dealer_id, task_kind=task.kind, active=True)
        .order_by("pk")
        .first()
    )
    body = template.body if template else "{dealer}: {name}，您好。"
    return sms_send(
        dealer_id=task.dealer_id,
        phone=task.customer.mobile,
        body=sms_render(body, task_variables(task)),
        customer=task.customer,
        task=task,
        template=template,
        is_marketing=bool(template and template.is_marketing),
        by=by,
    )
