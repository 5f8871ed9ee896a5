"""What every form of the product shares."""

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def form_errors_apply(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where the form has the field,
    on the form as a whole otherwise."""
    if hasattr(error, "error_dict"):
        for field, field_messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_messages)
    else:
        form.add_error(None, error.messages)


# Dates a user may type: year 1 or 9999 would overflow once shifted to UTC or a week away.
DATE_MIN_YEAR, DATE_MAX_YEAR = 1990, 2100


def date_in_range(value: datetime.date | None) -> None:
    """Refuse a date (or date and time) outside the years 1990–2100."""
    if value is not None and not DATE_MIN_YEAR <= value.year <= DATE_MAX_YEAR:
        raise ValidationError(
            _("Enter a date between the years %(first)s and %(last)s."),
            code="date_range",
            params={"first": DATE_MIN_YEAR, "last": DATE_MAX_YEAR},
        )


def form_submit(form, run: Callable[[], object]) -> bool:
    """Validate `form`, then `run()` the service with its cleaned data. A ValidationError the
    service raises goes on the form. True when the form and the service both took it."""
    if not form.is_valid():
        return False
    try:
        run()
    except ValidationError as error:
        form_errors_apply(form, error)
        return False
    return True
