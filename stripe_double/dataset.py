"""`StripeDataset`: the store plus its builders."""

from __future__ import annotations

from .catalog import CatalogBuilders
from .credit_notes import CreditNoteBuilders
from .documents import DocumentBuilders
from .store import DatasetStore


class StripeDataset(CatalogBuilders, DocumentBuilders, CreditNoteBuilders, DatasetStore):
    """In-memory Stripe account: build objects with the `add_*` helpers, serve it with
    `serve()`, or write it to a data file with `save()` and read it back with `load()`.

    Objects start as copies of Stripe's fixtures (see `fixtures.py`); builders take moments as
    epoch seconds, aware datetimes or dates and never read the clock.
    """
