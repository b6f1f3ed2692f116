from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from margins.costs.importer import count_lines, import_events, read_csv
from margins.costs.tests.ingestion_helpers import event, totals
from margins.models import CostEvent


def iso(hours_ago):
    return (timezone.now() - timedelta(hours=hours_ago)).isoformat()


def run(path, org, *args) -> str:
    out = StringIO()
    call_command("import_events", str(path), "--org", org.public_id, "--no-progress", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def jsonl(tmp_path):
    lines = [
        json.dumps(event(customer=f"c{i % 3}", costMicrodollars=100 + i, occurredAt=iso(i)))
        for i in range(2500)
    ]
    lines[9] = "{not json"
    lines[1200] = json.dumps(event(customer=""))
    lines[2400] = json.dumps(event(inputTokens=-3))
    lines.insert(500, "")  # blank lines are skipped; numbering stays the file's
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_jsonl_import_stores_valid_lines_and_writes_rejected_ones_with_line_numbers(org, jsonl):
    out = run(jsonl, org, "--batch-size", "1000")
    assert out.startswith("2500 events read in ")
    assert "2497 accepted (0 unpriced), 0 duplicates, 3 rejected." in out
    rejected_path = jsonl.with_name("history.jsonl.rejected.jsonl")
    assert f"Rejected lines 10, 1202, 2402 written to {rejected_path}." in out
    rejected = [json.loads(line) for line in rejected_path.read_text().splitlines()]
    assert [(r["line"], r["code"], r["field"]) for r in rejected] == [
        (10, "invalid_line", None),
        (1202, "required", "customer"),
        (2402, "out_of_range", "inputTokens"),
    ]
    assert rejected[0]["raw"] == "{not json"
    expected = sum(100 + i for i in range(2500) if i not in (9, 1200, 2400))
    assert totals(org)["cost"] == expected == totals(org)["daily_cost"]


def test_importing_the_same_file_twice_adds_nothing(org, jsonl):
    run(jsonl, org)
    before = totals(org)
    out = run(jsonl, org)
    assert "0 accepted (0 unpriced), 2497 duplicates, 3 rejected." in out
    assert totals(org) == before


def test_identical_lines_without_keys_are_distinct_events_but_a_rerun_is_not(org, tmp_path):
    line = json.dumps(event(customer="c", costMicrodollars=5, occurredAt=iso(1)))
    path = tmp_path / "same.jsonl"
    path.write_text(f"{line}\n{line}\n")
    run(path, org)
    run(path, org)
    assert CostEvent.objects.filter(org=org).count() == 2


def test_csv_import_converts_cells_like_the_api(org, tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(
        "customer,feature,provider,model,inputTokens,outputTokens,cachedInputTokens,costMicrodollars,"
        "occurredAt,idempotencyKey,tags,customerName,customerEmail\n"
        f'acme,chat,openai,gpt-4o,1000,500,200,,{iso(2)},r1,"{{""team"": ""ml""}}",Acme,ap@acme.example\n'
        f"acme,search,openai,gpt-4o,10,5,,77,{iso(3)},r2,,,\n"
        f"acme,search,openai,gpt-4o,ten,5,,77,{iso(3)},r3,,,\n"
        f"acme,search,openai,gpt-4o,10,5,,77,{iso(3)},r4,[not json,,\n"
    )
    out = run(path, org)
    assert "2 accepted (0 unpriced), 0 duplicates, 2 rejected." in out
    stored = {e.idempotency_key: e for e in CostEvent.objects.filter(org=org)}
    assert (stored["r1"].cost_micro, stored["r1"].cached_input_tokens, stored["r1"].tags) == (
        7250,
        200,
        {"team": "ml"},
    )
    assert (stored["r2"].cost_micro, stored["r2"].tags) == (77, {})
    assert stored["r1"].customer.name == "Acme"
    rejected = [json.loads(x) for x in path.with_name("history.csv.rejected.jsonl").read_text().splitlines()]
    assert [(r["line"], r["code"], r["field"]) for r in rejected] == [
        (4, "invalid_type", "inputTokens"),
        (5, "invalid_line", None),
    ]


def test_csv_rows_with_extra_cells_are_rejected(org, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("customer,costMicrodollars\nacme,5,extra\nacme,6\n")
    lines = list(read_csv(path.open(newline="")))
    assert [(line.number, line.error is None) for line in lines] == [(2, False), (3, True)]


def test_progress_counts_every_line_once(org, jsonl):
    seen = []
    with jsonl.open() as stream:
        from margins.costs.importer import read_jsonl

        summary = import_events(org=org, lines=read_jsonl(stream), batch_size=700, progress=seen.append)
    assert sum(seen) == summary.lines == 2500
    assert count_lines(jsonl) == 2501


def test_import_refuses_a_missing_file_an_unknown_org_and_a_bad_batch_size(org, tmp_path, jsonl):
    with pytest.raises(CommandError, match="No file"):
        run(tmp_path / "missing.jsonl", org)
    with pytest.raises(CommandError, match="No organization"):
        call_command("import_events", str(jsonl), "--org", "org_nope", stdout=StringIO())
    with pytest.raises(CommandError, match="batch-size"):
        run(jsonl, org, "--batch-size", "1001")


def test_the_progress_bar_shows_rate_and_time_left(org, jsonl, capsys):
    call_command("import_events", str(jsonl), "--org", org.public_id, stdout=StringIO())
    bar = capsys.readouterr().err.strip().splitlines()[-1]
    assert "100%" in bar and "2.50k/2.50k" in bar
    assert " events/s]" in bar and "<00:00" in bar
