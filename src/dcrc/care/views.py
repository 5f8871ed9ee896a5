"""The agent's workbench and the managers' task pages: thin, each calls a service or selector."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dcrc.core.choices import AccessAction
from dcrc.core.forms import form_errors_apply
from dcrc.core.services import personal_data_access_record
from dcrc.core.tenancy import scoped_dealer_ids
from dcrc.customers import normalize

from . import selectors, services
from .choices import Satisfaction, TaskKind
from .forms import AssignForm, AttemptForm, CloseForm, RebalanceForm, TaskFilterForm
from .models import ContactTask

PAGE_SIZE = 50


def _task_or_404(request, pk) -> ContactTask:
    try:
        return selectors.task_for_user(user=request.user, pk=pk)
    except ContactTask.DoesNotExist:
        raise Http404 from None


def _posted(request):
    """The form data of a POST, even an empty one (which must show "required" errors)."""
    return request.POST if request.method == "POST" else None


def _dealer_ids(request) -> list[int]:
    return scoped_dealer_ids(request.user, request.dealer)


def _claim_next(request, *, exclude: tuple[int, ...] = ()):
    """Open the next callable task, claimed; back to the queue when there is none."""
    task = services.task_claim_next(agent=request.user, dealer=request.dealer, exclude=exclude)
    if task is not None:
        return redirect("care:task", pk=task.pk)
    messages.info(request, _("No more tasks to call right now."))
    return redirect("care:workbench")


@login_required
@permission_required("care.work_tasks", raise_exception=True)
def workbench(request):
    queue = selectors.agent_queue(user=request.user, dealer=request.dealer)
    template = "care/workbench/partials/queue.html" if request.htmx else "care/workbench/queue.html"
    return render(request, template, {"queue": queue})


@require_POST
@login_required
@permission_required("care.work_tasks", raise_exception=True)
def task_next(request):
    return _claim_next(request)


@require_POST
@login_required
@permission_required("care.work_tasks", raise_exception=True)
def task_claim(request, pk):
    task = _task_or_404(request, pk)
    try:
        services.task_claim(task=task, agent=request.user)
    except services.TaskUnavailable as error:
        messages.warning(request, " ".join(error.messages) + " " + _("Here is the next one."))
        return _claim_next(request, exclude=(task.pk,))
    return redirect("care:task", pk=task.pk)


@require_POST
@login_required
@permission_required("care.work_tasks", raise_exception=True)
def task_release(request, pk):
    task = _task_or_404(request, pk)
    services.task_release(task=task, agent=request.user)
    if request.POST.get("then") == "next":
        return _claim_next(request, exclude=(task.pk,))
    return redirect("care:workbench")


@login_required
@permission_required("care.work_tasks", raise_exception=True)
def task_detail(request, pk):
    task = _task_or_404(request, pk)
    form = AttemptForm(_posted(request), customer=task.customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.attempt_record(
                task=task,
                agent=request.user,
                book_appointment=request.user.has_perm("service.book"),
                **form.service_arguments(),
            )
        except services.TaskUnavailable as error:
            messages.warning(request, " ".join(error.messages))
            return redirect("care:workbench")
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Call recorded."))
            return _claim_next(request, exclude=(task.pk,))
    now = timezone.now()
    selectors.tasks_labelled([task])
    context = {
        "file": selectors.task_file(task=task, agent=request.user),
        "task": task,
        "form": form,
        "held_by_other": services.task_held_by_other(task, request.user, now),
        "can_reveal_phone": request.user.has_perm("customers.reveal_phone"),
        "can_manage": request.user.has_perm("care.manage_tasks"),
        "today": timezone.localdate(now),
        "complaint_url": _complaint_url(task),
        "can_raise_complaint": _can_raise_complaint(request, task),
    }
    return render(request, "care/workbench/task.html", context)


def _complaint_url(task: ContactTask) -> str:
    """A complaint's follow-up call links back to its complaint (the task's source key)."""
    parts = task.source_key.split(":")
    if task.kind != TaskKind.COMPLAINT_FOLLOW_UP or len(parts) < 2 or not parts[1].isdigit():
        return ""
    return reverse("complaints:detail", args=[int(parts[1])])


def _can_raise_complaint(request, task: ContactTask) -> bool:
    """A follow-up, or a finished call that heard an unhappy customer, may become a complaint."""
    if not request.user.has_perm("complaints.register"):
        return False
    if task.kind == TaskKind.FOLLOW_UP:
        return True
    unhappy = task.satisfaction in Satisfaction.unhappy() or bool(task.problems)
    return not task.is_open and unhappy and task.kind != TaskKind.COMPLAINT_FOLLOW_UP


@require_POST
@login_required
@permission_required("care.work_tasks", raise_exception=True)
def task_sms(request, pk):
    task = _task_or_404(request, pk)
    try:
        services.task_sms_send(task=task, agent=request.user)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(request, _("SMS sent to %(name)s.") % {"name": task.customer.name})
    return redirect("care:workbench")


@require_POST
@login_required
@permission_required("care.work_tasks", raise_exception=True)
def task_reveal(request, pk, field):
    """One unmasked number with its tel: link (htmx); logged as the customer page's reveal."""
    task = _task_or_404(request, pk)
    if field not in ("mobile", "home_phone", "office_phone"):
        raise Http404
    if not request.user.has_perm("customers.reveal_phone"):
        raise PermissionDenied
    digits = getattr(task.customer, field)
    personal_data_access_record(
        user=request.user,
        action=AccessAction.UNMASK,
        object_type="customer",
        object_id=task.customer_id,
        dealer=task.dealer,
        detail=field,
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    context = {"digits": digits, "formatted": normalize.format_phone(digits), "field": field}
    return render(request, "care/workbench/partials/phone.html", context)


# --- managers ------------------------------------------------------------------------------


def _filters(form: TaskFilterForm) -> selectors.TaskFilters:
    if not form.is_valid():
        return selectors.TaskFilters()
    data = form.cleaned_data
    return selectors.TaskFilters(
        kind=data["kind"],
        state=data["state"],
        assignee=data["assignee"],
        overdue=data["overdue"],
        due_after=data["due_after"],
        due_before=data["due_before"],
    )


@login_required
@permission_required("care.manage_tasks", raise_exception=True)
def task_list(request):
    agents = selectors.dealer_agents(dealer_ids=_dealer_ids(request))
    # Opening the list shows the work still to do; "all states" is one choice away.
    form = TaskFilterForm(request.GET or {"state": "open"}, agents=agents)
    tasks = selectors.task_list(user=request.user, dealer=request.dealer, filters=_filters(form))
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "agents": agents,
        "extra_params": params.urlencode() + "&" if params else "",
    }
    return render(request, "care/workbench/task_list.html", context)


