"""Export of a customer list or search result to XLSX (streamed, constant memory)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import xlsxwriter
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dcrc.core.models import User

from . import normalize
from .models import Customer, Vehicle

# A spreadsheet row limit that keeps an export a report, not a copy of the archive.
EXPORT_LIMIT = 100_000
BATCH = 2000


def _columns():
    return [
        _("Owner code"),
        _("Name"),
        _("Customer type"),
        _("Mobile"),
        _("Home phone"),
        _("Office phone"),
        _("Plates"),
        _("VINs"),
        _("Last visit"),
        _("Visits"),
        _("Total spend"),
        _("Membership level"),
        _("Address"),
    ]


def customers_to_xlsx(*, user: User, result: QuerySet[Customer] | list[int]) -> tuple[Path, int]:
    """Write the customers of a list (queryset) or search (ids) to a temporary XLSX file.

    Phone numbers are masked unless the user may reveal them. Returns (path, row count).
    """
    reveal = user.has_perm("customers.reveal_phone")
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as handle:
        path = Path(handle.name)
    # Names and addresses are text: "=HYPERLINK(…)" typed by someone must not become a formula.
    workbook = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_formulas": False}
    )
    sheet = workbook.add_worksheet(_("Customers"))
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, _columns(), bold)
    sheet.set_column(0, 12, 16)
    show = normalize.format_phone if reveal else normalize.mask_phone
    row = 0
    for chunk in _chunks(user, result):
        vehicles: dict[int, list[tuple[str, str]]] = {}
        for owner_id, plate, vin in Vehicle.objects.filter(
            owner_id__in=[c.pk for c in chunk]
        ).values_list("owner_id", "plate", "vin"):
            vehicles.setdefault(owner_id, []).append((plate, vin))
        for customer in chunk:
            row += 1
            owned = vehicles.get(customer.pk, [])
            sheet.write_row(
                row,
                0,
                [
                    customer.owner_code,
                    customer.name,
                    customer.get_kind_display(),
                    show(customer.mobile) if customer.mobile else "",
                    show(customer.home_phone) if customer.home_phone else "",
                    show(customer.office_phone) if customer.office_phone else "",
                    " ".join(plate for plate, _vin in owned if plate),
                    " ".join(vin for _plate, vin in owned),
                    customer.last_visit_date.isoformat() if customer.last_visit_date else "",
                    customer.visit_count,
                    float(customer.total_spend),
                    customer.membership_level.name if customer.membership_level else "",
                    customer.address,
                ],
            )
    workbook.close()
    return path, row


def _chunks(user: User, result):
    base = Customer.objects.for_user(user).select_related("membership_level")
    if isinstance(result, list):
        ids = result[:EXPORT_LIMIT]
        for start in range(0, len(ids), BATCH):
            part = ids[start : start + BATCH]
            found = base.in_bulk(part)
            yield [found[pk] for pk in part if pk in found]
        return
    last_id = None
    remaining = EXPORT_LIMIT
    queryset = result.prefetch_related(None).order_by("-id")
    while remaining > 0:
        page = queryset if last_id is None else queryset.filter(id__lt=last_id)
        chunk = list(page.select_related("membership_level")[: min(BATCH, remaining)])
        if not chunk:
            return
        yield chunk
        last_id = chunk[-1].pk
        remaining -= len(chunk)
