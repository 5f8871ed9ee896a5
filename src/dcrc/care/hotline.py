"""The hotline call register (用户来电登记表, domain §5): services and selectors.

Every call and voicemail is returned within the dealer's reply deadline (24 hours by default);
open ones past it are overdue. Callers are matched to customers by an exact phone number
through the customer search keys (one indexed lookup), never by scanning the archive.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dcrc.core.models import Dealer, User
from dcrc.customers import normalize
from dcrc.customers.models import Customer, SearchKey, Vehicle

from .calendar import care_settings
from .choices import InboundKind, InboundState, InboundType
from .models import InboundCall

# Fields an agent may edit after registering a call.
EDITABLE_FIELDS = (
    "kind",
    "call_type",
    "caller_name",
    "customer",
    "vehicle",
    "content",
    "handler",
    "result",
    "follow_up",
)
# Checked by the services themselves; the unique external id by the database (races).
CLEAN_EXCLUDE = ["dealer", "customer", "vehicle", "handler", "replied_by", "recording"]
# How far ahead the manager card warns of calls about to become overdue.
DUE_SOON = datetime.timedelta(hours=4)


# --- phone numbers -------------------------------------------------------------------------


def phone_canonical(value: str) -> str:
    """The number as the archive stores it when it is a valid China number, else its digits.

    A caller's number may be withheld, foreign or a switchboard extension: it is kept as
    given (digits only) rather than refused, since the call happened anyway.
    """
    try:
        return normalize.normalize_phone(value)
    except ValidationError:
        return normalize.phone_digits_query(value)[:20]


def customers_by_phone(*, dealer_id: int, phone: str, limit: int = 10) -> list[Customer]:
    """Current customers of the dealer with this exact mobile, home or office number.

    Reads the search key index (`p` + reversed digits) for an exact key, so the cost does not
    grow with the archive. Several customers may share a number (a family, a company): the
    agent picks one.
    """
    digits = phone_canonical(phone)
    if len(digits) < 7:
        return []
    ids = list(
        SearchKey.objects.filter(dealer_id=dealer_id, key=SearchKey.PHONE + digits[::-1])
        .order_by("customer_id")
        .values_list("customer_id", flat=True)[:limit]
    )
    return customers_by_ids(dealer_id=dealer_id, ids=ids)


def customers_by_ids(*, dealer_id: int, ids: list[int]) -> list[Customer]:
    """The dealer's current customers with these ids, with their vehicles, oldest first."""
    if not ids:
        return []
    return list(
        Customer.objects.filter(pk__in=ids, dealer_id=dealer_id, merged_into__isnull=True)
        .prefetch_related(
            Prefetch(
                "vehicles",
                queryset=Vehicle.objects.only(
                    "id", "owner_id", "plate", "vin", "brand", "series", "model_year"
                ).order_by("-purchase_date", "id"),
            )
        )
        .order_by("id")
    )


def call_link_choices(call: InboundCall) -> list[Customer]:
    """The customers a call may be linked to: the one it is linked to, then those with its number."""
    matches = customers_by_phone(dealer_id=call.dealer_id, phone=call.phone)
    if call.customer_id and call.customer_id not in {customer.pk for customer in matches}:
        linked = customers_by_ids(dealer_id=call.dealer_id, ids=[call.customer_id])
        matches = [*linked, *matches]
    return matches


# --- services ------------------------------------------------------------------------------


def _check_links(
    *, dealer_id: int, customer: Customer | None, vehicle: Vehicle | None
) -> tuple[Customer | None, Vehicle | None]:
    """The customer and vehicle belong to the call's dealer; a vehicle brings its owner."""
    errors: dict[str, list[str]] = {}
    if customer is not None and customer.dealer_id != dealer_id:
        errors["customer"] = [_("This customer belongs to another dealer.")]
    if vehicle is not None:
        if vehicle.dealer_id != dealer_id:
            errors["vehicle"] = [_("This vehicle belongs to another dealer.")]
        elif customer is None:
            customer = vehicle.owner
        elif vehicle.owner_id != customer.pk:
            errors["vehicle"] = [_("This vehicle does not belong to the chosen customer.")]
    if errors:
        raise ValidationError(errors)
    return customer, vehicle


