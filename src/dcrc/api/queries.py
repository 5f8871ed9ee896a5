"""Reads the API needs beyond the app selectors; tenancy through for_user() and user.dealer_ids."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dcrc.core.models import Dealer, User
from dcrc.core.selectors import dealers_for_user
from dcrc.customers import normalize, selectors
from dcrc.customers.models import SearchKey, Vehicle


def dealer_by_ref(*, user: User, ref: int | str) -> Dealer | None:
    """One of the user's dealers by id or code; None for any other (whether it exists or not)."""
    if isinstance(ref, int):
        condition = Q(pk=ref)
    else:
        condition = Q(code=ref)
        if ref.isdecimal() and len(ref) < 19:
            condition |= Q(pk=int(ref))
    return dealers_for_user(user).filter(condition).order_by("code").first()


def vehicle_list_queryset(*, user: User, dealer: Dealer | None = None) -> QuerySet[Vehicle]:
    return Vehicle.objects.for_user(user, dealer).select_related("dealer", "owner")


def vehicle_search_ids(*, dealer_ids: list[int], query: str) -> list[int]:
    """Vehicles found by the one search box, best first.

    The owners come from the customer search (bounded by SEARCH_CANDIDATES per kind). A vehicle
    whose VIN or plate matches the query is listed; of an owner found by name or phone, every
    vehicle is; an owner found through one vehicle does not bring along its other ones.
    """
    owner_ids = selectors.customer_search_ids(dealer_ids=dealer_ids, query=query)
    if not owner_ids:
        return []
    rank = {owner_id: position for position, owner_id in enumerate(owner_ids)}
    prefixes = tuple(
        prefix
        for prefix, _ in selectors.search_plan(query).ranges
        if prefix[0] in (SearchKey.VIN, SearchKey.PLATE)
    )
    rows = Vehicle.objects.filter(dealer_id__in=dealer_ids, owner_id__in=owner_ids).values_list(
        "id", "owner_id", "vin", "plate"
    )

    def matches(vin: str, plate: str) -> bool:
        keys = [SearchKey.VIN + vin[::-1]]
        if plate:
            keys.append(SearchKey.PLATE + normalize.plate_key(plate))
        return any(key.startswith(prefixes) for key in keys)

    found = [
        (pk, owner_id, bool(prefixes) and matches(vin, plate)) for pk, owner_id, vin, plate in rows
    ]
    owners_found_by_vehicle = {owner_id for _, owner_id, matched in found if matched}
    chosen = [
        (rank[owner_id], pk)
        for pk, owner_id, matched in found
        if matched or owner_id not in owners_found_by_vehicle
    ]
    return [pk for _, pk in sorted(chosen)]
