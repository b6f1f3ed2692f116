from __future__ import annotations

import re
from html import unescape

import pytest
from rest_framework.test import APIClient

from publicapi.keys import api_key_create, api_key_verify
from publicapi.models import ApiKey

SECRET = re.compile(r"mk_live_[A-Za-z0-9]{40}")


def test_creating_a_key_shows_its_secret_once(admin, org):
    client = admin.page_client()
    response = client.post("/settings/api-keys/", {"name": "backend", "scopes": ["read", "write"]})
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    (secret,) = set(SECRET.findall(response.content.decode()))
    key = api_key_verify(secret)
    assert (key.org, key.name, key.scopes, key.created_by) == (org, "backend", ["read", "write"], admin.user)
    listing = client.get("/settings/api-keys/").content.decode()
    assert secret not in listing and f"{key.prefix}…" in listing


def test_htmx_create_answers_with_the_form_and_the_event_the_table_listens_for(admin):
    response = admin.page_client().post(
        "/settings/api-keys/", {"name": "ingest", "scopes": ["write"]}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="api-key-create"')
    assert len(set(SECRET.findall(html))) == 1
    prefix = ApiKey.objects.get(name="ingest").prefix
    assert response["HX-Trigger"] == f'{{"apiKeyCreated": {{"prefix": "{prefix}"}}}}'
    table = admin.page_client().get("/settings/api-keys/", HTTP_HX_REQUEST="true").content.decode()
    assert (
        table.lstrip().startswith('<div id="api-keys-table"')
        and 'hx-trigger="apiKeyCreated from:body"' in table
    )


def test_a_key_without_name_or_scope_is_refused_next_to_the_fields(admin):
    html = (
        admin.page_client()
        .post("/settings/api-keys/", {"name": " "}, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "This field is required." in html.split('id="id_name_error"')[1]
    assert "Choose at least one scope." in html.split('id="id_scopes_error"')[1]
    assert not ApiKey.objects.exists()


def test_revoking_stops_the_key_and_swaps_the_table(admin, org):
    minted = api_key_create(org=org, name="old")
    response = admin.page_client().post(
        f"/settings/api-keys/{minted.api_key.pk}/revoke/", HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response["HX-Trigger"] == f'{{"apiKeyRevoked": {{"prefix": "{minted.api_key.prefix}"}}}}'
    assert "is revoked" in html and "Revoked" in html
    assert api_key_verify(minted.secret) is None


def test_outsider_cannot_revoke_or_see_keys_of_another_org(outsider, org):
    minted = api_key_create(org=org, name="theirs")
    client = outsider.page_client()
    assert client.post(f"/settings/api-keys/{minted.api_key.pk}/revoke/").status_code == 404
    assert api_key_verify(minted.secret) is not None
    assert "theirs" not in client.get("/settings/api-keys/").content.decode()


@pytest.mark.parametrize("persona", ["member", "viewer"])
def test_non_admins_cannot_list_create_or_revoke(request, persona, org):
    minted = api_key_create(org=org, name="kept")
    client = request.getfixturevalue(persona).page_client()
    assert client.get("/settings/api-keys/").status_code == 403
    assert client.post("/settings/api-keys/", {"name": "x", "scopes": ["read"]}).status_code == 403
    assert client.post(f"/settings/api-keys/{minted.api_key.pk}/revoke/").status_code == 403
    assert list(ApiKey.objects.values_list("name", "revoked_at")) == [("kept", None)]


def test_free_org_admins_create_keys_for_ingestion(free_admin):
    response = free_admin.page_client().post("/settings/api-keys/", {"name": "ingest", "scopes": ["write"]})
    assert response.status_code == 201 and len(set(SECRET.findall(response.content.decode()))) == 1


def test_a_new_key_comes_with_a_curl_example_that_works_as_shown(admin, org):
    html = admin.page_client().post("/settings/api-keys/", {"name": "backend", "scopes": ["write"]}).content
    curl = unescape(html.decode().split('<code id="new-key-curl">')[1].split("</code>")[0])
    (secret,) = set(SECRET.findall(curl))
    assert curl.startswith("curl -X POST http://testserver/api/v1/events")
    body = curl.split("-d '")[1].rstrip("'")
    response = APIClient().post(
        "/api/v1/events", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 202
    assert response.json()["data"]["accepted"] == 1


def test_the_api_keys_page_links_the_api_reference(admin):
    html = admin.page_client().get("/settings/api-keys/").content.decode()
    assert 'href="/api/v1/docs"' in html
