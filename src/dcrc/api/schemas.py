"""Schemas and field types shared by every router of the API."""

from __future__ import annotations

import re
from functools import partial
from typing import Annotated, Any, Literal

from django.db import models
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, StringConstraints

from dcrc.customers import normalize

# Path and body ids are database keys: bigint at most, so no id makes the database overflow.
BIGINT_MAX = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=BIGINT_MAX)]

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
    return Literal[values]  # type: ignore[valid-type]


def _drop_null_defaults(schema: dict[str, Any]) -> None:
    """Omit `default: null` of fields that do not accept null, so the schema stays truthful."""
    for prop in schema.get("properties", {}).values():
        nullable = any(option.get("type") == "null" for option in prop.get("anyOf", []))
        if "default" in prop and prop["default"] is None and not nullable:
            del prop["default"]


class PartialSchema(Schema):
    """An input schema where every field may be left out (PATCH): `None` default = not given.

    Read the given fields with `model_dump(exclude_unset=True)`; a field that does not accept
    null keeps rejecting it.
    """

    model_config = ConfigDict(json_schema_extra=_drop_null_defaults)


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
WRITE_ERRORS: dict[int, Any] = {**READ_ERRORS, 409: ErrorOut}


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
