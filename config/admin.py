from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm

from config.signin import RefusingSignInMixin, limit_sign_in_attempts

admin.site.site_header = "Partner Network administration"
admin.site.site_title = "Partner Network admin"
admin.site.index_title = "Platform"


class AdminSignInForm(RefusingSignInMixin, AdminAuthenticationForm):
    """The admin's sign-in form, refusing while the address is over its sign-in budget (config.signin)."""


admin.site.login_form = AdminSignInForm
# The admin's login view with the same per-address attempt budget as the web sign-in; config.urls routes
# /admin/login/ here ahead of the admin's own URLs.
admin_login = limit_sign_in_attempts(admin.site.login)
