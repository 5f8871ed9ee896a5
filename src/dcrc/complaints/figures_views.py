"""The complaint figures page and its Excel export: check the permission, read the filter, call
complaint_figures()."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dcrc.care.kpis import Period
from dcrc.core.forms import date_in_range

from . import figures
from .figures_export import figures_to_xlsx


class FiguresFilterForm(forms.Form):
    """A period: a preset (this month by default) or from/to dates."""

    preset = forms.ChoiceField(
        label=gettext_lazy("Period"),
        required=False,
        choices=[("", "")] + list(figures.PRESETS.items()),
    )
    start = forms.DateField(label=gettext_lazy("From"), required=False, validators=[date_in_range])
    end = forms.DateField(label=gettext_lazy("To"), required=False, validators=[date_in_range])

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if self.errors or not (start or end):
            return data
        if not start:
            self.add_error("start", _("Enter the first day of the period."))
        elif not end:
            self.add_error("end", _("Enter the last day of the period."))
        elif end < start:
            self.add_error("end", _("The last day cannot be before the first day."))
        elif (end - start).days >= figures.MAX_PERIOD_DAYS:
            self.add_error("end", _("Choose a period of at most two years."))
        return data

    def period(self) -> Period:
        """The chosen period; this month when none (or an invalid one) was chosen."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("start") and data.get("end"):
            return Period(data["start"], data["end"])
        return figures.period_preset(data.get("preset") or "this_month", self.today)


def _report(request):
    form = FiguresFilterForm(request.GET or None, today=timezone.localdate())
    period = form.period()
    report = figures.complaint_figures(user=request.user, dealer=request.dealer, period=period)
    return form, report


def _preset(request) -> str:
    if request.GET.get("start") or request.GET.get("end"):
        return ""
    return request.GET.get("preset") or "this_month"


@login_required
@permission_required("complaints.view_figures", raise_exception=True)
def figures_page(request):
    form, report = _report(request)
    totals = report.totals
    context = {
        "form": form,
        "report": report,
        "totals": totals,
        "period": report.period,
        "presets": figures.PRESETS,
        "preset": _preset(request),
        "show_dealers": len(report.dealers) > 1,
        "charts": {
            "breakdowns": {
                b.key: [{"code": code, "name": label, "value": n} for code, label, n in b.rows]
                for b in report.breakdowns
            },
            "dealers": [
                {
                    "name": row.name,
                    "total": row.counts.total,
                    "important": row.counts.important,
                    "overdue": row.counts.overdue_in_period,
                }
                for row in report.dealers
            ],
            "labels": {
                "total": _("Complaints"),
                "important": _("Important"),
                "overdue": _("Overdue in period"),
            },
        },
    }
    return render(request, "complaints/figures.html", context)


@login_required
@permission_required("complaints.view_figures", raise_exception=True)
def figures_export(request):
    _form, report = _report(request)
    path = figures_to_xlsx(report=report, scope=_scope_name(request))
    handle = path.open("rb")
    path.unlink()  # the open handle keeps the data until the response is sent
    period = report.period
    filename = f"{_('Complaint figures')}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=filename)


def _scope_name(request) -> str:
    if request.dealer is not None:
        return str(request.dealer)
    return "、".join(str(dealer) for dealer in request.dealers)
