"""Helpers for the partner pages' tests: CSV files made from rows of field values."""

import csv
import io

from organization_partners.csv_import_export import COLUMNS


def csv_row(n: int = 0, **fields) -> dict:
    """A valid row (every seed-003 field), changed by `fields`."""
    return {
        "company_name": f"Imported {n} Ltd",
        "sales_amount": "150000",
        "partner_type": "customer",
        "email": f"imported{n}@example.com",
        "frequency": "monthly",
        "payment_terms": "Net 30",
        "address": "1 Main St",
        "city": "Rome",
        "state": "RM",
        "postal_code": "00100",
        "country_code": "IT",
        "company_registration_number": f"REG-{n}",
        "code": "",
        "timezone": "Europe/Rome",
        "customer_count": "",
        "properties": "",
        **fields,
    }


def csv_bytes(rows: list[dict], columns=COLUMNS, *, bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")
