"""The in-memory store behind the double: collections of Stripe objects, ids, data files."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any, Self

from .fixtures import Templates, load_templates

COLLECTIONS = (
    "customers",
    "prices",
    "tax_rates",
    "subscriptions",
    "invoices",
    "credit_notes",
    "events",
)
DATA_FORMAT = "margint-stripe-double/1"

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Stripe's short ids (cus_, si_) carry 14 characters, the others 24.
_SHORT_ID_PREFIXES = frozenset({"cus", "si", "prod", "cnli"})


class DatasetStore:
    """Objects by collection and id, in insertion order, guarded by one re-entrant lock.

    Objects are kept in their full Stripe shape (invoices with every line); the HTTP app decides
    what a response shows (embedded line pages, the stub of a deleted customer).
    """

    def __init__(
        self,
        *,
        fixtures_path: str | os.PathLike[str] | None = None,
        id_namespace: str = "margint",
    ) -> None:
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in COLLECTIONS}
        self.deleted_customers: set[str] = set()
        # Not served over HTTP: the tag each customer's cost events carry in Margint, so seeding
        # code and tests know which Stripe customer an event stream belongs to.
        self.external_tags: dict[str, str] = {}
        self._fixtures_path = fixtures_path
        self._templates: Templates | None = None
        self._id_namespace = id_namespace
        self._id_counter = 0
        self._newest_first: dict[str, list[dict[str, Any]]] = {}

    # ids and templates -------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """A deterministic Stripe-looking id: same namespace and call order, same ids."""
        with self.lock:
            self._id_counter += 1
            counter = self._id_counter
        digest = hashlib.sha256(f"{self._id_namespace}:{prefix}:{counter}".encode()).digest()
        length = 14 if prefix in _SHORT_ID_PREFIXES else 24
        return prefix + "_" + "".join(_BASE62[byte % 62] for byte in digest[:length])

    def template(self, name: str) -> dict[str, Any]:
        if self._templates is None:
            self._templates = load_templates(self._fixtures_path)
        return self._templates.make(name)

    # reading -----------------------------------------------------------------------------

    def put(self, collection: str, obj: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.objects[collection][obj["id"]] = obj
            self._newest_first.pop(collection, None)
        return obj

    def get(self, collection: str, object_id: str) -> dict[str, Any]:
        """The stored object; KeyError names the collection and id when it is missing."""
        try:
            return self.objects[collection][object_id]
        except KeyError:
            raise KeyError(f"{collection}: no {object_id!r}") from None

    def find(self, collection: str, object_id: str) -> dict[str, Any] | None:
        return self.objects[collection].get(object_id)

    def newest_first(self, collection: str) -> list[dict[str, Any]]:
        """Objects by `created` descending, later insertions first on ties, like Stripe lists."""
        with self.lock:
            cached = self._newest_first.get(collection)
            if cached is None:
                stored = list(self.objects[collection].values())
                order = sorted(range(len(stored)), key=lambda i: (stored[i]["created"], i))
                cached = [stored[i] for i in reversed(order)]
                self._newest_first[collection] = cached
            return cached

    def count(self, collection: str) -> int:
        return len(self.objects[collection])

    # data files ---------------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        with self.lock:
            return {
                "format": DATA_FORMAT,
                "id_namespace": self._id_namespace,
                "id_counter": self._id_counter,
                "objects": {name: list(items.values()) for name, items in self.objects.items()},
                "deleted_customers": sorted(self.deleted_customers),
                "external_tags": dict(self.external_tags),
            }

    def load_data(self, data: dict[str, Any]) -> None:
        if data.get("format") != DATA_FORMAT:
            raise ValueError(f"not a {DATA_FORMAT} data file")
        with self.lock:
            self._id_namespace = data["id_namespace"]
            self._id_counter = data["id_counter"]
            for name in COLLECTIONS:
                self.objects[name] = {obj["id"]: obj for obj in data["objects"].get(name, [])}
            self.deleted_customers = set(data.get("deleted_customers", []))
            self.external_tags = dict(data.get("external_tags", {}))
            self._newest_first.clear()

    @classmethod
    def from_data(cls, data: dict[str, Any], *, fixtures_path: str | os.PathLike[str] | None = None) -> Self:
        dataset = cls(fixtures_path=fixtures_path)
        dataset.load_data(data)
        return dataset

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], *, fixtures_path: str | os.PathLike[str] | None = None
    ) -> Self:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls.from_data(data, fixtures_path=fixtures_path)

    def save(self, path: str | os.PathLike[str]) -> Path:
        target = Path(path)
        target.write_text(json.dumps(self.to_data(), separators=(",", ":")), encoding="utf-8")
        return target
