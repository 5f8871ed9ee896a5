"""Reads of the customer archive shared by views, API, exports and reports."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from dcrc.core.models import Dealer, User
from dcrc.core.tenancy import scoped_dealer_ids

from . import normalize
from .choices import Activity, CustomerKind, SpendBand
from .models import Customer, SearchKey, ServiceVisit, Vehicle, VehicleOwnership

# How many keys one search reads at most per kind: bounds the work whatever the data size.
SEARCH_CANDIDATES = 500
_CJK = re.compile(r"[\u3400-\u9fff]")
_LETTERS = re.compile(r"^[a-z]+$")


def _prefix_range(prefix: str) -> Q:
    """key starts with `prefix`, written as a range so both databases use the b-tree index."""
    return Q(key__gte=prefix, key__lt=prefix + "\U0010ffff")


@dataclass(frozen=True)
class SearchPlan:
    """Which key prefixes to look up for a query, each with its rank (lower ranks first)."""

    ranges: list[tuple[str, int]]  # (prefix, rank of a prefix match)
    exact: dict[str, int]  # full key → rank of an exact match


def search_plan(query: str) -> SearchPlan:
    """Read the shape of what was typed in the one search box and decide what to look for."""
    text = normalize.normalize_text(query).lower().replace(" ", "")
    ranges: list[tuple[str, int]] = []
    exact: dict[str, int] = {}
    if not text:
        return SearchPlan(ranges, exact)
    digits = normalize.phone_digits_query(text)
    if digits and len(digits) >= 4 and len(digits) >= len(re.sub(r"[\s\-()+]", "", text)) - 4:
        # Phone numbers and their last 4+ digits.
        key = SearchKey.PHONE + digits[::-1]
        ranges.append((key, 3))
        if len(digits) >= 7:
            exact[key] = 0
    alnum = re.sub(r"[^0-9a-z]", "", text)
    if 6 <= len(alnum) <= 17 and not _CJK.search(text):
        # A full VIN, or its last 6 or 8 characters.
        key = SearchKey.VIN + alnum.upper()[::-1]
        ranges.append((key, 2))
        if len(alnum) == 17:
            exact[key] = 0
    plate = normalize.plate_query(query)
    if 2 <= len(plate) <= 8 and re.search(r"[A-Z]", plate[:1]) and plate.isalnum():
        key = SearchKey.PLATE + plate
        ranges.append((key, 2))
        if len(plate) >= 6:
            exact[key] = 0
    if _CJK.search(text):
        ranges.append((SearchKey.NAME + text, 4))
        exact[SearchKey.NAME + text] = 1
    elif _LETTERS.match(text):
        ranges.append((SearchKey.PINYIN + text, 5))
        exact[SearchKey.PINYIN + text] = 1
        if len(text) <= 5:
            ranges.append((SearchKey.INITIALS + text, 5))
            exact[SearchKey.INITIALS + text] = 1
    return SearchPlan(ranges, exact)


def customer_search_ids(*, dealer_ids: list[int], query: str) -> list[int]:
    """Customer ids matching `query`, best first; at most SEARCH_CANDIDATES per kind."""
    plan = search_plan(query.replace("\x00", ""))  # PostgreSQL text cannot hold NUL
    best: dict[int, tuple[int, str]] = {}
    for prefix, rank in plan.ranges:
        rows = (
            SearchKey.objects.filter(dealer_id__in=dealer_ids)
            .filter(_prefix_range(prefix))
            .order_by("key")
            .values_list("customer_id", "key")[:SEARCH_CANDIDATES]
        )
        for customer_id, key in rows:
            score = (plan.exact.get(key, rank), key)
            if customer_id not in best or score < best[customer_id]:
                best[customer_id] = score
    return sorted(best, key=lambda customer_id: (best[customer_id], customer_id))


def customer_list_queryset(*, user: User, dealer: Dealer | None = None) -> QuerySet[Customer]:
    return (
        Customer.objects.for_user(user, dealer)
        .current()
        .select_related("membership_level", "dealer")
        .prefetch_related(
            Prefetch("vehicles", queryset=Vehicle.objects.only("id", "owner_id", "plate", "vin"))
        )
    )


def customers_by_ids(*, user: User, ids: list[int]) -> list[Customer]:
    """Customers in the order of `ids` (a search result), tenancy applied."""
    found = {c.pk: c for c in customer_list_queryset(user=user).filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def customer_activity(customer: Customer, today: datetime.date | None = None) -> str:
    """Active within 6 months of the last visit, dormant within 12, lost beyond."""
    if not customer.last_visit_date:
        return Activity.NEW
    today = today or timezone.localdate()
    days = (today - customer.last_visit_date).days
    if days <= 183:
        return Activity.ACTIVE
    if days <= 365:
        return Activity.DORMANT
    return Activity.LOST


def customer_detail(*, user: User, pk: int) -> Customer:
    """The customer 360 in a fixed number of queries, whatever the history's length."""
    return (
        Customer.objects.for_user(user)
        .select_related("dealer", "membership_level", "merged_into", "created_by")
        .prefetch_related(
            Prefetch("vehicles", queryset=Vehicle.objects.order_by("-purchase_date", "id")),
            Prefetch(
                "ownerships",
                queryset=VehicleOwnership.objects.select_related("vehicle", "recorded_by"),
            ),
        )
        .get(pk=pk)
    )


