from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "dcrc.customers"
    label = "customers"
    verbose_name = _("Customer archive")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        for model in (models.Customer, models.Vehicle, models.ServiceVisit):
            auditlog.register(model, exclude_fields=["updated_at"])
