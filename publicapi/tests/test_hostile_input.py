"""Hostile input, endpoint by endpoint: each case answers 4xx in the error shape (or rejects one
event of a batch), never 5xx, and changes nothing it should not. docs/hardening.md tallies them."""

from __future__ import annotations

import json

import pytest

from margins.costs.tests.ingestion_helpers import event
from margins.models import CostEvent
from publicapi.tests.key_helpers import key_for, keyed_client

EVENTS = "/api/v1/events"


def in_error_shape(response, status):
    assert response.status_code == status, response.content[:300]
    body = response.json()["error"]
    assert set(body) == {"code", "message", "details"} and body["message"]


@pytest.fixture
def api(org):
    return keyed_client(key_for(org))


# -- one bad event of a batch: rejected alone, the others stored ------------------------------

# Raw JSON text for the bad event's field, so a lone surrogate travels as the escape `\ud800`.
BAD_EVENT_FIELDS = {
    "occurredAt at year 1 with an offset": ('"occurredAt"', '"0001-01-01T00:30:00+01:00"'),
    "occurredAt at year 9999 with a negative offset": ('"occurredAt"', '"9999-12-31T23:30:00-01:00"'),
    "lone surrogate in customer": ('"customer"', '"cus_\\ud800"'),
    "lone surrogate in feature": ('"feature"', '"chat\\udfff"'),
    "lone surrogate in customerName": ('"customerName"', '"Acme \\ud800"'),
    "lone surrogate in customerEmail": ('"customerEmail"', '"a\\ud800@b.co"'),
    "lone surrogate in idempotencyKey": ('"idempotencyKey"', '"k\\ud800"'),
    "lone surrogate in a tag value": ('"tags"', '{"team": "x\\ud800"}'),
    "lone surrogate as a field name": ('"\\ud800"', '"x"'),
    "NUL in customerEmail": ('"customerEmail"', '"a\\u0000@b.co"'),
    "control character in customerEmail": ('"customerEmail"', '"a\\u0001b@c.co"'),
    "newline in customerEmail": ('"customerEmail"', '"a@b.co\\n"'),
    "C1 control in customerName": ('"customerName"', '"Acme\\u0085"'),
}


@pytest.mark.parametrize("case", BAD_EVENT_FIELDS, ids=list(BAD_EVENT_FIELDS))
def test_one_bad_event_is_rejected_alone(api, org, case):
    name, value = BAD_EVENT_FIELDS[case]
    good = json.dumps(event(idempotencyKey="good"))
    bad = json.dumps(event(idempotencyKey="bad"))[:-1] + f", {name}: {value}}}"
    bad = bad.replace('"idempotencyKey": "bad", ', "") if "idempotencyKey" in name else bad
    body = f'{{"events": [{good}, {bad}]}}'
    response = api.generic("POST", EVENTS, body.encode(), content_type="application/json")
    assert response.status_code == 202, response.content[:300]
    data = response.json()["data"]
    assert (data["accepted"], [r["index"] for r in data["rejected"]]) == (1, [1])
    assert CostEvent.objects.filter(org=org).count() == 1


# -- bodies that cannot be taken at all -------------------------------------------------------

DEEP = b'{"events": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
DEEP_OBJECT = b'{"a": ' * 50_000 + b"1" + b"}" * 50_000

JSON_POSTS = [
    ("key", EVENTS),
    ("key", "/api/v1/budgets"),
    ("session", "/api/customer-mappings"),
    ("session", "/api/org"),
    ("session", "/api/orgs/active"),
    ("session", "/api/stripe/connect"),
]


def _client(kind, api, admin):
    return api if kind == "key" else admin.client()


@pytest.mark.parametrize(("kind", "path"), JSON_POSTS)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["deep-array", "deep-object"])
def test_deeply_nested_json_is_400(api, admin, kind, path, body):
    client = _client(kind, api, admin)
    method = "PATCH" if path == "/api/org" else "POST"
    in_error_shape(client.generic(method, path, body, content_type="application/json"), 400)


@pytest.mark.parametrize(("kind", "path"), JSON_POSTS)
def test_a_body_that_is_not_utf8_is_400(api, admin, kind, path):
    client = _client(kind, api, admin)
    method = "PATCH" if path == "/api/org" else "POST"
    in_error_shape(client.generic(method, path, b'{"a": "\xff\xfe"}', content_type="application/json"), 400)


@pytest.mark.parametrize(("kind", "path"), JSON_POSTS)
def test_a_body_over_the_size_limit_is_413(api, admin, kind, path):
    client = _client(kind, api, admin)
    method = "PATCH" if path == "/api/org" else "POST"
    body = b'{"pad": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    in_error_shape(client.generic(method, path, body, content_type="application/json"), 413)


def test_an_outsider_key_cannot_ingest_into_org(org, other_org):
    outsider = keyed_client(key_for(other_org))
    outsider.post(EVENTS, {"events": [event()]}, format="json")
    assert CostEvent.objects.filter(org=org).count() == 0


# -- query strings and paths at the edges ----------------------------------------------------

PERIODS = ["0001-01", "0000-01", "9999-12", "10000-01", "2026-00", "2026-13", "-001-01", "２０２６-０１"]


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("path", ["/api/margins", "/api/margins/acme"])
def test_a_period_at_the_calendars_edges_is_400_on_the_json_api(admin, path, period):
    response = admin.client().get(path, {"period": period})
    assert response.status_code in (200, 400, 404), response.content[:300]
    if response.status_code != 200:
        in_error_shape(response, response.status_code)


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("path", ["/margins/", "/margins/acme/", "/margins/export.csv", "/customers/", "/"])
def test_a_period_at_the_calendars_edges_never_fails_a_page(admin, path, period):
    assert admin.page_client().get(path, {"period": period}).status_code < 500


@pytest.mark.parametrize("path", ["/margins/", "/customers/", "/mappings/"])
@pytest.mark.parametrize("page", ["9" * 20, "-" + "9" * 20, "1e9", "０"])
def test_absurd_page_numbers_never_fail_a_page(admin, path, page):
    assert admin.page_client().get(path, {"page": page}).status_code < 500


@pytest.mark.parametrize(
    "path",
    [
        "/api/margins/ac%00me",
        "/api/v1/customers/ac%00me",
        "/api/v1/budgets/b%00",
        "/api/customer-mappings/m%00/confirm",
        "/api/customer-mappings/m%00/reject",
        "/api/stripe/webhooks/org%00",
        "/margins/ac%00me/",
        "/mappings/m%00/delete/",
    ],
)
def test_nul_in_a_path_segment_is_a_4xx(api, admin, path):
    client = api if path.startswith("/api/v1/") else admin.page_client()
    method = "POST" if path.endswith(("confirm", "reject", "delete/")) or "webhooks" in path else "GET"
    response = client.generic(method, path)
    assert 400 <= response.status_code < 500, response.content[:300]
    if path.startswith("/api/"):
        in_error_shape(response, response.status_code)
