from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from margins.costs.importer import count_lines, import_events, reader_for
from margins.costs.validation import MAX_EVENTS
from margint.models import Organization


class Command(BaseCommand):
    help = (
        "Import cost events from a JSON Lines or CSV file (the fields of POST /api/v1/events), in batches "
        "through the ingestion service. Running it twice stores nothing new the second time."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--org", required=True, help="organization public id, org_...")
        parser.add_argument("--format", choices=["jsonl", "csv"], help="default: from the file's extension")
        parser.add_argument("--batch-size", type=int, default=MAX_EVENTS)
        parser.add_argument(
            "--rejected", type=Path, help="where rejected lines go (default FILE.rejected.jsonl)"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **opts) -> None:
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        if not 1 <= opts["batch_size"] <= MAX_EVENTS:
            raise CommandError(f"--batch-size must be 1 to {MAX_EVENTS}.")
        org = Organization.objects.filter(public_id=opts["org"]).first()
        if org is None:
            raise CommandError(f"No organization with id {opts['org']!r}.")
        read = reader_for(path, opts["format"])
        started = time.monotonic()
        with (
            path.open(encoding="utf-8", newline="") as stream,
            tqdm(
                total=count_lines(path),
                unit=" events",
                unit_scale=True,
                disable=opts["no_progress"],
                smoothing=0.1,
            ) as bar,
        ):
            summary = import_events(
                org=org, lines=read(stream), batch_size=opts["batch_size"], progress=bar.update
            )
        elapsed = max(time.monotonic() - started, 1e-9)
        self.stdout.write(
            f"{summary.lines} events read in {elapsed:.1f} s ({summary.lines / elapsed:,.0f}/s): "
            f"{summary.accepted} accepted ({summary.unpriced} unpriced), {summary.duplicates} duplicates, "
            f"{len(summary.rejected)} rejected."
        )
        if summary.rejected:
            rejected_path = opts["rejected"] or path.with_name(path.name + ".rejected.jsonl")
            with rejected_path.open("w", encoding="utf-8") as out:
                for rejection in summary.rejected:
                    out.write(json.dumps(rejection, ensure_ascii=False) + "\n")
            lines = ", ".join(str(r["line"]) for r in summary.rejected[:10])
            more = " ..." if len(summary.rejected) > 10 else ""
            self.stdout.write(f"Rejected lines {lines}{more} written to {rejected_path}.")
