"""Apps depend one way, in Python imports, in templates and in URLs.

    config ← organizations ← organization_partners ← invitations
                          ↖ partners ← allocations ← settlements   (demo, on top, fills them all)

An app may use only the apps listed for it in DEPENDS_ON (and third-party code). A lower app's page that shows
something of an app above it does so through a template slot (config/templatetags/slots.py), never by naming its
URLs; each app mounts its own URLconf and owns its URL namespace.
"""

import ast
import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[1]
DEPENDS_ON: dict[str, set[str]] = {
    "config": set(),
    "organizations": {"config"},
    "organization_partners": {"config", "organizations"},
    "invitations": {"config", "organizations", "organization_partners"},
    "partners": {"config", "organizations"},
    "allocations": {"config", "organizations", "partners"},
    "settlements": {"config", "organizations", "partners", "allocations"},
    "demo": {
        "config",
        "organizations",
        "organization_partners",
        "invitations",
        "partners",
        "allocations",
        "settlements",
    },
}
APPS = set(DEPENDS_ON)
# Templates outside an app's folder (the layout, error pages, sign-in, shared includes) belong to organizations,
# which owns the site's shell: sign-in, the organization switcher, the home page.
SHELL_APP = "organizations"
URL_TAG = re.compile(r"""\{%\s*url\s+["']([^"']+)["']""")


def test_the_dependency_map_has_no_cycle():
    seen: set[str] = set()

    def visit(app: str, path: tuple[str, ...]) -> None:
        assert app not in path, f"dependency cycle: {' → '.join((*path, app))}"
        for lower in DEPENDS_ON[app]:
            visit(lower, (*path, app))
        seen.add(app)

    for app in DEPENDS_ON:
        visit(app, ())
    assert seen == APPS


def test_every_application_package_is_in_the_map():
    packages = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert packages == APPS


# --- Python imports ---------------------------------------------------------------------------------------------


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return {name.split(".")[0] for name in names} & APPS


@pytest.mark.parametrize("app", sorted(APPS))
def test_no_module_imports_an_app_its_own_does_not_depend_on(app):
    allowed = DEPENDS_ON[app] | {app}
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) - allowed)
        for path in sorted((ROOT / app).rglob("*.py"))
        if imported_apps(path) - allowed
    }
    assert offenders == {}


# --- URLs -------------------------------------------------------------------------------------------------------


def app_of_module(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in APPS else None


def view_module(pattern: URLPattern) -> str:
    callback = pattern.callback
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
    return view.__module__


def url_patterns(patterns=None, owner: str = "config", namespace: str | None = None):
    """(owner app of the URLconf that declares it, namespace, pattern) for every URL of the project."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":  # the admin site: each app's admin.py registers its own screens
                continue
            module = pattern.urlconf_module
            module_name = getattr(module, "__name__", None)
            inner_owner = app_of_module(module_name) if module_name else owner
            if inner_owner is None:  # a third-party URLconf: not ours to check
                continue
            inner_namespace = ":".join(filter(None, [namespace, pattern.namespace])) or None
            yield from url_patterns(pattern.url_patterns, inner_owner, inner_namespace)
        else:
            yield owner, namespace, pattern


def url_name_owners() -> dict[str, str]:
    """`namespace:name` → the app whose URLconf declares it."""
    return {
        ":".join(filter(None, [namespace, pattern.name])): owner
        for owner, namespace, pattern in url_patterns()
        if pattern.name
    }


def test_each_app_mounts_only_its_own_views():
    offenders = []
    for owner, _namespace, pattern in url_patterns():
        app = app_of_module(view_module(pattern))
        if app is not None and app != owner:
            offenders.append(f"{owner}'s URLconf routes {pattern.pattern} to {view_module(pattern)}")
    assert offenders == []


def test_each_url_namespace_belongs_to_one_app():
    owners: dict[str, set[str]] = {}
    for owner, namespace, _pattern in url_patterns():
        if namespace:
            owners.setdefault(namespace, set()).add(owner)
    assert {ns: apps for ns, apps in owners.items() if len(apps) > 1} == {}


# --- templates --------------------------------------------------------------------------------------------------


def template_files() -> list[Path]:
    """The project's templates (templates/) and the apps' own (<app>/templates/)."""
    folders = [ROOT / "templates", *(ROOT / app / "templates" for app in sorted(APPS))]
    return [path for folder in folders for suffix in ("*.html", "*.txt") for path in sorted(folder.rglob(suffix))]


def template_app(path: Path) -> str:
    if not path.is_relative_to(ROOT / "templates"):  # an app's own templates folder
        return path.relative_to(ROOT).parts[0]
    parts = path.relative_to(ROOT / "templates").parts
    if parts[0] == "admin" and len(parts) > 2:
        parts = parts[1:]
    return parts[0] if len(parts) > 1 and parts[0] in APPS else SHELL_APP


def test_templates_name_no_url_of_an_app_their_own_does_not_depend_on():
    owners = url_name_owners()
    offenders = []
    for path in template_files():
        app = template_app(path)
        allowed = DEPENDS_ON[app] | {app}
        for name in URL_TAG.findall(path.read_text()):
            if name.startswith("admin:"):
                continue  # the Django admin's own URLs
            assert name in owners, f"{path.relative_to(ROOT)} names an unknown URL {name!r}"
            if owners[name] not in allowed:
                offenders.append(f"{path.relative_to(ROOT)} ({app}) names {name} of {owners[name]}")
    assert offenders == []


def test_seed_demo_belongs_to_the_demo_app():
    from django.core.management import get_commands

    assert get_commands()["seed_demo"] == "demo"
