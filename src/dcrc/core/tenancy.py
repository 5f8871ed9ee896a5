"""The one place where tenancy is enforced: every dealer-owned row is read through for_user()."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .models import Dealer, User


def scoped_dealer_ids(user: User, dealer: Dealer | None = None) -> list[int]:
    """The dealers the user may see, narrowed to `dealer` when given (the dealer switcher)."""
    ids = user.dealer_ids
    if dealer is not None:
        ids = ids & {dealer.pk}
    return sorted(ids)


class DealerScopedQuerySet(models.QuerySet):
    def for_user(self, user: User, dealer: Dealer | None = None):
        """Rows of the dealers the user may see; narrowed to one dealer when given."""
        return self.filter(dealer_id__in=scoped_dealer_ids(user, dealer))

    def for_dealer(self, dealer: Dealer):
        return self.filter(dealer=dealer)


class DealerOwned(models.Model):
    """Abstract base of every business row: it belongs to exactly one dealer."""

    dealer = models.ForeignKey("core.Dealer", on_delete=models.PROTECT, verbose_name=_("dealer"))

    objects = DealerScopedQuerySet.as_manager()

    class Meta:
        abstract = True
