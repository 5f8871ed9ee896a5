"""htmx: the next page of a customer's contact history on the 360 page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from dcrc.customers.models import Customer

from .history import customer_contact_history


@login_required
def customer_history(request, pk):
    customer = get_object_or_404(Customer.objects.for_user(request.user), pk=pk)
    page = request.GET.get("page", "1")
    history = customer_contact_history(
        customer=customer,
        page=int(page) if page.isdigit() else 1,
        with_complaints=request.GET.get("complaints") != "0",
    )
    return render(
        request, "care/history/partials/items.html", {"history": history, "customer": customer}
    )
