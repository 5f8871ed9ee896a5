"""The complaint list and the manager dashboard: check the permission, call one selector."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from . import board, choices


@login_required
@permission_required("complaints.view", raise_exception=True)
def complaint_list(request):
    filters = board.ComplaintFilter.from_params(request.GET)
    now = timezone.now()
    rows = board.complaint_list(user=request.user, dealer=request.dealer, filters=filters, now=now)
    # A text search is not counted: it would read every row a second time.
    page = board.complaint_page(rows, request.GET.get("page"), counted=not filters.q)
    context = {
        "page": page,
        "filters": filters,
        "now": now,
        "count_cap": board.COUNT_CAP,
        "states": choices.State.choices,
        "categories": choices.Category.choices,
        "severities": choices.Severity.choices,
        "channels": choices.Channel.choices,
        "departments": choices.Department.choices,
        # The filters carried over by the pagination links.
        "extra_params": "".join(
            urlencode({name: value}) + "&"
            for name, value in filters.active.items()
            if name != "page"
        ),
    }
    template = "complaints/partials/list_rows.html" if request.htmx else "complaints/list.html"
    return render(request, template, context)


@login_required
@permission_required("complaints.view_dashboard", raise_exception=True)
def complaint_dashboard(request):
    now = timezone.now()
    dashboard = board.complaint_dashboard(user=request.user, dealer=request.dealer, now=now)
    return render(request, "complaints/dashboard.html", {"board": dashboard, "now": now})
