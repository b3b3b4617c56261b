"""`{% current_if "view-name" "ns:other-view" %}`: ` aria-current="page"` when the page's view is one of those named.

Navigation links compare the resolved view name (namespace included) exactly: a substring or prefix test lights
several links at once (`"connections"` is in `"org-connections"`; `partner-` starts URL names of other sections).
"""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def current_if(context, *view_names: str) -> str:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return mark_safe(' aria-current="page"') if match is not None and match.view_name in view_names else ""
