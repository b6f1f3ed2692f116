from __future__ import annotations

import gc

from django.apps import AppConfig

# The young generation is collected after this many new container objects instead of CPython's
# 700. A 10,000-row table or v1 list builds millions of short-lived tuples per request; with the
# default CPython ran its collector thousands of times per request, about a third of the
# request's CPU (docs/benchmarks.md). The older generations keep their default ratios.
YOUNG_GENERATION_THRESHOLD = 50_000


class MargintConfig(AppConfig):
    name = "margint"
    verbose_name = "Margint"

    def ready(self) -> None:
        # Everything loaded so far (modules, settings, URL patterns) lives as long as the process:
        # frozen, the collector stops walking it on every full collection.
        gc.freeze()
        _, middle, old = gc.get_threshold()
        gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
