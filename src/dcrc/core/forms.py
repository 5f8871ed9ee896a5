"""What every form of the product shares."""

from django.core.exceptions import ValidationError


def form_errors_apply(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where the form has the field,
    on the form as a whole otherwise."""
    if hasattr(error, "error_dict"):
        for field, field_messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_messages)
    else:
        form.add_error(None, error.messages)
