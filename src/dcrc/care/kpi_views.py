"""The KPI page and its Excel export: check the permission, read the filter, call kpi_report()."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dcrc.core.tenancy import scoped_dealer_ids

from . import kpis
from .kpi_export import kpi_report_to_xlsx

# Two years of figures at most: a wider range is an archive dump, not a report.
MAX_PERIOD_DAYS = 731


class KpiFilterForm(forms.Form):
    """Period (a preset or from/to dates) and, for managers, one agent."""

    preset = forms.ChoiceField(
        label=gettext_lazy("Period"),
        required=False,
        choices=[("", "")] + list(kpis.PRESETS.items()),
    )
    start = forms.DateField(label=gettext_lazy("From"), required=False)
    end = forms.DateField(label=gettext_lazy("To"), required=False)
    agent = forms.TypedChoiceField(
        label=gettext_lazy("Agent"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, agents: list, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["agent"].choices = [("", gettext_lazy("All agents"))] + [
            (agent.pk, str(agent)) for agent in agents
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if self.errors:
            return data
        if start or end:
            if not start:
                self.add_error("start", _("Enter the first day of the period."))
            elif not end:
                self.add_error("end", _("Enter the last day of the period."))
            elif end < start:
                self.add_error("end", _("The last day cannot be before the first day."))
            elif (end - start).days >= MAX_PERIOD_DAYS:
                self.add_error("end", _("Choose a period of at most two years."))
        return data

    def period(self) -> kpis.Period:
        """The chosen period; this month when none (or an invalid one) was chosen."""
        data = self.cleaned_data if self.is_bound else {}
        if (
            data.get("start")
            and data.get("end")
            and not (self.has_error("start") or self.has_error("end"))
        ):
            return kpis.Period(data["start"], data["end"])
        preset = data.get("preset") if not self.has_error("preset") else ""
        return kpis.period_preset(preset or "this_month", self.today)


def _report(request):
    """(form, scope, period, report, agents, all agents?) of the request's filter."""
    dealer_ids = scoped_dealer_ids(request.user, request.dealer)
    all_agents = kpis.sees_all_agents(request.user)
    agents = list(kpis.kpi_agents(dealer_ids=dealer_ids)) if all_agents else []
    data = request.GET.copy()
    if not all_agents:
        data.pop("agent", None)  # an agent sees their own figures whatever they ask for
    form = KpiFilterForm(data or None, agents=agents, today=timezone.localdate())
    agent_id = request.user.pk
    if all_agents:
        agent_id = form.cleaned_data.get("agent") if form.is_valid() else None
    elif form.is_bound:
        form.is_valid()
    scope = kpis.Scope(dealer_ids=dealer_ids, agent_id=agent_id)
    period = form.period()
    return form, scope, period, kpis.kpi_report(scope=scope, period=period), agents, all_agents


@login_required
@permission_required("care.view_kpis", raise_exception=True)
def kpi_page(request):
    form, scope, period, report, agents, all_agents = _report(request)
    agent = next((a for a in agents if a.pk == scope.agent_id), None)
    context = {
        "form": form,
        "report": report,
        "period": period,
        "presets": kpis.PRESETS,
        "preset": request.GET.get("preset", "" if request.GET.get("start") else "this_month"),
        "all_agents": all_agents,
        "agent": agent,
        "targets": kpis.TARGETS,
        "charts": {
            "trend": report.trend,
            "trend_unit": report.trend_unit,
            "satisfaction": [
                {"name": label, "value": n, "code": code}
                for code, label, n in report.satisfaction
                if n
            ],
            "failures": [{"name": label, "value": n} for _code, label, n in report.failure_reasons],
            "labels": {
                "closed": _("Callbacks closed"),
                "reached": _("Reached"),
                "rate": _("Success rate %"),
            },
        },
    }
    return render(request, "care/kpi/page.html", context)


@login_required
@permission_required("care.view_kpis", raise_exception=True)
def kpi_export(request):
    form, scope, period, report, agents, all_agents = _report(request)
    path = kpi_report_to_xlsx(report=report, dealers=_dealer_names(request, scope))
    handle = path.open("rb")
    path.unlink()  # the open handle keeps the data until the response is sent
    filename = f"{_('KPIs')}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=filename)


def _dealer_names(request, scope) -> str:
    return "、".join(str(d) for d in request.dealers if d.pk in scope.dealer_ids)
