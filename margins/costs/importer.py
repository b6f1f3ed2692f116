"""Import of historical cost events from JSON Lines or CSV, streamed in batches through events_ingest.

Each line (a CSV row) is one event with the API's fields. An event without an idempotencyKey gets
one derived from its line number and content, so importing the same file twice stores nothing
the second time, while two identical lines are still two events.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from margins.costs.services import events_ingest
from margins.costs.validation import MAX_EVENTS, TOKEN_FIELDS
from margint.models import Organization

INTEGER_FIELDS = (*TOKEN_FIELDS, "costMicrodollars")
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line of the file where the event starts
    raw: str
    event: Any  # the parsed event, or None when the line is not valid JSON / CSV
    error: str | None = None


@dataclass
class ImportSummary:
    lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    unpriced: int = 0
    rejected: list[dict] = field(default_factory=list)  # {"line", "code", "field", "message", "raw"}


def import_key(line: Line) -> str:
    digest = hashlib.sha256(f"{line.number}:{line.raw}".encode()).hexdigest()
    return f"import:{digest[:48]}"


def read_jsonl(stream: TextIO) -> Iterator[Line]:
    for number, raw in enumerate(stream, start=1):
        raw = raw.rstrip("\r\n")
        if not raw.strip():
            continue
        try:
            yield Line(number, raw, json.loads(raw))
        except ValueError as exc:
            yield Line(number, raw, None, f"Not valid JSON: {exc}.")


def read_csv(stream: TextIO) -> Iterator[Line]:
    reader = csv.DictReader(stream)
    for row in reader:
        number = reader.line_num  # where the row ends: its own line unless a quoted cell spans lines
        raw = json.dumps(row, ensure_ascii=False)
        if None in row:  # more cells than header columns
            yield Line(number, raw, None, "The row has more cells than the header has columns.")
            continue
        try:
            yield Line(number, raw, _csv_event(row))
        except ValueError as exc:
            yield Line(number, raw, None, str(exc))


def _csv_event(row: dict[str, str | None]) -> dict[str, Any]:
    """CSV cells are text: empty cells are absent, integers are converted, tags are a JSON object."""
    event: dict[str, Any] = {}
    for name, value in row.items():
        if value is None or value == "":
            continue
        if name in INTEGER_FIELDS and _INTEGER.fullmatch(value.strip()):
            event[name] = int(value)
        elif name == "tags":
            try:
                event[name] = json.loads(value)
            except ValueError:
                raise ValueError('tags must be a JSON object, e.g. {"team": "search"}.')
        else:
            event[name] = value
    return event


def reader_for(path: Path, file_format: str | None) -> Callable[[TextIO], Iterator[Line]]:
    chosen = file_format or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
    return read_csv if chosen == "csv" else read_jsonl


def import_events(
    *,
    org: Organization,
    lines: Iterator[Line],
    batch_size: int = MAX_EVENTS,
    progress: Callable[[int], None] = lambda n: None,
) -> ImportSummary:
    """Send the lines through events_ingest in batches; collect counts and rejected lines."""
    summary = ImportSummary()
    batch: list[Line] = []
    for line in lines:
        summary.lines += 1
        if line.event is None:
            summary.rejected.append(_rejection(line, "invalid_line", None, line.error or "Unreadable line."))
            progress(1)
            continue
        batch.append(line)
        if len(batch) >= batch_size:
            _flush(org, batch, summary, progress)
            batch = []
    if batch:
        _flush(org, batch, summary, progress)
    summary.rejected.sort(key=lambda r: r["line"])  # unreadable lines are known before their batch is sent
    return summary


def _flush(org: Organization, batch: list[Line], summary: ImportSummary, progress) -> None:
    events = []
    for line in batch:
        event = line.event
        if isinstance(event, dict) and event.get("idempotencyKey") is None:
            event = {**event, "idempotencyKey": import_key(line)}
        events.append(event)
    result = events_ingest(org=org, events=events)
    summary.accepted += result.accepted
    summary.duplicates += result.duplicates
    summary.unpriced += result.unpriced
    for r in result.rejected:
        summary.rejected.append(_rejection(batch[r.index], r.code, r.field, r.message))
    progress(len(batch))


def _rejection(line: Line, code: str, field_name: str | None, message: str) -> dict:
    return {"line": line.number, "code": code, "field": field_name, "message": message, "raw": line.raw}


def count_lines(path: Path) -> int:
    """Lines in the file, read in 1 MiB blocks: the progress bar's total, cheap next to importing."""
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
    return count
