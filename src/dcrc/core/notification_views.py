"""The user's in-app notices: the navbar bell, the list page, marking read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .models import Notification
from .notifications import notification_read

PAGE_SIZE = 25
BELL_SIZE = 8


@login_required
def notification_bell(request):
    """htmx: the bell's unread count and the latest unread notices (two indexed queries)."""
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True)
    count = unread.count()
    latest = list(unread.order_by("-created_at")[:BELL_SIZE]) if count else []
    return render(
        request, "core/partials/notification_bell.html", {"count": count, "latest": latest}
    )


@login_required
def notification_list(request):
    rows = Notification.objects.filter(user=request.user).order_by("-created_at", "-id")
    if request.GET.get("unread") == "1":
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "unread_only": request.GET.get("unread") == "1",
        "extra_params": "unread=1&" if request.GET.get("unread") == "1" else "",
    }
    return render(request, "core/notifications.html", context)


@require_POST
@login_required
def notifications_read(request):
    """Mark one notice read (`id`) or all of the user's notices."""
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()]
    notification_read(user=request.user, ids=ids if "id" in request.POST else None)
    if request.htmx:
        return notification_bell(request)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "notifications"
    return redirect(target)


@login_required
def notification_open(request, pk: int):
    """Follow a notice's link, marking it read on the way."""
    notice = get_object_or_404(Notification, pk=pk, user=request.user)
    notification_read(user=request.user, ids=[notice.pk])
    target = notice.url
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        target = "notifications"
    return redirect(target)
