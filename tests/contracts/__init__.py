"""The network API's reference contract, and checks of real responses against it.

`network-api.openapi.yaml` is a verbatim copy of the public OpenAPI document of the network API this project
mirrors (README.md beside this file). Tests read this copy, never `../shared`.

    response = client.post(url, body, format="json")
    assert_matches_reference(response)  # method and path template taken from the request
    assert_matches_reference(response, method="POST", path="/api/network/v1/enterprises/{enterpriseId}/partners")

The body must validate against the schema the reference documents for the response's status code and content
type (OpenAPI 3.0: `nullable`, `oneOf`/`allOf`, `$ref`, formats such as `date-time`). A success body must also
carry no field the reference does not name (a snake_case field leaking into the camelCase dialect is a failure);
error bodies may add the dialect's `name`, `requestId` and `details` (DESIGN.md §2), which the reference's
`V1ErrorPayload` leaves out. A status the operation does not document fails too.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import ValidationError, best_match
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

CONTRACT_DIR = Path(__file__).resolve().parent
REFERENCE_FILE = CONTRACT_DIR / "network-api.openapi.yaml"
_REFERENCE_URI = "urn:partner-network:network-api.openapi.yaml"
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


class ReferenceMismatch(AssertionError):
    """A response the reference does not allow. The message names each field and what is wrong with it."""


@functools.cache
def reference() -> dict[str, Any]:
    """The parsed reference document: read once per test session (it is 11k lines)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with REFERENCE_FILE.open(encoding="utf-8") as f:
        document = yaml.load(f, Loader=loader)  # noqa: S506 - a safe loader (the C one when available)
    _relax_equivalent_one_of(document, document)
    return document


_ANNOTATIONS = ("title", "description", "example", "examples")


