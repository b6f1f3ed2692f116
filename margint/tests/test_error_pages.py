"""HEAD on the overview, the favicon, and the 404 and 500 answers in production (DEBUG off):
pages in the site's own look, the JSON error shape on API paths."""

from __future__ import annotations

import pytest
from django.test import Client


def test_head_on_the_overview_answers_as_get_does(member, anon):
    client = member.page_client()
    got, head = client.get("/"), client.head("/")
    assert (head.status_code, head["Content-Type"]) == (got.status_code, got["Content-Type"]) == (
        200, "text/html; charset=utf-8",
    )  # fmt: skip
    assert head.content == b""

    got, head = Client().get("/"), Client().head("/")
    assert head.status_code == got.status_code == 302
    assert head["Location"] == got["Location"]


def test_the_favicon_is_served_and_every_page_names_it(member):
    response = Client().get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
    assert '<link rel="icon" href="/favicon.ico"' in member.page_client().get("/").content.decode()


def test_an_unknown_page_is_a_404_in_the_sites_look(member, settings):
    settings.DEBUG = False

    response = member.page_client().get("/no-such-page/")

    body = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in body and "css/margint.css" in body
    assert 'aria-label="Main"' in body  # the site's navigation, not Django's technical page
    assert "URLconf" not in body


def test_an_unknown_api_path_keeps_the_json_error_shape(member, settings):
    settings.DEBUG = False

    response = member.client().get("/api/no-such-thing")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.urls("margint.tests.failing_urls")
def test_a_failing_page_is_a_500_in_the_sites_look_without_the_exception(member, settings):
    settings.DEBUG = False
    client = member.page_client(raise_request_exception=False)

    response = client.get("/boom/")

    body = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in body and "css/margint.css" in body
    assert "secret detail" not in body and "Traceback" not in body


@pytest.mark.urls("margint.tests.failing_urls")
def test_a_failing_api_path_is_a_500_in_the_json_error_shape(member, settings):
    settings.DEBUG = False
    client = member.client()
    client.raise_request_exception = False

    response = client.get("/api/boom")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "secret detail" not in response.content.decode()
