"""Stripe's example objects (openapi `fixtures3.json`) used as templates.

Every object the double serves starts as a copy of one of these templates, so its shape is the
shape of Stripe's current API; builders change only ids, amounts, dates, references, statuses and
the fields whose example value describes a state the object is not in.

The templates the double reads are vendored in `vendor/stripe_templates.json` (MIT, see
`vendor/LICENSE`); `python -m stripe_double.refresh_templates path/to/fixtures3.json` refreshes
them from a full copy of Stripe's file (https://github.com/stripe/openapi, `openapi/fixtures3.json`).
"""

from __future__ import annotations

import json
import marshal
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

VENDORED_PATH = Path(__file__).resolve().parent / "vendor" / "stripe_templates.json"

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
)


def fixtures_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The fixtures file: the explicit argument (a full fixtures3.json works too), else the vendored one."""
    return Path(explicit) if explicit else VENDORED_PATH


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
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    return Templates(document["resources"])


def load_templates(path: str | os.PathLike[str] | None = None) -> Templates:
    return _load(str(fixtures_path(path).resolve()))
