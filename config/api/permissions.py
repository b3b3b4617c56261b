"""Permission rules: what each API view requires, per HTTP method. Deny by default.

Every API view declares one `permission_rule` (see `config.api.views.ApiViewMixin`):

- `Resource("PARTNER")`: GET/HEAD need READ_PARTNER, POST/PUT/PATCH WRITE_PARTNER, DELETE DELETE_PARTNER;
- `PerMethod(GET="READ_NETWORK", POST="WRITE_NETWORK")`: an explicit map; a method it does not name is refused;
  a method may need several codes at once (`POST=("READ_PARTNER", "WRITE_PARTNER")`);
- `Always("MANAGE_ORGANIZATION")`: one permission for every method;
- `AUTHENTICATED`: any authenticated caller, no permission code (e.g. "my organizations");
- `PUBLIC`: anonymous callers too (the token endpoints).

A view class with a handler its rule does not cover cannot be declared (ImproperlyConfigured at import). At request
time, `RulePermission` (the default DRF permission class) refuses views without a rule and anonymous callers of
non-public rules; the view then checks the method's permission code against the caller's permissions in the
organization the request addresses.
"""

from collections.abc import Iterable

from rest_framework.permissions import BasePermission

from config.errors import Forbidden

# HTTP methods a handler can answer; HEAD follows GET, OPTIONS is not served by API views.
HANDLER_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_VIEWSET_ACTION_METHODS = {
    "list": "GET",
    "retrieve": "GET",
    "create": "POST",
    "update": "PUT",
    "partial_update": "PATCH",
    "destroy": "DELETE",
}


class Rule:
    anonymous = False  # True only for PUBLIC

    def covers(self, method: str) -> bool:
        raise NotImplementedError

    def permission_for(self, method: str) -> str | None:
        """The permission code `method` needs; None when being authenticated (or anonymous, for PUBLIC) is enough."""
        raise NotImplementedError

    def permissions_for(self, method: str) -> tuple[str, ...]:
        """Every permission code `method` needs (all of them); empty when being authenticated is enough."""
        code = self.permission_for(method)
        return (code,) if code is not None else ()

    def codes(self) -> set[str]:
        """Every permission code this rule can ask for (checked against the known codes by a test)."""
        return {code for method in HANDLER_METHODS if self.covers(method) for code in self.permissions_for(method)}

    def check(self, method: str, permissions: Iterable[str] | None) -> None:
        method = "GET" if method == "HEAD" else method
        if not self.covers(method):
            raise Forbidden(f"{method} is not allowed here.")
        for code in self.permissions_for(method):
            if permissions is None or code not in permissions:
                raise Forbidden(f"This action needs the {code} permission.")


class Resource(Rule):
    _PREFIXES = {"GET": "READ_", "POST": "WRITE_", "PUT": "WRITE_", "PATCH": "WRITE_", "DELETE": "DELETE_"}

    def __init__(self, name: str) -> None:
        self.name = name

    def covers(self, method: str) -> bool:
        return method in self._PREFIXES

    def permission_for(self, method: str) -> str | None:
        return self._PREFIXES[method] + self.name

    def __repr__(self) -> str:
        return f"Resource({self.name!r})"


class PerMethod(Rule):
    """`PerMethod(GET="READ_X", POST=("READ_X", "WRITE_X"))`: a code, several codes (all needed), or None."""

    def __init__(self, **codes: str | tuple[str, ...] | None) -> None:
        unknown = set(codes) - set(HANDLER_METHODS)
        if unknown:
            raise ValueError(f"PerMethod: not HTTP methods: {', '.join(sorted(unknown))}")
        self.map = codes

    def covers(self, method: str) -> bool:
        return method in self.map

    def permission_for(self, method: str) -> str | None:
        codes = self.permissions_for(method)
        return codes[0] if codes else None

    def permissions_for(self, method: str) -> tuple[str, ...]:
        codes = self.map[method]
        if codes is None:
            return ()
        return (codes,) if isinstance(codes, str) else tuple(codes)

    def __repr__(self) -> str:
        return f"PerMethod({self.map!r})"


class Always(Rule):
    def __init__(self, code: str) -> None:
        self.code = code

    def covers(self, method: str) -> bool:
        return method in HANDLER_METHODS

    def permission_for(self, method: str) -> str | None:
        return self.code

    def __repr__(self) -> str:
        return f"Always({self.code!r})"


class _Authenticated(Rule):
    def covers(self, method: str) -> bool:
        return method in HANDLER_METHODS

    def permission_for(self, method: str) -> str | None:
        return None

    def __repr__(self) -> str:
        return "AUTHENTICATED"


class _Public(_Authenticated):
    anonymous = True

    def __repr__(self) -> str:
        return "PUBLIC"


AUTHENTICATED = _Authenticated()
PUBLIC = _Public()


def handler_methods(view_class) -> set[str]:
    """The HTTP methods a view class answers: its `get`/`post`/... handlers, or its viewset actions."""
    from rest_framework.viewsets import ViewSetMixin

    if issubclass(view_class, ViewSetMixin):
        methods = {method for action, method in _VIEWSET_ACTION_METHODS.items() if hasattr(view_class, action)}
        for extra in view_class.get_extra_actions():
            methods |= {m.upper() for m in extra.mapping}
        return methods
    return {method for method in HANDLER_METHODS if hasattr(view_class, method.lower())}


def rule_gaps(view_class) -> list[str]:
    """Methods of `view_class` that no rule covers (all of them when it declares none)."""
    rule = getattr(view_class, "permission_rule", None)
    methods = sorted(handler_methods(view_class))
    if rule is None:
        return methods
    return [method for method in methods if not rule.covers(method)]


class RulePermission(BasePermission):
    """The default permission class: views without a rule are closed; only PUBLIC rules admit anonymous callers."""

    def has_permission(self, request, view) -> bool:
        rule = getattr(view, "permission_rule", None)
        if rule is None:
            return False
        return rule.anonymous or bool(request.user and request.user.is_authenticated)
