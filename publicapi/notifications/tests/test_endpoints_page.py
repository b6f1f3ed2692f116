"""The webhook endpoints page (/webhooks/): admins only, the secret shown once, disable, delete,
a test event through the real delivery path, the delivery log, and nothing of another org."""

from __future__ import annotations

import re

import pytest

from margint import crypto
from publicapi.notifications import signing
from publicapi.notifications.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from publicapi.notifications.services import webhook_endpoint_create

PAGE = "/webhooks/"
HX = {"HTTP_HX_REQUEST": "true"}
SECRET = re.compile(r"whsec_[A-Za-z0-9_-]{43}")


@pytest.fixture
def endpoint(org, webhook_receiver):
    endpoint, _ = webhook_endpoint_create(
        org=org, url=webhook_receiver.url, event_types=["budget.exceeded"], description="ops"
    )
    return endpoint


def test_adding_an_endpoint_shows_its_secret_once(admin, org):
    client = admin.page_client()
    response = client.post(
        PAGE,
        {
            "url": "https://hooks.acme.test/margint",
            "event_types": ["budget.exceeded", "margin.threshold_crossed"],
        },
    )
    assert response.status_code == 201 and "no-store" in response["Cache-Control"]
    (secret,) = set(SECRET.findall(response.content.decode()))
    endpoint = WebhookEndpoint.objects.get(org=org)
    assert crypto.decrypt(endpoint.encrypted_secret) == secret
    assert endpoint.event_types == ["budget.exceeded", "margin.threshold_crossed"]
    listing = client.get(PAGE).content.decode()
    assert secret not in listing and "https://hooks.acme.test/margint" in listing


