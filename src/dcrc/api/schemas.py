"""Schemas and field types shared by every router of the API."""

import datetime
import re
from functools import partial
from typing import Annotated, Any, Literal

from django.db import models
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, StringConstraints

from dcrc.customers import normalize

# Path and body ids are database keys: bigint at most, so no id makes the database overflow.
BIGINT_MAX = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=BIGINT_MAX)]

# Body fields take JSON as the schema says: no "5" for 5, no 0 for a date, no "true" for true.
# (A strict model cannot be used: ninja validates parsed JSON, where a date is still a string.)
StrictInt = Annotated[int, Field(strict=True)]
StrictBool = Annotated[bool, Field(strict=True)]
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    if isinstance(value, datetime.date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise ValueError("Give the date as YYYY-MM-DD.")


Date = Annotated[datetime.date, BeforeValidator(_iso_date)]

# Control characters other than whitespace; PostgreSQL cannot store NUL at all.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")


def _clean_text(value: str, *, max_length: int, min_length: int) -> str:
    if _CONTROL.search(value):
        raise ValueError("Control characters are not allowed.")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("The text is not valid Unicode.") from None
    # The services normalise too; doing it here first checks the length the database will see
    # (NFKC can lengthen a string: "㍿" becomes "株式会社").
    value = normalize.normalize_text(value)
    if len(value) > max_length:
        raise ValueError(f"At most {max_length} characters are allowed.")
    if len(value) < min_length:
        raise ValueError("This field cannot be blank.")
    return value


def Text(max_length: int, *, min_length: int = 0) -> Any:  # noqa: N802 - used like a type
    """A string that is NFKC-normalised and stripped, and fits `max_length` afterwards."""
    return Annotated[
        str,
        StringConstraints(max_length=max_length, min_length=min_length),
        AfterValidator(partial(_clean_text, max_length=max_length, min_length=min_length)),
    ]


def Choice(choices: type[models.TextChoices], *, blank: bool = False) -> Any:  # noqa: N802
    """One of the values of `choices` (listed in OpenAPI); with `blank`, "" too."""
    values = tuple(choices.values) + (("",) if blank else ())
    return Literal[values]


def _drop_null_defaults(schema: dict[str, Any]) -> None:
    """Omit `default: null` of fields that do not accept null, so the schema stays truthful."""
    for prop in schema.get("properties", {}).values():
        nullable = any(option.get("type") == "null" for option in prop.get("anyOf", []))
        if "default" in prop and prop["default"] is None and not nullable:
            del prop["default"]


class PartialSchema(Schema):
    """An input schema where every field may be left out (PATCH): `None` default = not given.

    Read the given fields with `model_dump(exclude_unset=True)`; a field that does not accept
    null keeps rejecting it. Unknown fields are refused, so a typo or a read-only field
    (mileage, owner) is an error rather than silently ignored.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=_drop_null_defaults)


# --- errors --------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    loc: list[str | int] = Field(description='Where: ["body", "payload", "<field>"], ["query", …]')
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[FieldErrorOut]


READ_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
# 400: a body that is not JSON at all; 409: a write to a record merged into another.
WRITE_ERRORS: dict[int, Any] = {**READ_ERRORS, 400: ErrorOut, 409: ErrorOut}


# --- shared outputs ------------------------------------------------------------------------


class DealerOut(Schema):
    id: int
    code: str
    name: str
    short_name: str


class PageOut(Schema):
    """One page of a list; `count` is the number of rows in all pages."""

    count: int
    page: int
    page_size: int
