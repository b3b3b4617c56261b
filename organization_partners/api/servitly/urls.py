"""Seed 001's partner API URLs, mounted at `/api/servitly/` by config.urls."""

from rest_framework.routers import SimpleRouter

from organization_partners.api.servitly.views import NetworkPartnerViewSet

router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("network/partners", NetworkPartnerViewSet, basename="servitly-partner")

urlpatterns = router.urls
