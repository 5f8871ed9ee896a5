from django import template
from django.utils.html import format_html

from dcrc.customers import normalize

register = template.Library()


@register.filter
def phone_masked(digits: str) -> str:
    return normalize.mask_phone(digits) if digits else ""


@register.filter
def id_masked(value: str) -> str:
    return normalize.mask_id_number(value) if value else ""


@register.filter
def plate_badge(plate: str):
    if not plate:
        return ""
    css = "plate plate-green" if len(plate) == 8 else "plate"
    return format_html('<span class="{}">{}</span>', css, plate)


@register.filter
def widget_class(field) -> str:
    """The Tabler class for a bound field's widget."""
    input_type = getattr(field.field.widget, "input_type", "")
    if input_type == "checkbox":
        return "form-check-input"
    if input_type == "select":
        return "form-select"
    return "form-control"


@register.simple_tag
def render_field(field, **attrs):
    css = widget_class(field)
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css, **attrs})


@register.filter
def customer_field_label(name: str) -> str:
    """The label of a customer field named in the access log ("mobile" → 手机)."""
    from django.core.exceptions import FieldDoesNotExist

    from dcrc.customers.models import Customer

    try:
        return Customer._meta.get_field(name).verbose_name
    except FieldDoesNotExist:
        return name
