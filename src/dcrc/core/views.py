from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dcrc.complaints import board as complaint_board
from dcrc.customers import selectors as customer_selectors

from . import services
from .choices import Role
from .middleware import SESSION_KEY
from .models import PersonalDataAccess

# The after-sales staff start where their day's work is, not on the archive's figures.
ROLE_HOME = {
    Role.SERVICE_ADVISOR: "service:advisor_board",
    Role.DISPATCHER: "service:workshop_kanban",
    Role.QC_INSPECTOR: "service:workshop_qc_list",
    Role.TECHNICIAN: "service:workshop_my_jobs",
    Role.WAREHOUSE_KEEPER: "parts:requisitions",
    Role.CASHIER: "service:cashier",
}


@login_required
def home(request):
    if request.user.role in ROLE_HOME:
        return redirect(ROLE_HOME[request.user.role])
    context = {
        "figures": customer_selectors.archive_figures(user=request.user, dealer=request.dealer)
    }
    if request.user.has_perm("complaints.view"):
        context["complaints_overdue"] = complaint_board.overdue_count(
            user=request.user, dealer=request.dealer
        )
    return render(request, "core/home.html", context)


def _back(request):
    target = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)


@require_POST
@login_required
def switch_dealer(request):
    chosen = request.POST.get("dealer", "")
    if chosen == "all":
        request.session[SESSION_KEY] = "all"
    elif chosen.isdigit() and int(chosen) in request.user.dealer_ids:
        request.session[SESSION_KEY] = int(chosen)
    return _back(request)


@login_required
def audit_log(request):
    if not request.user.has_perm("core.view_audit"):
        raise PermissionDenied
    entries = (
        PersonalDataAccess.objects.filter(dealer_id__in=sorted(request.user.dealer_ids))
        .select_related("user", "dealer")
        .order_by("-at")
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page})


@login_required
def api_tokens(request):
    new_key = None
    if request.method == "POST":
        if "revoke" in request.POST:
            revoke = request.POST["revoke"]
            if revoke.isdigit():
                request.user.api_tokens.filter(pk=revoke).delete()
            return redirect("api_tokens")
        name = (request.POST.get("name") or "").strip()[:50] or "API"
        _, new_key = services.api_token_create(user=request.user, name=name)
    return render(
        request,
        "core/api_tokens.html",
        {"tokens": request.user.api_tokens.order_by("-created_at"), "new_key": new_key},
    )
