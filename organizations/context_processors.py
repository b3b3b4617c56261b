def current_organization(request) -> dict:
    """The signed-in user's current organization and the others they can switch to (for base.html)."""
    return {
        "current_organization": getattr(request, "organization", None),
        "user_organizations": getattr(request, "user_organizations", []),
    }
