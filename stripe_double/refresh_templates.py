"""Refresh the vendored Stripe templates from a full copy of Stripe's `fixtures3.json`.

    python -m stripe_double.refresh_templates path/to/fixtures3.json

The source is https://github.com/stripe/openapi (`openapi/fixtures3.json`, MIT). Only the
resources the double reads (`fixtures.TEMPLATE_NAMES`) are kept, written compactly and sorted so
that a refresh shows in git as the change Stripe made.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from .fixtures import TEMPLATE_NAMES, VENDORED_PATH


def vendored_subset(full: dict[str, Any]) -> dict[str, Any]:
    """The part of a full fixtures3.json document the double reads: its templates, nothing else."""
    resources = full["resources"]
    missing = [name for name in TEMPLATE_NAMES if name not in resources]
    if missing:
        raise ValueError(f"fixtures file lacks resources: {', '.join(missing)}")
    return {"resources": {name: resources[name] for name in TEMPLATE_NAMES}}


def encode(subset: dict[str, Any]) -> str:
    return json.dumps(subset, sort_keys=True, separators=(",", ":")) + "\n"


def write_vendored(source: str | os.PathLike[str], target: Path = VENDORED_PATH) -> Path:
    with open(source, encoding="utf-8") as handle:
        target.write_text(encode(vendored_subset(json.load(handle))), encoding="utf-8")
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m stripe_double.refresh_templates path/to/fixtures3.json")
    print(f"wrote {write_vendored(sys.argv[1])}")
