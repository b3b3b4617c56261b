"""The CSV import and export service (organization_partners.csv_import_export): malformed files change nothing, a dry
run writes nothing, applying writes all rows or none, 10,000 rows cost a constant number of queries to check."""

import csv
import io
import json
import math
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.errors import ValidationFailed
from organization_partners import csv_import_export
from organization_partners.csv_import_export import COLUMNS, REQUIRED_COLUMNS, partner_export_lines, partner_import
from organization_partners.errors import ImportFileTooLarge, ImportRowsInvalid
from organization_partners.models import OrganizationPartner
from organization_partners.selectors import organization_partner_list
from tests.factories.organization_partners import OrganizationPartnerFactory
from tests.factories.organizations import OrganizationFactory
from tests.organization_partners.pages.conftest import csv_bytes, csv_row

pytestmark = pytest.mark.django_db


def snapshot(organization) -> list[tuple]:
    return sorted(OrganizationPartner.objects.filter(organization=organization).values_list("id", "company_name"))


def file_errors(excinfo) -> list[str]:
    return [f"{'/'.join(map(str, e.path))}: {e.msg}" for e in excinfo.value.errors]


def test_a_good_file_creates_and_updates_matching_on_code(organization):
    kept = OrganizationPartnerFactory(organization=organization, code="P-1", company_name="Old name")
    other_tenant = OrganizationPartnerFactory(code="P-2")  # same code elsewhere: not matched, not a conflict
    content = csv_bytes(
        [
            csv_row(1, code="P-1", company_name="New name", properties='{"region": "north"}'),
            csv_row(2, code="P-2", customer_count="12"),
            csv_row(3),
        ]
    )

    dry = partner_import(organization=organization, content=content, dry_run=True)
    assert [(r.line, r.action, r.errors) for r in dry.rows] == [(2, "update", []), (3, "create", []), (4, "create", [])]
    assert "company_name" in dry.rows[0].changes and dry.rows[0].partner_id == kept.pk
    assert OrganizationPartner.objects.filter(organization=organization).count() == 1  # the dry run wrote nothing

    report = partner_import(organization=organization, content=content, dry_run=False)
    assert report.applied and (report.created, report.updated) == (2, 1)
    kept.refresh_from_db()
    assert (kept.company_name, kept.properties, kept.country_code) == ("New name", {"region": "north"}, "IT")
    created = OrganizationPartner.objects.get(organization=organization, code="P-2")
    assert created.customer_count == 12 and created.pk == report.rows[1].partner_id
    other_tenant.refresh_from_db()
    assert other_tenant.organization_id != organization.pk and other_tenant.company_name != "Imported 2 Ltd"

    again = partner_import(organization=organization, content=content, dry_run=True)
    assert [r.action for r in again.rows] == ["unchanged", "unchanged", "unchanged"]  # no code: found by email
    assert [r.matched_by for r in again.rows] == ["code", "code", "email"]


def test_every_row_error_names_its_column_and_applying_writes_nothing(organization):
    OrganizationPartnerFactory(organization=organization, code="TAKEN")
    before = snapshot(organization)
    content = csv_bytes(
        [
            csv_row(1),
            csv_row(2, email="not-an-email", sales_amount="12.5", country_code="XX"),
            csv_row(3, code="DUP"),
            csv_row(4, code="DUP", timezone="Mars/Olympus", partner_type="reseller"),
            csv_row(5, company_name="", properties='{"a": 1}'),
            csv_row(6, customer_count="-3", properties="[1, 2]"),
        ]
    )
    report = partner_import(organization=organization, content=content, dry_run=True)
    errors = {row.line: sorted((e.field, e.code) for e in row.errors) for row in report.rows}
    assert errors == {
        2: [],
        3: [("country_code", "invalid_choice"), ("email", "invalid_email"), ("sales_amount", "invalid_type")],
        4: [("code", "unique")],
        5: [("code", "unique"), ("partner_type", "invalid_choice"), ("timezone", "invalid")],
        6: [("company_name", "required"), ("properties", "invalid_type")],
        7: [("customer_count", "out_of_range"), ("properties", "invalid")],
    }
    assert "line(s) 5" in next(e.msg for e in report.rows[2].errors)
    assert not report.valid and report.error_rows == 5

    with pytest.raises(ImportRowsInvalid) as excinfo:
        partner_import(organization=organization, content=content, dry_run=False)
    assert ("file", 3, "email") in [e.path for e in excinfo.value.errors]
    assert snapshot(organization) == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty"),
        (b"  \n\n", "The file is empty"),
        (csv_bytes([]), "header but no rows"),
        ("company_name,city\nCaf\u00e9,Rome\n".encode("latin-1"), "not UTF-8"),
        (b"\xff\xfec\x00o\x00", "not UTF-8"),  # UTF-16
        (b"company_name\n\xed\xa0\x80\n", "not UTF-8"),  # an encoded surrogate
        (csv_bytes([csv_row()], columns=COLUMNS[1:]), "Missing column(s) in the header: company_name"),
        (csv_bytes([csv_row()], columns=(*COLUMNS, "id")), "Unknown column(s) in the header: 'id'"),
        (csv_bytes([csv_row()], columns=(*COLUMNS, "city")), "repeated in the header: city"),
        (b"Imported Ltd,150000,customer\nx,y,z\n", "Unknown column(s)"),  # no header line at all
        (csv_bytes([csv_row()]) + b'"unterminated,1\n', "not valid CSV"),
    ],
)
def test_a_malformed_file_gets_a_clear_error_and_changes_nothing(organization, content, expected):
    OrganizationPartnerFactory(organization=organization)
    before = snapshot(organization)
    for dry_run in (True, False):
        with pytest.raises(ValidationFailed) as excinfo:
            partner_import(organization=organization, content=content, dry_run=dry_run)
        assert any(expected in message for message in file_errors(excinfo)), file_errors(excinfo)
        assert all(e.path == ("file",) for e in excinfo.value.errors)
    assert snapshot(organization) == before


