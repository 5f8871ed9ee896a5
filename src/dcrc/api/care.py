"""The contact center's machine endpoints (domain §5): telephony events and SMS gateway reports.

Callers are systems (the dealer's telephony switch, an SMS gateway relay) holding a personal API
token of a user who works for the dealer. The dealer is named by its code and must be one of the
token user's dealers; the writes go through the hotline and SMS services.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import AfterValidator, AwareDatetime, ConfigDict

from dcrc.care import hotline, sms
from dcrc.core.models import Dealer, User

from . import queries
from .auth import api_user
from .errors import forbidden
from .schemas import WRITE_ERRORS, StrictBool, StrictInt, Text

telephony = Router(tags=["telephony"])
sms_gateway = Router(tags=["sms"])

# Events older than this are refused: a replayed archive is not a live call.
OLDEST_EVENT = datetime.timedelta(days=60)


def _plausible(value: datetime.datetime) -> datetime.datetime:
    now = timezone.now()
    if value > now + datetime.timedelta(minutes=10):
        raise ValueError("The time is in the future.")
    if value < now - OLDEST_EVENT:
        raise ValueError("The time is more than 60 days ago.")
    return value


EventTime = Annotated[AwareDatetime, AfterValidator(_plausible)]


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


def _dealer(user: User, code: str) -> Dealer:
    dealer = queries.dealer_by_ref(user=user, ref=code)
    if dealer is None:
        raise ValidationError({"dealer": [_("Unknown dealer, or not one of yours.")]})
    return dealer


def _require(user: User, permission: str) -> None:
    if not user.has_perm(permission):
        raise forbidden(_("Your role may not do this."))


# --- telephony -----------------------------------------------------------------------------


class TelephonyEventIn(_In):
    dealer: Text(20, min_length=1) = Field(description="Dealer code, e.g. A001")  # type: ignore[valid-type]
    call_id: Text(64, min_length=1) = Field(  # type: ignore[valid-type]
        description="The telephony system's call id; events of one call share it"
    )
    event: Literal["ringing", "answered", "ended", "voicemail"]
    caller: Text(30) = Field("", description="Caller's number; empty when withheld")  # type: ignore[valid-type]
    at: EventTime = Field(description="When the event happened, with its UTC offset")
    duration_seconds: Annotated[StrictInt, Field(ge=0, le=86400)] | None = Field(
        None, description="Length of the call (with `ended`) or of the voicemail"
    )


class InboundCallOut(Schema):
    id: int
    created: bool = Field(description="False when the call id was known: the event updated it")
    kind: str
    call_type: str
    state: str
    phone: str
    received_at: datetime.datetime
    reply_deadline: datetime.datetime
    customer_id: int | None
    vehicle_id: int | None
    duration_seconds: int | None


@telephony.post(
    "/events",
    response={200: InboundCallOut, 201: InboundCallOut, **WRITE_ERRORS},
    summary="Record a call event (ringing, answered, ended, voicemail)",
)
def telephony_event(request: HttpRequest, payload: TelephonyEventIn) -> Status:
    """Create the hotline call of a telephony event, or update it when its `call_id` is known.

    Delivering an event twice, or out of order, is harmless: calls are unique per dealer and
    call id. The caller is linked to the customer with exactly that number; the call's reply
    deadline runs from its first event.
    """
    user = api_user(request)
    _require(user, "care.handle_calls")
    dealer = _dealer(user, payload.dealer)
    call, created = hotline.telephony_event_record(
        dealer=dealer,
        event=hotline.TelephonyEvent(
            call_id=payload.call_id,
            event=payload.event,
            caller=payload.caller,
            at=payload.at,
            duration_seconds=payload.duration_seconds,
        ),
    )
    body = {
        "id": call.pk,
        "created": created,
        "kind": call.kind,
        "call_type": call.call_type,
        "state": call.state,
        "phone": call.phone,
        "received_at": call.received_at,
        "reply_deadline": call.reply_deadline,
        "customer_id": call.customer_id,
        "vehicle_id": call.vehicle_id,
        "duration_seconds": call.duration_seconds,
    }
    return Status(201 if created else 200, body)


# --- SMS delivery reports and replies --------------------------------------------------------


class DeliveryReportIn(_In):
    message_id: Text(64, min_length=1) = Field(  # type: ignore[valid-type]
        description="The gateway's message id (Aliyun BizId, Tencent SerialNo)"
    )
    delivered: StrictBool = Field(description="True: reached the handset; false: failed")
    at: EventTime | None = Field(None, description="When the handset received it")
    error: Text(200) = Field("", description="The gateway's error code when not delivered")  # type: ignore[valid-type]


class DeliveryReportsIn(_In):
    reports: list[DeliveryReportIn] = Field(min_length=1, max_length=500)


class DeliveryReportsOut(Schema):
    updated: int
    unknown: list[str] = Field(description="Message ids none of your dealers sent")


@sms_gateway.post(
    "/reports",
    response={200: DeliveryReportsOut, **WRITE_ERRORS},
    summary="Delivery reports of sent messages",
)
def sms_reports(request: HttpRequest, payload: DeliveryReportsIn) -> dict[str, Any]:
    """Mark sent messages delivered or failed. Reports of other dealers' messages are ignored
    and listed as unknown; a report delivered twice changes nothing."""
    user = api_user(request)
    _require(user, "care.send_sms")
    dealer_ids = sorted(user.dealer_ids)
    updated, unknown = 0, []
    for report in payload.reports:
        message = sms.sms_delivery_record(
            dealer_ids=dealer_ids,
            provider_id=report.message_id,
            delivered=report.delivered,
            at=report.at,
            error=report.error,
        )
        if message is None:
            unknown.append(report.message_id)
        else:
            updated += 1
    return {"updated": updated, "unknown": unknown}


class SmsReplyIn(_In):
    dealer: Text(20, min_length=1) = Field(description="Dealer code, e.g. A001")  # type: ignore[valid-type]
    phone: Text(30, min_length=1) = Field(description="The sender's mobile")  # type: ignore[valid-type]
    text: Text(500, min_length=1) = Field(
        description='What they wrote; "TD", "T" or "退订" unsubscribe'
    )  # type: ignore[valid-type]
    received_at: EventTime | None = None
    message_id: Text(64) = Field("", description="The gateway's id of the reply (deduplicates)")  # type: ignore[valid-type]


class SmsReplyOut(Schema):
    id: int
    customer_id: int | None
    unsubscribed: bool = Field(description="The reply unsubscribed the sender from marketing SMS")


@sms_gateway.post(
    "/replies",
    response={201: SmsReplyOut, **WRITE_ERRORS},
    summary="A customer's reply to a text",
)
def sms_reply(request: HttpRequest, payload: SmsReplyIn) -> Status:
    """Record a customer's reply in their contact history; an unsubscribe reply sets their
    opt-out from marketing texts."""
    user = api_user(request)
    _require(user, "care.send_sms")
    dealer = _dealer(user, payload.dealer)
    message = sms.sms_inbound_record(
        dealer=dealer,
        phone=payload.phone,
        body=payload.text,
        received_at=payload.received_at,
        provider_id=payload.message_id,
    )
    return Status(
        201,
        {
            "id": message.pk,
            "customer_id": message.customer_id,
            "unsubscribed": sms.is_opt_out(message.body),
        },
    )
