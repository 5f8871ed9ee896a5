"""Reads shared by views, API and reports: who may see which dealer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from .models import Dealer

if TYPE_CHECKING:
    from .models import User


def dealers_visible_to(user: User) -> QuerySet[Dealer]:
    """The dealers a user may see: their own, their group's, or their maker's region."""
    if not user.is_authenticated or not user.is_active:
        return Dealer.objects.none()
    if user.is_superuser:
        return Dealer.objects.order_by("code")
    condition = Q(staff=user)
    if user.dealer_group_id:
        condition |= Q(group_id=user.dealer_group_id)
    if user.manufacturer_id:
        region = Q(region=user.region) if user.region else Q()
        condition |= Q(manufacturer_id=user.manufacturer_id) & region
    return Dealer.objects.filter(condition).distinct().order_by("code")


def dealer_ids_for_user(user: User) -> frozenset[int]:
    return frozenset(dealers_visible_to(user).values_list("id", flat=True))


def dealers_for_user(user: User) -> QuerySet[Dealer]:
    return Dealer.objects.filter(id__in=sorted(user.dealer_ids)).order_by("code")
