from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from margins.costs.rollups import rollups_check
from margint.models import Organization

SHOWN = 20


class Command(BaseCommand):
    help = "Prove that daily rollups and per-customer day totals equal the sums of the raw events."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--org", help="organization public id, org_... (default: every organization)")

    def handle(self, *args, **opts) -> None:
        org = None
        if opts["org"]:
            org = Organization.objects.filter(public_id=opts["org"]).first()
            if org is None:
                raise CommandError(f"No organization with id {opts['org']!r}.")
        result = rollups_check(org=org)
        for mismatch in result.mismatches[:SHOWN]:
            self.stderr.write(str(mismatch))
        if result.mismatches:
            raise CommandError(f"{len(result.mismatches)} rollup rows differ from the raw events.")
        self.stdout.write(
            f"Rollups match the raw events: {result.orgs} organizations, {result.rollups} daily rollups, "
            f"{result.daily_totals} daily totals."
        )
