"""`{{ field|is_optional }}`: whether `includes/field.html` marks a field "(optional)".

A field is required for the person filling the form when the form field says `required=True`, or when its name is in
the form's `user_required`: forms whose service checks a field (and words the error, with every other error at once)
declare it `required=False` and list it there, so the page still says the person must fill it.
"""

from django import template
from django.forms import BoundField

register = template.Library()


@register.filter
def is_optional(field: BoundField) -> bool:
    return not field.field.required and field.name not in getattr(field.form, "user_required", ())
