"""Budgets: create, list, delete, and the cached budget check integrators call before an LLM call.

The check's answer is cached for 60 s under a key that also carries two versions, read in the
same round trip as the answer: the customer's (`budgetcheck-ver:{org public id}:{external id}`,
bumped by `publicapi.budget_versions.customers_ingested` when that customer's events land) and
the org's budgets version (bumped here when a budget is created or deleted). A cached answer
whose versions differ from the current ones is recomputed, so new events or budget changes show
at once; other customers' events (which move workspace and feature budgets) show within the 60 s.
A computed answer also hands its budgets' crossings to the budget webhooks.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from margins.calculations import Month, micros_to_cents
from margins.costs import selectors as cost_selectors
from margint.models import Organization
from publicapi import budget_calc
from publicapi.budget_alerts import budget_alerts_emit
from publicapi.budget_calc import BudgetRule, BudgetStatus, status_json
from publicapi.budget_versions import budget_check_version_key
from publicapi.models import Budget

CHECK_TTL_SECONDS = 60


def version_key(org_public_id: str, external_id: str) -> str:
    """`budgetcheck-ver:{org public id}:{external id}`: the key ingestion bumps (one format, theirs)."""
    return budget_check_version_key(org_public_id, external_id)


def cache_version(org_public_id: str, external_id: str) -> int:
    """The customer's budget-check cache version: 0 until ingestion first bumps it."""
    return int(cache.get(version_key(org_public_id, external_id)) or 0)


def _org_version_key(org_id: Any) -> str:
    return f"budgetcheck-orgver:{org_id}"


def budgets_changed(*, org_id: Any) -> None:
    """Cached budget checks of the org are recomputed on their next call."""
    key = _org_version_key(org_id)
    cache.add(key, 0, timeout=None)
    try:
        cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=None)


# --- services -------------------------------------------------------------------------------


def budget_create(
    *,
    org: Organization,
    scope: str,
    monthly_limit_micro: int,
    action: str,
    customer: str = "",
    feature: str = "",
    thresholds: list[int] | None = None,
) -> Budget:
    budget = Budget(
        org=org,
        scope=scope,
        customer_external_id=customer,
        feature=feature,
        monthly_limit_micro=monthly_limit_micro,
        action=action,
        thresholds=sorted(set(thresholds)) if thresholds is not None else [80],
    )
    budget.full_clean()
    budget.save()
    budgets_changed(org_id=org.pk)
    return budget


def budget_delete(*, budget: Budget) -> None:
    org_id = budget.org_id
    budget.delete()
    budgets_changed(org_id=org_id)


def budgets_of(*, org: Organization) -> list[Budget]:
    return list(Budget.objects.filter(org=org))


def budget_get(*, org: Organization, budget_id: str) -> Budget | None:
    return Budget.objects.filter(org=org, pk=budget_id).first()


def _rule(budget: Budget) -> BudgetRule:
    return BudgetRule(
        id=str(budget.pk),
        scope=budget.scope,
        customer=budget.customer_external_id,
        feature=budget.feature,
        limit=budget.monthly_limit_micro,
        action=budget.action,
        thresholds=tuple(budget.thresholds),
    )


# --- the check ------------------------------------------------------------------------------


def budget_check_json(
    *, org: Organization, customer: str, feature: str = "", now: datetime | None = None
) -> bytes:
    """The rendered check body for (customer, feature), from the cache when nothing it depends on moved.

    Rendered once and kept rendered: a cached answer costs one cache round trip and no encoding.
    """
    now = now or timezone.now()
    today = now.date()
    result_key = _check_key(org.pk, customer, feature, today)
    ver_key, org_ver_key = version_key(org.public_id, customer), _org_version_key(org.pk)
    found = cache.get_many([result_key, ver_key, org_ver_key])
    versions = [found.get(ver_key, 0), found.get(org_ver_key, 0)]
    cached = found.get(result_key)
    if cached is not None and cached["versions"] == versions:
        return cached["body"]
    statuses = budget_statuses(org=org, customer=customer, feature=feature, today=today)
    budget_alerts_emit(org=org, statuses=statuses, month=Month.containing(today))
    body = check_body(budget_calc.verdict(statuses), customer=customer, feature=feature, now=now)
    rendered = json.dumps(body, separators=(",", ":")).encode()
    cache.set(result_key, {"versions": versions, "body": rendered}, CHECK_TTL_SECONDS)
    return rendered


def _check_key(org_id: Any, customer: str, feature: str, today: date) -> str:
    target = _digest(customer + "\x00" + feature)
    return f"budgetcheck:{org_id}:{today.isoformat()}:{target}"


