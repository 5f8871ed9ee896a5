"""Reads shared by views, API and reports: who may see which dealer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from .models import Dealer

if TYPE_CHECKING:
    from .models import User


def dealer_ids_for_user(user: User) -> frozenset[int]:
    """The dealers a user may see: their own, their group's, or their maker's region."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(Dealer.objects.values_list("id", flat=True))
    condition = Q(staff=user)
    if user.dealer_group_id:
        condition |= Q(group_id=user.dealer_group_id)
    if user.manufacturer_id:
        region = Q(region=user.region) if user.region else Q()
        condition |= Q(manufacturer_id=user.manufacturer_id) & region
    return frozenset(Dealer.objects.filter(condition).values_list("id", flat=True).distinct())


def dealers_for_user(user: User):
    return Dealer.objects.filter(id__in=sorted(user.dealer_ids)).order_by("code")
