"""Stripe list semantics: cursors, limits, `created` ranges.

Cursors are positions in the whole ordered collection, not in the filtered result, so a
`starting_after` object that a filter would exclude still works, as it does on Stripe.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .errors import StripeErrorResponse, error_body, invalid_param, resource_missing

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
_CREATED_OPERATORS: dict[str, Callable[[int, int], bool]] = {
    "gt": lambda value, bound: value > bound,
    "gte": lambda value, bound: value >= bound,
    "lt": lambda value, bound: value < bound,
    "lte": lambda value, bound: value <= bound,
}

Predicate = Callable[[dict[str, Any]], bool]


def list_page(
    ordered: Sequence[dict[str, Any]],
    params: Mapping[str, str],
    *,
    url: str,
    noun: str,
    keep: Predicate | None = None,
) -> dict[str, Any]:
    """One page of `ordered` (already in Stripe's order) as a Stripe list object."""
    limit = _limit(params)
    after, before = params.get("starting_after"), params.get("ending_before")
    if after and before:
        raise StripeErrorResponse(
            400,
            error_body(
                "invalid_request_error",
                "You may only specify one of these parameters: ending_before, starting_after.",
            ),
        )
    accept = keep or (lambda _obj: True)
    if before:
        end = _position(ordered, before, noun, "ending_before")
        found = _collect(ordered[end - 1 :: -1] if end else [], accept, limit + 1)
        page = list(reversed(found[:limit]))
    else:
        start = _position(ordered, after, noun, "starting_after") + 1 if after else 0
        found = _collect(ordered[start:], accept, limit + 1)
        page = found[:limit]
    return {"object": "list", "data": page, "has_more": len(found) > limit, "url": url}


def created_filter(params: Mapping[str, str]) -> Predicate | None:
    """`created=<ts>` or any of `created[gt|gte|lt|lte]=<ts>`; None when absent."""
    checks: list[Callable[[int], bool]] = []
    if "created" in params:
        exact = _integer(params, "created")
        checks.append(lambda value: value == exact)
    for operator, compare in _CREATED_OPERATORS.items():
        key = f"created[{operator}]"
        if key in params:
            bound = _integer(params, key)
            checks.append(lambda value, bound=bound, compare=compare: compare(value, bound))
    if not checks:
        return None
    return lambda obj: all(check(obj["created"]) for check in checks)


def all_of(*predicates: Predicate | None) -> Predicate | None:
    active = [predicate for predicate in predicates if predicate is not None]
    if not active:
        return None
    return lambda obj: all(predicate(obj) for predicate in active)


def _collect(candidates: Sequence[dict[str, Any]], accept: Predicate, wanted: int) -> list[dict[str, Any]]:
    found = []
    for obj in candidates:
        if accept(obj):
            found.append(obj)
            if len(found) == wanted:
                break
    return found


def _position(ordered: Sequence[dict[str, Any]], object_id: str, noun: str, param: str) -> int:
    for index, obj in enumerate(ordered):
        if obj["id"] == object_id:
            return index
    raise resource_missing(noun, object_id, param=param, status=400)


def _limit(params: Mapping[str, str]) -> int:
    if "limit" not in params:
        return DEFAULT_LIMIT
    limit = _integer(params, "limit")
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid_param("limit", f"Invalid limit: must be between 1 and {MAX_LIMIT}.")
    return limit


def _integer(params: Mapping[str, str], key: str) -> int:
    try:
        return int(params[key])
    except ValueError:
        raise invalid_param(key, f"Invalid integer: {params[key]}") from None
