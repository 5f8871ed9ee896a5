from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DCRC_AGENT = "dcrc_agent", _("DCRC agent")
    CR_MANAGER = "cr_manager", _("Customer relations manager")
    ARCHIVE_ADMIN = "archive_admin", _("Customer archive administrator")
    SERVICE_ADVISOR = "service_advisor", _("Service advisor")
    DISPATCHER = "dispatcher", _("Workshop dispatcher")
    TECHNICIAN = "technician", _("Technician")
    QC_INSPECTOR = "qc_inspector", _("QC inspector")
    WAREHOUSE_KEEPER = "warehouse_keeper", _("Warehouse keeper")
    CASHIER = "cashier", _("Cashier")
    SALES_CONSULTANT = "sales_consultant", _("Sales consultant")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    GENERAL_MANAGER = "general_manager", _("General manager")
    GROUP_MANAGER = "group_manager", _("Dealer group manager")
    REGIONAL_MANAGER = "regional_manager", _("Manufacturer regional manager")
    MANUFACTURER_CRC = "manufacturer_crc", _("Manufacturer CRC")


class AccessAction(models.TextChoices):
    UNMASK = "unmask", _("Viewed unmasked personal data")
    EXPORT = "export", _("Exported personal data")
    API_READ = "api_read", _("Read personal data through the API")
