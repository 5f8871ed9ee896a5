"""Date arithmetic that reads the same on SQLite and PostgreSQL, and INSERT … SELECT.

SQLite and PostgreSQL disagree on month arithmetic at month ends (SQLite rolls 31 January +
1 month over to 2/3 March, PostgreSQL clamps to 28/29 February); AddMonths clamps on both, as
people do: a six-month service after 31 August falls on the last day of February.
"""

from __future__ import annotations

from django.db import connection, models
from django.db.models import Func, QuerySet


class AddDays(Func):
    """date + n days (n an integer expression, may be negative)."""

    output_field = models.DateField()
    arity = 2

    def as_sql(self, compiler, conn, **extra):
        date_sql, date_params = compiler.compile(self.source_expressions[0])
        days_sql, days_params = compiler.compile(self.source_expressions[1])
        return f"(({date_sql}) + CAST(({days_sql}) AS integer))", (*date_params, *days_params)

    def as_sqlite(self, compiler, conn, **extra):
        date_sql, date_params = compiler.compile(self.source_expressions[0])
        days_sql, days_params = compiler.compile(self.source_expressions[1])
        return (
            f"date({date_sql}, printf('%+d days', CAST(({days_sql}) AS INTEGER)))",
            (*date_params, *days_params),
        )


class AddMonths(Func):
    """date + n calendar months, clamped to the last day of the target month."""

    output_field = models.DateField()

    def __init__(self, expression, months: int, **extra):
        self.months = int(months)
        super().__init__(expression, **extra)

    def as_sql(self, compiler, conn, **extra):
        date_sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(({date_sql}) + interval '{self.months} months' AS date)", params

    def as_sqlite(self, compiler, conn, **extra):
        date_sql, params = compiler.compile(self.source_expressions[0])
        n = self.months
        # The same day n months on, or the target month's last day when that day does not exist.
        same_day = (
            f"date({date_sql}, 'start of month', '{n:+d} months', "
            f"printf('+%d days', CAST(strftime('%d', {date_sql}) AS INTEGER) - 1))"
        )
        last_day = f"date({date_sql}, 'start of month', '{n + 1:+d} months', '-1 days')"
        return f"min({same_day}, {last_day})", (*params, *params, *params)


class DaysBetween(Func):
    """Whole days from `start` to `end` (end - start)."""

    output_field = models.IntegerField()
    arity = 2

    def as_sql(self, compiler, conn, **extra):
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return f"(({end_sql}) - ({start_sql}))", (*end_params, *start_params)

    def as_sqlite(self, compiler, conn, **extra):
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return (
            f"CAST(julianday({end_sql}) - julianday({start_sql}) AS INTEGER)",
            (*end_params, *start_params),
        )


def insert_select(model: type[models.Model], queryset: QuerySet, columns: list[str]) -> int:
    """INSERT INTO model (columns) <queryset> ON CONFLICT DO NOTHING; returns rows inserted.

    `queryset` must be a values() query selecting exactly `columns`, in that order.
    """
    select_sql, params = queryset.query.sql_with_params()
    fields = [model._meta.get_field(name).column for name in columns]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, fields))}) "
        f"{select_sql} ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def insert_select_over(
    model: type[models.Model], outer: QuerySet, columns: list[str], source: QuerySet
) -> int:
    """INSERT INTO model (columns) SELECT <outer's expressions> FROM (<source>) AS model's table.

    `outer` is a values() query over `model` itself, without filters: its expressions name
    the model's columns, which `source` (a query selecting columns of those names) provides.
    Computed columns are then written once, by the INSERT, instead of by later UPDATEs.
    """
    outer_sql, outer_params = outer.query.sql_with_params()
    source_sql, source_params = source.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    marker = f" FROM {table}"
    assert outer_sql.endswith(marker), outer_sql[-200:]
    select_sql = f"{outer_sql[: -len(marker)]} FROM ({source_sql}) {table}"
    fields = [model._meta.get_field(name).column for name in columns]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {table} ({', '.join(map(quote, fields))}) "
        f"{select_sql} WHERE true ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*outer_params, *source_params))
        return max(cursor.rowcount, 0)
