"""Writes of a dealer's complaint settings: one transaction, invariants re-checked."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dcrc.core.models import Dealer, User

from .models import ComplaintSettings

HOURS_FIELDS = (
    "first_response_hours",
    "resolution_hours_low",
    "resolution_hours_medium",
    "resolution_hours_high",
    "resolution_hours_critical",
)
EDITABLE = (
    *HOURS_FIELDS,
    "business_hours_start",
    "business_hours_end",
    "large_loss_amount",
    "manufacturer_email",
    "notify_by_email",
    "notify_by_sms",
)
MIN_HOURS, MAX_HOURS = 1, 720


@transaction.atomic
def complaint_settings_update(*, dealer: Dealer, by: User, **fields: Any) -> ComplaintSettings:
    """Save a dealer's deadlines (1–720 hours each), large-loss amount and notice channels.

    Deadlines already set on registered complaints stay as they were: the new hours apply to
    complaints registered from now on.
    """
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not complaint settings: {', '.join(sorted(unknown))}")
    errors: dict[str, list[str]] = {}
    for name in HOURS_FIELDS:
        value = fields.get(name)
        if value is not None and not MIN_HOURS <= value <= MAX_HOURS:
            errors[name] = [
                _("Enter a whole number from %(low)s to %(high)s.")
                % {"low": MIN_HOURS, "high": MAX_HOURS}
            ]
    opens, closes = fields.get("business_hours_start"), fields.get("business_hours_end")
    if opens is not None and closes is not None and closes <= opens:
        errors["business_hours_end"] = [_("The end must come after the start.")]
    amount = fields.get("large_loss_amount")
    if amount is not None and amount <= 0:
        errors["large_loss_amount"] = [_("Enter an amount above zero.")]
    if errors:
        raise ValidationError(errors)
    settings, _created = ComplaintSettings.objects.select_for_update().get_or_create(
        dealer_id=dealer.pk
    )
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    return settings
