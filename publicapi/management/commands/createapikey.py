from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from margint.models import Organization
from publicapi.keys import api_key_create


class Command(BaseCommand):
    help = "Create a workspace API key; prints the key alone on its line (it is shown only once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--org", required=True, help="organization public id, org_...")
        parser.add_argument("--name", required=True)
        parser.add_argument("--scope", choices=["read", "write", "read-write"], default="read-write")

    def handle(self, *args, **opts) -> None:
        org = Organization.objects.filter(public_id=opts["org"]).first()
        if org is None:
            raise CommandError(f"No organization with id {opts['org']!r}.")
        scopes = ("read", "write") if opts["scope"] == "read-write" else (opts["scope"],)
        try:
            minted = api_key_create(org=org, name=opts["name"], scopes=scopes)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(minted.secret)