def _check_handler(*, dealer_id: int, handler: User | None) -> None:
    if handler is not None and dealer_id not in handler.dealer_ids:
        raise ValidationError({"handler": [_("The handler does not work for this dealer.")]})


def reply_deadline_for(*, dealer_id: int, received_at: datetime.datetime) -> datetime.datetime:
    hours = care_settings(dealer_id).reply_deadline_hours
    return received_at + datetime.timedelta(hours=hours)


@transaction.atomic
def inbound_call_register(
    *,
    dealer: Dealer,
    phone: str = "",
    kind: str = InboundKind.CALL,
    call_type: str = InboundType.CONSULTATION,
    received_at: datetime.datetime | None = None,
    caller_name: str = "",
    customer: Customer | None = None,
    vehicle: Vehicle | None = None,
    content: str = "",
    handler: User | None = None,
    result: str = "",
    follow_up: str = "",
    external_id: str = "",
    link_by_phone: bool = True,
    by: User | None = None,
) -> InboundCall:
    """Register a hotline call or voicemail; its reply deadline runs from `received_at`.

    Without a chosen customer, a number that matches exactly one customer links the call to
    them (and to their only vehicle); several matches are left for the agent to pick. An agent
    who answered "none of these" passes `link_by_phone=False`.
    """
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"received_at": [_("A call cannot be received in the future.")]})
    phone = phone_canonical(phone) if phone else ""
    if link_by_phone and customer is None and vehicle is None and phone:
        matches = customers_by_phone(dealer_id=dealer.pk, phone=phone, limit=2)
        if len(matches) == 1:
            customer = matches[0]
            vehicles = list(customer.vehicles.all())
            vehicle = vehicles[0] if len(vehicles) == 1 else None
    customer, vehicle = _check_links(dealer_id=dealer.pk, customer=customer, vehicle=vehicle)
    _check_handler(dealer_id=dealer.pk, handler=handler)
    call = InboundCall(
        dealer=dealer,
        kind=kind,
        call_type=call_type,
        received_at=received_at,
        phone=phone,
        caller_name=caller_name or (customer.name[:50] if customer else ""),
        customer=customer,
        vehicle=vehicle,
        content=content,
        handler=handler if handler is not None else by,
        result=result,
        follow_up=follow_up,
        external_id=external_id,
        reply_deadline=reply_deadline_for(dealer_id=dealer.pk, received_at=received_at),
    )
    call.full_clean(exclude=CLEAN_EXCLUDE, validate_constraints=False)
    call.save()
    return call


