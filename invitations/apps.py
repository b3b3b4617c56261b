from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    """Invitations by email (guest organizations, members) and the connections they make: above
    organization_partners (an invitation may be for a partner record; accepting updates the records)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "invitations"
    # What it adds to pages of the apps below it, which may not name its URLs (config/templatetags/slots.py).
    template_slots = {
        "organization_nav": "invitations/_nav.html",
        "members_invite": "invitations/_member_invite.html",
        "organization_partner_actions": "invitations/_partner_invite.html",
    }
    # The members page (organizations) hands its POST, the invitation of a new member, to this view.
    member_invite_view = "invitations.views.MemberInviteView"
    # Its figures and next steps on the organization home page (organizations/home.py).
    home_section = "invitations.home.home_section"
