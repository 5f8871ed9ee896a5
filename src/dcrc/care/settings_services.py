"""Writes of the contact-center settings: one transaction each, invariants re-checked."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from dcrc.core.models import User

from .models import Campaign, CareRule, CareSettings, Holiday, InspectionRule, MaintenanceSchedule


def _apply(instance: models.Model, fields: dict[str, Any]) -> models.Model:
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def care_settings_update(*, dealer_id: int, by: User, **fields: Any) -> CareSettings:
    """Save a dealer's DCRC settings (call windows as [["09:00", "11:30"], …])."""
    settings, _created = CareSettings.objects.select_for_update().get_or_create(dealer_id=dealer_id)
    return _apply(settings, fields)


@transaction.atomic
def care_rule_update(*, rule: CareRule, by: User, **fields: Any) -> CareRule:
    return _apply(rule, fields)


@transaction.atomic
def dealer_setting_save(
    *,
    instance: MaintenanceSchedule | InspectionRule | Campaign,
    dealer_id: int,
    by: User,
    **fields: Any,
):
    """Create or change a maintenance schedule, an inspection rule or a campaign."""
    if instance.pk is None:
        instance.dealer_id = dealer_id
    return _apply(instance, fields)


@transaction.atomic
def holiday_save(*, instance: Holiday, dealer_id: int | None, by: User, **fields: Any) -> Holiday:
    """A dealer's holiday, or a national one (dealer_id None) — superusers only."""
    if dealer_id is None and not by.is_superuser:
        raise ValidationError({"national": [_("Only an administrator may edit national days.")]})
    instance.dealer_id = dealer_id
    return _apply(instance, fields)


@transaction.atomic
def dealer_setting_delete(*, instance: models.Model, by: User) -> None:
    """Delete a settings row; one still used by contact tasks stays (deactivate it instead)."""
    if isinstance(instance, Holiday) and instance.dealer_id is None and not by.is_superuser:
        raise ValidationError(_("Only an administrator may edit national days."))
    try:
        instance.delete()
    except ProtectedError:
        raise ValidationError(
            _("Contact tasks refer to it; deactivate it instead of deleting it.")
        ) from None
