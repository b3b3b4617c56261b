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