def _relax_equivalent_one_of(node: Any, document: dict[str, Any]) -> None:
    """Turns a `oneOf` whose branches are the same schema into an `anyOf`, in place.

    The reference has such unions (`PositiveAllocationAmount` is `oneOf` two identical `{currency, quantity}`
    objects): under JSON Schema no value can match exactly one of them, so taken literally no allocation body would
    ever validate. What the reference means is "either": `anyOf` says it. So is a union with an empty branch (`{}`,
    anything: `DisputeClosure.createdAt` is `oneOf: [string, {}]`, a date as a string or as an object), under which no
    string could validate either. Unions of other different schemas are kept.
    """

    def resolved(schema: Any) -> Any:
        while isinstance(schema, dict) and "$ref" in schema and schema["$ref"].startswith("#/"):
            target: Any = document
            for part in schema["$ref"][2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            schema = target
        if isinstance(schema, dict):
            return {k: v for k, v in schema.items() if k not in _ANNOTATIONS}
        return schema

    if isinstance(node, dict):
        branches = node.get("oneOf")
        if isinstance(branches, list) and len(branches) > 1:
            first = resolved(branches[0])
            if all(resolved(branch) == first for branch in branches[1:]) or any(
                resolved(branch) == {} for branch in branches
            ):
                node["anyOf"] = node.pop("oneOf")
        for value in node.values():
            _relax_equivalent_one_of(value, document)
    elif isinstance(node, list):
        for value in node:
            _relax_equivalent_one_of(value, document)


@functools.cache
def _registry() -> Registry:
    return Registry().with_resource(_REFERENCE_URI, Resource(contents=reference(), specification=DRAFT4))


@functools.cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    """Path templates as regexes, most literal first: `/partners/connections` wins over `/partners/{partnerId}`."""
    compiled = []
    for template in reference()["paths"]:
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        literal_segments = sum(1 for part in template.split("/") if part and not part.startswith("{"))
        compiled.append((literal_segments, re.compile(pattern + "/?"), template))
    compiled.sort(key=lambda item: -item[0])
    return [(pattern, template) for _, pattern, template in compiled]


def path_template(path: str) -> str:
    """The reference's template for a concrete path: `.../enterprises/42/partners` → `.../{enterpriseId}/partners`."""
    if path in reference()["paths"]:
        return path
    for pattern, template in _templates():
        if pattern.fullmatch(path):
            return template
    raise ReferenceMismatch(f"The reference documents no path matching {path}")


def operation(method: str, path: str) -> dict[str, Any]:
    """The reference's operation object for `method` and `path` (a template or a concrete path)."""
    template = path_template(path)
    item = reference()["paths"][template]
    op = item.get(method.lower())
    if op is None:
        documented = ", ".join(m.upper() for m in _METHODS if m in item)
        raise ReferenceMismatch(f"The reference documents no {method.upper()} {template} (only {documented})")
    return op


def query_parameters(method: str, path: str) -> dict[str, dict[str, Any]]:
    """The query parameters the reference documents for an operation, in its order: name → parameter schema."""
    template = path_template(path)
    shared = reference()["paths"][template].get("parameters", [])
    params = [*shared, *operation(method, template).get("parameters", [])]
    return {p["name"]: p.get("schema", {}) for p in (_resolve(p) for p in params) if p.get("in") == "query"}


def documented_statuses(method: str, path: str) -> list[str]:
    return list(operation(method, path).get("responses", {}))


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = _registry().resolver(_REFERENCE_URI).lookup(node["$ref"]).contents
    return node


def _pointer(*parts: str) -> str:
    return "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _response_schema_ref(method: str, path: str, status: int, content_type: str) -> tuple[str, dict[str, Any]]:
    template = path_template(path)
    responses = operation(method, template).get("responses", {})
    key = next((k for k in (str(status), f"{str(status)[0]}XX", "default") if k in responses), None)
    if key is None:
        raise ReferenceMismatch(
            f"{method.upper()} {template} answered {status}, which the reference does not document "
            f"(it documents {', '.join(responses)})"
        )
    content = _resolve(responses[key]).get("content", {})
    if content_type not in content:
        documented = ", ".join(content) or "no body"
        raise ReferenceMismatch(
            f"{method.upper()} {template} {status} answered {content_type or 'no content type'}; "
            f"the reference documents {documented}"
        )
    pointer = _pointer("paths", template, method.lower(), "responses", key, "content", content_type, "schema")
    return f"{_REFERENCE_URI}#/{pointer}", content[content_type].get("schema", {})


def _where(error: ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(the body)"


def _describe(error: ValidationError) -> str:
    if error.validator in ("oneOf", "anyOf") and error.context:
        # Say why the closest alternative failed, not only that none matched.
        error = best_match(error.context)
    message = error.message
    return f"{_where(error)}: {message if len(message) < 300 else message[:297] + '...'}"


def _known_properties(schema: dict[str, Any]) -> tuple[set[str], bool] | None:
    """Property names an object schema (with its allOf/oneOf/anyOf branches) names, and whether it allows others."""
    schema = _resolve(schema)
    names: set[str] = set(schema.get("properties", {}))
    open_ended = schema.get("additionalProperties") not in (None, False)
    described = "properties" in schema or "additionalProperties" in schema
    for key in ("allOf", "oneOf", "anyOf"):
        for branch in schema.get(key, []):
            known = _known_properties(branch)
            if known is not None:
                names |= known[0]
                open_ended |= known[1]
                described = True
    if not described:
        return None
    return names, open_ended


def _subschemas(schema: dict[str, Any], name: str) -> Iterator[dict[str, Any]]:
    schema = _resolve(schema)
    if name in schema.get("properties", {}):
        yield schema["properties"][name]
    additional = schema.get("additionalProperties")
    if isinstance(additional, dict):
        yield additional
    for key in ("allOf", "oneOf", "anyOf"):
        for branch in schema.get(key, []):
            yield from _subschemas(branch, name)


def _item_schemas(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    schema = _resolve(schema)
    if isinstance(schema.get("items"), dict):
        yield schema["items"]
    for key in ("allOf", "oneOf", "anyOf"):
        for branch in schema.get(key, []):
            yield from _item_schemas(branch)


def _undocumented_fields(body: Any, schemas: list[dict[str, Any]], where: str = "") -> Iterator[str]:
    """Fields of `body` that none of the schemas names (looked for in every branch: never a false alarm)."""
    if isinstance(body, dict):
        known = [k for k in (_known_properties(s) for s in schemas) if k is not None]
        open_ended = not known or any(open_ended for _, open_ended in known)
        names = None if open_ended else set().union(*(n for n, _ in known))
        for key, value in body.items():
            here = f"{where}.{key}" if where else key
            if names is not None and key not in names:
                yield f"{here}: not a field the reference documents here (it names {', '.join(sorted(names))})"
                continue
            yield from _undocumented_fields(value, [sub for s in schemas for sub in _subschemas(s, key)], here)
    elif isinstance(body, list):
        items = [sub for s in schemas for sub in _item_schemas(s)]
        for index, value in enumerate(body):
            yield from _undocumented_fields(value, items, f"{where}.{index}" if where else str(index))


def reference_errors(
    body: Any,
    *,
    method: str,
    path: str,
    status: int,
    content_type: str = "application/json",
    allow_undocumented_fields: bool | None = None,
) -> list[str]:
    """What is wrong with `body` as the reference's response to `method path` with `status`, one line per problem.

    Undocumented fields are refused in success bodies unless `allow_undocumented_fields` (default: only in errors).
    """
    ref, schema = _response_schema_ref(method, path, status, content_type)
    validator = OAS30ReadValidator({"$ref": ref}, registry=_registry(), format_checker=oas30_format_checker)
    problems = [_describe(e) for e in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))]
    if allow_undocumented_fields is None:
        allow_undocumented_fields = not 200 <= status < 300
    if not allow_undocumented_fields:
        problems += list(_undocumented_fields(body, [schema]))
    return problems


def assert_matches_reference(
    response,
    *,
    method: str | None = None,
    path: str | None = None,
    allow_undocumented_fields: bool | None = None,
) -> None:
    """Fail, naming each field and why, unless `response` is what the reference documents for its operation.

    `response` is a Django/DRF test response; `method` and `path` default to its request's (`path` may be a
    reference template such as `/api/network/v1/enterprises/{enterpriseId}/partners` or a concrete path).
    """
    request = getattr(response, "request", None) or {}
    method = method or request.get("REQUEST_METHOD")
    path = path or request.get("PATH_INFO")
    if not method or not path:
        raise TypeError("pass method= and path=: the response does not say which request it answers")
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    try:
        body = json.loads(response.content) if response.content else None
    except ValueError as exc:
        raise ReferenceMismatch(
            f"{method.upper()} {path} {response.status_code}: the body is not JSON ({exc})"
        ) from None
    template = path_template(path)
    problems = reference_errors(
        body,
        method=method,
        path=template,
        status=response.status_code,
        content_type=content_type,
        allow_undocumented_fields=allow_undocumented_fields,
    )
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise ReferenceMismatch(
            f"The {response.status_code} response to {method.upper()} {template} does not match the reference:\n"
            f"{listed}\nbody: {json.dumps(body)[:2000]}"
        )