def test_extra_or_missing_values_in_a_row_are_that_rows_error(organization):
    content = csv_bytes([csv_row(1)]) + b"a,b\n" + csv_bytes([csv_row(2)]).split(b"\n", 1)[1].rstrip() + b",extra\n"
    report = partner_import(organization=organization, content=content, dry_run=True)
    assert [(r.line, [e.msg for e in r.errors]) for r in report.rows] == [
        (2, []),
        (3, ["This row has 2 values; the header has 16 columns."]),
        (4, ["This row has 17 values; the header has 16 columns."]),
    ]
    with pytest.raises(ImportRowsInvalid):
        partner_import(organization=organization, content=content, dry_run=False)
    assert not OrganizationPartner.objects.exists()


def test_a_bom_quotes_newlines_and_unicode_are_read(organization):
    content = csv_bytes([csv_row(1, company_name="Caf\u00e9 \u6771\u4eac", address="Line 1\nLine 2")], bom=True)
    report = partner_import(organization=organization, content=content, dry_run=False)
    partner = OrganizationPartner.objects.get(pk=report.rows[0].partner_id)
    assert (partner.company_name, partner.address) == ("Caf\u00e9 \u6771\u4eac", "Line 1\nLine 2")


def test_nul_and_invisible_characters_are_row_errors_not_crashes(organization):
    content = csv_bytes([csv_row(1, city="Ro\x00me", company_name="Evil\u202eLtd")])
    report = partner_import(organization=organization, content=content, dry_run=True)
    assert sorted(e.field for e in report.rows[0].errors) == ["city", "company_name"]


def test_optional_columns_may_be_left_out_and_then_stay_as_they_are(organization):
    partner = OrganizationPartnerFactory(organization=organization, code="K", timezone="Europe/Rome")
    content = csv_bytes([csv_row(1, code="K", city="Milan")], columns=(*REQUIRED_COLUMNS, "code"))
    partner_import(organization=organization, content=content, dry_run=False)
    partner.refresh_from_db()
    assert (partner.city, partner.timezone) == ("Milan", "Europe/Rome")


def test_size_and_row_limits(organization, settings):
    settings.PARTNER_IMPORT_MAX_ROWS = 3
    with pytest.raises(ValidationFailed, match="more than 3 rows"):
        partner_import(organization=organization, content=csv_bytes([csv_row(n) for n in range(4)]), dry_run=True)
    partner_import(organization=organization, content=csv_bytes([csv_row(n) for n in range(3)]), dry_run=True)

    settings.PARTNER_IMPORT_MAX_BYTES = 1000
    with pytest.raises(ImportFileTooLarge):
        csv_import_export.import_file_read(io.BytesIO(b"x" * 1001))
    assert csv_import_export.import_file_read(io.BytesIO(b"x" * 1000)) == b"x" * 1000

    class Endless(io.RawIOBase):  # a file that never ends is refused after the limit, not read to its end
        reads = 0

        def readinto(self, buffer):
            Endless.reads += 1
            buffer[:] = b"y" * len(buffer)
            return len(buffer)

    with pytest.raises(ImportFileTooLarge):
        csv_import_export.import_file_read(Endless())
    assert Endless.reads <= 2
    assert not OrganizationPartner.objects.exists()


