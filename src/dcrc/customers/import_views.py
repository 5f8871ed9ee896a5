"""Screens of the DMS import: upload, column mapping, dry-run preview, run, progress, errors.

Thin like the other views: permission, tenancy, form, one service call. Only users with
customers.import see them; a job of a dealer the user cannot see answers 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dcrc.core.choices import AccessAction
from dcrc.core.services import personal_data_access_record

from . import imports, tasks
from .choices import ImportStatus
from .forms import ImportUploadForm
from .import_forms import ImportMappingForm
from .models import ImportJob


def _require_import(request):
    if not request.user.has_perm("customers.import"):
        raise PermissionDenied


def _job(request, pk) -> ImportJob:
    _require_import(request)
    return get_object_or_404(
        ImportJob.objects.for_user(request.user).select_related("dealer", "created_by"), pk=pk
    )


def _list_context(request, form):
    jobs = ImportJob.objects.for_user(request.user, request.dealer or None).select_related(
        "dealer", "created_by"
    )
    return {
        "form": form,
        "page": Paginator(jobs, 20).get_page(request.GET.get("page")),
        "dealer": request.dealer or None,
    }


@login_required
def import_list(request):
    _require_import(request)
    return render(
        request, "customers/imports/list.html", _list_context(request, ImportUploadForm())
    )


@login_required
def import_upload(request):
    _require_import(request)
    if request.method != "POST":
        return redirect("customers:import_list")
    form = ImportUploadForm(request.POST, request.FILES)
    if not request.dealer:
        form.add_error(None, _("Choose a dealer in the top bar: an import goes into one dealer."))
    elif form.is_valid():
        try:
            job = imports.import_job_create(
                dealer=request.dealer,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error("file", error.messages)
        else:
            return redirect("customers:import_mapping", pk=job.pk)
    return render(request, "customers/imports/list.html", _list_context(request, form), status=400)


@login_required
def import_mapping(request, pk):
    job = _job(request, pk)
    if job.status not in imports.RUNNABLE:
        return redirect(job)
    form = ImportMappingForm(request.POST or None, job=job)
    if request.method == "POST" and form.is_valid():
        try:
            imports.import_job_map(job=job, columns=form.columns)
            imports.import_job_preview(job=job)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            return redirect("customers:import_preview", pk=job.pk)
    return render(request, "customers/imports/mapping.html", {"job": job, "form": form})


@login_required
def import_preview(request, pk):
    job = _job(request, pk)
    if job.status != ImportStatus.PREVIEWED:
        return redirect(job)
    return render(request, "customers/imports/preview.html", {"job": job, "preview": job.preview})


@require_POST
@login_required
def import_run(request, pk):
    job = _job(request, pk)
    if imports.import_job_queue(job=job):
        tasks.import_launch(job.pk)
        messages.success(request, _("The import has started; this page shows its progress."))
    else:
        messages.warning(request, _("This import is already running or has run."))
    return redirect(job)


@login_required
def import_detail(request, pk):
    job = _job(request, pk)
    context = {"job": job, "stale": imports.import_job_is_stale(job)}
    return render(request, "customers/imports/detail.html", context)


@login_required
def import_progress(request, pk):
    """htmx: the progress card, polled every second while the job runs."""
    job = _job(request, pk)
    context = {"job": job, "stale": imports.import_job_is_stale(job)}
    return render(request, "customers/imports/partials/progress.html", context)


@login_required
def import_errors(request, pk):
    """The rows that were not imported, with the reason; the cells are personal data."""
    job = _job(request, pk)
    if not job.error_file:
        raise Http404
    try:
        handle = job.error_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    personal_data_access_record(
        user=request.user,
        action=AccessAction.EXPORT,
        object_type="import",
        object_id=job.pk,
        dealer=job.dealer,
        detail=_("Rows not imported: %(file)s") % {"file": job.original_name},
        row_count=job.rows_failed or job.preview.get("failed", 0),
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    name = f"{job.original_name.rsplit('.', 1)[0]}-errors.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name)
