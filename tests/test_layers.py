"""Layering rules that a reader would otherwise have to check by eye."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ["organizations", "partners", "allocations"]
# Where an input came from, and the wire locations of the dialects: the edge's business, never a service's.
WIRE_WORDS = re.compile(r"""["'](body|query|header|path)["']""")


def service_modules():
    for app in APPS:
        yield from (ROOT / app).glob("services.py")
        yield from (ROOT / app).glob("services/*.py")


def test_services_name_fields_in_domain_terms_only():
    modules = list(service_modules())
    assert modules
    for module in modules:
        for number, line in enumerate(module.read_text().splitlines(), 1):
            assert not WIRE_WORDS.search(line), f"{module.relative_to(ROOT)}:{number} names a wire location: {line}"