def test_formula_cells_are_exported_as_text_and_imported_back(organization):
    OrganizationPartnerFactory(organization=organization, company_name="=HYPERLINK(1)", code="-5", properties={})
    lines = "".join(partner_export_lines(partners=organization_partner_list(organization=organization)))
    row = next(iter(csv.DictReader(io.StringIO(lines))))
    assert (row["company_name"], row["code"]) == ("'=HYPERLINK(1)", "'-5")
    report = partner_import(organization=organization, content=lines.encode(), dry_run=True)
    assert report.rows[0].action == "unchanged"


def test_export_has_the_seed_header_and_round_trips(organization):
    OrganizationPartnerFactory(
        organization=organization, code="A", customer_count=3, properties={"b": "2", "a": "\u00e9"}, sales_amount=None
    )
    OrganizationPartnerFactory(organization=organization, code="B", partner_type="supplier")
    OrganizationPartnerFactory(code="C")  # another organization's: not exported
    partners = organization_partner_list(organization=organization, partner_types=["customer"])
    rows = list(csv.reader(io.StringIO("".join(partner_export_lines(partners=partners)))))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 2
    exported = dict(zip(rows[0], rows[1], strict=True))
    assert exported["properties"] == json.dumps({"a": "\u00e9", "b": "2"}, ensure_ascii=False)
    assert (exported["customer_count"], exported["sales_amount"], exported["country_code"]) == ("3", "", "US")
    # The exported file imports back as "unchanged", but sales_amount is now required: that row says so.
    report = partner_import(
        organization=organization, content="".join(partner_export_lines(partners=partners)).encode(), dry_run=True
    )
    assert [(e.field, e.code) for e in report.rows[0].errors] == [("sales_amount", "required")]


def _ten_thousand(organization, existing: int) -> bytes:
    OrganizationPartner.objects.bulk_create(
        OrganizationPartnerFactory.build(organization=organization, code=f"C{n}") for n in range(existing)
    )
    return csv_bytes([csv_row(n, code=f"C{n}", city="Turin") for n in range(10_000)])


def _queries(function) -> tuple[int, float]:
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries), time.perf_counter() - started


def test_checking_10000_rows_costs_the_queries_of_one_row(organization):
    content = _ten_thousand(organization, existing=5_000)
    small = csv_bytes([csv_row(0, code="C0", city="Turin")])
    one, _ = _queries(lambda: partner_import(organization=organization, content=small, dry_run=True))
    many, seconds = _queries(lambda: partner_import(organization=organization, content=content, dry_run=True))
    assert many == one
    print(f"dry run of 10,000 rows (5,000 updates): {seconds:.2f} s, {many} queries")


@pytest.mark.postgres
def test_applying_10000_rows_writes_in_batches(organization):
    """The apply's queries grow only by its batches (1,000 inserts, 500 updates a statement)."""
    content = _ten_thousand(organization, existing=5_000)
    small = csv_bytes([csv_row(0, code="C0", city="Turin"), csv_row(1, code="new")])
    other = OrganizationFactory()
    base, _ = _queries(lambda: partner_import(organization=other, content=small, dry_run=False))  # 1 create
    count, seconds = _queries(lambda: partner_import(organization=organization, content=content, dry_run=False))
    batches = math.ceil(5_000 / csv_import_export.CREATE_BATCH_SIZE) + math.ceil(
        5_000 / csv_import_export.UPDATE_BATCH_SIZE
    )
    assert count <= base + batches
    assert OrganizationPartner.objects.filter(organization=organization, city="Turin").count() == 10_000
    print(f"apply of 10,000 rows (5,000 creates, 5,000 updates): {seconds:.2f} s, {count} queries")


# --- re-importing never duplicates: rows without a code match by email (and company name when the email is shared) --


def _export(organization) -> bytes:
    return "".join(partner_export_lines(partners=organization_partner_list(organization=organization))).encode()


def test_importing_the_export_twice_keeps_the_same_records(organization):
    OrganizationPartnerFactory(organization=organization, code="A-1", company_name="Coded Ltd")
    OrganizationPartnerFactory(organization=organization, code="", company_name="Plain Ltd", email="plain@example.com")
    # Two records without a code sharing an email: told apart by their company names.
    OrganizationPartnerFactory(organization=organization, code="", company_name="North", email="Branch@example.com")
    OrganizationPartnerFactory(organization=organization, code="", company_name="South", email="branch@example.com")
    before = snapshot(organization)
    content = _export(organization)

    for _ in range(2):
        dry = partner_import(organization=organization, content=content, dry_run=True)
        assert (dry.created, dry.updated, dry.unchanged, dry.error_rows) == (0, 0, 4, 0)
        report = partner_import(organization=organization, content=content, dry_run=False)
        assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
        assert snapshot(organization) == before
    matched = sorted(r.matched_by for r in report.rows)
    assert matched == ["code", "email", "email and company name", "email and company name"]


