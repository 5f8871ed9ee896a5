"""Forms of settlement: pre-settlement (fees, discount), the cashier's payments, on account."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Fee, PaymentMethod
from .models import RepairOrder


def money(label, **kwargs) -> forms.DecimalField:
    kwargs.setdefault("required", False)
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
        **kwargs,
    )


class PresettleForm(forms.Form):
    """The advisor's pre-settlement: the fees and a settlement discount with its reason."""

    settlement_discount = money(_("Settlement discount"))
    settlement_discount_reason = forms.CharField(
        label=_("Discount reason"), max_length=200, required=False
    )

    def __init__(self, *args, order: RepairOrder, **kwargs):
        kwargs.setdefault(
            "initial",
            {fee: getattr(order, fee) for fee in Fee.values}
            | {
                "settlement_discount": order.settlement_discount,
                "settlement_discount_reason": order.settlement_discount_reason,
            },
        )
        super().__init__(*args, **kwargs)
        for fee in reversed(Fee):
            self.fields = {fee.value: money(fee.label)} | self.fields

    def fee_fields(self):
        return [self[fee] for fee in Fee.values]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "fees": {fee: data.get(fee) or Decimal("0") for fee in Fee.values},
            "discount": data.get("settlement_discount") or Decimal("0"),
            "discount_reason": data.get("settlement_discount_reason", ""),
        }


class PresettleUndoForm(forms.Form):
    reason = forms.CharField(label=_("Why undo the pre-settlement"), max_length=200)


class SettleForm(forms.Form):
    """The cashier's settlement: what the customer pays by each method, the invoice."""

    invoice_no = forms.CharField(label=_("Invoice no."), max_length=40, required=False)
    on_account_reason = forms.CharField(
        label=_("On account because"),
        max_length=200,
        required=False,
        help_text=_("Only when part of the amount stays unpaid (挂账)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {}
        for method in PaymentMethod:
            fields[method.value] = money(method.label)
            if method != PaymentMethod.CASH:
                fields[f"{method.value}_reference"] = forms.CharField(
                    label=_("Transaction reference"), max_length=60, required=False
                )
        self.fields = fields | self.fields

    def method_fields(self):
        return [
            (self[m], self[f"{m}_reference"] if m != PaymentMethod.CASH else None)
            for m in PaymentMethod.values
        ]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "payments": {m: data.get(m) for m in PaymentMethod.values if data.get(m)},
            "references": {
                m: data.get(f"{m}_reference", "")
                for m in PaymentMethod.values
                if data.get(f"{m}_reference")
            },
            "invoice_no": data.get("invoice_no", ""),
            "on_account_reason": data.get("on_account_reason", ""),
        }


class PaymentForm(forms.Form):
    """A payment towards an on-account balance."""

    method = forms.ChoiceField(
        label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.CASH
    )
    amount = money(_("Amount"), required=True)
    reference = forms.CharField(label=_("Transaction reference"), max_length=60, required=False)


class InvoiceForm(forms.Form):
    invoice_no = forms.CharField(label=_("Invoice no."), max_length=40)
