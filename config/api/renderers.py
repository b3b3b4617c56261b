"""JSON rendering that cannot fail on text the client sent.

An error message may echo the client's input, and a JSON body can carry a lone surrogate (`"\\ud800"`), which has
no UTF-8 form: DRF's renderer would raise UnicodeEncodeError and the client would get a 500. Such characters are
rendered as U+FFFD (the replacement character) instead; everything else is rendered unchanged.
"""

from rest_framework.renderers import BrowsableAPIRenderer as DRFBrowsableAPIRenderer
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer


def replace_lone_surrogates(value):
    """The same data with every lone surrogate in its strings (keys included) replaced by U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {replace_lone_surrogates(k): replace_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [replace_lone_surrogates(v) for v in value]
    return value


class _SurrogateSafe:
    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return super().render(replace_lone_surrogates(data), accepted_media_type, renderer_context)


class JSONRenderer(_SurrogateSafe, DRFJSONRenderer):
    pass


class BrowsableAPIRenderer(_SurrogateSafe, DRFBrowsableAPIRenderer):
    pass
