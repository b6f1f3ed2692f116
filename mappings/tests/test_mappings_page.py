"""The dashboard's mappings page (/mappings/): the queue, review, the mapping form, delete, and who may."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mappings.models import CustomerMapping, MappingChange, MappingRejection
from margins.tests.factories import CostCustomerFactory, add_cost, add_revenue, map_tag, stripe_customer

M = 1_000_000


@pytest.fixture
def queue(org):
    """Unmatched revenue and cost inside the 90-day lookback, a pending and a suggested auto-match."""
    day = timezone.now().date() - timedelta(days=3)
    add_revenue(org, "cus_small", day, 20 * M, name="Small Shop")
    add_revenue(org, "cus_big", day, 500 * M, name="Big Spender Inc")
    add_cost(org, "small-tag", day, 10 * M)
    add_cost(org, "big-tag", day, 300 * M, requests=40)
    map_tag(org, "cus_known", "known", name="Known Co")
    add_revenue(org, "cus_auto", day, 70 * M, name="Auto Co")
    add_cost(org, "auto-co", day, 7 * M)
    pending = map_tag(org, "cus_auto", "auto-co", status="pending")
    CustomerMapping.objects.filter(pk=pending.pk).update(confidence=Decimal("0.950"))
    suggested = map_tag(org, "cus_maybe", "small-tag", status="suggested", name="Maybe Ltd")
    CustomerMapping.objects.filter(pk=suggested.pk).update(confidence=Decimal("0.700"))
    return {"pending": pending, "suggested": suggested}


def _pending_ids(html: str) -> list[str]:
    return re.findall(r'<tr id="pending-([0-9a-f-]+)"', html)


def _rows(html: str, section: str, attribute: str) -> list[str]:
    part = html.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    return re.findall(rf'<tr {attribute}="([^"]+)"', part)


def test_viewer_sees_the_queue_largest_first_and_no_change_actions(viewer, org, queue):
    response = viewer.page_client().get("/mappings/")
    html = response.content.decode()
    assert response.status_code == 200
    assert _rows(html, "unmatched-stripe", "data-stripe") == ["cus_big", "cus_small", "cus_maybe"]
    assert _rows(html, "unmapped-tags", "data-tag") == ["big-tag", "small-tag"]
    # The tab counts both lists: three Stripe customers and two tags.
    assert re.search(r'>Unmatched <span class="count">5</span>', html)
    assert "$500.00" in html and "$300.00" in html
    assert _pending_ids(html) == [str(queue["pending"].pk), str(queue["suggested"].pk)]
    for action in ("/confirm/", "/reject/", "/delete/", "Map a Stripe customer", "Run auto-match", "Map…"):
        assert action not in html


def test_the_page_lists_what_the_unmatched_api_lists_in_the_same_order(admin, queue):
    api = admin.client().get("/api/margins/unmatched").json()["data"]
    html = admin.page_client().get("/mappings/").content.decode()
    assert _rows(html, "unmatched-stripe", "data-stripe") == [
        c["stripeCustomerId"] for c in api["unmatchedStripeCustomers"]
    ]
    assert _rows(html, "unmapped-tags", "data-tag") == [t["tagValue"] for t in api["unmappedTagValues"]]
    assert _pending_ids(html) == [p["id"] for p in api["pendingAutoMatches"]]


def test_admin_sees_the_form_review_buttons_and_delete_links(admin, queue):
    html = admin.page_client().get("/mappings/?stripe=cus_big").content.decode()
    assert 'action="/mappings/new/"' in html and 'value="cus_big"' in html
    assert f'action="/mappings/{queue["pending"].pk}/confirm/"' in html
    assert f'hx-post="/mappings/{queue["pending"].pk}/delete/"' in html
    assert f'href="/mappings/{queue["pending"].pk}/delete/?tab=all"' in html  # the no-JavaScript confirmation
    assert '<datalist id="stripe-suggestions">' in html and '<option value="cus_big">' in html


def test_confirm_by_plain_post_redirects_and_the_match_leaves_the_queue(admin, queue):
    pending = queue["pending"]
    response = admin.page_client().post(f"/mappings/{pending.pk}/confirm/?q=auto")
    assert response.status_code == 302 and response["Location"] == "/mappings/?q=auto"
    pending.refresh_from_db()
    assert (pending.match_type, pending.status, pending.confidence) == (
        "manual",
        "confirmed",
        Decimal("1.000"),
    )
    change = MappingChange.objects.get(mapping_id=pending.pk)
    assert (change.action, change.source) == ("confirmed", "dashboard")
    html = admin.page_client().get("/mappings/").content.decode()
    assert _pending_ids(html) == [str(queue["suggested"].pk)]


def test_htmx_confirm_answers_with_the_lists_and_confirming_a_suggestion_moves_its_customer(admin, queue):
    response = admin.page_client(HTTP_HX_REQUEST="true").post(f"/mappings/{queue['suggested'].pk}/confirm/")
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="mapping-lists"')
    assert "mappingsChanged" in response["HX-Trigger"]
    assert _pending_ids(html) == [str(queue["pending"].pk)]
    # The suggestion did not count; confirmed, its Stripe customer and tag leave the unmatched lists.
    assert "cus_maybe" not in _rows(html, "unmatched-stripe", "data-stripe")
    assert "small-tag" not in _rows(html, "unmapped-tags", "data-tag")


def test_reject_deletes_and_remembers_the_pair(admin, org, queue):
    suggested = queue["suggested"]
    response = admin.page_client(HTTP_HX_REQUEST="true").post(f"/mappings/{suggested.pk}/reject/")
    assert response.status_code == 200
    assert not CustomerMapping.objects.filter(pk=suggested.pk).exists()
    assert MappingRejection.objects.filter(
        org=org, stripe_customer_id="cus_maybe", tag_value="small-tag"
    ).exists()
    assert _pending_ids(response.content.decode()) == [str(queue["pending"].pk)]


def test_map_form_creates_a_manual_mapping_and_redirects(admin, org, queue):
    client = admin.page_client()
    response = client.post("/mappings/new/", {"stripe_customer_id": "cus_big", "tag_value": "big-tag"})
    assert response.status_code == 302 and response["Location"] == "/mappings/"
    mapping = CustomerMapping.objects.get(org=org, stripe_customer_id="cus_big")
    assert (mapping.tag_value, mapping.match_type, mapping.status) == ("big-tag", "manual", "confirmed")
    change = MappingChange.objects.get(mapping_id=mapping.pk)
    assert (change.action, change.source, change.actor_id) == ("created", "dashboard", admin.user.pk)
    html = client.get("/mappings/").content.decode()
    assert "cus_big is mapped to big-tag." in html
    assert "cus_big" not in _rows(html, "unmatched-stripe", "data-stripe")
    assert "big-tag" not in _rows(html, "unmapped-tags", "data-tag")


def test_htmx_map_answers_with_a_fresh_form_and_the_event_the_lists_listen_for(admin, org, queue):
    response = admin.page_client(HTTP_HX_REQUEST="true").post(
        "/mappings/new/", {"stripe_customer_id": "cus_big", "tag_value": "big-tag"}
    )
    html = response.content.decode()
    assert (
        response.status_code == 200
        and '<div id="map-form">' in html
        and "cus_big is mapped to big-tag." in html
    )
    mapping = CustomerMapping.objects.get(org=org, stripe_customer_id="cus_big")
    assert response["HX-Trigger"] == f'{{"mappingCreated": {{"id": "{mapping.pk}"}}}}'
    lists = admin.page_client().get("/mappings/").content.decode()
    assert 'hx-trigger="mappingCreated from:body"' in lists


def test_mapping_an_already_mapped_stripe_customer_moves_it(admin, org, queue):
    admin.page_client().post("/mappings/new/", {"stripe_customer_id": "cus_known", "tag_value": "big-tag"})
    assert CustomerMapping.objects.get(org=org, stripe_customer_id="cus_known").tag_value == "big-tag"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"stripe_customer_id": "", "tag_value": "big-tag"}, "stripe_customer_id", "This field is required."),
        ({"stripe_customer_id": "cus_big", "tag_value": "   "}, "tag_value", "This field is required."),
        ({"stripe_customer_id": "cus_\x07big", "tag_value": "x"}, "stripe_customer_id", "control characters"),
        ({"stripe_customer_id": "cus_big", "tag_value": "t" * 255}, "tag_value", "under 255 characters"),
    ],
)
def test_bad_input_shows_the_error_next_to_its_field_and_changes_nothing(
    admin, org, queue, data, field, message
):
    before = CustomerMapping.objects.filter(org=org).count()
    response = admin.page_client().post("/mappings/new/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in html and message in html
    assert CustomerMapping.objects.filter(org=org).count() == before
    htmx = admin.page_client(HTTP_HX_REQUEST="true").post("/mappings/new/", data)
    assert htmx.status_code == 200 and f'id="id_{field}_error"' in htmx.content.decode()
    assert "HX-Trigger" not in htmx


def test_delete_asks_first_without_javascript_then_deletes(admin, org, queue):
    pending = queue["pending"]
    page = admin.page_client().get(f"/mappings/{pending.pk}/delete/")
    assert page.status_code == 200 and "Delete this mapping?" in page.content.decode()
    assert CustomerMapping.objects.filter(pk=pending.pk).exists()
    response = admin.page_client().post(f"/mappings/{pending.pk}/delete/")
    assert response.status_code == 302
    assert not CustomerMapping.objects.filter(pk=pending.pk).exists()
    assert MappingChange.objects.filter(mapping_id=pending.pk, action="deleted", source="dashboard").exists()
    assert admin.page_client().post(f"/mappings/{pending.pk}/delete/").status_code == 404


def test_htmx_delete_answers_with_the_lists(admin, queue):
    response = admin.page_client(HTTP_HX_REQUEST="true").post(f"/mappings/{queue['pending'].pk}/delete/")
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="mapping-lists"')
    assert f'id="mapping-{queue["pending"].pk}"' not in html


@pytest.mark.parametrize("persona", ["viewer", "member"])
def test_below_admin_every_change_is_refused_and_nothing_changes(request, org, queue, persona):
    client = request.getfixturevalue(persona).page_client()
    pending = queue["pending"]
    for path, data in (
        ("/mappings/new/", {"stripe_customer_id": "cus_big", "tag_value": "big-tag"}),
        (f"/mappings/{pending.pk}/confirm/", {}),
        (f"/mappings/{pending.pk}/reject/", {}),
        (f"/mappings/{pending.pk}/delete/", {}),
    ):
        assert client.post(path, data).status_code == 403, path
    assert client.get(f"/mappings/{pending.pk}/delete/").status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert not CustomerMapping.objects.filter(org=org, stripe_customer_id="cus_big").exists()
    assert not MappingRejection.objects.exists() and not MappingChange.objects.exists()


def test_members_run_auto_matching_and_viewers_may_not(member, viewer, org):
    customer = stripe_customer(org, "cus_meta", name="Meta Co")
    customer.metadata = {"margint_customer": "meta-co"}
    customer.save(update_fields=["metadata"])
    CostCustomerFactory(org=org, external_id="meta-co", last_seen_at=timezone.now())
    assert viewer.page_client().post("/mappings/auto-match/").status_code == 403
    assert not CustomerMapping.objects.exists()
    client = member.page_client()
    response = client.post("/mappings/auto-match/")
    assert response.status_code == 302
    mapping = CustomerMapping.objects.get(org=org)
    assert (mapping.stripe_customer_id, mapping.tag_value, mapping.status) == (
        "cus_meta",
        "meta-co",
        "pending",
    )
    html = client.get("/mappings/").content.decode()
    assert "Auto-matching proposed 1: 1 counting while awaiting review, 0 suggested." in html
    assert "/confirm/" not in html  # members run matching; confirming is an admin's, as in the API


def test_an_outsider_sees_nothing_of_the_org_and_cannot_touch_its_mappings(outsider, org, queue):
    html = outsider.page_client().get("/mappings/").content.decode()
    for text in ("cus_big", "big-tag", "cus_auto", "Big Spender", str(queue["pending"].pk)):
        assert text not in html
    suggestions = (
        outsider.page_client().get("/mappings/suggestions/?side=stripe&stripe_customer_id=cus").content
    )
    assert b"cus_" not in suggestions
    pending = queue["pending"]
    for action in ("confirm", "reject", "delete"):
        assert outsider.page_client().post(f"/mappings/{pending.pk}/{action}/").status_code == 404
    assert outsider.page_client().get(f"/mappings/{pending.pk}/delete/").status_code == 404
    pending.refresh_from_db()
    assert pending.status == "pending" and not MappingChange.objects.exists()


def test_a_malformed_id_is_not_found(admin):
    assert admin.page_client().post("/mappings/not-a-uuid/confirm/").status_code == 404


def test_posts_without_a_csrf_token_are_refused(admin, org, queue):
    client = admin.page_client(enforce_csrf_checks=True)
    pending = queue["pending"]
    assert (
        client.post("/mappings/new/", {"stripe_customer_id": "cus_big", "tag_value": "x"}).status_code == 403
    )
    assert client.post(f"/mappings/{pending.pk}/confirm/").status_code == 403
    assert client.post(f"/mappings/{pending.pk}/delete/").status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert not CustomerMapping.objects.filter(org=org, stripe_customer_id="cus_big").exists()


def test_suggestions_match_id_name_or_email_on_each_side(viewer, org, queue):
    stripe = viewer.page_client().get("/mappings/suggestions/?side=stripe&stripe_customer_id=spender")
    assert stripe.status_code == 200
    assert stripe.content.decode() == (
        '<datalist id="stripe-suggestions"><option value="cus_big">Big Spender Inc</option></datalist>\n'
    )
    tags = viewer.page_client().get("/mappings/suggestions/?side=tag&tag_value=BIG").content.decode()
    assert re.findall(r'<option value="([^"]+)"', tags) == ["big-tag"]


def test_the_mappings_table_searches_and_pages(admin, org):
    for n in range(55):
        map_tag(org, f"cus_{n:03d}", f"team-{n:03d}", name=f"Team {n:03d}")
    html = admin.page_client().get("/mappings/").content.decode()
    assert "Mappings 1–50 of 55" in html and 'href="/mappings/?tab=all&amp;page=2"' in html
    table = (
        admin.page_client(HTTP_HX_REQUEST="true")
        .get("/mappings/?page=2", HTTP_HX_TARGET="mappings-table")
        .content.decode()
    )
    assert table.lstrip().startswith('<div id="mappings-table">') and "Mappings 51–55 of 55" in table
    found = admin.page_client().get("/mappings/?q=team 007").content.decode()
    assert "Mappings 1–1 of 1" in found and "cus_007" in found


def test_pro_tier_and_sign_in_are_required(free_admin, db):
    assert free_admin.page_client().get("/mappings/").status_code == 403
    assert Client().get("/mappings/").status_code == 302
    assert Client().post("/mappings/new/", {}).status_code == 302


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_page_reads_a_fixed_number_of_queries_whatever_the_number_of_mappings(admin, org, queue):
    client = admin.page_client()
    _queries(client, "/mappings/")  # the first answer also saves the new session
    few = _queries(client, "/mappings/")
    for n in range(40):
        map_tag(org, f"cus_{n:03d}", f"team-{n:03d}", name=f"Team {n:03d}")
        add_cost(org, f"loose-{n:03d}", timezone.now().date(), M)
    assert _queries(client, "/mappings/") == few
