"""The public API's OpenAPI document (drf-spectacular), and what the docs page shows of it.

The JSON is served by publicapi.apis.openapi; the page (publicapi.views.api_docs) is built on the
server from the same document: no script, no CDN.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import SchemaGenerator

PUBLIC_PREFIXES = ("/api/v1/", "/v0/")
UNDOCUMENTED = ("/api/v1/openapi.json", "/api/v1/docs")


def public_paths_only(endpoints: list[tuple], **kwargs: Any) -> list[tuple]:
    """Preprocessing hook: the document covers the keyed public API, not the dashboard's JSON."""
    return [
        endpoint
        for endpoint in endpoints
        if endpoint[0].startswith(PUBLIC_PREFIXES) and not endpoint[0].startswith(UNDOCUMENTED)
    ]


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "publicapi.auth.ApiKeyAuthentication"
    name = ["BearerAuth", "ApiKeyAuth"]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "description": "Workspace API key. Also accepted via `x-api-key` header.",
            },
            {"type": "apiKey", "in": "header", "name": "x-api-key", "description": "Workspace API key."},
        ]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list]]:
        # Either header is enough: a list of requirements means OR.
        return [{"BearerAuth": []}, {"ApiKeyAuth": []}]


def public_schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _type_of(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "oneOf" in schema:
        return " | ".join(_type_of(option) for option in schema["oneOf"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " | ".join(kind)
    if kind == "array":
        return f"array of {_type_of(schema.get('items', {}))}"
    if "enum" in schema:
        return f"{kind}: {', '.join(str(value) for value in schema['enum'] if value is not None)}"
    if "const" in schema:
        return f"{kind or 'const'} = {schema['const']}"
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    operations = []
    for path, methods in document.get("paths", {}).items():
        for method, operation in methods.items():
            responses = []
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {}).get("application/json", {})
                schema = _type_of(content["schema"]) if "schema" in content else ""
                responses.append(
                    {"code": code, "description": response.get("description", ""), "schema": schema}
                )
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            request_body = _type_of(body["schema"]) if "schema" in body else ""
            parameters = [
                {**parameter, "type": _type_of(parameter.get("schema", {}))}
                for parameter in operation.get("parameters", [])
            ]
            operations.append(
                {"method": method.upper(), "path": path, "operation": operation, "parameters": parameters,
                 "responses": responses, "anchor": operation.get("operationId", path), "body": request_body}
            )  # fmt: skip
    return operations


def _components(document: dict[str, Any]) -> list[dict[str, Any]]:
    components = []
    for name, schema in sorted(document.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        fields = [
            {
                "name": field,
                "type": _type_of(spec),
                "required": field in required,
                "description": spec.get("description", ""),
            }
            for field, spec in schema.get("properties", {}).items()
        ]
        variants = [_type_of(option) for option in schema.get("oneOf", [])]
        components.append({"name": name, "fields": fields, "variants": variants, "type": _type_of(schema)})
    return components


def docs_context() -> dict[str, Any]:
    """The OpenAPI document as the docs page shows it (publicapi.views.api_docs)."""
    document = public_schema()
    return {
        "info": document["info"],
        "operations": _operations(document),
        "components": _components(document),
    }
