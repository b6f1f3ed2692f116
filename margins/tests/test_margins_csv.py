"""GET /api/margins?format=csv: the document's columns, RFC 4180, and no formula injection."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from margins.exports import neutralize_cell
from margins.tests.factories import add_cost, add_revenue, map_tag

M = 1_000_000
HEADER = "Customer,Stripe ID,Tag Value,Revenue ($),Cost ($),Margin (%),Margin ($),Health Tier"


def get_csv(persona, period: str = "2026-04"):
    return persona.client().get("/api/margins", {"period": period, "format": "csv"})


def test_csv_is_an_attachment_named_after_the_period(viewer, org):
    response = get_csv(viewer)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="margins-2026-04.csv"'
    assert response.content.decode() == HEADER + "\r\n"


def test_csv_rows_in_table_order_with_dollars_to_the_cent(viewer, org):
    map_tag(org, "cus_abc123", "acme-corp", name="Acme Corp")
    add_revenue(org, "cus_abc123", date(2026, 4, 1), 100 * M)
    add_cost(org, "acme-corp", date(2026, 4, 2), 30_004_999)
    map_tag(org, "cus_burn", "burner", name="Burner")
    add_revenue(org, "cus_burn", date(2026, 4, 1), 1_005_000)
    add_cost(org, "burner", date(2026, 4, 2), 2_015_000)
    lines = get_csv(viewer).content.decode().split("\r\n")
    assert lines == [
        HEADER,
        # (1.005 - 2.015) / 1.005 = -100.497...%; dollars round half to even: 1.00, 2.02, -1.01.
        "Burner,cus_burn,burner,1.00,2.02,-100.50,-1.01,critical",
        "Acme Corp,cus_abc123,acme-corp,100.00,30.00,70.00,70.00,healthy",
        "",
    ]


def test_csv_quotes_commas_quotes_and_line_breaks_per_rfc_4180(viewer, org):
    map_tag(org, "cus_q", 'tag,"quoted"\nnext', name='Acme, Inc. "The Best"')
    add_cost(org, 'tag,"quoted"\nnext', date(2026, 4, 2), 1 * M)
    text = get_csv(viewer).content.decode()
    assert text == (
        HEADER
        + "\r\n"
        + '"Acme, Inc. ""The Best""",cus_q,"tag,""quoted""\nnext",0.00,1.00,0.00,-1.00,critical\r\n'
    )
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1][:3] == ['Acme, Inc. "The Best"', "cus_q", 'tag,"quoted"\nnext']


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ('=HYPERLINK("http://evil.test","x")', '"\'=HYPERLINK(""http://evil.test"",""x"")"'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tTabbed", "'\tTabbed"),
        ("\rReturn", '"\'\rReturn"'),
        ("Plain Co", "Plain Co"),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralized(viewer, org, name, cell):
    map_tag(org, "cus_evil", "=cmd|' /C calc'!A0", name=name)
    add_cost(org, "=cmd|' /C calc'!A0", date(2026, 4, 2), 1 * M)
    line = get_csv(viewer).content.decode()[len(HEADER) + 2 :]
    assert line == f"{cell},cus_evil,'=cmd|' /C calc'!A0,0.00,1.00,0.00,-1.00,critical\r\n"


def test_negative_numbers_stay_numbers():
    assert neutralize_cell("-12.50") == "-12.50"
    assert neutralize_cell("-100") == "-100"
    assert neutralize_cell("-12.50+1") == "'-12.50+1"
    assert neutralize_cell("-") == "'-"


@pytest.mark.parametrize(
    ("currency", "unit"),
    [("eur", "€"), ("gbp", "£"), ("kwd", "KWD")],
)
def test_an_organization_in_another_currency_names_it_in_the_headers(viewer, org, currency, unit):
    org.reporting_currency = currency
    org.save()
    map_tag(org, "cus_abc123", "acme-corp", name="Acme Corp")
    add_revenue(org, "cus_abc123", date(2026, 4, 1), 100 * M)

    lines = get_csv(viewer).content.decode().split("\r\n")

    assert lines[0] == HEADER.replace("($)", f"({unit})")
    assert lines[1] == "Acme Corp,cus_abc123,acme-corp,100.00,0.00,100.00,100.00,healthy"