@transaction.atomic
def inbound_call_update(*, call: InboundCall, by: User | None = None, **fields: Any) -> InboundCall:
    """Change what was registered: type, caller, linked customer/vehicle, content, result."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    call = InboundCall.objects.select_for_update().get(pk=call.pk)
    for name, value in fields.items():
        setattr(call, name, value)
    call.customer, call.vehicle = _check_links(
        dealer_id=call.dealer_id, customer=call.customer, vehicle=call.vehicle
    )
    _check_handler(dealer_id=call.dealer_id, handler=call.handler)
    call.full_clean(exclude=CLEAN_EXCLUDE, validate_constraints=False)
    call.save()
    return call


@transaction.atomic
def inbound_call_reply(
    *, call: InboundCall, by: User, result: str = "", at: datetime.datetime | None = None
) -> InboundCall:
    """Record that the caller was answered back: when, by whom, and what came of it."""
    call = InboundCall.objects.select_for_update().get(pk=call.pk)
    if call.state != InboundState.OPEN:
        raise ValidationError(_("This call has already been replied to or closed."))
    at = at or timezone.now()
    if at < call.received_at:
        raise ValidationError({"replied_at": [_("The reply cannot precede the call.")]})
    call.state = InboundState.REPLIED
    call.replied_at = at
    call.replied_by = by
    if result:
        call.result = result
    if call.handler_id is None:
        call.handler = by
    call.save()
    return call


@transaction.atomic
def inbound_call_close(*, call: InboundCall, by: User, result: str = "") -> InboundCall:
    """Close a call that needs no reply (a wrong number, a silent line, a duplicate)."""
    call = InboundCall.objects.select_for_update().get(pk=call.pk)
    if call.state == InboundState.CLOSED:
        return call
    if not result and not call.result:
        raise ValidationError({"result": [_("Say why the call is closed without a reply.")]})
    call.state = InboundState.CLOSED
    if result:
        call.result = result
    if call.replied_by_id is None:
        call.replied_by = by
        call.replied_at = timezone.now()
    call.save()
    return call


# --- recordings ----------------------------------------------------------------------------

RECORDING_TYPES = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".m4a": "audio/mp4",
}


def recording_max_bytes() -> int:
    return settings.DCRC_RECORDING_MAX_MB * 1024 * 1024


def _looks_like(extension: str, head: bytes) -> bool:
    """The file starts like its extension says (a renamed document is refused)."""
    if extension == ".wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    if extension == ".m4a":
        return head[4:8] == b"ftyp"
    # MP3: an ID3 tag, or straight away an MPEG audio frame (11 sync bits).
    return head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def recording_validate(upload: UploadedFile) -> str:
    """The extension of a valid recording; ValidationError on the `recording` field otherwise."""
    extension = PurePath(upload.name or "").suffix.lower()
    if extension not in RECORDING_TYPES:
        raise ValidationError(
            {"recording": [_("Upload an MP3, WAV or M4A recording.")]}, code="invalid_extension"
        )
    if upload.size is None or upload.size == 0:
        raise ValidationError({"recording": [_("The file is empty.")]}, code="empty")
    if upload.size > recording_max_bytes():
        raise ValidationError(
            {
                "recording": [
                    _("The recording is larger than %(size)d MB.")
                    % {"size": settings.DCRC_RECORDING_MAX_MB}
                ]
            },
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not _looks_like(extension, head):
        raise ValidationError(
            {"recording": [_("The file is not a valid %(ext)s recording.") % {"ext": extension}]},
            code="invalid_content",
        )
    return extension


@transaction.atomic
def inbound_call_recording_attach(
    *, call: InboundCall, recording: UploadedFile, by: User | None = None
) -> InboundCall:
    """Attach (or replace) the recording of a call; stored under a random name, never public."""
    extension = recording_validate(recording)
    call = InboundCall.objects.select_for_update().get(pk=call.pk)
    previous = call.recording.name if call.recording else ""
    call.recording.save(f"{uuid.uuid4().hex}{extension}", recording, save=False)
    call.save(update_fields=["recording"])
    if previous:
        storage = call.recording.storage
        transaction.on_commit(lambda: storage.delete(previous))
    return call


# --- telephony events ----------------------------------------------------------------------


@dataclass(frozen=True)
class TelephonyEvent:
    """One event of the telephony system about one call (see docs/hotline-and-sms.md)."""

    call_id: str
    event: str  # ringing, answered, ended, voicemail
    caller: str
    at: datetime.datetime
    duration_seconds: int | None = None


@transaction.atomic
def telephony_event_record(*, dealer: Dealer, event: TelephonyEvent) -> tuple[InboundCall, bool]:
    """Create or update the call of a telephony event; (call, created).

    Idempotent by the telephony call id: an event delivered twice, or out of order, updates the
    same InboundCall. The first event's time is the time received; a voicemail event turns the
    call into a voicemail; an `ended` event records the duration.
    """
    call = (
        InboundCall.objects.select_for_update()
        .filter(dealer=dealer, external_id=event.call_id)
        .first()
    )
    created = False
    if call is None:
        try:
            with transaction.atomic():
                call = inbound_call_register(
                    dealer=dealer,
                    phone=event.caller,
                    kind=InboundKind.VOICEMAIL if event.event == "voicemail" else InboundKind.CALL,
                    received_at=min(event.at, timezone.now()),
                    external_id=event.call_id,
                )
                created = True
        except IntegrityError:
            # A concurrent delivery of the same call created it first.
            call = InboundCall.objects.select_for_update().get(
                dealer=dealer, external_id=event.call_id
            )
    changed = []
    if event.event == "voicemail" and call.kind != InboundKind.VOICEMAIL:
        call.kind = InboundKind.VOICEMAIL
        changed.append("kind")
    if event.at < call.received_at:
        # An earlier event (ringing) arrived after a later one: the call started then.
        call.received_at = event.at
        call.reply_deadline = reply_deadline_for(dealer_id=dealer.pk, received_at=event.at)
        changed += ["received_at", "reply_deadline"]
    if event.duration_seconds is not None and event.duration_seconds != call.duration_seconds:
        call.duration_seconds = event.duration_seconds
        changed.append("duration_seconds")
    if not call.phone and event.caller:
        call.phone = phone_canonical(event.caller)
        changed.append("phone")
    if changed:
        call.save(update_fields=changed)
    return call, created


# --- selectors -----------------------------------------------------------------------------


def _overdue(now: datetime.datetime) -> Q:
    return Q(state=InboundState.OPEN, reply_deadline__lt=now)


def inbound_calls(
    *,
    user: User,
    dealer: Dealer | None,
    state: str = "",
    call_type: str = "",
    kind: str = "",
    overdue: bool = False,
    phone: str = "",
    now: datetime.datetime | None = None,
) -> QuerySet[InboundCall]:
    """The call register as the list shows it, newest first; unknown filter values are ignored."""
    calls = InboundCall.objects.for_user(user, dealer).select_related(
        "dealer", "customer", "vehicle", "handler"
    )
    if overdue:
        calls = calls.filter(_overdue(now or timezone.now()))
    elif state in InboundState.values:
        calls = calls.filter(state=state)
    if call_type in InboundType.values:
        calls = calls.filter(call_type=call_type)
    if kind in InboundKind.values:
        calls = calls.filter(kind=kind)
    digits = normalize.phone_digits_query(phone)
    if len(digits) >= 7:
        calls = calls.filter(phone=phone_canonical(phone))
    return calls.order_by("-received_at", "-id")


def inbound_call_detail(*, user: User, pk: int) -> InboundCall:
    return (
        InboundCall.objects.for_user(user)
        .select_related("dealer", "customer", "vehicle", "handler", "replied_by")
        .get(pk=pk)
    )


def inbound_overdue_count(
    *, user: User, dealer: Dealer | None, now: datetime.datetime | None = None
) -> int:
    """Open calls and voicemails past their reply deadline (the nav badge): one indexed count."""
    return (
        InboundCall.objects.for_user(user, dealer).filter(_overdue(now or timezone.now())).count()
    )


def inbound_reply_summary(
    *, user: User, dealer: Dealer | None, now: datetime.datetime | None = None, limit: int = 5
) -> dict[str, Any]:
    """The CR manager's card: overdue and soon-due calls, and the oldest overdue ones."""
    now = now or timezone.now()
    calls = InboundCall.objects.for_user(user, dealer)
    overdue = calls.filter(_overdue(now))
    return {
        "overdue": overdue.count(),
        "due_soon": calls.filter(
            state=InboundState.OPEN, reply_deadline__gte=now, reply_deadline__lt=now + DUE_SOON
        ).count(),
        "open": calls.filter(state=InboundState.OPEN).count(),
        "oldest": list(
            overdue.select_related("customer", "handler").order_by("reply_deadline", "id")[:limit]
        ),
    }


def is_overdue(call: InboundCall, now: datetime.datetime | None = None) -> bool:
    return call.state == InboundState.OPEN and call.reply_deadline < (now or timezone.now())
