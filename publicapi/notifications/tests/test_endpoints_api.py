"""Admin-only JSON endpoints: create (secret once), list, delete, send a test event, delivery log."""

from __future__ import annotations

from margint import crypto
from publicapi.notifications.models import WebhookEndpoint
from publicapi.notifications.services import webhook_endpoint_create

ENDPOINT_FIELDS = ["id", "url", "description", "eventTypes", "active", "createdAt"]


def create(persona, url: str, **extra):
    return persona.client().post("/api/webhook-endpoints", {"url": url, **extra}, format="json")


def test_admin_creates_an_endpoint_and_sees_the_secret_once(admin, webhook_receiver):
    response = create(admin, webhook_receiver.url, eventTypes=["margin.threshold_crossed"], description="ops")
    assert response.status_code == 201
    data = response.json()["data"]
    assert list(data) == [*ENDPOINT_FIELDS, "secret"]
    assert data["id"].startswith("we_") and data["secret"].startswith("whsec_")
    assert (data["url"], data["eventTypes"], data["description"], data["active"]) == (
        webhook_receiver.url,
        ["margin.threshold_crossed"],
        "ops",
        True,
    )
    stored = WebhookEndpoint.objects.get(pk=data["id"])
    assert data["secret"] not in stored.encrypted_secret
    assert crypto.decrypt(stored.encrypted_secret) == data["secret"]
    listed = admin.client().get("/api/webhook-endpoints").json()["data"]
    assert [list(e) for e in listed] == [ENDPOINT_FIELDS]
    assert listed[0]["id"] == data["id"]


def test_invalid_endpoints_are_validation_errors(admin):
    client = admin.client()
    bad_url = client.post("/api/webhook-endpoints", {"url": "not a url"}, format="json").json()["error"]
    assert (bad_url["code"], list(bad_url["details"]["fields"])) == ("validation_error", ["url"])
    ftp = client.post("/api/webhook-endpoints", {"url": "ftp://example.com/x"}, format="json").json()["error"]
    assert (ftp["code"], ftp["details"]) == ("validation_error", {"field": "url"})
    body = {"url": "https://example.com/x", "eventTypes": ["margin.whatever"]}
    unknown = client.post("/api/webhook-endpoints", body, format="json").json()["error"]
    assert (unknown["code"], list(unknown["details"]["fields"])) == ("validation_error", ["eventTypes"])
    assert WebhookEndpoint.objects.count() == 0


def test_production_refuses_an_endpoint_on_a_private_address(admin, settings):
    settings.IS_PRODUCTION = True
    response = create(admin, "http://169.254.169.254/latest/meta-data/")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"field": "url"}
    assert "non-public address" in response.json()["error"]["message"]
    assert WebhookEndpoint.objects.count() == 0


def test_admin_deletes_an_endpoint(admin, webhook_receiver):
    endpoint, _ = webhook_endpoint_create(org=admin.org, url=webhook_receiver.url)
    response = admin.client().delete(f"/api/webhook-endpoints/{endpoint.id}")
    assert (response.status_code, response.json()) == (200, {"data": {"deleted": True}})
    assert not WebhookEndpoint.objects.filter(pk=endpoint.id).exists()


def test_send_test_event_then_read_the_delivery_log(
    admin, webhook_receiver, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # configured with a broker: a failure is retried
    endpoint, _ = webhook_endpoint_create(org=admin.org, url=webhook_receiver.url)
    webhook_receiver.answer(500)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.client().post(f"/api/webhook-endpoints/{endpoint.id}/test")
    assert response.status_code == 202
    event_id = response.json()["data"]["eventId"]
    log = admin.client().get(f"/api/webhook-endpoints/{endpoint.id}/deliveries").json()["data"]
    assert [(d["eventId"], d["attempt"], d["statusCode"], d["succeeded"]) for d in log] == [
        (event_id, 2, 200, True),
        (event_id, 1, 500, False),
    ]
    assert log[1]["responseExcerpt"] == "receiver says no"
    assert log[1]["nextRetryAt"] is not None and log[0]["nextRetryAt"] is None
    assert log[0]["eventType"] == "webhook.test"
    assert isinstance(log[0]["durationMs"], int)


def test_members_and_viewers_may_not_manage_endpoints(member, viewer, webhook_receiver):
    endpoint, _ = webhook_endpoint_create(org=member.org, url=webhook_receiver.url)
    for persona in (member, viewer):
        client = persona.client()
        for response in (
            client.get("/api/webhook-endpoints"),
            client.post("/api/webhook-endpoints", {"url": webhook_receiver.url}, format="json"),
            client.delete(f"/api/webhook-endpoints/{endpoint.id}"),
            client.post(f"/api/webhook-endpoints/{endpoint.id}/test"),
            client.get(f"/api/webhook-endpoints/{endpoint.id}/deliveries"),
        ):
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "forbidden"
    assert WebhookEndpoint.objects.filter(pk=endpoint.id).exists()


def test_outsider_gets_404_for_another_orgs_endpoint_and_an_empty_list(org, outsider, webhook_receiver):
    endpoint, _ = webhook_endpoint_create(org=org, url=webhook_receiver.url)
    client = outsider.client()
    assert client.get("/api/webhook-endpoints").json()["data"] == []
    for response in (
        client.delete(f"/api/webhook-endpoints/{endpoint.id}"),
        client.post(f"/api/webhook-endpoints/{endpoint.id}/test"),
        client.get(f"/api/webhook-endpoints/{endpoint.id}/deliveries"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert WebhookEndpoint.objects.filter(pk=endpoint.id).exists()
    assert webhook_receiver.received == []


def test_free_tier_gets_403_with_an_upgrade_pointer(free_admin):
    response = free_admin.client().get("/api/webhook-endpoints")
    assert response.status_code == 403
    assert response.json()["error"]["details"]["upgradeUrl"] == "/upgrade/"


def test_anonymous_gets_401(anon, db):
    assert anon.get("/api/webhook-endpoints").status_code == 401
    assert anon.post("/api/webhook-endpoints", {}, format="json").status_code == 401
