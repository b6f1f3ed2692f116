from __future__ import annotations

import pytest
from django.test import RequestFactory

from margint.middleware import ApiErrorMiddleware, RequestIdMiddleware


def test_unknown_api_path_is_a_json_not_found(client, db):
    response = client.get("/api/does-not-exist")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "details": {}}}


def test_wrong_method_on_an_api_path_keeps_the_shape(admin):
    response = admin.client().delete("/api/me")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_malformed_json_body_is_a_validation_error(admin):
    response = admin.client().generic("PATCH", "/api/org", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_every_response_carries_a_request_id_and_echoes_the_callers(client, db):
    minted = client.get("/healthz")
    assert len(minted["X-Request-Id"]) == 32
    echoed = client.get("/api/me", HTTP_X_REQUEST_ID="req-abc.123")
    assert echoed["X-Request-Id"] == "req-abc.123"


def test_a_hostile_request_id_is_replaced(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\r\nSet-Cookie: x")
    assert response["X-Request-Id"] != "bad id\r\nSet-Cookie: x"
    assert len(response["X-Request-Id"]) == 32


@pytest.mark.parametrize("debug", [False, True])
def test_unhandled_error_on_api_path_is_json_500_without_stack_trace(settings, debug):
    settings.DEBUG = debug

    def boom(request):
        raise RuntimeError("secret internals")

    request = RequestFactory().get("/api/anything")
    request.request_id = "rid-1"
    middleware = ApiErrorMiddleware(boom)
    response = middleware.process_exception(request, RuntimeError("secret internals"))
    assert response.status_code == 500
    body = response.content.decode()
    assert '"code": "internal_error"' in body
    assert "Traceback" not in body
    assert ("secret internals" in body) is debug


def test_page_paths_are_left_to_django(settings):
    request = RequestFactory().get("/some/page")
    assert ApiErrorMiddleware(lambda r: None).process_exception(request, RuntimeError()) is None


def test_request_id_middleware_sets_the_attribute():
    seen = {}

    def view(request):
        from django.http import HttpResponse

        seen["id"] = request.request_id
        return HttpResponse("ok")

    response = RequestIdMiddleware(view)(RequestFactory().get("/"))
    assert response["X-Request-Id"] == seen["id"]
