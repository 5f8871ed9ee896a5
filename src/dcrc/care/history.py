"""A customer's contact history for the 360 page: tasks with their dials, SMS, hotline calls
and complaints.

One timeline, newest first, read a page at a time in a fixed number of queries whatever its
length: one UNION query picks the page's rows of the four tables by time, then each table's
rows of the page are read by id (tasks with their attempts and agents); a table with no row on
the page costs no query.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import CharField, F, Prefetch, Value
from django.db.models.functions import Coalesce

from dcrc.customers.models import Customer

from .models import CallAttempt, ContactTask, InboundCall, SmsMessage

if TYPE_CHECKING:
    from dcrc.complaints.models import Complaint

PAGE_SIZE = 10
TASK, SMS, CALL, COMPLAINT = "task", "sms", "call", "complaint"


@dataclass
class HistoryEntry:
    type: str  # TASK, SMS, CALL or COMPLAINT
    at: datetime.datetime
    item: ContactTask | SmsMessage | InboundCall | Complaint


@dataclass
class HistoryPage:
    entries: list[HistoryEntry]
    number: int
    has_next: bool
    with_complaints: bool = True

    @property
    def next_number(self) -> int:
        return self.number + 1


def customer_contact_history(
    *,
    customer: Customer,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    with_complaints: bool = True,
) -> HistoryPage:
    """Page `page` (from 1) of the customer's contacts, newest first.

    A task stands at the time it closed, or was created while it is open. The complaint page,
    which lists the customer's complaints apart, leaves them out (`with_complaints=False`).
    """
    from dcrc.complaints.models import Complaint

    page = max(1, page)
    scope = {"dealer_id": customer.dealer_id, "customer_id": customer.pk}

    def rows(queryset, type_: str, moment):
        return (
            queryset.filter(**scope)
            .annotate(entry_type=Value(type_, output_field=CharField()), entry_at=moment)
            .values_list("entry_type", "pk", "entry_at")
        )

    others = [
        rows(SmsMessage.objects.order_by(), SMS, F("created_at")),
        rows(InboundCall.objects.order_by(), CALL, F("received_at")),
    ]
    if with_complaints:
        others.append(rows(Complaint.objects.order_by(), COMPLAINT, F("registered_at")))
    timeline = (
        rows(ContactTask.objects.order_by(), TASK, Coalesce("closed_at", "created_at"))
        .union(*others, all=True)
        .order_by("-entry_at", "-pk")
    )
    start = (page - 1) * page_size
    picked = list(timeline[start : start + page_size + 1])
    has_next = len(picked) > page_size
    picked = picked[:page_size]
    ids = {TASK: [], SMS: [], CALL: [], COMPLAINT: []}
    for type_, pk, _at in picked:
        ids[type_].append(pk)
    items = {
        TASK: ContactTask.objects.select_related("vehicle", "assignee", "closed_by")
        .prefetch_related(
            Prefetch(
                "attempts", queryset=CallAttempt.objects.select_related("agent").order_by("at")
            )
        )
        .in_bulk(ids[TASK]),
        SMS: SmsMessage.objects.select_related("created_by").in_bulk(ids[SMS]),
        CALL: InboundCall.objects.select_related("handler", "vehicle").in_bulk(ids[CALL]),
        COMPLAINT: Complaint.objects.select_related("owner", "vehicle").in_bulk(ids[COMPLAINT]),
    }
    entries = [
        HistoryEntry(type=type_, at=at, item=items[type_][pk])
        for type_, pk, at in picked
        if pk in items[type_]
    ]
    return HistoryPage(
        entries=entries, number=page, has_next=has_next, with_complaints=with_complaints
    )
