"""Timed scenarios of the one search box and the customer 360 page, in-process.

A search is what a user waits for: selectors.customer_search_ids() for the measured dealer,
then the first page of customers through selectors.customers_by_ids(), as the list view does.
The 360 page is rendered by the real view through django.test.Client, middleware and
templates included. Queries are sampled from the generated archive with a fixed seed.
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection
from django.db.models import Max, Min
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dcrc.core.models import User
from dcrc.customers import normalize, selectors
from dcrc.customers.choices import CustomerKind
from dcrc.customers.models import Customer, Vehicle

from .generate import Archive

KINDS = ("phone", "phone_tail", "plate", "vin_tail", "name", "pinyin_initials")
PAGE_SIZE = 20  # customers.views.PAGE_SIZE
WARM_UP = 20
SEED = 95


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def p95(samples: list[float]) -> float:
    """The 95th percentile by the nearest-rank method."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _sample(queryset, count: int, rng: random.Random) -> list:
    """`count` random rows of a queryset over a dense id range, without scanning it."""
    bounds = queryset.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return []
    picked: dict[int, Any] = {}
    for _ in range(100):
        ids = [rng.randint(bounds["low"], bounds["high"]) for _ in range(2 * count)]
        for row in queryset.filter(pk__in=ids):
            picked.setdefault(row.pk, row)
        if len(picked) >= count:
            break
    rows = sorted(picked.values(), key=lambda row: row.pk)
    rng.shuffle(rows)
    return rows[:count]


def search_queries(archive: Archive, kind: str, count: int, rng: random.Random):
    """(query, customer id it was taken from) pairs of one kind of search."""
    customers = Customer.objects.filter(dealer_id=archive.dealer_id).current()
    vehicles = Vehicle.objects.filter(dealer_id=archive.dealer_id)
    if kind in ("phone", "phone_tail"):
        rows = _sample(customers.exclude(mobile=""), count, rng)
        return [(c.mobile if kind == "phone" else c.mobile[-4:], c.pk) for c in rows]
    if kind == "plate":  # with and without the province character, alternately
        rows = _sample(vehicles.exclude(plate=""), count, rng)
        return [(v.plate[i % 2 :], v.owner_id) for i, v in enumerate(rows)]
    if kind == "vin_tail":  # the last 6 or 8 characters, alternately
        rows = _sample(vehicles, count, rng)
        return [(v.vin[-8 if i % 2 else -6 :], v.owner_id) for i, v in enumerate(rows)]
    if kind == "name":
        return [(c.name, c.pk) for c in _sample(customers, count, rng)]
    if kind == "pinyin_initials":
        rows = _sample(customers.filter(kind=CustomerKind.INDIVIDUAL), count, rng)
        return [(normalize.name_pinyin(c.name)[1], c.pk) for c in rows]
    raise ValueError(kind)


def _timed(call: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall ms, this process's CPU ms, result): wall far above CPU on SQLite, where the work
    is in-process, means the machine was busy with something else."""
    started, cpu = time.perf_counter(), time.process_time()
    result = call()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000, result


def search(archive: Archive, *, queries: int = 200) -> Iterator[dict[str, Any]]:
    """search_p95_ms.<kind>: search and first result page, for each kind of query."""
    rng = random.Random(SEED)
    user = User.objects.get(pk=archive.user_id)
    dealer_ids = [archive.dealer_id]

    def search_page(query: str) -> tuple[list[int], list[Customer]]:
        ids = selectors.customer_search_ids(dealer_ids=dealer_ids, query=query)
        return ids, selectors.customers_by_ids(user=user, ids=ids[:PAGE_SIZE])

    samples = {kind: search_queries(archive, kind, queries + WARM_UP, rng) for kind in KINDS}
    for kind in KINDS:  # warm-up: caches, connection, user.dealer_ids
        for query, _ in samples[kind][:WARM_UP]:
            search_page(query)
    for kind in KINDS:
        timings, cpu, found, first_page, results = [], [], 0, 0, []
        for query, customer_id in samples[kind][WARM_UP:]:
            elapsed, elapsed_cpu, (ids, page) = _timed(lambda query=query: search_page(query))
            timings.append(elapsed)
            cpu.append(elapsed_cpu)
            results.append(len(ids))
            found += customer_id in ids
            first_page += customer_id in {customer.pk for customer in page}
            if any(customer.dealer_id != archive.dealer_id for customer in page):
                raise AssertionError(f"search {query!r} returned another dealer's customer")
        log(
            f"search {kind:<16} n={len(timings)} p50={statistics.median(timings):6.2f} ms "
            f"p95={p95(timings):6.2f} ms max={max(timings):7.2f} ms (cpu p95 {p95(cpu):5.2f}) | "
            f"results median {statistics.median(results):.0f} max {max(results)} | "
            f"source customer found {found}/{len(timings)}, on page 1 {first_page}/{len(timings)}"
        )
        yield {"metric": f"search_p95_ms.{kind}", "value": round(p95(timings), 2), "unit": "ms"}


def customer360(archive: Archive, *, pages: int = 200) -> Iterator[dict[str, Any]]:
    """customer360_p95_ms and customer360_queries: the detail page through the real view."""
    rng = random.Random(SEED + 1)
    client = Client()
    client.force_login(User.objects.get(pk=archive.user_id))
    customers = _sample(
        Customer.objects.filter(dealer_id=archive.dealer_id).current(), pages + WARM_UP, rng
    )
    urls = [reverse("customers:detail", args=[customer.pk]) for customer in customers]

    def get(url: str):
        response = client.get(url)
        if response.status_code != 200:
            raise AssertionError(f"GET {url} answered {response.status_code}")
        return response

    for url in urls[:WARM_UP]:
        get(url)
    measured = [_timed(lambda url=url: get(url)) for url in urls[WARM_UP:]]
    timings, cpu = [m[0] for m in measured], [m[1] for m in measured]
    # Counted in a second pass: capturing SQL must not weigh on the timings.
    counts = []
    for url in urls[WARM_UP:]:
        with CaptureQueriesContext(connection) as queries:
            get(url)
        counts.append(len(queries))
    log(
        f"customer360 n={len(timings)} p50={statistics.median(timings):.2f} ms "
        f"p95={p95(timings):.2f} ms max={max(timings):.2f} ms (cpu p95 {p95(cpu):.2f}) | "
        f"queries min {min(counts)} max {max(counts)}"
    )
    yield {"metric": "customer360_p95_ms", "value": round(p95(timings), 2), "unit": "ms"}
    yield {"metric": "customer360_queries", "value": max(counts), "unit": "queries"}
