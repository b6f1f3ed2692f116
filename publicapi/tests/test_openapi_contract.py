"""Our generated OpenAPI document holds every path, parameter, response field and type of the v1
contract (a copy of the reference document is kept in publicapi/contracts/) and of the v0
profitability summary; the docs page renders it without a CDN."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

CONTRACT = Path(__file__).resolve().parent.parent / "contracts" / "001_margint_public_api_v1.json"

# The profitability summary's reference is a web page, not a document: its parameters and fields, as written there.
PROFITABILITY = {
    "paths": {
        "/v0/profitability": {
            "get": {
                "parameters": [
                    {"name": "merchantId", "in": "query", "required": True,
                     "schema": {"type": "string", "pattern": "^org_[a-zA-Z0-9]+$"}},
                    {"name": "from", "in": "query", "required": True, "schema": {"type": "string", "format": "date-time"}},
                    {"name": "to", "in": "query", "required": True, "schema": {"type": "string", "format": "date-time"}},
                    {"name": "topN", "in": "query",
                     "schema": {"type": "integer", "default": 10, "minimum": 1, "maximum": 100}},
                    {"name": "currency", "in": "query", "schema": {"type": "string", "minLength": 3, "maxLength": 3}},
                    {"name": "bucketWidth", "in": "query", "schema": {"type": "string", "enum": ["hour", "day", "week"]}},
                ],
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["object", "currency", "rows"],
                                    "properties": {
                                        "object": {"type": "string", "enum": ["profitability_summary"]},
                                        "currency": {"type": "string"},
                                        "rows": {"type": "array", "maxItems": 101, "items": {
                                            "type": "object",
                                            "properties": {
                                                "customerId": {"type": "string"},
                                                "customerName": {"type": "string"},
                                                "netRevenue": {"type": "string"},
                                                "totalCost": {"type": "string"},
                                                "profit": {"type": "string"},
                                                "marginPct": {"type": "string"},
                                                "trend": {"type": "object", "properties": {
                                                    "values": {"type": "array", "items": {"type": "string"}},
                                                    "periodChange": {"type": "number", "nullable": True},
                                                }},
                                            },
                                        }},
                                        "warnings": {"type": "array", "maxItems": 100, "items": {"type": "string"}},
                                    },
                                }
                            }
                        }
                    }
                },
            }
        }
    }
}  # fmt: skip


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    types = set(kind) if isinstance(kind, list) else {kind} if kind else set()
    if schema.get("nullable"):
        types.add("null")
    if "const" in schema:
        types.add({bool: "boolean", str: "string", int: "integer"}[type(schema["const"])])
    return types


def _same_type(theirs: set[str], ours: set[str]) -> bool:
    theirs, ours = theirs - {"null"}, ours - {"null"}
    # An integer is a number: a field documented as number may be served as integer, not the other way.
    return not theirs or ours == theirs or (theirs == {"number"} and ours == {"integer"})


def incompatibilities(theirs, ours, their_doc, our_doc, where: str, *, response: bool) -> list[str]:
    theirs, ours = _resolve(theirs, their_doc), _resolve(ours, our_doc)
    if "oneOf" in theirs:
        options = [_resolve(option, our_doc) for option in ours.get("oneOf", [ours])]
        return [
            f"{where}: oneOf[{index}] has no compatible variant in ours"
            for index, option in enumerate(theirs["oneOf"])
            if all(
                incompatibilities(option, mine, their_doc, our_doc, where, response=response)
                for mine in options
            )
        ]
    problems = []
    if not _same_type(_types(theirs), _types(ours)):
        problems.append(f"{where}: type {sorted(_types(theirs))} is {sorted(_types(ours))} in ours")
    if response and "null" in _types(ours) and "null" not in _types(theirs):
        problems.append(f"{where}: may be null in ours only")
    if "const" in theirs and ours.get("const", (ours.get("enum") or [None])[0]) != theirs["const"]:
        problems.append(f"{where}: const {theirs['const']!r} differs")
    problems += _enum_problems(theirs, ours, where, response=response)
    for keyword in (
        "format",
        "pattern",
        "default",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "maxItems",
    ):
        if keyword in theirs and ours.get(keyword) != theirs[keyword]:
            problems.append(f"{where}: {keyword} {theirs[keyword]!r} is {ours.get(keyword)!r} in ours")
    if response:
        missing = set(theirs.get("required", [])) - set(ours.get("required", []))
        problems += [f"{where}.{name}: required there, optional in ours" for name in sorted(missing)]
    for name, spec in theirs.get("properties", {}).items():
        if name not in ours.get("properties", {}):
            problems.append(f"{where}.{name}: missing in ours")
        else:
            problems += incompatibilities(
                spec, ours["properties"][name], their_doc, our_doc, f"{where}.{name}", response=response
            )
    if "items" in theirs:
        problems += incompatibilities(
            theirs["items"], ours.get("items", {}), their_doc, our_doc, f"{where}[]", response=response
        )
    return problems


def _enum_problems(theirs, ours, where: str, *, response: bool) -> list[str]:
    if "enum" not in theirs and "enum" not in ours:
        return []
    their_values = set(theirs.get("enum", [])) - {None}
    our_values = set(ours.get("enum", [])) - {None}
    if response:  # every value we send must be one they list
        ok = not their_values or (our_values and our_values <= their_values)
    else:  # every value they may send must be one we accept
        ok = "enum" not in ours or their_values <= our_values
    return [] if ok else [f"{where}: enum {sorted(their_values)} vs {sorted(our_values)} in ours"]


def contract_problems(their_doc: dict[str, Any], our_doc: dict[str, Any]) -> list[str]:
    problems = []
    for path, methods in their_doc["paths"].items():
        for method, operation in methods.items():
            mine = our_doc["paths"].get(path, {}).get(method)
            where = f"{method.upper()} {path}"
            if mine is None:
                problems.append(f"{where}: missing in ours")
                continue
            problems += _parameter_problems(operation, mine, their_doc, our_doc, where)
            problems += _response_problems(operation, mine, their_doc, our_doc, where)
    return problems


def _parameter_problems(operation, mine, their_doc, our_doc, where: str) -> list[str]:
    problems = []
    ours = {(p["name"], p["in"]): p for p in mine.get("parameters", [])}
    for parameter in operation.get("parameters", []):
        key = (parameter["name"], parameter["in"])
        label = f"{where} parameter {parameter['name']}"
        if key not in ours:
            problems.append(f"{label}: missing in ours")
            continue
        if ours[key].get("required", False) and not parameter.get("required", False):
            problems.append(f"{label}: optional there, required in ours")
        problems += incompatibilities(
            parameter.get("schema", {}),
            ours[key].get("schema", {}),
            their_doc,
            our_doc,
            label,
            response=False,
        )
    return problems


def _response_problems(operation, mine, their_doc, our_doc, where: str) -> list[str]:
    problems = []
    for status, response in operation.get("responses", {}).items():
        label = f"{where} {status}"
        if status not in mine.get("responses", {}):
            problems.append(f"{label}: missing in ours")
            continue
        their_schema = response.get("content", {}).get("application/json", {}).get("schema")
        if their_schema is None:
            continue
        our_schema = mine["responses"][status].get("content", {}).get("application/json", {}).get("schema")
        if our_schema is None:
            problems.append(f"{label}: no JSON body in ours")
            continue
        problems += incompatibilities(their_schema, our_schema, their_doc, our_doc, label, response=True)
    return problems


@pytest.fixture
def ours(db) -> dict[str, Any]:
    response = APIClient().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_every_path_parameter_response_field_and_type_of_the_v1_contract_is_in_ours(ours):
    assert contract_problems(json.loads(CONTRACT.read_text()), ours) == []


def test_every_parameter_and_field_of_the_profitability_summary_is_in_ours(ours):
    assert contract_problems(PROFITABILITY, ours) == []


def test_the_bearer_scheme_of_the_contract_is_declared_and_required(ours):
    assert ours["components"]["securitySchemes"]["BearerAuth"]["type"] == "http"
    assert ours["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
    assert ours["components"]["securitySchemes"]["ApiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "Workspace API key.",
    }
    for path, methods in ours["paths"].items():
        for method, operation in methods.items():
            assert {"BearerAuth": []} in operation["security"], f"{method} {path}"


def test_the_checker_sees_a_renamed_field_a_changed_type_and_a_missing_path(ours):
    contract = json.loads(CONTRACT.read_text())
    broken = json.loads(json.dumps(ours))
    row = broken["components"]["schemas"]["CustomerRow"]["properties"]
    row["costCents"] = {"type": "string"}
    row["marginPct"] = row.pop("marginPercent")
    del broken["paths"]["/api/v1/costs/overview"]
    problems = contract_problems(contract, broken)
    assert "GET /api/v1/costs/overview: missing in ours" in problems
    assert "GET /api/v1/customers 200.data[].costCents: type ['integer'] is ['string'] in ours" in problems
    assert "GET /api/v1/customers 200.data[].marginPercent: missing in ours" in problems


def test_the_checker_sees_a_parameter_made_required_and_an_enum_narrowed(ours):
    contract = json.loads(CONTRACT.read_text())
    broken = json.loads(json.dumps(ours))
    for parameter in broken["paths"]["/api/v1/customers"]["get"]["parameters"]:
        if parameter["name"] == "range":
            parameter["schema"]["enum"] = ["7d", "30d"]
        if parameter["name"] == "features":
            parameter["required"] = True
    problems = contract_problems(contract, broken)
    assert "GET /api/v1/customers parameter features: optional there, required in ours" in problems
    assert any(p.startswith("GET /api/v1/customers parameter range: enum") for p in problems)


def test_the_docs_page_lists_every_endpoint_without_a_cdn(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    for path in json.loads(CONTRACT.read_text())["paths"]:
        assert f"GET {path}</code>" in page
    assert "GET /v0/profitability</code>" in page and "DELETE /api/v1/budgets/{id}</code>" in page
    assert re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?:)?//', page) == []


def test_the_docs_page_names_the_request_body_and_its_fields(client, db):
    page = client.get("/api/v1/docs").content.decode()
    assert 'Request body (JSON): <a href="#schema-BudgetCreateRequest">BudgetCreateRequest</a>' in page
    assert '<section id="schema-BudgetCreateRequest">' in page and "<code>monthlyLimitCents</code>" in page
