from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from margins.costs.rollups import rollups_rebuild
from margint.models import Organization


class Command(BaseCommand):
    help = "Recompute daily rollups and per-customer day totals from the raw cost events."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--org", help="organization public id, org_... (default: every organization)")
        parser.add_argument("--since", type=date.fromisoformat, help="first UTC day to rebuild, YYYY-MM-DD")

    def handle(self, *args, **opts) -> None:
        orgs = Organization.objects.order_by("public_id")
        if opts["org"]:
            orgs = orgs.filter(public_id=opts["org"])
            if not orgs:
                raise CommandError(f"No organization with id {opts['org']!r}.")
        for org in orgs:
            result = rollups_rebuild(org=org, since=opts["since"])
            self.stdout.write(f"{result.org}: {result.rollups} rollups, {result.daily_totals} daily totals")
