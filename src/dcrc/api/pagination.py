"""Page-number pagination with a bounded page size, for querysets and ranked id lists."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import QuerySet
from ninja import Field, Schema

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Deep pages cost an OFFSET scan; beyond this, filter or search instead.
MAX_PAGE = 10_000

T = TypeVar("T")


class PageParams(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def page_of_queryset(queryset: QuerySet, params: PageParams) -> tuple[int, list]:
    """(count of all rows, rows of the page); a page past the end costs no row query."""
    count = queryset.count()
    if params.offset >= count:
        return count, []
    return count, list(queryset[params.offset : params.offset + params.page_size])


def page_of_list(items: list[T], params: PageParams) -> tuple[int, list[T]]:
    return len(items), items[params.offset : params.offset + params.page_size]