def test_a_dry_run_lists_updates_found_by_email_and_creates(organization):
    plain = OrganizationPartnerFactory(organization=organization, code="", email="buyers@plain.example", city="Rome")
    content = csv_bytes(
        [
            csv_row(1, company_name=plain.company_name, email="BUYERS@plain.example", city="Milan"),  # case differs
            csv_row(2),  # a new email: created
        ]
    )
    dry = partner_import(organization=organization, content=content, dry_run=True)
    assert [(r.action, r.matched_by, r.partner_id, r.errors) for r in dry.rows] == [
        ("update", "email", plain.pk, []),
        ("create", "", None, []),
    ]
    assert "city" in dry.rows[0].changes and (dry.created, dry.updated) == (1, 1)
    assert OrganizationPartner.objects.filter(organization=organization).count() == 1  # nothing written

    partner_import(organization=organization, content=content, dry_run=False)
    plain.refresh_from_db()
    assert (plain.city, plain.email) == ("Milan", "BUYERS@plain.example")
    assert OrganizationPartner.objects.filter(organization=organization).count() == 2


def test_a_row_matching_two_records_is_that_rows_error_and_nothing_is_written(organization):
    for name in ("Twin Ltd", "Twin Ltd"):  # the same email and name twice: nothing tells them apart
        OrganizationPartnerFactory(organization=organization, code="", company_name=name, email="twin@example.com")
    before = snapshot(organization)
    content = csv_bytes([csv_row(1), csv_row(2, company_name="Twin Ltd", email="twin@example.com", city="Milan")])

    dry = partner_import(organization=organization, content=content, dry_run=True)
    assert [(r.line, [(e.field, e.code) for e in r.errors]) for r in dry.rows] == [
        (2, []),
        (3, [("email", "ambiguous")]),
    ]
    assert "matches 2 partners" in dry.rows[1].errors[0].msg
    with pytest.raises(ImportRowsInvalid):
        partner_import(organization=organization, content=content, dry_run=False)
    assert snapshot(organization) == before


def test_duplicates_within_the_file_are_errors_on_each_row(organization):
    OrganizationPartnerFactory(organization=organization, code="", company_name="Known", email="known@example.com")
    content = csv_bytes(
        [
            csv_row(1, company_name="Known", email="known@example.com"),
            csv_row(2, company_name="Known renamed", email="Known@Example.com"),  # the same record, by email
            csv_row(3, company_name="New Ltd", email="new@example.com"),
            csv_row(4, company_name="new  ltd", email="NEW@example.com"),  # would create "New Ltd" twice
            csv_row(5, company_name="Other Ltd", email="new@example.com"),  # a shared email, another name: fine
        ]
    )
    dry = partner_import(organization=organization, content=content, dry_run=True)
    assert [(r.line, [(e.field, e.code) for e in r.errors]) for r in dry.rows] == [
        (2, [("email", "duplicate")]),
        (3, [("email", "duplicate")]),
        (4, [("email", "duplicate")]),
        (5, [("email", "duplicate")]),
        (6, []),
    ]
    assert "Line(s) 3" in dry.rows[0].errors[0].msg and "Line(s) 4" in dry.rows[3].errors[0].msg


def test_a_record_with_a_code_is_matched_only_by_its_code(organization):
    coded = OrganizationPartnerFactory(organization=organization, code="K-1", email="shared@example.com")
    plain = OrganizationPartnerFactory(organization=organization, code="", company_name="Plain", email="p@example.com")
    content = csv_bytes(
        [
            csv_row(1, company_name=coded.company_name, email="shared@example.com"),  # no code: a new record
            csv_row(2, company_name="Plain", email="p@example.com", code="P-1"),  # a new code, same name and email
            csv_row(3, company_name="Fresh", email="p@example.com", code="F-1"),  # a new code, another name
        ]
    )
    dry = partner_import(organization=organization, content=content, dry_run=True)
    assert [(r.action, r.matched_by, r.partner_id) for r in dry.rows] == [
        ("create", "", None),
        ("update", "email and company name", plain.pk),
        ("create", "", None),
    ]
    assert "code" in dry.rows[1].changes
