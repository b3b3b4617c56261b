from django.conf import settings
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config.admin import admin_login
from config.views import healthz


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin, API responses)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


handler400 = "config.views.bad_request"

urlpatterns = [
    path("favicon.ico", favicon),
    path("healthz", healthz, name="healthz"),
    path("admin/login/", admin_login),  # before the admin's own login: with an attempt budget
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "api/redoc/",
        csp_override(settings.REDOC_CSP)(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
    path("api/v1/", include("organizations.api.urls")),
    path("api/v1/", include("organization_partners.api.urls")),
    path("api/v1/", include("invitations.api.urls")),
    path("api/servitly/", include("organization_partners.api.servitly.urls")),  # seed 001's partner API
    path("api/network/v1/enterprises/<str:enterpriseId>/", include("partners.api.urls")),
    path("api/network/v1/enterprises/<str:enterpriseId>/", include("allocations.api.urls")),
    path("api/network/v1/enterprises/<str:enterpriseId>/", include("settlements.api.urls")),
    path("api/network/v2/enterprises/<str:enterpriseId>/", include("settlements.api.urls_v2")),
    path("network/", include("partners.urls")),  # the Network section: `network:<name>`
    path("network/", include("allocations.urls")),  # its allocation pages: `allocations:<name>`
    path("network/", include("settlements.urls")),  # its settlement pages: `settlements:<name>`
    path("", include("organizations.urls")),
    path("", include("organization_partners.urls")),
    path("", include("invitations.urls")),
]
