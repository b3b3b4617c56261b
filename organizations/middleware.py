"""The organization a signed-in user is working in on the web pages (chosen with the header switcher)."""

from django.http import HttpRequest, HttpResponse

from config.api.dialects import API_PREFIX
from organizations.selectors import membership_list_for_user

SESSION_KEY = "organization_id"


class CurrentOrganizationMiddleware:
    """Sets `request.organization`, `request.membership` and `request.user_organizations` for web pages.

    The organization is the one whose id is in the session, kept only while the user is still a member of it;
    otherwise the user's first organization by name. One query, whatever the number of memberships. Anonymous
    users and users without a membership get None and []. API paths are skipped: they name their organization
    in headers or carry it in the token, and must not pay for this query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organization = None
        request.membership = None
        request.user_organizations = []
        if not request.path_info.startswith(API_PREFIX) and request.user.is_authenticated:
            memberships = list(membership_list_for_user(user=request.user))
            chosen = str(request.session.get(SESSION_KEY, ""))
            current = next((m for m in memberships if str(m.organization_id) == chosen), None)
            if current is None and memberships:
                current = memberships[0]
            if current is not None:
                request.membership = current
                request.organization = current.organization
            request.user_organizations = [m.organization for m in memberships]
        return self.get_response(request)
