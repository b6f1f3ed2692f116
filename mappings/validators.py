"""The one rule for identifiers on both sides of a mapping (Stripe ids, tag keys, tag values)."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

# "Under 255 characters" in the mapping contract: 254 at most.
MAX_IDENTIFIER_LENGTH = 254


def identifier_problem(value: object) -> str | None:
    """Why `value` is not an acceptable identifier, or None when it is."""
    if not isinstance(value, str):
        return "Must be a string."
    if not value.strip():
        return "Must not be blank."
    if len(value) > MAX_IDENTIFIER_LENGTH:
        return f"Must be under 255 characters (got {len(value)})."
    # Category Cc: C0 and C1 controls and DEL; they break CSV exports, logs and headers.
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        return "Must not contain control characters."
    return None


def validate_identifier(value: object) -> None:
    problem = identifier_problem(value)
    if problem is not None:
        raise ValidationError(problem, code="invalid_identifier")
