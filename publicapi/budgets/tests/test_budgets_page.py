"""The dashboard's budgets page: everyone of a Pro org sees budgets and their spend; admins change them."""

from __future__ import annotations

from datetime import date

import pytest

from publicapi.budgets.models import Budget
from publicapi.budgets.services import budget_create
from publicapi.tests.factories import add_cost
from publicapi.tests.key_helpers import key_for, keyed_client

FORM = {
    "scope": "customer",
    "customer": "acme",
    "feature": "",
    "monthly_limit": "50.00",
    "action": "block",
    "thresholds": "80, 50",
}


def test_an_admin_adds_a_budget_in_currency_units(admin, org):
    response = admin.page_client().post("/budgets/", FORM)
    assert response.status_code == 302
    budget = Budget.objects.get(org=org)
    assert (budget.scope, budget.customer_external_id, budget.monthly_limit_micro) == (
        "customer",
        "acme",
        50_000_000,
    )
    assert (budget.action, budget.thresholds) == ("block", [50, 80])


def test_the_page_shows_each_budgets_spend_this_month(viewer, org, frozen_now):
    add_cost(org, "acme", date(2026, 3, 4), 45_000_000)
    budget_create(org=org, scope="customer", customer="acme", monthly_limit_micro=50_000_000, action="block")
    html = viewer.page_client().get("/budgets/").content.decode()
    assert "$50.00" in html and "$45.00" in html and "(90.00%)" in html and "Past 80%" in html
    assert "Add a budget" not in html and "Delete" not in html  # viewers only look


def test_htmx_add_answers_with_a_fresh_form_and_the_event_the_table_listens_for(admin, org):
    response = admin.page_client().post("/budgets/", FORM, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="budget-create"')
    assert response["HX-Trigger"] == f'{{"budgetCreated": {{"id": "{Budget.objects.get().pk}"}}}}'


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"customer": ""}, "customer", "A customer budget needs a customer."),
        ({"scope": "workspace"}, "customer", "A workspace budget takes no customer."),
        ({"thresholds": "80, abc"}, "thresholds", "Whole numbers separated by commas"),
        ({"thresholds": "100"}, "thresholds", "Up to ten thresholds, each from 1 to 99."),
        ({"monthly_limit": "0"}, "monthly_limit", "greater than or equal to 0.01"),
    ],
)
def test_a_wrong_budget_is_shown_with_its_error_and_not_saved(admin, org, changes, field, message):
    response = admin.page_client().post("/budgets/", {**FORM, **changes})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and message in html
    assert not Budget.objects.exists()


def test_an_admin_deletes_and_the_budget_check_stops_applying_it(admin, org):
    budget = budget_create(org=org, scope="workspace", monthly_limit_micro=1, action="block")
    api = keyed_client(key_for(org))
    assert api.get("/api/v1/budgets/check?customer=x").json()["budgets"] != []
    response = admin.page_client().post(f"/budgets/{budget.pk}/delete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Trigger"] == '{"budgetDeleted": {}}'
    assert not Budget.objects.exists()
    assert api.get("/api/v1/budgets/check?customer=x").json()["budgets"] == []


def test_members_and_viewers_cannot_change_budgets(member, viewer, org):
    budget = budget_create(org=org, scope="workspace", monthly_limit_micro=1, action="warn")
    assert member.page_client().post("/budgets/", FORM).status_code == 404
    assert viewer.page_client().post(f"/budgets/{budget.pk}/delete/").status_code == 403
    assert Budget.objects.count() == 1


def test_an_outsider_never_sees_nor_deletes_another_orgs_budget(outsider, org):
    budget = budget_create(
        org=org, scope="customer", customer="secret-co", monthly_limit_micro=1, action="warn"
    )
    assert "secret-co" not in outsider.page_client().get("/budgets/").content.decode()
    assert outsider.page_client().post(f"/budgets/{budget.pk}/delete/").status_code == 404
    assert Budget.objects.filter(pk=budget.pk).exists()


def test_a_free_organization_gets_the_upgrade_page(free_admin):
    response = free_admin.page_client().get("/budgets/")
    assert response.status_code == 403
    assert "Pro" in response.content.decode()


def test_signed_out_visitors_are_sent_to_log_in(client, db):
    response = client.get("/budgets/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_form_shows_the_target_fields_of_the_chosen_scope_only(admin, org):
    html = admin.page_client().get("/budgets/").content.decode()
    customer = html.split('data-scope-field="customer"')[1].split(">")[0]
    feature = html.split('data-scope-field="feature"')[1].split(">")[0]
    assert "scope-off" in customer and "scope-off" in feature  # workspace, the first scope
    refused = admin.page_client().post("/budgets/", {**FORM, "scope": "customer_feature", "feature": ""})
    html = refused.content.decode()
    assert "scope-off" not in html.split('data-scope-field="customer"')[1].split(">")[0]
    assert "scope-off" not in html.split('data-scope-field="feature"')[1].split(">")[0]


def test_type_ahead_offers_the_org_s_customers_and_features(admin, org, other_org):
    today = date.today()
    add_cost(org, "acme-corp", today, 1_000, feature="chat")
    add_cost(org, "beta-labs", today, 1_000, feature="search")
    add_cost(other_org, "acme-rival", today, 1_000, feature="chat-secret")
    client = admin.page_client()
    customers = client.get("/budgets/suggestions/?field=customer&customer=acme").content.decode()
    features = client.get("/budgets/suggestions/?field=feature&feature=cha").content.decode()
    assert customers.startswith('<datalist id="budget-customer-options">')
    assert '<option value="acme-corp">' in customers and "beta-labs" not in customers
    assert "acme-rival" not in customers
    assert '<option value="chat">' in features and "chat-secret" not in features and "search" not in features


def test_only_admins_get_budget_suggestions(member, outsider, org):
    assert member.page_client().get("/budgets/suggestions/?field=customer").status_code == 403
    html = outsider.page_client().get("/budgets/suggestions/?field=customer").content.decode()
    assert "<option" not in html
