from django.apps import apps

from organizations.models import PermissionCode


def current_organization(request) -> dict:
    """The signed-in user's current organization and the others they can switch to (for base.html)."""
    membership = getattr(request, "membership", None)
    return {
        "current_organization": getattr(request, "organization", None),
        "current_membership": membership,
        "user_organizations": getattr(request, "user_organizations", []),
        "can_manage_organization": bool(
            membership is not None and PermissionCode.MANAGE_ORGANIZATION in membership.permissions
        ),
    }


def navigation(request) -> dict:
    """The navigation templates of the installed apps (an app adds `nav_template = "<app>/_nav.html"` to its
    AppConfig), which base.html includes in INSTALLED_APPS order: no app's links are listed in the layout."""
    configs = apps.get_app_configs()
    return {"nav_templates": [t for config in configs if (t := getattr(config, "nav_template", None))]}
