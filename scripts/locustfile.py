"""Mixed load for `scripts/load_test.py` (which sets everything up and runs this headless).

Task weights: ingestion 70 %, budget checks 20 %, dashboard pages and v1 reads 10 %. Each user
is an integrator's backend: it posts batches of cost events for its customers, asks the budget
check before a call, and now and then someone looks at the dashboard or reads v1. Settings come
from the environment the driver sets: LOAD_API_KEY, LOAD_SESSION (a logged-in session cookie),
LOAD_BATCH (events per POST). Only 127.0.0.1 is contacted (the driver passes --host).
"""

from __future__ import annotations

import itertools
import json
import os
import random
from datetime import UTC, datetime, timedelta

from locust import HttpUser, between, task

API_KEY = os.environ.get("LOAD_API_KEY", "")
SESSION = os.environ.get("LOAD_SESSION", "")
BATCH = int(os.environ.get("LOAD_BATCH", "100"))
CUSTOMERS = [f"cus_{i:04d}" for i in range(500)]
MODELS = [
    ("openai", "gpt-4o-mini", "search"),
    ("anthropic", "claude-sonnet-4-5", "chat"),
    ("google", "gemini-2.5-flash", "summarize"),
]
_keys = itertools.count()


class Integrator(HttpUser):
    wait_time = between(0.0, 0.05)

    def on_start(self) -> None:
        self.api = {"Authorization": f"Bearer {API_KEY}"}
        self.page = {"Cookie": f"sessionid={SESSION}"}
        self.rnd = random.Random()
        self.prefix = f"{os.getpid()}-{id(self)}"

    @task(70)
    def ingest(self) -> None:
        now = datetime.now(UTC)
        events = []
        for _ in range(BATCH):
            provider, model, feature = self.rnd.choice(MODELS)
            events.append(
                {
                    "customer": self.rnd.choice(CUSTOMERS),
                    "feature": feature,
                    "provider": provider,
                    "model": model,
                    "inputTokens": self.rnd.randint(100, 8000),
                    "outputTokens": self.rnd.randint(10, 1000),
                    "costMicrodollars": self.rnd.randint(50, 30_000),
                    "occurredAt": (now - timedelta(seconds=self.rnd.uniform(0, 600))).isoformat(),
                    "idempotencyKey": f"load-{self.prefix}-{next(_keys)}",
                }
            )
        body = json.dumps({"events": events})
        headers = {**self.api, "Content-Type": "application/json"}
        self.client.post("/api/v1/events", data=body, headers=headers, name="POST /api/v1/events")

    @task(20)
    def budget_check(self) -> None:
        customer = self.rnd.choice(CUSTOMERS)
        self.client.get(
            f"/api/v1/budgets/check?customer={customer}&feature=chat",
            headers=self.api,
            name="GET /api/v1/budgets/check",
        )

    @task(4)
    def dashboard(self) -> None:
        path = self.rnd.choice(["/", "/margins/", "/customers/"])
        self.client.get(path, headers=self.page, name=f"GET {path} (page)")

    @task(3)
    def v1_customers(self) -> None:
        self.client.get("/api/v1/customers?range=30d", headers=self.api, name="GET /api/v1/customers")

    @task(3)
    def v1_overview(self) -> None:
        self.client.get("/api/v1/costs/overview", headers=self.api, name="GET /api/v1/costs/overview")
