"""Per-event validation of ingested cost events: lean, so 1,000 events cost about a millisecond.

An invalid event is rejected alone (its index, a code and a message); the others are stored.
Only the body's shape (`{"events": [...]}`, 1 to 1,000 items) fails a request as a whole.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from margins.costs.partitions import retention_cutoff
from margint import jsonbody

MAX_EVENTS = 1000

MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_FUTURE = timedelta(minutes=5)
MAX_AGE = timedelta(days=400)
MAX_TOKENS = 10**12
MAX_COST_MICRO = 10**13  # ten million dollars for one event: anything above is a unit mistake
MAX_TAGS = 10
MAX_TAG_VALUE = 256
MAX_IDEMPOTENCY_KEY = 255

# Lengths follow the columns of margins.models.
STRING_LIMITS = {"customer": 255, "feature": 128, "provider": 64, "model": 128, "customerName": 255}
TOKEN_FIELDS = ("inputTokens", "outputTokens", "cachedInputTokens")
ALLOWED_FIELDS = frozenset(
    {
        "customer",
        "feature",
        "provider",
        "model",
        *TOKEN_FIELDS,
        "costMicrodollars",
        "occurredAt",
        "idempotencyKey",
        "tags",
        "customerName",
        "customerEmail",
    }
)

_TAG_KEY = re.compile(r"[a-zA-Z0-9_-]{1,64}")
# C0 and C1 control characters and DEL: never part of an id, a name or a tag; nor lone
# surrogates (JSON's "\ud800" escapes), which no database or UTF-8 encoder can store. They are all
# non-printable, so a string that str.isprintable() passes (a fast scan in C) needs no search.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# One encoder for every event: json.dumps with options builds a new encoder per call.
_TAGS_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class BodyInvalid(ValueError):
    """The body as a whole is not `{"events": [...]}` with 1 to 1,000 events."""

    def __init__(self, message: str, *, too_large: bool = False, details: dict | None = None) -> None:
        super().__init__(message)
        self.too_large = too_large
        self.details = details or {}


class Rejection(NamedTuple):
    index: int
    code: str
    field: str | None
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "code": self.code, "field": self.field, "message": self.message}


class ValidEvent(NamedTuple):
    index: int
    customer: str
    feature: str
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    cost_micro: int | None  # None: to be priced from the tokens
    occurred_at: datetime  # aware, UTC
    at_micros: int  # occurred_at in microseconds since the epoch: cheap to compare and to send
    day: date  # the UTC day of occurred_at, the rollup bucket
    idempotency_key: str | None
    tags_json: str
    customer_name: str | None
    customer_email: str | None


class _Invalid(Exception):
    def __init__(self, code: str, field: str | None, message: str) -> None:
        self.code, self.field, self.message = code, field, message


def events_from_body(body: bytes) -> list[Any]:
    """The `events` list of a request body, or BodyInvalid (400, or 413 when too large)."""
    if len(body) > MAX_BODY_BYTES:
        raise BodyInvalid(
            "The request body is larger than 2 MB.", too_large=True, details={"maxBytes": MAX_BODY_BYTES}
        )
    try:
        payload = jsonbody.loads(body)
    except jsonbody.BodyNotJson as exc:
        raise BodyInvalid(str(exc))
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise BodyInvalid('The body must be an object {"events": [...]}.')
    return events_list_checked(payload["events"])


def events_list_checked(events: list[Any]) -> list[Any]:
    if not events:
        raise BodyInvalid("events must hold at least one event.")
    if len(events) > MAX_EVENTS:
        raise BodyInvalid(
            f"events holds {len(events)} events; at most {MAX_EVENTS} are accepted per request.",
            too_large=True,
            details={"maxEvents": MAX_EVENTS, "received": len(events)},
        )
    return events


def validate_events(events: list[Any], *, now: datetime) -> tuple[list[ValidEvent], list[Rejection]]:
    """Split events into valid ones (normalised) and rejections, each with its index in the request."""
    valid: list[ValidEvent] = []
    rejected: list[Rejection] = []
    oldest, newest = now - MAX_AGE, now + MAX_FUTURE
    cutoff = retention_cutoff(now)  # an expired event's month is gone, and its key with it
    oldest = max(oldest, cutoff) if cutoff else oldest
    tags_seen: dict[tuple, str] = {}  # a batch repeats a few tag sets: each is checked and encoded once
    for index, raw in enumerate(events):
        try:
            valid.append(_event(index, raw, now, oldest, newest, tags_seen))
        except _Invalid as exc:
            rejected.append(Rejection(index, exc.code, exc.field, exc.message))
    return valid, rejected


def _event(
    index: int, raw: Any, now: datetime, oldest: datetime, newest: datetime, tags_seen: dict
) -> ValidEvent:
    if type(raw) is not dict:
        raise _Invalid("invalid_type", None, "Each event must be a JSON object.")
    if not raw.keys() <= ALLOWED_FIELDS:
        name = sorted(raw.keys() - ALLOWED_FIELDS)[0]
        # Named as sent, but printable: a lone surrogate in a name cannot be encoded in the answer.
        raise _Invalid("unknown_field", ascii(name)[1:-1], f"Unknown field {name!r}.")
    usual = _usual_fields(raw)
    if usual is None:  # something unusual: the field-by-field checks name what is wrong, if anything
        usual = _checked_fields(raw, now, oldest, newest)
    occurred_at = _occurred_at(raw.get("occurredAt"), now, oldest, newest)
    return ValidEvent(
        index,
        *usual,
        _cost(raw.get("costMicrodollars")),
        occurred_at,
        (occurred_at - _EPOCH) // _MICROSECOND,
        occurred_at.date(),
        _idempotency_key(raw.get("idempotencyKey")),
        _tags(raw.get("tags"), tags_seen),
        _string(raw, "customerName") or None,
        _email(raw.get("customerEmail")),
    )


def _usual_fields(raw: dict) -> tuple | None:
    """customer, feature, provider, model and the token counts of an event as most are sent, in a
    few comparisons and one control-character search; None for anything else (including every
    invalid value), which _checked_fields then checks one field at a time."""
    customer = raw.get("customer")
    feature = raw.get("feature", "")
    provider = raw.get("provider", "")
    model = raw.get("model", "")
    key = raw.get("idempotencyKey", "")
    input_tokens = raw.get("inputTokens", 0)
    output_tokens = raw.get("outputTokens", 0)
    cached = raw.get("cachedInputTokens", 0)
    if (
        type(customer) is str
        and type(feature) is str
        and type(provider) is str
        and type(model) is str
        and type(key) is str
        and 0 < len(customer) <= 255
        and len(feature) <= 128
        and len(provider) <= 64
        and len(model) <= 128
        and type(input_tokens) is int
        and type(output_tokens) is int
        and type(cached) is int
        and 0 <= cached <= input_tokens <= MAX_TOKENS
        and 0 <= output_tokens <= MAX_TOKENS
        and not customer.isspace()
        and not _has_control(customer + feature + provider + model + key)
    ):
        return customer, feature, provider, model, input_tokens, output_tokens, cached
    return None


def _checked_fields(raw: dict, now: datetime, oldest: datetime, newest: datetime) -> tuple:
    if raw.get("customer") is None:
        raise _Invalid("required", "customer", "customer is required: your id of the customer.")
    customer = _string(raw, "customer", required=True)
    input_tokens = _tokens(raw, "inputTokens")
    cached = _tokens(raw, "cachedInputTokens")
    if cached > input_tokens:
        raise _Invalid(
            "out_of_range", "cachedInputTokens", "cachedInputTokens are part of inputTokens: not more."
        )
    # The checks keep their order: a bad time is named before a bad feature.
    _occurred_at(raw.get("occurredAt"), now, oldest, newest)
    return (
        customer,
        _string(raw, "feature"),
        _string(raw, "provider"),
        _string(raw, "model"),
        input_tokens,
        _tokens(raw, "outputTokens"),
        cached,
    )


def _string(raw: dict, name: str, *, required: bool = False) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if type(value) is not str:
        raise _Invalid("invalid_type", name, f"{name} must be a string.")
    if len(value) > STRING_LIMITS[name]:
        raise _Invalid("too_long", name, f"{name} is longer than {STRING_LIMITS[name]} characters.")
    if _has_control(value):
        raise _Invalid("invalid_format", name, f"{name} must not contain control characters.")
    if required and not value.strip():
        raise _Invalid("required", name, f"{name} must not be empty.")
    return value


def _has_control(value: str) -> bool:
    return not value.isprintable() and _CONTROL.search(value) is not None


def _tokens(raw: dict, name: str) -> int:
    value = raw.get(name)
    if value is None:
        return 0
    if type(value) is not int:  # bool is a subclass of int; 1.0 is not a count
        raise _Invalid("invalid_type", name, f"{name} must be an integer.")
    if not 0 <= value <= MAX_TOKENS:
        raise _Invalid("out_of_range", name, f"{name} must be between 0 and {MAX_TOKENS}.")
    return value


def _cost(value: Any) -> int | None:
    if value is None:
        return None
    if type(value) is not int:
        raise _Invalid("invalid_type", "costMicrodollars", "costMicrodollars must be an integer.")
    if not 0 <= value <= MAX_COST_MICRO:
        raise _Invalid(
            "out_of_range", "costMicrodollars", f"costMicrodollars must be between 0 and {MAX_COST_MICRO}."
        )
    return value


def _occurred_at(value: Any, now: datetime, oldest: datetime, newest: datetime) -> datetime:
    if value is None:
        return now
    if type(value) is not str:
        raise _Invalid("invalid_type", "occurredAt", "occurredAt must be an ISO 8601 string.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _Invalid("invalid_format", "occurredAt", "occurredAt must be ISO 8601: 2026-05-01T12:00:00Z.")
    if parsed.tzinfo is None:
        raise _Invalid("invalid_format", "occurredAt", "occurredAt needs a UTC offset (Z or +hh:mm).")
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:30+01:00 is before the calendar's first UTC moment
        raise _Invalid("out_of_range", "occurredAt", "occurredAt is outside the calendar in UTC.")
    if parsed > newest:
        raise _Invalid("in_future", "occurredAt", "occurredAt is more than 5 minutes in the future.")
    if parsed < oldest:
        raise _Invalid("too_old", "occurredAt", _too_old_message(now, oldest))
    return parsed


def _too_old_message(now: datetime, oldest: datetime) -> str:
    if oldest == now - MAX_AGE:
        return "occurredAt is more than 400 days in the past."
    return f"occurredAt is before {oldest:%Y-%m-%d}, past the retention of raw events."


def _idempotency_key(value: Any) -> str | None:
    if value is None:
        return None
    if type(value) is not str:
        raise _Invalid("invalid_type", "idempotencyKey", "idempotencyKey must be a string.")
    if not value or len(value) > MAX_IDEMPOTENCY_KEY:
        raise _Invalid("out_of_range", "idempotencyKey", "idempotencyKey must be 1 to 255 characters.")
    if _has_control(value):
        raise _Invalid("invalid_format", "idempotencyKey", "idempotencyKey has control characters.")
    return value


def _tags(value: Any, seen: dict[tuple, str]) -> str:
    if value is None or value == {}:
        return "{}"
    if type(value) is not dict:
        raise _Invalid("invalid_type", "tags", "tags must be an object of string values.")
    try:
        return seen[tuple(value.items())]
    except (KeyError, TypeError):  # not seen yet, or a value that is not even hashable
        pass
    if len(value) > MAX_TAGS:
        raise _Invalid("too_many_tags", "tags", f"At most {MAX_TAGS} tags are accepted.")
    for key, tag in value.items():
        if not _TAG_KEY.fullmatch(key):
            raise _Invalid("invalid_format", "tags", f"Tag key {key[:70]!r} is not [a-zA-Z0-9_-]{{1,64}}.")
        if type(tag) is not str:
            raise _Invalid("invalid_type", "tags", f"Tag {key!r} must have a string value.")
        if len(tag) > MAX_TAG_VALUE or _has_control(tag):
            raise _Invalid(
                "invalid_format",
                "tags",
                f"Tag {key!r}: {MAX_TAG_VALUE} characters at most, no control characters.",
            )
    encoded = seen[tuple(value.items())] = _TAGS_JSON.encode(value)
    return encoded


def _email(value: Any) -> str | None:
    if value is None:
        return None
    if type(value) is not str:
        raise _Invalid("invalid_type", "customerEmail", "customerEmail must be a string.")
    if len(value) > 320 or not _EMAIL.fullmatch(value) or _has_control(value):
        raise _Invalid("invalid_format", "customerEmail", "customerEmail is not an email address.")
    return value
