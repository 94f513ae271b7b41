"""The OpenAPI document is complete: every parameter of every operation and every
property of every schema (request, response, error, upload form) carries a description."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient

from pipefit.webapi import create_app

from .webapi_workspace import Api, api

__all__ = ["api"]  # the fixture, imported for pytest

# FastAPI's own validation shapes: declared by the framework, never sent (errors are ErrorBody)
FRAMEWORK = ("HTTPValidationError", "ValidationError")


def undescribed_properties(name: str, schema: dict[str, Any]) -> Iterator[str]:
    """Every property, at any depth (inline objects, items, anyOf), without a description."""
    for field, spec in schema.get("properties", {}).items():
        if not spec.get("description"):
            yield f"{name}.{field}"
        yield from undescribed_properties(f"{name}.{field}", spec)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from undescribed_properties(f"{name}[]", schema[key])
    for key in ("anyOf", "oneOf", "allOf"):
        for i, part in enumerate(schema.get(key, [])):
            yield from undescribed_properties(f"{name}<{i}>", part)


def test_every_parameter_and_every_schema_property_is_described(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    missing: list[str] = []
    operations = 0
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            operations += 1
            if not operation.get("description"):
                missing.append(f"{method.upper()} {path}: the operation")
            for parameter in operation.get("parameters", []):
                if not parameter.get("description"):
                    missing.append(
                        f"{method.upper()} {path}: {parameter['in']} {parameter['name']}"
                    )
            for status, answer in operation.get("responses", {}).items():
                if not answer.get("description"):
                    missing.append(f"{method.upper()} {path}: response {status}")
    for name, schema in document["components"]["schemas"].items():
        if name.startswith(FRAMEWORK):
            continue
        # FastAPI names an upload's form Body_...: its fields are checked, its title is its own
        if not schema.get("description") and not name.startswith("Body_"):
            missing.append(f"{name}: the schema")
        missing += undescribed_properties(name, schema)
    assert operations >= 25  # every resource is in the document
    assert missing == []


def test_the_walk_fails_on_a_field_left_undescribed(api: Api) -> None:
    """The check above catches what it is for: a new route with a bare parameter and a
    bare field is named."""
    from pydantic import BaseModel

    class Bare(BaseModel):
        """A shape with a field no one described."""

        naked: int

    app = create_app(api.app)

    def bare(size: int = 1) -> Bare:
        """A route with an undescribed parameter."""
        return Bare(naked=size)

    app.add_api_route("/api/bare", bare, response_model=Bare)
    with TestClient(app) as client:
        document = client.get("/openapi.json").json()
    found = list(undescribed_properties("Bare", document["components"]["schemas"]["Bare"]))
    assert found == ["Bare.naked"]
    [parameter] = document["paths"]["/api/bare"]["get"]["parameters"]
    assert not parameter.get("description")
