"""A test-only page using SignedRequestForm the way the partner pages will: the URLconf of the site plus this page."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from organizations.forms import SignedRequestForm
from organizations.signing import signed_request_verify
from organizations.web import organization_required

PAYLOAD = '{"partnerId":"0b6c1c1e-55a4-4d0e-9f1a-2f3b4c5d6e7f","name":"Main","nonce":"test-nonce-1"}'

PAGE = engines["django"].from_string(
    """{% extends "base.html" %}{% block content %}
{% if signature %}<p data-testid="result">Signed: {{ signature }} ({{ verified }})</p>{% endif %}
<form method="post" novalidate>{% csrf_token %}{% include "includes/form_errors.html" %}
{% include "organizations/_signed_request.html" %}<button type="submit">Create</button></form>
{% endblock %}"""
)


@organization_required()
def signed_page(request: HttpRequest) -> HttpResponse:
    form = SignedRequestForm(request.POST or None, request=request, organization=request.organization, payload=PAYLOAD)
    context = {"form": form}
    if form.is_valid():
        signature = form.cleaned_data["signature"]
        key = signed_request_verify(request.organization, PAYLOAD, signature)
        context.update(signature=signature, verified="verifies" if key else "does not verify")
    return HttpResponse(PAGE.render(context, request))


urlpatterns = [path("test/signed-request", signed_page), *site_urlpatterns]
