"""The organization home page's figures and next steps, contributed by the apps above organizations.

Organizations owns the home page but knows nothing of partner records, invitations, the network or balances: those
apps sit above it. Each one that has something to show names a function on its AppConfig, as apps name their slot
templates (config/templatetags/slots.py) and the member invite view::

    home_section = "organization_partners.home.home_section"

The function takes the request (its `organization` and `membership`) and returns a `HomeSection`, or None when the
member may not see that part (each app checks its own read permission). Sections come in INSTALLED_APPS order and
their next steps are gathered in one list at the top of the page. A contribution costs a fixed number of queries,
whatever the number of rows it counts (tests/organizations/test_home.py holds the page's count).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.http import HttpRequest
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class HomeFigure:
    """One number with its label; `url`: where the things counted are listed."""

    label: str
    value: str
    url: str = ""


@dataclass(frozen=True)
class HomeStep:
    """Something to do next: a sentence and the page to do it on (`url` empty: nothing to click, e.g. ask staff)."""

    text: str
    url: str = ""
    link: str = ""


@dataclass(frozen=True)
class HomeTable:
    """Figures by row (e.g. balances per currency): `numeric` columns are right-aligned."""

    caption: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    numeric: tuple[int, ...] = ()


@dataclass
class HomeSection:
    title: str
    figures: list[HomeFigure] = field(default_factory=list)
    table: HomeTable | None = None
    steps: list[HomeStep] = field(default_factory=list)
    note: str = ""
    url: str = ""
    link: str = ""


@cache
def _contributors() -> tuple[Callable[[HttpRequest], HomeSection | None], ...]:
    return tuple(
        import_string(path) for config in apps.get_app_configs() if (path := getattr(config, "home_section", None))
    )


def home_sections(request: HttpRequest) -> list[HomeSection]:
    """The sections the installed apps above organizations add to the home page, for this member."""
    return [section for contribute in _contributors() if (section := contribute(request)) is not None]


def has_permission(request: HttpRequest, permission: str) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and permission in membership.permissions
