from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from margint.models import Tier
from margint.services import organization_create


class Command(BaseCommand):
    help = "Create an organization and its first admin; prints the organization as JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--tier", default=Tier.FREE, choices=Tier.values)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-password", required=True)
        parser.add_argument("--currency", default="usd")

    def handle(self, *args, **opts) -> None:
        if "@" not in opts["admin_email"]:
            raise CommandError(f"Not an email address: {opts['admin_email']!r}")
        try:
            org = organization_create(
                name=opts["name"],
                tier=opts["tier"],
                admin_email=opts["admin_email"],
                admin_password=opts["admin_password"],
                reporting_currency=opts["currency"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(json.dumps({"orgId": org.public_id, "name": org.name, "tier": org.tier}))
