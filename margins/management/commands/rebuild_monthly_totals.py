from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from margins.services import monthly_totals_rebuild
from margint.models import Organization


class Command(BaseCommand):
    help = "Recompute the monthly totals and running sums from the daily rows (repair; triggers keep them)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--org", help="public id (org_...) of one organization; default: all")

    def handle(self, *args, org: str | None = None, **options) -> None:
        target = None
        if org is not None:
            target = Organization.objects.filter(public_id=org).first()
            if target is None:
                raise CommandError(f"No organization {org}.")
        monthly_totals_rebuild(org=target)
        self.stdout.write(f"Monthly totals rebuilt for {org or 'every organization'}.")
