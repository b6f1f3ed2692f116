"""The optional daily fetch of the ECB file (Celery beat runs it only when FX_RATES_URL is set)."""

from __future__ import annotations

import io
import zipfile

import requests
from celery import shared_task
from django.conf import settings

from margint.fx.rates import parse_ecb_csv
from margint.fx.services import rates_import


def _csv_text(body: bytes) -> str:
    # The ECB serves eurofxref.zip / eurofxref-hist.zip (one CSV inside) or the CSV itself.
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            name = next(n for n in archive.namelist() if n.lower().endswith(".csv"))
            body = archive.read(name)
    return body.decode("utf-8")


@shared_task(autoretry_for=(requests.RequestException,), retry_backoff=True, max_retries=5)
def fx_rates_fetch() -> int:
    """Download FX_RATES_URL and import it; the number of rates stored (0 when no URL is set)."""
    url = settings.FX_RATES_URL
    if not url:
        return 0
    response = requests.get(url, timeout=settings.FX_RATES_TIMEOUT_SECONDS)
    response.raise_for_status()
    return rates_import(rates=parse_ecb_csv(_csv_text(response.content))).rates
