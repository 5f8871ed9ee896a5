"""Reads of complaints shared by the intake form, the complaint page and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from dcrc.care.choices import Problem, TaskKind
from dcrc.care.history import HistoryPage, customer_contact_history
from dcrc.care.models import ContactTask, InboundCall
from dcrc.core.models import Dealer, User
from dcrc.core.tenancy import scoped_dealer_ids
from dcrc.customers.models import Customer, ServiceVisit, Vehicle
from dcrc.customers.selectors import customer_visits

from .choices import Category, Channel, Department
from .models import Complaint, ComplaintEvent
from .rules import HANDLER_ROLES, MANUFACTURER_ROLES

HISTORY_LIMIT = 10

# What a problem heard on a callback most likely is as a complaint: (category, department).
PROBLEM_GUESS: dict[str, tuple[str, str]] = {
    Problem.RECEPTION: (Category.SERVICE_ATTITUDE, Department.SERVICE),
    Problem.WAITING: (Category.WAITING_TIME, Department.WORKSHOP),
    Problem.REPAIR_QUALITY: (Category.REPAIR_QUALITY, Department.WORKSHOP),
    Problem.PRODUCT_QUALITY: (Category.PRODUCT_QUALITY, Department.MANUFACTURER),
    Problem.PRICE: (Category.PRICE, Department.SERVICE),
    Problem.ATTITUDE: (Category.SERVICE_ATTITUDE, Department.SERVICE),
    Problem.PARTS: (Category.PARTS_AVAILABILITY, Department.PARTS),
    Problem.CLEANLINESS: (Category.REPAIR_QUALITY, Department.WORKSHOP),
    Problem.EXPLANATION: (Category.SERVICE_ATTITUDE, Department.SERVICE),
    Problem.OTHER: (Category.OTHER, Department.OTHER),
}


# --- intake ---------------------------------------------------------------------------------


@dataclass
class IntakePrefill:
    """What the intake form starts with when opened from a call, a callback, a visit or a
    customer; the linked rows are the user's dealers' (DoesNotExist otherwise)."""

    dealer: Dealer | None = None
    customer: Customer | None = None
    vehicle: Vehicle | None = None
    inbound_call: InboundCall | None = None
    contact_task: ContactTask | None = None
    service_visit: ServiceVisit | None = None
    initial: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> InboundCall | ContactTask | ServiceVisit | Customer | None:
        return self.inbound_call or self.contact_task or self.service_visit or self.customer


def _digit(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def intake_prefill(*, user: User, dealer: Dealer | None, params) -> IntakePrefill:
    """Read ?call=, ?task=, ?visit= or ?customer= (the first given) into a prefilled draft."""
    dealer_ids = scoped_dealer_ids(user, dealer)
    prefill = IntakePrefill()
    initial = prefill.initial
    if (pk := _digit(params.get("call"))) is not None:
        call = InboundCall.objects.select_related("customer", "vehicle", "dealer").get(
            pk=pk, dealer_id__in=dealer_ids
        )
        prefill.inbound_call, prefill.dealer = call, call.dealer
        prefill.customer, prefill.vehicle = call.customer, call.vehicle
        initial.update(
            channel=Channel.HOTLINE,
            contact_name=call.caller_name,
            contact_phone=call.phone,
            lookup=call.phone,
            description=call.content,
            subject=_first_line(call.content),
        )
    elif (pk := _digit(params.get("task"))) is not None:
        task = ContactTask.objects.select_related(
            "customer", "vehicle", "dealer", "source_visit", "source_task"
        ).get(pk=pk, dealer_id__in=dealer_ids)
        # A follow-up stands for the callback that raised it: the complaint links the callback.
        callback = (
            task.source_task if task.kind == TaskKind.FOLLOW_UP and task.source_task else task
        )
        prefill.contact_task, prefill.dealer = callback, task.dealer
        prefill.customer, prefill.vehicle = task.customer, task.vehicle
        prefill.service_visit = task.source_visit or callback.source_visit
        problems = list(task.problems or callback.problems or [])
        if problems and problems[0] in PROBLEM_GUESS:
            initial["category"], initial["department"] = PROBLEM_GUESS[problems[0]]
        heard = "、".join(str(Problem(p).label) for p in problems if p in Problem.values)
        notes = "\n".join(filter(None, [callback.notes, task.notes if task != callback else ""]))
        initial.update(
            channel=Channel.CALLBACK,
            subject=(task.subject or heard or str(callback.get_kind_display()))[:200],
            description="\n".join(filter(None, [heard, notes])),
        )
    elif (pk := _digit(params.get("visit"))) is not None:
        visit = ServiceVisit.objects.select_related("customer", "vehicle", "dealer").get(
            pk=pk, dealer_id__in=dealer_ids
        )
        prefill.service_visit, prefill.dealer = visit, visit.dealer
        prefill.customer, prefill.vehicle = visit.customer, visit.vehicle
        initial.update(channel=Channel.ON_SITE, repair_order_no=visit.repair_order_no)
    elif (pk := _digit(params.get("customer"))) is not None:
        customer = Customer.objects.select_related("dealer").get(pk=pk, dealer_id__in=dealer_ids)
        prefill.customer, prefill.dealer = customer, customer.dealer
    if prefill.customer is not None:
        initial.setdefault("lookup", prefill.vehicle.plate if prefill.vehicle else "")
        if not initial["lookup"]:
            initial["lookup"] = prefill.customer.mobile or prefill.customer.name
    return prefill


def _first_line(text: str, limit: int = 60) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line[:limit]


def dealer_handlers(*, dealer_ids: list[int]) -> QuerySet[User]:
    """The dealer's people who may own a complaint."""
    return (
        User.objects.filter(dealers__in=dealer_ids, role__in=list(HANDLER_ROLES), is_active=True)
        .exclude(role__in=list(MANUFACTURER_ROLES))
        .distinct()
        .order_by("role", "display_name", "username")
    )


# --- the complaint page ---------------------------------------------------------------------


def complaint_for_user(*, user: User, pk: int) -> Complaint:
    """One complaint the user may see (manufacturer staff: escalated ones only), with what its
    page shows in one query; Complaint.DoesNotExist for anyone else's."""
    return (
        Complaint.objects.visible_to(user)
        .select_related(
            "dealer",
            "customer",
            "vehicle",
            "owner",
            "crc_owner",
            "regional_owner",
            "registered_by",
            "inbound_call",
            "contact_task",
            "service_visit",
            "follow_up_task__assignee",
            "follow_up_task__closed_by",
        )
        .get(pk=pk)
    )


def complaint_events(*, complaint: Complaint) -> list[ComplaintEvent]:
    return list(complaint.events.select_related("by").order_by("at", "pk"))


@dataclass
class CustomerHistory:
    complaints: list[Complaint]
    visits: list[ServiceVisit]
    contacts: HistoryPage | None


def complaint_customer_history(*, complaint: Complaint, user: User) -> CustomerHistory:
    """The customer's earlier complaints, last service visits and contact history, each bounded:
    a fixed number of queries whatever the customer's past."""
    customer = complaint.customer
    if customer is None:
        return CustomerHistory(complaints=[], visits=[], contacts=None)
    complaints = list(
        Complaint.objects.visible_to(user)
        .filter(customer=customer)
        .exclude(pk=complaint.pk)
        .order_by("-registered_at", "-pk")[:HISTORY_LIMIT]
    )
    return CustomerHistory(
        complaints=complaints,
        visits=customer_visits(customer=customer, limit=HISTORY_LIMIT),
        contacts=customer_contact_history(customer=customer, with_complaints=False),
    )
