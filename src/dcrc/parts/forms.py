"""Forms of the parts warehouse: each bad input answers a message on its field, never a 500."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from dcrc.core.forms import date_in_range

from .catalogue import PART_FIELDS
from .choices import OldPartDisposition
from .models import Part, Warehouse

QUANTITY = {
    "max_digits": 10,
    "decimal_places": 2,
    "min_value": Decimal("0.01"),
    "error_messages": {
        "invalid": _("Enter a quantity above zero."),
        "min_value": _("Enter a quantity above zero."),
        "max_digits": _("The quantity is too large."),
        "max_whole_digits": _("The quantity is too large."),
        "max_decimal_places": _("Quantities have at most two decimals."),
    },
}


def quantity_field(**kwargs) -> forms.DecimalField:
    options = {**QUANTITY, **kwargs}
    options.setdefault("label", _("Quantity"))
    return forms.DecimalField(
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}), **options
    )


class PartCodeField(forms.CharField):
    """A part typed by its part no. (scanned or typed), found in the dealers given."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Part no."))
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)
        self.dealer_ids: list[int] = []
        self.widget.attrs.update({"autocomplete": "off", "list": "parts-datalist"})

    def clean(self, value):
        code = (super().clean(value) or "").strip().upper()
        if not code:
            return None
        part = Part.objects.filter(dealer_id__in=self.dealer_ids, code__iexact=code).first()
        if part is None:
            raise forms.ValidationError(_("No part %(code)s in the catalogue.") % {"code": code})
        return part


class PartForm(forms.ModelForm):
    class Meta:
        model = Part
        fields = PART_FIELDS
        widgets = {"origin": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["autofocus"] = True
        for name in ("sale_price", "cost_price", "low_stock_threshold"):
            self.fields[name].widget.attrs.update({"step": "0.01", "min": "0"})
            # Per field, before the table's check constraint would answer for the whole form.
            self.fields[name].validators.append(
                MinValueValidator(0, message=_("Enter an amount of zero or more."))
            )

    def validate_unique(self):
        """The part no. is checked by the service (per dealer, which the form does not hold)."""


class ReceiveForm(forms.Form):
    part = PartCodeField()
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"), queryset=Warehouse.objects.none(), empty_label=None
    )
    bin = forms.CharField(
        label=_("Bin"), max_length=20, required=False, help_text=_("Empty: the part's shelf.")
    )
    quantity = quantity_field()
    unit_cost = forms.DecimalField(
        label=_("Unit cost"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("Empty: the catalogue's cost price."),
    )
    reference = forms.CharField(label=_("Delivery note no."), max_length=50, required=False)
    supplier = forms.CharField(label=_("Supplier"), max_length=100, required=False)

    def __init__(self, *args, dealer_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].dealer_ids = dealer_ids
        self.fields["warehouse"].queryset = Warehouse.objects.filter(
            dealer_id__in=dealer_ids
        ).order_by("dealer_id", "-is_default", "code")

    def clean(self):
        data = super().clean()
        part, warehouse = data.get("part"), data.get("warehouse")
        if part and warehouse and part.dealer_id != warehouse.dealer_id:
            self.add_error("warehouse", _("Choose a warehouse of this dealer."))
        return data


class IssueForm(forms.Form):
    quantity = quantity_field()


class ReturnForm(forms.Form):
    quantity = quantity_field()
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ExchangeForm(forms.Form):
    quantity = quantity_field()
    reason = forms.CharField(label=_("Reason"), max_length=200)
    new_line = forms.TypedChoiceField(
        label=_("Issue instead"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_line"].choices = [
            ("", _("Same part again")),
            *((line.pk, f"{line.code} {line.name}") for line in lines),
        ]


class OldPartForm(forms.Form):
    part_line = forms.TypedChoiceField(
        label=_("Part line"), coerce=int, required=False, empty_value=None
    )
    description = forms.CharField(label=_("Old part"), max_length=100, required=False)
    quantity = quantity_field()
    disposition = forms.ChoiceField(label=_("Disposition"), choices=OldPartDisposition.choices)
    claim_no = forms.CharField(label=_("Warranty claim no."), max_length=40, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part_line"].choices = [
            ("", "—"),
            *((line.pk, f"{line.code} {line.name}") for line in lines),
        ]


class ReserveForm(forms.Form):
    part = PartCodeField()
    quantity = quantity_field(initial=1)
    supplier_order_no = forms.CharField(
        label=_("Supplier order no."), max_length=40, required=False
    )
    expected_on = forms.DateField(
        label=_("Expected on"),
        required=False,
        validators=[date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, dealer_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].dealer_ids = dealer_ids


class BackorderForm(forms.Form):
    supplier_order_no = forms.CharField(
        label=_("Supplier order no."), max_length=40, required=False
    )
    expected_on = forms.DateField(
        label=_("Expected on"),
        required=False,
        validators=[date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class StocktakeOpenForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"), queryset=Warehouse.objects.none(), empty_label=None
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, dealer_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(
            dealer_id__in=dealer_ids
        ).order_by("dealer_id", "-is_default", "code")


class StocktakeLineAddForm(forms.Form):
    part = PartCodeField()
    bin = forms.CharField(label=_("Bin"), max_length=20, required=False)
    counted = forms.DecimalField(label=_("Counted"), max_digits=10, decimal_places=2, min_value=0)

    def __init__(self, *args, dealer_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].dealer_ids = dealer_ids


def counts_parse(data, line_ids: list[int]) -> tuple[dict[int, Decimal | None], dict[int, str]]:
    """The counted quantities posted as `counted_<line id>`: values, and errors by line."""
    from decimal import InvalidOperation

    counts: dict[int, Decimal | None] = {}
    errors: dict[int, str] = {}
    for pk in line_ids:
        key = f"counted_{pk}"
        if key not in data:
            continue
        raw = data.get(key, "").strip().replace(",", ".")
        if raw == "":
            counts[pk] = None
            continue
        try:
            value = Decimal(raw)
        except InvalidOperation:
            errors[pk] = str(_("Enter a count of zero or more."))
            continue
        if not value.is_finite() or value < 0 or value > Decimal("99999999"):
            errors[pk] = str(_("Enter a count of zero or more."))
        elif value != value.quantize(Decimal("0.01")):
            errors[pk] = str(_("Quantities have at most two decimals."))
        else:
            counts[pk] = value
    return counts, errors
