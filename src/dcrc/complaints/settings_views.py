"""The complaint settings of the current dealer (complaints.configure): a thin view."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dcrc.core.forms import form_errors_apply

from .models import ComplaintSettings
from .settings_forms import ComplaintSettingsForm
from .settings_services import complaint_settings_update


@login_required
@permission_required("complaints.configure", raise_exception=True)
def settings_edit(request):
    dealer = request.dealer
    if dealer is None:
        # Settings belong to one dealer: the one chosen in the top bar.
        return render(request, "complaints/settings_no_dealer.html")
    # Unsaved defaults until the first save: showing the page writes nothing.
    instance = ComplaintSettings.objects.filter(dealer=dealer).first()
    form = ComplaintSettingsForm(
        request.POST or None, instance=instance or ComplaintSettings(dealer=dealer)
    )
    if request.method == "POST" and form.is_valid():
        try:
            complaint_settings_update(dealer=dealer, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Complaint settings saved."))
            return redirect("complaints:settings")
    return render(request, "complaints/settings.html", {"form": form})
