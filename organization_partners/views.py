"""The partner pages: the organization's partner records (list, create, edit, delete), CSV export and import, and a
host's read-only view of a connected guest's records.

Thin, as organizations.views: forms take text, organization_partners.services decides (every failing field at once,
next to its field), organization_partners.csv_import_export imports and exports. Permissions are the API's: READ_PARTNER
to see, WRITE_PARTNER to create, change and import, DELETE_PARTNER to delete. Ids in URLs are looked up in querysets
scoped
to the current organization (or its connected guests), so any other id answers 404.

The import is two steps on the page. Upload: the file is checked (a dry run, nothing written) and the report shows
each row's action and errors. When no row has an error the file waits in the cache (`IMPORT_CACHE_SECONDS`, under a
random token bound to the organization and the user) and an Apply button sends the token back: the file is checked
again and every row written in one transaction, or none.
"""

import secrets

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from config.errors import DomainError, ObjectNotFound, ValidationFailed
from organization_partners import csv_import_export, selectors
from organization_partners.errors import ImportFileTooLarge, ImportRowsInvalid
from organization_partners.forms import PartnerFilterForm, PartnerForm, PartnerImportApplyForm, PartnerImportForm
from organization_partners.services import (
    organization_partner_create,
    organization_partner_delete,
    organization_partner_update,
)
from organizations import selectors as organization_selectors
from organizations.models import PermissionCode
from organizations.web import OrganizationRequiredMixin, ServiceFormView, organization_required, scoped_or_404

READ, WRITE, DELETE = PermissionCode.READ_PARTNER, PermissionCode.WRITE_PARTNER, PermissionCode.DELETE_PARTNER
PAGE_SIZE = 25
IMPORT_CACHE_SECONDS = 3600
REPORT_ROWS_SHOWN = 500  # every row with an error, and the others up to this many


def _permissions(request: HttpRequest) -> frozenset[str]:
    return request.membership.permissions


def _list_context(request: HttpRequest, organization) -> dict:
    form = PartnerFilterForm(request.GET or None)
    partners = selectors.organization_partner_list(organization=organization, **form.filters())
    page_obj = Paginator(partners, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"filter_form": form, "page_obj": page_obj, "filter_query": query.urlencode()}


class PartnerListView(OrganizationRequiredMixin, TemplateView):
    organization_permission = READ
    template_name = "organization_partners/list.html"

    def get_context_data(self, **kwargs):
        request = self.request
        return super().get_context_data(
            **_list_context(request, request.organization),
            can_write=WRITE in _permissions(request),
            can_delete=DELETE in _permissions(request),
            can_invite=PermissionCode.WRITE_INVITATION in _permissions(request),
            guests=organization_selectors.organization_guest_list(host=request.organization),
            **kwargs,
        )


class GuestPartnerListView(OrganizationRequiredMixin, TemplateView):
    """A host reads a connected guest's partner records (the API's Host scenario): no buttons that change them."""

    organization_permission = READ
    template_name = "organization_partners/list.html"

    def get_context_data(self, **kwargs):
        try:
            guest = organization_selectors.organization_guest_get(
                host=self.request.organization, guest_id=self.kwargs["pk"]
            )
        except ObjectNotFound:
            raise Http404("Not one of your connected organizations.") from None
        return super().get_context_data(
            **_list_context(self.request, guest),
            guest=guest,
            can_write=False,
            can_delete=False,
            can_invite=False,
            **kwargs,
        )


@organization_required(READ)
def partner_export(request: HttpRequest) -> StreamingHttpResponse:
    """The list as CSV, with the list's filters and order (streamed: any number of rows)."""
    form = PartnerFilterForm(request.GET or None)
    partners = selectors.organization_partner_list(organization=request.organization, **form.filters())
    response = StreamingHttpResponse(
        csv_import_export.partner_export_lines(partners=partners), content_type="text/csv; charset=utf-8"
    )
    filename = f"partners-{request.organization.slug}-{timezone.now():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class PartnerFormMixin:
    form_class = PartnerForm
    template_name = "organization_partners/form.html"
    organization_permission = WRITE
    success_url = "partners"
    partner = None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organization": self.request.organization, "partner": self.partner}

    def get_context_data(self, **kwargs):
        return super().get_context_data(partner=self.partner, **kwargs)


class PartnerCreateView(PartnerFormMixin, ServiceFormView):
    success_message = "Partner “{object.company_name}” created."

    def perform(self, form):
        return organization_partner_create(organization=self.request.organization, **form.partner_data)


