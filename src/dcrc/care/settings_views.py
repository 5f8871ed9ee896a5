"""The contact-center settings of the current dealer (care.configure): thin views over the forms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dcrc.core.forms import form_errors_apply

from . import settings_services as services
from .defaults import care_defaults_ensure
from .models import Campaign, CareRule, CareSettings, Holiday, InspectionRule, MaintenanceSchedule
from .settings_forms import (
    SCRIPT_VARIABLES,
    CampaignForm,
    CareRuleForm,
    CareSettingsForm,
    HolidayForm,
    InspectionRuleForm,
    MaintenanceScheduleForm,
)

PAGE_SIZE = 50


def _dealer_or_prompt(request):
    """Settings belong to one dealer: the one chosen in the top bar."""
    if request.dealer is None:
        return None, render(request, "care/settings/no_dealer.html", {"section": ""})
    return request.dealer, None


@login_required
@permission_required("care.configure", raise_exception=True)
def settings_general(request):
    dealer, prompt = _dealer_or_prompt(request)
    if prompt:
        return prompt
    care_defaults_ensure(dealer_id=dealer.pk)
    instance = CareSettings.objects.get(dealer=dealer)
    form = CareSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in CareSettingsForm.Meta.fields}
        try:
            services.care_settings_update(
                dealer_id=dealer.pk,
                by=request.user,
                call_windows=form.cleaned_data["call_windows"],
                **fields,
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("care:settings")
    return render(request, "care/settings/general.html", {"form": form, "section": "general"})


@login_required
@permission_required("care.configure", raise_exception=True)
def settings_rules(request):
    dealer, prompt = _dealer_or_prompt(request)
    if prompt:
        return prompt
    care_defaults_ensure(dealer_id=dealer.pk)
    rules = CareRule.objects.for_user(request.user, dealer).order_by("priority", "kind")
    return render(request, "care/settings/rules.html", {"rules": rules, "section": "rules"})


@login_required
@permission_required("care.configure", raise_exception=True)
def settings_rule(request, pk):
    rule = get_object_or_404(CareRule.objects.for_user(request.user, request.dealer), pk=pk)
    form = CareRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.care_rule_update(
                rule=CareRule.objects.get(pk=pk), by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Rule %(rule)s saved.") % {"rule": rule})
            return redirect("care:settings_rules")
    context = {
        "form": form,
        "rule": rule,
        "variables": SCRIPT_VARIABLES,
        "section": "rules",
    }
    return render(request, "care/settings/rule_form.html", context)


# Maintenance schedules, inspection rules, holidays and campaigns: lists with a form each.


@dataclass(frozen=True)
class Section:
    model: Any
    form: Any
    title: Any
    columns: list  # (label, function of a row → cell)
    ordering: tuple[str, ...]


def _yes(value: bool) -> str:
    return "✓" if value else ""


SECTIONS = {
    "maintenance": Section(
        MaintenanceSchedule,
        MaintenanceScheduleForm,
        gettext_lazy("Maintenance schedules"),
        [
            (gettext_lazy("Brand"), lambda r: r.brand or _("All models")),
            (gettext_lazy("Series"), lambda r: r.series or "—"),
            (gettext_lazy("First service"), lambda r: f"{r.first_km:,} km / {r.first_months} 个月"),
            (
                gettext_lazy("Then every"),
                lambda r: f"{r.interval_km:,} km / {r.interval_months} 个月",
            ),
        ],
        ("brand", "series"),
    ),
    "inspection": Section(
        InspectionRule,
        InspectionRuleForm,
        gettext_lazy("Annual inspection rules"),
        [
            (gettext_lazy("Usage"), lambda r: r.get_usage_display()),
            (gettext_lazy("From month"), lambda r: r.start_month),
            (gettext_lazy("Until month"), lambda r: r.end_month or "∞"),
            (gettext_lazy("Every (months)"), lambda r: r.every_months or _("once")),
        ],
        ("usage", "start_month"),
    ),
    "holidays": Section(
        Holiday,
        HolidayForm,
        gettext_lazy("Holidays"),
        [
            (gettext_lazy("Date"), lambda r: f"{r.date:%Y-%m-%d}"),
            (gettext_lazy("Name"), lambda r: r.name),
            (gettext_lazy("Working day"), lambda r: _yes(r.is_workday)),
            (gettext_lazy("Greetings"), lambda r: _yes(r.greeting)),
            (
                gettext_lazy("Scope"),
                lambda r: _("National") if r.dealer_id is None else _("Dealer"),
            ),
        ],
        ("-date",),
    ),
    "campaigns": Section(
        Campaign,
        CampaignForm,
        gettext_lazy("Campaigns"),
        [
            (gettext_lazy("Code"), lambda r: r.code),
            (gettext_lazy("Kind"), lambda r: r.get_kind_display()),
            (gettext_lazy("Title"), lambda r: r.title),
            (
                gettext_lazy("Dates"),
                lambda r: (
                    f"{r.starts_on:%Y-%m-%d} – {r.ends_on:%Y-%m-%d}"
                    if r.ends_on
                    else f"{r.starts_on:%Y-%m-%d} –"
                ),
            ),
            (
                gettext_lazy("Vehicles"),
                lambda r: (
                    _("%(count)s VINs") % {"count": r.vins.count("\n") + 1}
                    if r.vins
                    else " ".join(
                        str(part)
                        for part in (r.brand, r.series, r.model_year_from, r.model_year_to)
                        if part
                    )
                    or "—"
                ),
            ),
            (gettext_lazy("Active"), lambda r: _yes(r.active)),
        ],
        ("-starts_on", "code"),
    ),
}


def _section(name: str) -> Section:
    if name not in SECTIONS:
        raise Http404
    return SECTIONS[name]


def _rows(request, name: str, section: Section):
    if name == "holidays":
        return Holiday.objects.filter(
            Q(dealer_id=request.dealer.pk) | Q(dealer__isnull=True)
        ).order_by(*section.ordering)
    return section.model.objects.for_user(request.user, request.dealer).order_by(*section.ordering)


def _row(request, name: str, section: Section, pk: int):
    row = get_object_or_404(_rows(request, name, section), pk=pk)
    if name == "holidays" and row.dealer_id is None and not request.user.is_superuser:
        raise Http404
    return row


@login_required
@permission_required("care.configure", raise_exception=True)
def settings_list(request, name):
    section = _section(name)
    dealer, prompt = _dealer_or_prompt(request)
    if prompt:
        return prompt
    page = Paginator(_rows(request, name, section), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "pk": row.pk,
            "cells": [cell(row) for _label, cell in section.columns],
            "editable": not (
                name == "holidays" and row.dealer_id is None and not request.user.is_superuser
            ),
        }
        for row in page
    ]
    context = {
        "section": name,
        "title": section.title,
        "labels": [label for label, _cell in section.columns],
        "rows": rows,
        "page": page,
    }
    return render(request, "care/settings/list.html", context)


def _form(request, name: str, section: Section, instance):
    kwargs = {"instance": instance, "dealer_id": request.dealer.pk}
    if name == "holidays":
        kwargs["allow_national"] = request.user.is_superuser
    return section.form(request.POST or None, **kwargs)


@login_required
@permission_required("care.configure", raise_exception=True)
def settings_edit(request, name, pk=None):
    section = _section(name)
    dealer, prompt = _dealer_or_prompt(request)
    if prompt:
        return prompt
    instance = _row(request, name, section, pk) if pk else section.model()
    form = _form(request, name, section, instance)
    if request.method == "POST" and form.is_valid():
        fields = {f: form.cleaned_data[f] for f in section.form.Meta.fields}
        try:
            if name == "holidays":
                national = form.cleaned_data.get("national", False)
                services.holiday_save(
                    instance=instance,
                    dealer_id=None if national else dealer.pk,
                    by=request.user,
                    **fields,
                )
            else:
                services.dealer_setting_save(
                    instance=instance, dealer_id=dealer.pk, by=request.user, **fields
                )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("care:settings_list", name=name)
    context = {
        "section": name,
        "title": section.title,
        "form": form,
        "instance": instance,
        "variables": SCRIPT_VARIABLES if name == "campaigns" else None,
    }
    return render(request, "care/settings/form.html", context)


@require_POST
@login_required
@permission_required("care.configure", raise_exception=True)
def settings_delete(request, name, pk):
    section = _section(name)
    if request.dealer is None:
        raise Http404
    row = _row(request, name, section, pk)
    try:
        services.dealer_setting_delete(instance=row, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Deleted."))
    return redirect("care:settings_list", name=name)