def test_htmx_add_answers_with_the_form_and_the_event_the_list_listens_for(admin, org):
    response = admin.page_client().post(PAGE, {"url": "https://hooks.acme.test/a"}, **HX)
    html = response.content.decode()
    endpoint = WebhookEndpoint.objects.get(org=org)
    assert html.lstrip().startswith('<div id="endpoint-create"') and len(SECRET.findall(html)) == 1
    assert response["HX-Trigger"] == f'{{"webhookEndpointCreated": {{"id": "{endpoint.id}"}}}}'
    assert endpoint.event_types == []  # none ticked: every event type
    table = admin.page_client().get(PAGE, **HX).content.decode()
    assert 'hx-trigger="webhookEndpointCreated from:body"' in table and "every event" in table


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"url": ""}, "url", "This field is required."),
        ({"url": "ftp://files.acme.test/x"}, "url", "must be an absolute http:// or https:// URL"),
        ({"url": "https://hooks.acme.test/", "event_types": ["invoice.paid"]}, "event_types", "not one of"),
        ({"url": "https://x.test/" + "a" * 2100}, "url", "at most 2048 characters"),
    ],
)
def test_bad_input_is_named_next_to_the_field_and_nothing_is_added(admin, org, data, field, message):
    response = admin.page_client().post(PAGE, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html.split(f'id="id_{field}_error"')[1].split("</p>")[0]
    assert not WebhookEndpoint.objects.exists()


def test_production_refuses_a_private_address_next_to_the_url(admin, settings):
    settings.IS_PRODUCTION = True
    response = admin.page_client().post(PAGE, {"url": "http://127.0.0.1:9000/hook"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200  # the form with its error, swapped in place
    assert "non-public address" in html.split('id="id_url_error"')[1]
    assert not WebhookEndpoint.objects.exists()


def test_a_test_event_goes_through_the_signed_delivery_and_shows_in_the_log(
    admin, endpoint, webhook_receiver, django_capture_on_commit_callbacks
):
    client = admin.page_client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/webhooks/{endpoint.id}/test/", **HX)
    event = WebhookEvent.objects.get(org=endpoint.org, type="webhook.test")
    assert f"Test event {event.id} sent." in response.content.decode()
    (request,) = webhook_receiver.received
    secret = crypto.decrypt(endpoint.encrypted_secret)
    assert signing.verify(secret=secret, header=request.headers["Margint-Signature"], body=request.body)
    delivery = WebhookDelivery.objects.get(event=event)

    # The log's next poll finds the attempt and stops polling.
    html = client.get(f"/webhooks/{endpoint.id}/?awaiting={event.id}", **HX).content.decode()
    assert html.lstrip().startswith('<div id="delivery-log"')
    assert "hx-trigger" not in html.split(">")[0]
    row = html.split(f'id="event-{event.id}"')[1].split("</tr>")[0]
    assert 'data-state="delivered"' in html and "webhook.test" in row
    assert '<span class="badge badge-healthy">200</span>' in row
    assert f'id="delivery-{delivery.id}"' in row
    assert f"{delivery.duration_ms} ms" in row and "{&quot;ok&quot;: true}" in row


def test_the_log_polls_until_the_queued_test_event_is_attempted(admin, endpoint, webhook_receiver):
    # Without the commit callbacks the delivery is still queued, as with a busy worker.
    html = admin.page_client().post(f"/webhooks/{endpoint.id}/test/", **HX).content.decode()
    event = WebhookEvent.objects.get(org=endpoint.org, type="webhook.test")
    assert f'hx-get="/webhooks/{endpoint.id}/?awaiting={event.id}" hx-trigger="every 1s"' in html
    assert not webhook_receiver.received


def test_failed_attempts_show_status_error_and_next_retry(admin, endpoint, webhook_receiver):
    from publicapi.notifications.services import webhook_delivery_attempt, webhook_test_send

    webhook_receiver.answer(500)
    event = webhook_test_send(endpoint=endpoint)
    delivery = webhook_delivery_attempt(event_id=event.id, endpoint_id=endpoint.id, attempt=1)
    html = admin.page_client().get(f"/webhooks/{endpoint.id}/").content.decode()
    row = html.split(f'id="event-{event.id}"')[1].split("</tr>")[0]
    assert '<span class="badge badge-critical">500</span>' in row and "Retrying" in row
    assert f'id="delivery-{delivery.id}"' in row and "receiver says no" in row


def test_an_event_s_attempts_form_one_row_with_its_final_state(admin, endpoint, webhook_receiver, settings):
    from publicapi.notifications.services import webhook_delivery_attempt, webhook_test_send

    settings.CELERY_TASK_ALWAYS_EAGER = False
    webhook_receiver.answer(500, 502, 200)
    event = webhook_test_send(endpoint=endpoint)
    for attempt in (1, 2, 3):
        webhook_delivery_attempt(event_id=event.id, endpoint_id=endpoint.id, attempt=attempt)
    html = admin.page_client().get(f"/webhooks/{endpoint.id}/").content.decode()
    assert html.count('<tr id="event-') == 1
    row = html.split(f'id="event-{event.id}"')[1].split("</tr>")[0]
    assert 'data-state="delivered"' in html.split(f'id="event-{event.id}"')[1][:40]
    assert "3 attempts" in row and row.count('<li id="delivery-') == 3
    assert "<details" in row  # the response bodies are folded away until asked for


def test_without_a_worker_the_log_says_failures_are_final(admin, endpoint, webhook_receiver, settings):
    from publicapi.notifications.services import webhook_delivery_attempt, webhook_test_send

    settings.CELERY_TASK_ALWAYS_EAGER = True
    webhook_receiver.answer(403)
    event = webhook_test_send(endpoint=endpoint)
    webhook_delivery_attempt(event_id=event.id, endpoint_id=endpoint.id, attempt=1)
    html = admin.page_client().get(f"/webhooks/{endpoint.id}/").content.decode()
    assert "run a Celery worker for retries" in html


def test_disable_stops_test_events_and_enable_restores_them(admin, endpoint, webhook_receiver):
    client = admin.page_client()
    response = client.post(f"/webhooks/{endpoint.id}/active/", {"active": "0"}, **HX)
    assert "disabled" in response.content.decode() and response["HX-Trigger"].startswith(
        '{"webhookEndpointChanged"'
    )
    endpoint.refresh_from_db()
    assert endpoint.active is False
    html = client.post(f"/webhooks/{endpoint.id}/test/", **HX).content.decode()
    assert "This endpoint is disabled" in html and not WebhookEvent.objects.exists()
    client.post(f"/webhooks/{endpoint.id}/active/", {"active": "1"})
    endpoint.refresh_from_db()
    assert endpoint.active is True


def test_delete_removes_the_endpoint_and_its_log(admin, endpoint):
    response = admin.page_client().post(f"/webhooks/{endpoint.id}/delete/")
    assert (response.status_code, response["Location"]) == (302, PAGE)
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


@pytest.mark.parametrize("persona", ["member", "viewer"])
def test_below_admin_nothing_is_shown_and_posts_are_refused(request, persona, endpoint):
    client = request.getfixturevalue(persona).page_client()
    assert client.get(PAGE).status_code == 403
    assert client.get(f"/webhooks/{endpoint.id}/").status_code == 403
    assert client.post(PAGE, {"url": "https://hooks.acme.test/x"}).status_code == 403
    assert client.post(f"/webhooks/{endpoint.id}/delete/").status_code == 403
    assert client.post(f"/webhooks/{endpoint.id}/test/").status_code == 403
    assert client.post(f"/webhooks/{endpoint.id}/active/", {"active": "0"}).status_code == 403
    assert list(WebhookEndpoint.objects.values_list("id", "active")) == [(endpoint.id, True)]
    assert not WebhookEvent.objects.exists()


def test_a_free_org_sees_the_upgrade_page(free_admin):
    response = free_admin.page_client().get(PAGE)
    assert response.status_code == 403 and "This is a Pro feature" in response.content.decode()


def test_posts_without_the_csrf_token_are_refused(admin, endpoint):
    client = admin.page_client(enforce_csrf_checks=True)
    assert client.post(PAGE, {"url": "https://hooks.acme.test/x"}).status_code == 403
    assert client.post(f"/webhooks/{endpoint.id}/delete/").status_code == 403
    assert WebhookEndpoint.objects.count() == 1


def test_an_outsider_sees_none_of_the_orgs_endpoints_and_reaches_none(outsider, endpoint):
    client = outsider.page_client()
    html = client.get(PAGE).content.decode()
    assert endpoint.id not in html and endpoint.url not in html and "No endpoints yet." in html
    assert client.get(f"/webhooks/{endpoint.id}/").status_code == 404
    assert client.post(f"/webhooks/{endpoint.id}/test/").status_code == 404
    assert client.post(f"/webhooks/{endpoint.id}/active/", {"active": "0"}).status_code == 404
    assert client.post(f"/webhooks/{endpoint.id}/delete/").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True).exists()
    assert not WebhookEvent.objects.exists()
