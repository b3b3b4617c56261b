"""A request's query parameters, as the network API reads them: the query string and, on a GET, a JSON-object body.

BitGo's SDK (`TradingNetwork`, with superagent in Node) sends every read's filters and paging with `.send(params)`:
a JSON body on the GET and no query string. The network dialect therefore reads both, as one `QueryDict`, so the
same query serializers validate either form:

- a JSON array gives the key several values (as `?ids=a&ids=b`); a string one (a comma-separated string stays one
  value, which the comma-separated list fields split as they do in a query string);
- `true`/`false` become "true"/"false", numbers their decimal text (`pageSize: 50` is `?pageSize=50`), `null` is
  the key left out;
- a key named in the query string **and** in the body takes the query string's values (the URL is what a proxy or a
  log shows, so it is what the request is taken to ask).

A GET body that is not a JSON object, or a value that is an object or an array holding anything but strings,
numbers and booleans, answers 400. An empty body is no body.
"""

from django.http import QueryDict

from config.errors import FieldError, ValidationFailed

_CACHE_ATTRIBUTE = "_partner_network_query"


def _text(value) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return None


def _body_parameters(request) -> dict[str, list[str]]:
    if request.method != "GET":
        return {}
    data = request.data  # parsed by the view's parsers (JSON); an unsupported media type is 415 there
    if isinstance(data, dict) and not data:  # no body, or `{}`
        return {}
    if not isinstance(data, dict) or isinstance(data, QueryDict):
        raise ValidationFailed.single(
            (), "A GET body must be a JSON object of query parameters.", "invalid", wire_names=True
        )
    parameters: dict[str, list[str]] = {}
    errors = []
    for key, value in data.items():
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        texts = [_text(item) for item in values]
        if any(text is None for text in texts):
            errors.append(
                FieldError(
                    key,
                    "A query parameter is a string, a number, a boolean or an array of them.",
                    "invalid",
                    wire_names=True,
                )
            )
            continue
        parameters[key] = texts
    if errors:
        raise ValidationFailed(errors)
    return parameters


def query_parameters(request) -> QueryDict:
    """The query string's parameters with a GET's JSON-object body merged in (module docstring). Read once per
    request."""
    cached = getattr(request, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    merged = request.query_params.copy()
    for key, values in _body_parameters(request).items():
        if key not in merged:
            merged.setlist(key, values)
    merged._mutable = False
    setattr(request, _CACHE_ATTRIBUTE, merged)
    return merged
