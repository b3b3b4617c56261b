"""`{{ connection.name|at_partner:partner.name }}`: what follows a connection's name so that a page says which partner
it is at, once: "at Acme Prime", or nothing when the name already says it (the demo's connection "Globex at Acme
Prime" was shown as "Globex at Acme Prime at Acme Prime"). Names only, so a list costs no query per row."""

from django import template

register = template.Library()


@register.filter
def at_partner(connection_name: str, partner_name: str) -> str:
    if not partner_name or partner_name.casefold() in (connection_name or "").casefold():
        return ""
    return f"at {partner_name}"
