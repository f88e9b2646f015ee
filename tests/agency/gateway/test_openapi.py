"""openapi.yaml parses, is served, and documents every route under /gateway/v1/ (also the
ones other apps mount there), with the signature headers and every catalogue code."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from django.urls import URLPattern, URLResolver, get_resolver

from ebhxh.agency.gateway.views import OPENAPI_FILE
from ebhxh.reference.rejections import all_rejections

PREFIX = "/gateway/v1/"
SIGNATURE_HEADERS = {"IvanCode", "IvanTimestamp", "IvanNonce", "IvanSignature"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))


def routes(patterns: list[Any], prefix: str = "/") -> list[str]:
    """Every URL of the URLConf as an OpenAPI path (`<str:number>` becomes `{number}`)."""
    found = []
    for pattern in patterns:
        route = str(pattern.pattern)
        if not route.startswith("^"):  # path(), not re_path()
            route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        if isinstance(pattern, URLResolver):
            found += routes(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            found.append(prefix + route)
    return found


def gateway_routes() -> set[str]:
    return {route for route in routes(get_resolver().url_patterns) if route.startswith(PREFIX)}


def test_file_is_openapi_3_1(spec) -> None:
    assert spec["openapi"] == "3.1.0"
    assert {"dossiers", "registrations", "meta"} <= {tag["name"] for tag in spec["tags"]}


def test_every_gateway_route_is_documented(spec) -> None:
    found = gateway_routes()
    assert "/gateway/v1/dossiers/{number}/receipt" in found
    missing = found - set(spec["paths"])
    assert not missing, f"document these routes in {OPENAPI_FILE.name}: {sorted(missing)}"
    stale = {path for path in spec["paths"] if path.startswith(PREFIX)} - found
    assert not stale, f"documented but not routed: {sorted(stale)}"


def test_paths_are_sorted(spec) -> None:
    paths = list(spec["paths"])
    assert paths == sorted(paths)


def test_signed_paths_list_the_signature_headers(spec) -> None:
    for path, item in spec["paths"].items():
        operations = [op for key, op in item.items() if key in {"get", "post", "put", "delete"}]
        if all(op.get("security") == [] for op in operations):
            continue
        refs = {parameter["$ref"].rsplit("/", 1)[-1] for parameter in item.get("parameters", [])}
        assert refs >= SIGNATURE_HEADERS, path


def test_error_codes_are_the_catalogue(spec) -> None:
    documented = set(spec["components"]["schemas"]["ErrorCode"]["enum"])
    assert documented == {rejection.code for rejection in all_rejections()} | {"NOT_FOUND"}


def test_every_reference_resolves(spec) -> None:
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if "$ref" in node else []
            return own + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for item in node for r in refs(item)]
        return []

    for ref in refs(spec):
        target: Any = spec
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]


def test_served_as_is(client) -> None:
    response = client.get("/gateway/v1/openapi.yaml")
    assert response.status_code == 200
    assert response.content == OPENAPI_FILE.read_bytes()
