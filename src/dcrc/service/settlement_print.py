"""Printouts of a repair order as A4 PDF (weasyprint, Noto Sans CJK SC through fontconfig, as
the complaints' meeting minutes): the repair order (任务委托书), the estimate (估价单) with the
customer's signature and the settlement statement (结算单).

They carry the customer's name and phone: the view that serves them records the export in the
personal-data access log.
"""

from __future__ import annotations

from django.db.models import TextChoices
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import OrderState
from .models import RepairOrder
from .settlement import money_rows


class Printout(TextChoices):
    ORDER = "order", _("Repair order")
    ESTIMATE = "estimate", _("Estimate")
    STATEMENT = "statement", _("Settlement statement")


def printout_order(*, order_id: int) -> RepairOrder:
    """The order with everything a printout shows, read in four queries."""
    return (
        RepairOrder.objects.select_related(
            "dealer", "customer", "vehicle", "advisor", "presettled_by", "settled_by"
        )
        .prefetch_related("job_lines", "part_lines", "payments")
        .get(pk=order_id)
    )


def printout_html(*, order: RepairOrder, kind: str) -> str:
    kind = Printout(kind)
    return render_to_string(
        f"service/settlement/print/{kind.value}.html",
        {
            "order": order,
            "kind": kind,
            "title": kind.label,
            "rows": money_rows(order),
            "settled": order.state in (OrderState.SETTLED, OrderState.RELEASED),
            "printed_at": timezone.localtime(),
        },
    )


def printout_pdf(*, order: RepairOrder, kind: str) -> bytes:
    import weasyprint  # imported here: it loads pango, which only the printouts need

    return weasyprint.HTML(string=printout_html(order=order, kind=kind)).write_pdf()