@require_POST
@login_required
@permission_required("care.manage_tasks", raise_exception=True)
def task_assign(request):
    agents = selectors.dealer_agents(dealer_ids=_dealer_ids(request))
    wanted = request.POST.getlist("tasks")
    visible = ContactTask.objects.for_user(request.user, request.dealer)
    if any(not pk.isdigit() for pk in wanted) or visible.filter(pk__in=wanted).count() != len(
        set(wanted)
    ):
        raise Http404
    form = AssignForm(request.POST, tasks=visible, agents=agents)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    else:
        try:
            moved = services.task_assign(
                tasks=list(form.cleaned_data["tasks"]), agent=form.chosen_agent, by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(count)d tasks assigned.") % {"count": moved})
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/care/") else "care:task_list")


@login_required
@permission_required("care.manage_tasks", raise_exception=True)
def team(request):
    """Each agent's load, and the re-balancing of a dealer's open tasks."""
    agents = selectors.dealer_agents(dealer_ids=_dealer_ids(request))
    form = RebalanceForm(_posted(request), agents=agents)
    if request.method == "POST":
        if not request.dealer:
            messages.warning(request, _("Choose a dealer in the top bar before re-balancing."))
            return redirect("care:team")
        if form.is_valid():
            try:
                shares = services.tasks_rebalance(
                    dealer=request.dealer, agents=form.chosen, by=request.user
                )
            except ValidationError as error:
                form_errors_apply(form, error)
            else:
                messages.success(
                    request,
                    _("%(count)d open tasks spread over %(agents)d agents.")
                    % {"count": sum(shares.values()), "agents": len(shares)},
                )
                return redirect("care:team")
    loads = selectors.agent_loads(agents=agents, dealer_ids=_dealer_ids(request))
    return render(request, "care/workbench/team.html", {"loads": loads, "form": form})


@login_required
@permission_required("care.manage_tasks", raise_exception=True)
def follow_up_list(request):
    tasks = selectors.follow_ups(user=request.user, dealer=request.dealer)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "care/workbench/follow_ups.html", {"page": page})


@login_required
@permission_required("care.manage_tasks", raise_exception=True)
def task_close(request, pk):
    task = get_object_or_404(ContactTask.objects.for_user(request.user), pk=pk)
    form = CloseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.task_close(task=task, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Task closed."))
            return redirect("care:task_list")
    return render(request, "care/workbench/close.html", {"task": task, "form": form})
