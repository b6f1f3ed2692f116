"""`manage.py import_fx_rates FILE`: load the ECB reference rates (eurofxref-hist.csv layout)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from margint.fx.rates import RateFileError, parse_ecb_csv
from margint.fx.services import rates_import


class Command(BaseCommand):
    help = "Import exchange rates from a file in the ECB eurofxref-hist.csv layout (units per euro)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="path of the CSV file (Date column, then one column per currency)")

    def handle(self, *args, **opts) -> None:
        path = Path(opts["file"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {path}: {error}") from None
        try:
            rates = parse_ecb_csv(text)
        except RateFileError as error:
            raise CommandError(f"{path}: {error}") from None
        result = rates_import(rates=rates)
        summary = {
            "rates": result.rates,
            "days": result.days,
            "currencies": [code.upper() for code in result.currencies],
            "firstDay": result.first_day.isoformat() if result.first_day else None,
            "lastDay": result.last_day.isoformat() if result.last_day else None,
        }
        self.stdout.write(json.dumps(summary))
