"""A URL configuration without the settlement pages (`settlements:client-detail`), so a notice cannot be rendered:
tests/settlements/test_notice_delivery.py."""

urlpatterns: list = []
