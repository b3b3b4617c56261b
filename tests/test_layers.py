"""Layering rules that a reader would otherwise have to check by eye.

Every application app has the same rooms. The domain rooms (models, services, selectors, errors and whatever else
an app keeps beside them) speak domain terms; the edge rooms (api/, views, forms, admin, urls, tasks, commands,
page plumbing) translate between the wire or the page and the domain, and write only through services.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ["organizations", "organization_partners", "invitations", "partners", "allocations", "settlements"]
# Modules that face a transport (HTTP, the page, the admin, Celery, the shell) rather than the domain.
EDGE_DIRS = {"api", "migrations", "management", "templatetags"}
EDGE_MODULES = {
    "access.py",  # the access scenario of an API request, read from its headers
    "admin.py",
    "apps.py",
    "authentication.py",  # DRF authentication
    "checks.py",  # system checks
    "context_processors.py",
    "forms.py",
    "home.py",  # the organization home page's figures and next steps (organizations/home.py)
    "middleware.py",
    "schema.py",  # drf-spectacular extensions
    "tasks.py",
    "throttling.py",
    "urls.py",
    "views.py",
    "web.py",  # page plumbing shared by the apps' views
}
# Where an input came from, and the wire locations of the dialects: the edge's business, never the domain's.
WIRE_WORDS = re.compile(r"""["'](body|query|header|path)["']""")
# A camelCase string literal is a network-API (wire) name.
CAMEL_CASE = re.compile(r"""["'][a-z]+[A-Z][A-Za-z]*["']""")
# Writes, as the ORM spells them: the edge calls a service instead.
ORM_WRITE = re.compile(
    r"\.(save|delete|bulk_create|bulk_update|get_or_create|update_or_create)\(|\.objects\.(create|update)\(|"
    r"\.update\(\w+="
)
# Signed payloads are a wire contract of their own: the reference SDK signs these exact camelCase keys.
PAYLOAD_MODULES = {"payloads.py"}


def app_modules(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if p.name != "__init__.py")


def is_edge(path: Path, app: str) -> bool:
    parts = path.relative_to(ROOT / app).parts
    return bool(EDGE_DIRS & set(parts[:-1])) or path.name in EDGE_MODULES


def domain_modules() -> list[Path]:
    return [p for app in APPS for p in app_modules(app) if not is_edge(p, app)]


def edge_modules() -> list[Path]:
    return [p for app in APPS for p in app_modules(app) if is_edge(p, app)]


def offending_lines(modules: list[Path], pattern: re.Pattern, skip=lambda line: False) -> list[str]:
    return [
        f"{module.relative_to(ROOT)}:{number}: {line.strip()}"
        for module in modules
        for number, line in enumerate(module.read_text().splitlines(), 1)
        if pattern.search(line) and not skip(line)
    ]


def test_every_app_has_its_domain_rooms():
    for app in APPS:
        for room in ("models", "services", "selectors", "errors"):
            assert (ROOT / app / f"{room}.py").exists() or (ROOT / app / room).is_dir(), f"{app} has no {room}"


def test_the_domain_names_no_wire_location():
    modules = domain_modules()
    assert any(p.name == "services.py" or p.parent.name == "services" for p in modules)
    assert offending_lines(modules, WIRE_WORDS) == []


def test_services_and_selectors_speak_domain_names_not_wire_names():
    modules = [
        p
        for p in domain_modules()
        if (p.stem in {"services", "selectors"} or p.parent.name in {"services", "selectors"})
        and p.name not in PAYLOAD_MODULES
    ]
    assert modules
    assert offending_lines(modules, CAMEL_CASE) == []


@pytest.mark.parametrize("room", ["api", "views", "forms", "tasks"])
def test_the_edge_writes_only_through_services(room):
    modules = [p for p in edge_modules() if room in p.relative_to(ROOT).parts or p.stem == room]
    cache_call = re.compile(r"\bcache\.(delete|set)\(")
    assert offending_lines(modules, ORM_WRITE, skip=cache_call.search) == []
