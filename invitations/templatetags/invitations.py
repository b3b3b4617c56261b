"""Template tags of the invitations app's slot templates."""

from django import template

from invitations.forms import MemberInviteForm

register = template.Library()


@register.simple_tag(takes_context=True)
def member_invite_form(context) -> MemberInviteForm:
    """The members page's invite form: the one MemberInviteView checked (with its errors), else an empty one. The
    members page belongs to organizations, which knows nothing of this form (slot "members_invite")."""
    return context.get("member_invite_form") or MemberInviteForm()