class PartnerUpdateView(PartnerFormMixin, ServiceFormView):
    success_message = "Partner “{object.company_name}” saved."

    @cached_property
    def partner(self):
        return scoped_or_404(
            selectors.organization_partner_list(organization=self.request.organization), self.kwargs["pk"]
        )

    def perform(self, form):
        return organization_partner_update(partner=self.partner, **form.partner_data)


@require_POST
@organization_required(DELETE)
def partner_delete_view(request: HttpRequest, pk) -> HttpResponse:
    partner = scoped_or_404(selectors.organization_partner_list(organization=request.organization), pk)
    organization_partner_delete(partner=partner)
    messages.success(request, f"Partner “{partner.company_name}” deleted.")
    return redirect("partners")


# --- import ---------------------------------------------------------------------------------------------------


def _cache_key(request: HttpRequest, token: str) -> str:
    return f"partner-import:{request.organization.pk}:{request.user.pk}:{token}"


def _shown_rows(report: csv_import_export.ImportReport) -> list:
    fine = [row for row in report.rows if not row.errors][:REPORT_ROWS_SHOWN]
    return sorted([*(row for row in report.rows if row.errors), *fine], key=lambda row: row.line)


@method_decorator(never_cache, name="dispatch")
class PartnerImportView(OrganizationRequiredMixin, TemplateView):
    """GET: the upload form. POST (a file): the dry run's report, and Apply when every row is fine."""

    organization_permission = WRITE
    template_name = "organization_partners/import.html"
    http_method_names = ["get", "post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PartnerImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=422)
        try:
            content = csv_import_export.import_file_read(form.cleaned_data["file"])
            report = csv_import_export.partner_import(organization=request.organization, content=content, dry_run=True)
        except DomainError as error:
            _form_error(form, error)
            status = 413 if isinstance(error, ImportFileTooLarge) else 422
            return self.render_to_response(self.get_context_data(form=form), status=status)
        apply_form = None
        if report.valid:
            token = secrets.token_urlsafe(24)
            cache.set(_cache_key(request, token), content, IMPORT_CACHE_SECONDS)
            apply_form = PartnerImportApplyForm(initial={"token": token})
        return self.render_to_response(
            self.get_context_data(form=PartnerImportForm(), report=report, apply_form=apply_form)
        )

    def get_context_data(self, report=None, **kwargs):
        return super().get_context_data(**_import_context(report=report, **kwargs))


def _import_context(*, report: csv_import_export.ImportReport | None = None, form=None, **kwargs) -> dict:
    shown = _shown_rows(report) if report else []
    return {
        "form": form or PartnerImportForm(),
        "report": report,
        "shown_rows": shown,
        "hidden_rows": len(report.rows) - len(shown) if report else 0,
        "columns": csv_import_export.COLUMNS,
        "required_columns": csv_import_export.REQUIRED_COLUMNS,
        "max_rows": csv_import_export.import_max_rows(),
        **kwargs,
    }


def _form_error(form, error: DomainError) -> None:
    if isinstance(error, ValidationFailed) and error.errors:
        for item in error.errors:
            form.add_error("file", item.msg)
    else:
        form.add_error("file", error.message)


@require_POST
@organization_required(WRITE)
@never_cache
def partner_import_apply(request: HttpRequest) -> HttpResponse:
    form = PartnerImportApplyForm(request.POST)
    key = _cache_key(request, form.cleaned_data["token"]) if form.is_valid() else None
    content = cache.get(key) if key else None
    if content is None:
        messages.error(
            request, "The checked file is no longer here (an hour has passed, or it was imported): upload it again."
        )
        return redirect("partner-import")
    # The checked file is consumed before it is applied, atomically (the cache's delete says whether this request
    # removed it): of concurrent clicks on Apply, one imports and the others are told it was.
    if not cache.delete(key):
        messages.info(request, "This checked file was already imported.")
        return redirect("partners")
    try:
        report = csv_import_export.partner_import(organization=request.organization, content=content, dry_run=False)
    except ImportRowsInvalid as error:  # the records changed since the dry run
        messages.error(request, error.message)
        return render(request, PartnerImportView.template_name, _import_context(report=error.report), status=422)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("partner-import")
    messages.success(
        request,
        f"Imported: {report.created} partner(s) created, {report.updated} updated, {report.unchanged} unchanged.",
    )
    return redirect("partners")
