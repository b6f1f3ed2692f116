"""Review at scale on the mappings page: tabs, why each auto-match was proposed with the candidates'
revenue and cost, "confirm every suggestion of 0.9 or more", and each mapping's history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from mappings.models import ChangeAction, ChangeSource, CustomerMapping, MappingChange
from mappings.services import automatch_run
from margins.models import Customer
from margins.tests.factories import add_cost, add_revenue, map_tag

M = 1_000_000


def _two_auto_matches(org) -> tuple[CustomerMapping, CustomerMapping]:
    """One by email (0.8, suggested) and one by the Stripe id as the tag (0.9, pending), as auto-match makes them."""
    day = timezone.now().date() - timedelta(days=2)
    add_revenue(org, "cus_mail", day, 40 * M, name="Mail Co", email="ops@mail.test")
    add_cost(org, "mail-co", day, 3 * M)
    add_revenue(org, "cus_same", day, 90 * M, name="Unrelated Name")
    add_cost(org, "cus_same", day, 9 * M)
    now = timezone.now()
    Customer.objects.filter(org=org).update(last_seen_at=now)
    Customer.objects.filter(org=org, external_id="mail-co").update(email="ops@mail.test", name="Other Name")
    automatch_run(org=org, as_of=timezone.now())
    by_stripe = {m.stripe_customer_id: m for m in CustomerMapping.objects.filter(org=org)}
    return by_stripe["cus_mail"], by_stripe["cus_same"]


def _section(html: str, marker: str) -> str:
    return html.split(marker, 1)[1].split("</section>", 1)[0]


def test_the_page_opens_on_the_review_while_matches_await_it_and_each_tab_shows_alone(admin, org):
    _two_auto_matches(org)
    html = admin.page_client().get("/mappings/").content.decode()
    assert 'aria-current="page">Review <span class="count">2</span>' in html
    assert '<div class="queue-grid" hidden>' in html
    assert '<section class="card" aria-labelledby="all-mappings-h" hidden>' in html
    html = admin.page_client().get("/mappings/?tab=all").content.decode()
    assert '<section class="card" aria-labelledby="all-mappings-h">' in html
    assert '<div class="queue-grid" hidden>' in html


def test_with_nothing_to_review_the_page_opens_on_the_unmatched_queue(admin, org):
    add_revenue(org, "cus_alone", timezone.now().date(), 5 * M, name="Alone")
    html = admin.page_client().get("/mappings/").content.decode()
    assert 'aria-current="page">Unmatched' in html and '<div class="queue-grid">' in html


def test_each_auto_match_says_why_with_its_score_and_the_candidates_revenue_and_cost(admin, org):
    by_email, by_id = _two_auto_matches(org)
    review = _section(admin.page_client().get("/mappings/").content.decode(), 'id="pending"')
    mail = review.split(f'id="pending-{by_email.pk}"')[1].split("</tr>")[0]
    same = review.split(f'id="pending-{by_id.pk}"')[1].split("</tr>")[0]
    assert "same email" in mail and "0.80" in mail and "$40.00" in mail and "$3.00" in mail
    assert "the Stripe id is the tag" in same and "0.90" in same and "$90.00" in same and "$9.00" in same


def test_confirm_all_of_0_9_or_more_confirms_those_alone_with_their_audit_rows(admin, org):
    by_email, by_id = _two_auto_matches(org)
    response = admin.page_client().post("/mappings/confirm-confident/", HTTP_HX_REQUEST="true")
    assert "Confirmed 1 auto-match of 0.9 or more." in response.content.decode()
    by_email.refresh_from_db()
    by_id.refresh_from_db()
    assert (by_id.status, by_id.match_type) == ("confirmed", "manual")
    assert by_email.status == "suggested"
    change = MappingChange.objects.filter(mapping_id=by_id.pk, action=ChangeAction.CONFIRMED).get()
    assert (change.actor, change.source) == (admin.user, ChangeSource.DASHBOARD)


def test_only_admins_of_the_org_confirm_in_bulk(member, outsider, org):
    _, by_id = _two_auto_matches(org)
    assert member.page_client().post("/mappings/confirm-confident/").status_code == 403
    outsider.page_client().post("/mappings/confirm-confident/")
    by_id.refresh_from_db()
    assert by_id.status == "pending"


def test_each_mapping_shows_its_history_from_the_audit_log(admin, org):
    _, by_id = _two_auto_matches(org)
    admin.page_client().post(f"/mappings/{by_id.pk}/confirm/")
    html = admin.page_client().get("/mappings/?tab=all").content.decode()
    row = html.split(f'id="mapping-{by_id.pk}"')[1].split("</tr>")[0]
    assert "2 changes" in row and "created by Auto-match" in row and "stripe_id" in row
    assert "confirmed by admin@acme.test" in row


def test_an_outsider_s_page_shows_none_of_the_org_s_reviews(outsider, org):
    _two_auto_matches(org)
    html = outsider.page_client().get("/mappings/?tab=review").content.decode()
    assert "cus_same" not in html and "Nothing awaits review." in html


def test_a_confidence_below_the_bar_is_never_confirmed_in_bulk(admin, org):
    mapping = map_tag(org, "cus_low", "low-tag", status="suggested")
    CustomerMapping.objects.filter(pk=mapping.pk).update(match_type="auto", confidence=Decimal("0.899"))
    admin.page_client().post("/mappings/confirm-confident/")
    mapping.refresh_from_db()
    assert mapping.status == "suggested"
