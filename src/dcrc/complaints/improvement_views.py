"""Views of the improvement loop: weak points, weekly meetings, actions, satisfaction surveys.

Thin: each checks the permission, validates the input and calls one service or selector.
`complaints.view_improvement` reads, `complaints.run_improvement` writes; an action's owner
may always read and work on their own actions.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dcrc.core.forms import form_errors_apply, form_submit
from dcrc.core.tenancy import scoped_dealer_ids

from . import improvement, minutes_export, surveys
from .choices import ActionStatus, Category, Department, MeetingState, SurveyKind
from .improvement_forms import (
    ActionDoneForm,
    ActionForm,
    ActionStartForm,
    ActionVerifyForm,
    MeetingCreateForm,
    MeetingForm,
    PeriodForm,
    SurveyImportForm,
)
from .models import ImprovementAction, SatisfactionSurvey, SurveyItem, WeeklyMeeting

PAGE_SIZE = 25
ACTION_FILTERS = ("status", "department", "owner", "overdue")

view_improvement = permission_required("complaints.view_improvement", raise_exception=True)
run_improvement = permission_required("complaints.run_improvement", raise_exception=True)


def _dealer_or_redirect(request, to: str):
    """The dealer to write for: the one chosen in the top bar."""
    if request.dealer is None:
        messages.warning(request, _("Choose a dealer in the top bar first."))
        return None, redirect(to)
    return request.dealer, None


# --- weak points ----------------------------------------------------------------------------


@login_required
@view_improvement
def weak_points(request):
    form = PeriodForm(request.GET or None, today=timezone.localdate())
    period = form.period()
    dealer_ids = scoped_dealer_ids(request.user, request.dealer)
    points = improvement.weak_points(dealer_ids=dealer_ids, period=period, viewer=request.user)
    previous = period.previous()
    context = {
        "form": form,
        "period": period,
        "previous": previous,
        "kind": form.cleaned_data.get("kind") or "week" if form.is_bound else "week",
        "points": points,
        "totals": {
            "complaints": sum(p.complaints for p in points),
            "callbacks": sum(p.callbacks for p in points),
            "total": sum(p.total for p in points),
            "previous": sum(p.previous_total for p in points),
        },
        "shift": {
            "back": (period.start - datetime.timedelta(days=1)).isoformat(),
            "forward": (period.end + datetime.timedelta(days=1)).isoformat(),
        },
        "can_run": request.user.has_perm("complaints.run_improvement"),
        "chart": [
            {"name": p.title, "complaints": p.complaints, "callbacks": p.callbacks}
            for p in points[:10]
        ],
    }
    return render(request, "complaints/improvement/weak_points.html", context)


# --- meetings -------------------------------------------------------------------------------


@login_required
@view_improvement
def meeting_list(request):
    create_form = MeetingCreateForm(
        request.POST or None, initial={"week_start": timezone.localdate()}
    )
    if request.method == "POST":
        if not request.user.has_perm("complaints.run_improvement"):
            raise PermissionDenied
        dealer, redirection = _dealer_or_redirect(request, "complaints:meetings")
        if redirection:
            return redirection
        if create_form.is_valid():
            try:
                meeting = improvement.meeting_create(
                    dealer=dealer,
                    week_start=create_form.cleaned_data["week_start"],
                    by=request.user,
                )
            except ValidationError as error:
                form_errors_apply(create_form, error)
            else:
                messages.success(request, _("Meeting created with its agenda."))
                return redirect(meeting)
    page = Paginator(
        improvement.meetings_list(user=request.user, dealer=request.dealer), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "create_form": create_form,
        "can_run": request.user.has_perm("complaints.run_improvement"),
    }
    return render(
        request,
        "complaints/improvement/meetings.html",
        context,
        status=422 if create_form.errors else 200,
    )


def _meeting_for(request, pk: int) -> WeeklyMeeting:
    try:
        return improvement.meeting_detail(user=request.user, pk=pk)
    except WeeklyMeeting.DoesNotExist:
        raise Http404 from None


def _meeting_page(request, meeting, *, form=None, action_form=None, status=200):
    today = timezone.localdate()
    actions = list(improvement.meeting_actions(meeting))
    can_write = (
        request.user.has_perm("complaints.run_improvement") and meeting.state == MeetingState.DRAFT
    )
    context = {
        "meeting": meeting,
        "agenda": improvement.agenda_labelled(meeting.agenda),
        "actions": [(action, improvement.is_overdue(action, today)) for action in actions],
        "form": form or (MeetingForm(meeting=meeting) if can_write else None),
        "action_form": action_form
        or (
            ActionForm(
                dealer=meeting.dealer,
                initial={"meeting": meeting.pk, "due_date": today + datetime.timedelta(days=7)},
            )
            if can_write
            else None
        ),
        "can_write": can_write,
        "week_end": meeting.week_start + datetime.timedelta(days=6),
    }
    return render(request, "complaints/improvement/meeting.html", context, status=status)


@login_required
@view_improvement
def meeting_detail(request, pk):
    meeting = _meeting_for(request, pk)
    if request.method == "POST":
        if not request.user.has_perm("complaints.run_improvement"):
            raise PermissionDenied
        form = MeetingForm(request.POST, meeting=meeting)
        if form.is_valid():
            try:
                improvement.meeting_update(
                    meeting=meeting, by=request.user, **form.service_fields()
                )
            except ValidationError as error:
                form_errors_apply(form, error)
            else:
                messages.success(request, _("Minutes saved."))
                return redirect(meeting)
        return _meeting_page(request, meeting, form=form, status=422)
    return _meeting_page(request, meeting)


@require_POST
@login_required
@run_improvement
def meeting_action_add(request, pk):
    meeting = _meeting_for(request, pk)
    form = ActionForm(request.POST, dealer=meeting.dealer)
    if form.is_valid():
        try:
            improvement.improvement_action_create(
                dealer=meeting.dealer,
                by=request.user,
                **{**form.cleaned_data, "meeting": meeting},
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Action added."))
            return redirect(meeting)
    return _meeting_page(request, meeting, action_form=form, status=422)


@require_POST
@login_required
@run_improvement
def meeting_finalise(request, pk):
    meeting = _meeting_for(request, pk)
    try:
        improvement.meeting_finalise(meeting=meeting, by=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("The minutes are final."))
    return redirect(meeting)


@require_POST
@login_required
@run_improvement
def meeting_refresh(request, pk):
    meeting = _meeting_for(request, pk)
    try:
        improvement.meeting_agenda_refresh(meeting=meeting, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Agenda generated again from today's figures."))
    return redirect(meeting)


@login_required
@view_improvement
def meeting_export(request, pk, fmt):
    # The minutes name staff only, no customer: no access-log entry is needed.
    meeting = _meeting_for(request, pk)
    filename = f"{_('Weekly meeting minutes')}-{meeting.dealer.code}-{meeting.week_start:%Y%m%d}"
    if fmt == "xlsx":
        body = minutes_export.minutes_xlsx(meeting)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "pdf":
        body = minutes_export.minutes_pdf(meeting)
        content_type = "application/pdf"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    # The Chinese name (DCRC周度例会纪要-…) and a plain one for clients that cannot read it.
    plain = f"minutes-{meeting.dealer.code}-{meeting.week_start:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{plain}\"; filename*=UTF-8''{escape_uri_path(filename)}.{fmt}"
    )
    return response


# --- actions --------------------------------------------------------------------------------


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def action_list(request):
    params = request.GET
    today = timezone.localdate()
    rows = improvement.actions_list(
        user=request.user,
        dealer=request.dealer,
        status=params.get("status", ""),
        department=params.get("department", ""),
        owner_id=_int(params.get("owner")),
        overdue=params.get("overdue") == "1",
        today=today,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(params.get("page"))
    can_read_all = request.user.has_perm("complaints.view_improvement")
    owners = []
    if can_read_all and request.dealer:
        owners = list(improvement.action_owners(request.dealer.pk))
    dealer_ids = scoped_dealer_ids(request.user, request.dealer)
    month = improvement.period_month(today)
    context = {
        "page": page,
        "rows": [(action, improvement.is_overdue(action, today)) for action in page],
        "statuses": [("open", _("Not done yet")), *ActionStatus.choices],
        "departments": Department.choices,
        "owners": owners,
        "can_read_all": can_read_all,
        "can_run": request.user.has_perm("complaints.run_improvement"),
        "completion": improvement.action_completion(dealer_ids, month.start, month.end)
        if can_read_all
        else None,
        "extra_params": "".join(
            urlencode({name: params[name]}) + "&" for name in ACTION_FILTERS if params.get(name)
        ),
    }
    return render(request, "complaints/improvement/actions.html", context)


@login_required
@run_improvement
def action_create(request):
    dealer, redirection = _dealer_or_redirect(request, "complaints:actions")
    if redirection:
        return redirection
    initial = {"due_date": timezone.localdate() + datetime.timedelta(days=7)}
    for name in ("department", "category", "weak_point", "meeting", "complaint", "survey_item"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    if initial.get("department") in Department.values and not initial.get("weak_point"):
        labels = [str(Department(initial["department"]).label)]
        if initial.get("category") in Category.values:
            labels.append(str(Category(initial["category"]).label))
        initial["weak_point"] = " · ".join(labels)
    form = ActionForm(request.POST or None, dealer=dealer, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            action = improvement.improvement_action_create(
                dealer=dealer, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Action created; its owner is told."))
            if action.meeting_id:
                return redirect(action.meeting)
            return redirect("complaints:action", pk=action.pk)
    survey_item = None
    if initial.get("survey_item"):
        survey_item = SurveyItem.objects.filter(
            dealer=dealer, pk=_int(initial["survey_item"])
        ).first()
        if survey_item and not form.is_bound:
            form.initial.setdefault("weak_point", f"{survey_item.code} {survey_item.name}")
    return render(
        request,
        "complaints/improvement/action_form.html",
        {"form": form, "survey_item": survey_item},
        status=422 if form.errors else 200,
    )


def _action_for(request, pk: int) -> ImprovementAction:
    try:
        return (
            improvement.actions_visible(user=request.user)
            .select_related("dealer", "owner", "meeting", "complaint", "survey_item", "verified_by")
            .get(pk=pk)
        )
    except ImprovementAction.DoesNotExist:
        raise Http404 from None


def _action_page(request, action, *, forms=None, status=200):
    user = request.user
    may_work = action.owner_id == user.pk or user.has_perm("complaints.run_improvement")
    context = {
        "action": action,
        "overdue": improvement.is_overdue(action),
        "may_start": may_work and action.status in (ActionStatus.OPEN, ActionStatus.REJECTED),
        "may_done": may_work
        and action.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.REJECTED),
        "may_verify": user.has_perm("complaints.run_improvement")
        and action.status == ActionStatus.DONE
        and action.owner_id != user.pk,
        "start_form": ActionStartForm(),
        "done_form": ActionDoneForm(),
        "verify_form": ActionVerifyForm(initial={"effective": "1"}),
        **(forms or {}),
    }
    return render(request, "complaints/improvement/action.html", context, status=status)


@login_required
def action_detail(request, pk):
    return _action_page(request, _action_for(request, pk))


@require_POST
@login_required
def action_start(request, pk):
    action = _action_for(request, pk)
    form = ActionStartForm(request.POST)
    started = form_submit(
        form,
        lambda: improvement.improvement_action_update(
            action=action, by=request.user, due_date=form.cleaned_data["due_date"]
        ),
    )
    if started:
        messages.success(request, _("Action in progress."))
        return redirect("complaints:action", pk=action.pk)
    return _action_page(request, action, forms={"start_form": form}, status=422)


@require_POST
@login_required
def action_done(request, pk):
    action = _action_for(request, pk)
    form = ActionDoneForm(request.POST)
    done = form_submit(
        form,
        lambda: improvement.improvement_action_done(
            action=action, by=request.user, note=form.cleaned_data["note"]
        ),
    )
    if done:
        messages.success(request, _("Reported done; the DCRC will verify it."))
        return redirect("complaints:action", pk=action.pk)
    return _action_page(request, action, forms={"done_form": form}, status=422)


@require_POST
@login_required
@run_improvement
def action_verify(request, pk):
    action = _action_for(request, pk)
    form = ActionVerifyForm(request.POST)
    verified = form_submit(
        form,
        lambda: improvement.improvement_action_verify(
            action=action, by=request.user, **form.cleaned_data
        ),
    )
    if verified:
        messages.success(request, _("Verification recorded."))
        return redirect("complaints:action", pk=action.pk)
    return _action_page(request, action, forms={"verify_form": form}, status=422)


# --- surveys --------------------------------------------------------------------------------


@login_required
@view_improvement
def survey_list(request):
    page = Paginator(surveys.surveys_list(user=request.user, dealer=request.dealer), 50).get_page(
        request.GET.get("page")
    )
    # Months × kind: one row per dealer and month, a column per survey kind.
    rows: dict = {}
    for survey in page:
        row = rows.setdefault(
            (survey.month, survey.dealer_id), {"month": survey.month, "dealer": survey.dealer}
        )
        row[survey.kind] = survey
    context = {
        "page": page,
        "rows": list(rows.values()),
        "kinds": SurveyKind.choices,
        "can_run": request.user.has_perm("complaints.run_improvement"),
        "many_dealers": len(request.dealers) > 1 and request.dealer is None,
    }
    return render(request, "complaints/improvement/surveys.html", context)


@login_required
@run_improvement
def survey_import(request):
    dealer, redirection = _dealer_or_redirect(request, "complaints:surveys")
    if redirection:
        return redirection
    today = timezone.localdate()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    form = SurveyImportForm(
        request.POST or None, request.FILES or None, initial={"month": last_month, "kind": "csi"}
    )
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = surveys.survey_import(
                dealer=dealer,
                kind=form.cleaned_data["kind"],
                month=form.cleaned_data["month"],
                upload=upload,
                filename=upload.name,
                by=request.user,
                overall_score=form.cleaned_data["overall_score"],
                replace=form.cleaned_data["replace"],
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            if not result.errors:
                messages.success(
                    request,
                    _("%(n)s items imported.") % {"n": result.imported},
                )
                return redirect("complaints:survey", pk=result.survey.pk)
    return render(
        request,
        "complaints/improvement/survey_import.html",
        {"form": form, "result": result, "dealer": dealer},
        status=422 if form.errors else 200,
    )


@login_required
@run_improvement
def survey_template(request):
    response = HttpResponse(
        surveys.survey_template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="survey-template.xlsx"'
    return response


MONTHS_SHOWN = 6


@login_required
@view_improvement
def survey_detail(request, pk):
    try:
        survey = surveys.survey_detail(user=request.user, pk=pk)
    except SatisfactionSurvey.DoesNotExist:
        raise Http404 from None
    first = survey.month
    for _step in range(MONTHS_SHOWN - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    months, trends = surveys.key_item_trends(
        dealer_id=survey.dealer_id, kind=survey.kind, first=first, last=survey.month
    )
    context = {
        "survey": survey,
        "items": survey.items.all(),
        "months": months,
        "trends": [(trend, [trend.months.get(month) for month in months]) for trend in trends],
        "can_run": request.user.has_perm("complaints.run_improvement")
        and request.dealer is not None
        and request.dealer.pk == survey.dealer_id,
        "chart": {
            "months": [f"{month:%Y-%m}" for month in months],
            "series": [
                {
                    "name": f"{trend.code} {trend.name}",
                    "data": [
                        float(trend.months[month].score) if month in trend.months else None
                        for month in months
                    ],
                }
                for trend in trends
            ],
        },
        "action_url": reverse("complaints:action_create"),
    }
    return render(request, "complaints/improvement/survey.html", context)