def customer_yearly_spend(
    *, customer: Customer, today: datetime.date | None = None
) -> tuple[Decimal, str]:
    """Spend of the last 12 months and its band of the DCRC reports (domain §9)."""
    today = today or timezone.localdate()
    spend = ServiceVisit.objects.filter(
        customer=customer, visit_date__gt=today - datetime.timedelta(days=365)
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    if spend <= 500:
        band = SpendBand.UP_TO_500
    elif spend <= 1000:
        band = SpendBand.UP_TO_1000
    elif spend <= 3000:
        band = SpendBand.UP_TO_3000
    else:
        band = SpendBand.ABOVE_3000
    return spend, band


def customer_visits(*, customer: Customer, limit: int = 50) -> list[ServiceVisit]:
    return list(
        ServiceVisit.objects.filter(customer=customer)
        .select_related("vehicle")
        .order_by("-visit_date", "-id")[:limit]
    )


def vehicle_previous_owners(*, customer: Customer) -> list[VehicleOwnership]:
    """Ownership periods of this customer's vehicles, including other owners before them."""
    return list(
        VehicleOwnership.objects.filter(vehicle__owner=customer)
        .exclude(customer=customer)
        .select_related("customer", "vehicle")
    )


def customer_possible_duplicates(*, customer: Customer, limit: int = 5) -> list[Customer]:
    """Other customers of the dealer with the same mobile or ID number."""
    condition = Q()
    if customer.mobile:
        condition |= Q(mobile=customer.mobile)
    if customer.id_number:
        condition |= Q(id_number=customer.id_number)
    if not condition:
        return []
    return list(
        Customer.objects.filter(dealer_id=customer.dealer_id)
        .current()
        .filter(condition)
        .exclude(pk=customer.pk)
        .order_by("id")[:limit]
    )


def archive_figures(*, user: User, dealer: Dealer | None) -> dict[str, int]:
    """Headline counts of the home page, each one indexed count."""
    today = timezone.localdate()
    customers = Customer.objects.for_user(user, dealer).current()
    return {
        "customers": customers.count(),
        "vehicles": Vehicle.objects.for_user(user, dealer).count(),
        "visits_30d": ServiceVisit.objects.for_user(user, dealer)
        .filter(visit_date__gt=today - datetime.timedelta(days=30))
        .count(),
        "lost": customers.filter(last_visit_date__lt=today - datetime.timedelta(days=365)).count(),
    }


def customers_with_activity(customers: QuerySet[Customer], activity: str) -> QuerySet[Customer]:
    """Filter by the activity class of customer_activity(), in SQL."""
    today = timezone.localdate()
    half_year, year = today - datetime.timedelta(days=183), today - datetime.timedelta(days=365)
    if activity == Activity.NEW:
        return customers.filter(last_visit_date__isnull=True)
    if activity == Activity.ACTIVE:
        return customers.filter(last_visit_date__gte=half_year)
    if activity == Activity.DORMANT:
        return customers.filter(last_visit_date__lt=half_year, last_visit_date__gte=year)
    return customers.filter(last_visit_date__lt=year)


def customer_archive(
    *, user: User, dealer: Dealer | None, query: str = "", kind: str = "", activity: str = ""
) -> list[int] | QuerySet[Customer]:
    """What the archive list and its export show: ranked ids of a search, else the filtered
    archive newest first. Unknown filter values are ignored."""
    if query:
        return customer_search_ids(dealer_ids=scoped_dealer_ids(user, dealer), query=query)
    customers = customer_list_queryset(user=user, dealer=dealer)
    if kind in CustomerKind.values:
        customers = customers.filter(kind=kind)
    if activity in Activity.values:
        customers = customers_with_activity(customers, activity)
    return customers.order_by("-id")


LOOKUP_LIMIT = 8


@dataclass
class CustomerLookup:
    """The customers matching what was typed, and the vehicle to pick when a plate matched
    (complaint intake, reception, appointments)."""

    query: str
    customers: list[Customer]
    plate: str = ""

    @property
    def phone(self) -> str:
        """The digits typed when they look like a phone number (for an unknown caller)."""
        digits = re.sub(r"[\s\-()+]", "", self.query)
        return digits if digits.isdigit() and len(digits) >= 7 else ""

    @property
    def plate_vehicle_ids(self) -> set[int]:
        """The vehicles whose plate is the one typed: ticked at once."""
        if len(self.plate) < 5:
            return set()
        return {
            vehicle.pk
            for customer in self.customers
            for vehicle in customer.vehicles.all()
            if vehicle.plate and normalize.plate_query(vehicle.plate) == self.plate
        }


def customer_lookup(
    *, dealer_ids: list[int], query: str, chosen: int | None = None
) -> CustomerLookup:
    """The customers of these dealers found by phone number, plate, VIN or name, with their
    vehicles (the chosen one first): a bounded index read and two queries, whatever the
    archive's size."""
    query = query.strip()[:50]
    ids = customer_search_ids(dealer_ids=dealer_ids, query=query)[:LOOKUP_LIMIT] if query else []
    if chosen is not None:
        ids = [chosen, *(pk for pk in ids if pk != chosen)]
    customers: list[Customer] = []
    if ids:
        found = (
            Customer.objects.filter(pk__in=ids, dealer_id__in=dealer_ids, merged_into__isnull=True)
            .select_related("dealer")
            .prefetch_related(
                Prefetch(
                    "vehicles",
                    queryset=Vehicle.objects.only(
                        "id", "owner_id", "plate", "vin", "brand", "series", "model_year"
                    ).order_by("-purchase_date", "id"),
                )
            )
            .in_bulk()
        )
        customers = [found[pk] for pk in ids if pk in found]
    return CustomerLookup(query=query, customers=customers, plate=normalize.plate_query(query))
