from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from margint.demo import DEMO_PASSWORD, DEMO_USERS
from publicapi.demo import load_demo


class Command(BaseCommand):
    help = "Load (or reload) the demo organization with realistic data, through Margint's services."

    def handle(self, *args, **opts) -> None:
        ctx = load_demo(today=timezone.now().date(), log=self.stdout.write)
        self.stdout.write(f"Demo organization {ctx.org.name} ({ctx.org.public_id}) is ready.")
        for role, email in DEMO_USERS.items():
            self.stdout.write(f"  {role:<6} {email} / {DEMO_PASSWORD}")
        for note in ctx.notes:
            self.stdout.write(f"  {note}")
