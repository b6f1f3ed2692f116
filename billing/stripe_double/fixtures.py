"""Stripe's example objects (openapi `fixtures3.json`) used as templates.

Every object the double serves starts as a copy of one of these templates, so its shape is the
shape of Stripe's current API; builders change only ids, amounts, dates, references, statuses and
the fields whose example value describes a state the object is not in.
"""

from __future__ import annotations

import json
import marshal
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

FIXTURES_ENV = "STRIPE_FIXTURES_PATH"

# billing/stripe_double/fixtures.py -> repository root is three parents up; the shared
# fixtures live next to the repository, never inside it.
_REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FIXTURES_PATH = _REPO_ROOT.parent / "shared" / "stripe" / "fixtures3.json"

TEMPLATE_NAMES = (
    "customer",
    "deleted_customer",
    "subscription",
    "subscription_item",
    "price",
    "tax_rate",
    "invoice",
    "line_item",
    "credit_note",
    "credit_note_line_item",
    "event",
    "invoice_payment",
    "charge",
    "balance_transaction",
)


def fixtures_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The fixtures file: the explicit argument, else $STRIPE_FIXTURES_PATH, else the shared copy."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(FIXTURES_ENV)
    return Path(from_env) if from_env else DEFAULT_FIXTURES_PATH


class Templates:
    """Serialized templates; `make(name)` returns a fresh, independent copy."""

    def __init__(self, resources: dict[str, Any]) -> None:
        missing = [name for name in TEMPLATE_NAMES if name not in resources]
        if missing:
            raise ValueError(f"fixtures file lacks resources: {', '.join(missing)}")
        # marshal copies these plain JSON trees several times faster than deepcopy or a JSON
        # round trip, which matters for the 10,000-invoice benchmark dataset. The bytes are
        # produced here from parsed JSON, never read from outside.
        self._encoded = {name: marshal.dumps(resources[name]) for name in TEMPLATE_NAMES}

    def make(self, name: str) -> dict[str, Any]:
        return marshal.loads(self._encoded[name])  # noqa: S302 - our own bytes, see __init__


@lru_cache(maxsize=4)
def _load(path: str) -> Templates:
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"Stripe fixtures not found at {path}; pass fixtures_path= or set {FIXTURES_ENV}"
        ) from None
    return Templates(document["resources"])


def load_templates(path: str | os.PathLike[str] | None = None) -> Templates:
    return _load(str(fixtures_path(path).resolve()))
