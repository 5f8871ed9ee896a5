"""Views of SMS: the log, sending one to a customer, and the dealer's templates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dcrc.core.forms import form_errors_apply
from dcrc.customers.models import Customer

from . import sms
from .choices import SmsDirection, SmsStatus
from .hotline_forms import SmsSendForm, SmsTemplateForm
from .models import SmsTemplate

PAGE_SIZE = 30

configure = permission_required("care.configure", raise_exception=True)


@login_required
@permission_required("care.send_sms", raise_exception=True)
def sms_log(request):
    status = request.GET.get("status", "")
    direction = request.GET.get("direction", "")
    page = Paginator(
        sms.sms_messages(
            user=request.user, dealer=request.dealer, status=status, direction=direction
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "statuses": SmsStatus.choices,
        "directions": SmsDirection.choices,
        "extra_params": "".join(
            f"{name}={value}&"
            for name, value, allowed in (
                ("status", status, SmsStatus.values),
                ("direction", direction, SmsDirection.values),
            )
            if value in allowed
        ),
    }
    template = "care/sms/partials/log_rows.html" if request.htmx else "care/sms/log.html"
    return render(request, template, context)


@login_required
@permission_required("care.send_sms", raise_exception=True)
def sms_compose(request):
    """Send one SMS, to a customer (from the 360) or to a number."""
    customer = None
    customer_id = request.GET.get("customer") or request.POST.get("customer")
    if customer_id:
        if not str(customer_id).isdigit():
            raise Http404
        customer = get_object_or_404(
            Customer.objects.for_user(request.user).current().select_related("dealer"),
            pk=customer_id,
        )
    dealer = customer.dealer if customer else request.dealer
    if dealer is None:
        messages.warning(request, _("Choose a dealer in the top bar before sending an SMS."))
        return redirect("care:sms_log")
    form = SmsSendForm(request.POST or None, dealer=dealer, customer=customer)
    variables = sms.customer_variables(customer, dealer)
    if request.method == "POST" and form.is_valid():
        template = form.cleaned_data["template"]
        body = form.cleaned_data["body"]
        # A template's text sent as filled goes through its gateway template with the values;
        # a text the agent edited goes as free text.
        unedited = template is not None and body == sms.sms_render(template.body, variables)
        try:
            message = sms.sms_send(
                dealer_id=dealer.pk,
                phone=form.cleaned_data["phone"],
                body=form.cleaned_data["body"],
                customer=customer,
                template=template,
                is_marketing=bool(template and template.is_marketing),
                by=request.user,
                variables=variables if unedited else None,
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            notice = {
                SmsStatus.SENT: (messages.SUCCESS, _("SMS sent.")),
                SmsStatus.DEFERRED: (
                    messages.INFO,
                    _("SMS deferred (quiet hours or rate limit); it goes out automatically."),
                ),
                SmsStatus.BLOCKED: (
                    messages.WARNING,
                    _("Not sent: the customer unsubscribed from marketing texts."),
                ),
            }.get(message.status, (messages.ERROR, _("The SMS could not be sent.")))
            messages.add_message(request, *notice)
            return redirect(customer or "care:sms_log")
    context = {
        "form": form,
        "customer": customer,
        # The text of each template filled for this customer, put in the box when chosen.
        "template_texts": {
            str(t.pk): sms.sms_render(t.body, variables) for t in form.fields["template"].queryset
        },
    }
    return render(request, "care/sms/compose.html", context)


@login_required
@configure
def template_list(request):
    templates = SmsTemplate.objects.for_user(request.user, request.dealer).select_related("dealer")
    page = Paginator(templates.order_by("dealer__code", "code"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "care/sms/templates.html", {"page": page})


@require_POST
@login_required
@configure
def template_defaults(request):
    if not request.dealer:
        messages.warning(request, _("Choose a dealer in the top bar first."))
        return redirect("care:sms_templates")
    created = sms.sms_templates_ensure(dealer_id=request.dealer.pk)
    messages.success(request, _("%(count)d default templates added.") % {"count": created})
    return redirect("care:sms_templates")


@login_required
@configure
def template_create(request):
    if not request.dealer:
        messages.warning(request, _("Choose a dealer in the top bar first."))
        return redirect("care:sms_templates")
    form = SmsTemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sms.sms_template_create(dealer=request.dealer, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Template saved."))
            return redirect("care:sms_templates")
    return render(
        request, "care/sms/template_form.html", {"form": form, "variables": sms.VARIABLES}
    )


@login_required
@configure
def template_edit(request, pk):
    template = get_object_or_404(SmsTemplate.objects.for_user(request.user), pk=pk)
    form = SmsTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            sms.sms_template_update(
                template=SmsTemplate.objects.get(pk=pk), by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Template saved."))
            return redirect("care:sms_templates")
    return render(
        request,
        "care/sms/template_form.html",
        {"form": form, "template": template, "variables": sms.VARIABLES},
    )