def budget_statuses(*, org: Organization, customer: str, feature: str, today: date) -> list[BudgetStatus]:
    """The budgets that a check for (customer, feature) must respect, each with its spend."""
    rules = [_rule(b) for b in budgets_of(org=org)]
    rules = [r for r in rules if budget_calc.applies(r, customer, feature)]
    spent = _month_to_date_spend(org, {r.scope for r in rules}, customer, feature, today)
    return [budget_calc.evaluate(rule, spent[rule.scope], today) for rule in rules]


def org_budget_statuses(*, org: Organization, today: date) -> list[BudgetStatus]:
    """Every budget of the org with the month-to-date spend of what it covers (one query each)."""
    return _statuses(org, [_rule(b) for b in budgets_of(org=org)], today)


def customer_budget_statuses(*, org: Organization, customer: str, today: date) -> list[BudgetStatus]:
    """The budgets a check for this customer can apply, whatever feature it names: the workspace's,
    every feature's, and the customer's own (alone or with a feature), each with its spend."""
    rules = [_rule(b) for b in budgets_of(org=org)]
    return _statuses(org, [r for r in rules if r.customer in ("", customer)], today)


def _statuses(org: Organization, rules: list[BudgetRule], today: date) -> list[BudgetStatus]:
    statuses = []
    for rule in rules:
        spent = _month_to_date_spend(org, {rule.scope}, rule.customer, rule.feature, today)
        statuses.append(budget_calc.evaluate(rule, spent[rule.scope], today))
    return statuses


def _month_to_date_spend(
    org: Organization, scopes: set[str], customer: str, feature: str, today: date
) -> dict[str, int]:
    """Month-to-date cost of each scope the applying budgets need, one query per scope.

    Workspace and feature spend are the same in every customer's check: they are shared through
    the cache for CHECK_TTL_SECONDS, so checking another customer costs only that customer's queries.
    """
    start, end = budget_calc.month_to_date(today)
    spend: dict[str, int] = {}
    for scope in scopes:
        if scope in (budget_calc.WORKSPACE, budget_calc.FEATURE):
            key = f"budgetspend:{org.pk}:{today.isoformat()}:{scope}:{_digest(feature)}"
            spend[scope] = cache.get(key)
            if spend[scope] is None:
                spend[scope] = _spend_of(org, scope, customer, feature, start, end)
                cache.set(key, spend[scope], CHECK_TTL_SECONDS)
        else:
            spend[scope] = _spend_of(org, scope, customer, feature, start, end)
    return spend


def _spend_of(org: Organization, scope: str, customer: str, feature: str, start: date, end: date) -> int:
    if scope == budget_calc.WORKSPACE:
        return cost_selectors.cost_total(org=org, start=start, end=end)
    narrowed = {
        budget_calc.CUSTOMER: {"external_ids": [customer]},
        budget_calc.FEATURE: {"features": [feature]},
        budget_calc.CUSTOMER_FEATURE: {"external_ids": [customer], "features": [feature]},
    }[scope]
    rows = cost_selectors.cost_by_customer_buckets(org=org, edges=(start, end), **narrowed)
    return sum(amounts[0] for amounts in rows.values())


def _digest(text: str) -> str:
    # Hashed: external ids and features may be long or hold characters a cache key should not.
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def check_body(verdict: budget_calc.CheckVerdict, *, customer: str, feature: str, now: datetime) -> dict:
    body: dict[str, Any] = {"allowed": verdict.allowed}
    if not verdict.allowed:
        body["reason"] = budget_calc.REASON_EXCEEDED
        body["breaches"] = [status_json(s) for s in verdict.breaches]
    body["warnings"] = [status_json(s) for s in verdict.warnings]
    body["budgets"] = [status_json(s) for s in verdict.statuses]
    body["customer"] = customer
    body["feature"] = feature or None
    body["month"] = str(Month.containing(now.date()))
    body["checkedAt"] = now.isoformat().replace("+00:00", "Z")
    return body


def budget_json(budget: Budget) -> dict[str, Any]:
    return {
        "id": str(budget.pk),
        "scope": budget.scope,
        "customer": budget.customer_external_id or None,
        "feature": budget.feature or None,
        "monthlyLimitCents": micros_to_cents(budget.monthly_limit_micro),
        "action": budget.action,
        "thresholds": list(budget.thresholds),
        "createdAt": budget.created_at.isoformat().replace("+00:00", "Z"),
    }
