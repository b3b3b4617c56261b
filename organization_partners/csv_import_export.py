"""Partner records as CSV: export the (filtered) list, import a file in two steps (a dry run, then apply).

The columns are the seed-003 field names (`REQUIRED_COLUMNS`, every one required in the header and in each row),
then `code`, `timezone`, `customer_count` and `properties` (a JSON object), which a file may leave out. Export and
import use the same header, so an exported file imports back, and importing it again changes nothing.

Import (`partner_import`): the file is UTF-8 (a BOM is accepted), at most `PARTNER_IMPORT_MAX_BYTES` and
`PARTNER_IMPORT_MAX_ROWS` rows. A file that cannot be read as such (encoding, header, size, empty) is refused as a
whole with `ValidationFailed` on `file` (`ImportFileTooLarge` for the size). Otherwise every row is checked in
memory by `services.organization_partner_clean` (the rules of every other edge), against two queries (the
organization's records holding the file's codes, and its records without a code holding the file's emails), and the
file's own duplicates. The report lists, row by row, the action (create, update naming the changed columns, or
unchanged) and every error with its column (the FieldError's field is the column's name). Applying re-checks
everything in the same transaction and writes all rows or none (`ImportRowsInvalid`, carrying the report, when any
row fails), with `bulk_create` / `bulk_update` in batches.

Which record a row updates (`RowResult.matched_by`), so that re-importing never duplicates a record:

1. the record of the organization that has the row's `code`;
2. otherwise, for a row without a code, the record *without a code* that has the row's email, compared
   case-insensitively (on SQLite, ASCII letters only); when several records without a code share that email, the
   one of them that also has the row's company name (case-insensitive, spaces collapsed). A row with a code no
   record has yet matches the record without a code that has both its email and its company name (the update gives
   it the code: codes added to an exported file name the records instead of duplicating them), else creates. A
   record with a code is only ever matched by its code, so a row never clears a record's code.
3. no such record: the row creates one. Several records that the email and the name do not tell apart: that row's
   error (`ambiguous`, on `email`), and nothing is written.

Within the file, rows that would update the same record (found by email), or create two records with the same email
and company name and no code, are each an error (`duplicate`) naming the other lines; rows with the same code were
already (`unique`).

Cells that a spreadsheet would run as a formula (starting with = + - @, tab or carriage return) are exported with a
leading apostrophe, which the import removes again: the file round-trips and a spreadsheet shows text.
"""

import csv
import io
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from config.errors import FieldError, ValidationFailed
from organization_partners.errors import ImportFileTooLarge, ImportRowsInvalid
from organization_partners.models import OrganizationPartner
from organization_partners.services import OPTIONAL_FIELDS, SEED_003_FIELDS, organization_partner_clean
from organizations.models import Organization

REQUIRED_COLUMNS = SEED_003_FIELDS  # every row must give them
OPTIONAL_COLUMNS = OPTIONAL_FIELDS
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
INTEGER_COLUMNS = frozenset({"sales_amount", "customer_count"})
CREATE_BATCH_SIZE = 1000
UPDATE_BATCH_SIZE = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DIGITS = re.compile(r"-?[0-9]{1,30}")
CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
MATCH_CODE, MATCH_EMAIL, MATCH_EMAIL_AND_NAME = "code", "email", "email and company name"


@dataclass
class RowResult:
    line: int  # the line in the file where the row starts (the header is line 1)
    action: str  # CREATE, UPDATE or UNCHANGED
    company_name: str = ""
    code: str = ""
    partner_id: uuid.UUID | None = None  # the record updated (or, once applied, created)
    matched_by: str = ""  # how the record updated was found: MATCH_CODE, MATCH_EMAIL or MATCH_EMAIL_AND_NAME
    changes: list[str] = field(default_factory=list)  # the columns an update changes
    errors: list[FieldError] = field(default_factory=list)  # `field` is the column ("" for the row as a whole)


@dataclass
class ImportReport:
    columns: list[str]
    rows: list[RowResult]
    applied: bool = False

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action and not row.errors)

    @property
    def created(self) -> int:
        return self.count(CREATE)

    @property
    def updated(self) -> int:
        return self.count(UPDATE)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def error_rows(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def valid(self) -> bool:
        return self.error_rows == 0


def import_max_bytes() -> int:
    return settings.PARTNER_IMPORT_MAX_BYTES


def import_max_rows() -> int:
    return settings.PARTNER_IMPORT_MAX_ROWS


def _file_error(msg: str, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed.single("file", msg, code)


# --- reading a file -------------------------------------------------------------------------------------------


def import_file_read(upload) -> bytes:
    """The bytes of an uploaded file (Django's UploadedFile or any binary file object), refused with
    ImportFileTooLarge as soon as it is over the limit: never more than the limit and one chunk is read."""
    limit = import_max_bytes()
    if getattr(upload, "size", None) is not None and upload.size > limit:
        raise ImportFileTooLarge(limit)
    chunks, total = [], 0
    while chunk := upload.read(64 * 1024):
        total += len(chunk)
        if total > limit:
            raise ImportFileTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(content: bytes) -> str:
    if len(content) > import_max_bytes():
        raise ImportFileTooLarge(import_max_bytes())
    try:
        text = content.decode("utf-8-sig")  # strict: encoded surrogates and stray bytes are refused too
    except UnicodeDecodeError as exc:
        raise _file_error(
            f"The file is not UTF-8 text (byte 0x{content[exc.start]:02x} at position {exc.start}): save it as "
            "“CSV UTF-8” and upload it again.",
            "encoding",
        ) from None
    if not text.strip():
        raise _file_error("The file is empty: it needs a header line and at least one row.", "empty")
    return text


def _cells(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each non-blank record."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _file_error(f"Line {reader.line_num}: the file is not valid CSV ({exc}).", "malformed") from None
        if any(cell.strip() for cell in cells):
            yield line, cells
        line = reader.line_num + 1


def _header(cells: list[str]) -> list[str]:
    names = [cell.strip() for cell in cells]
    errors = []
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        errors.append(
            FieldError(
                "file",
                f"Unknown column(s) in the header: {', '.join(repr(n) for n in unknown)}. "
                f"The columns are: {', '.join(COLUMNS)}.",
                "unknown_column",
            )
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        errors.append(FieldError("file", f"Column(s) repeated in the header: {', '.join(repeated)}.", "repeated"))
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        errors.append(FieldError("file", f"Missing column(s) in the header: {', '.join(missing)}.", "missing_column"))
    if errors:
        raise ValidationFailed(errors)
    return names


# --- text → domain fields (shared with the partner form) --------------------------------------------------------


def _unescape(value: str) -> str:
    if value[:1] == "'" and value[1:2] and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def partner_fields_from_text(values: dict[str, str], *, required: Iterable[str] = REQUIRED_COLUMNS):
    """Text inputs (CSV cells, form fields) → `partner_clean` data, and the errors found doing so: a blank required
    field, an integer that is not digits, `properties` that is not a JSON object. Blank optional fields clear the
    value. Returns (data, errors); a field with an error is left out of `data`."""
    data, errors = {}, []
    required = set(required)
    for name, raw in values.items():
        value = _unescape(raw)
        if not value.strip():
            if name in required:
                errors.append(FieldError(name, "This field is required.", "required"))
            elif name in INTEGER_COLUMNS:
                data[name] = None
            elif name == "properties":
                data[name] = {}
            else:
                data[name] = ""
            continue
        if name in INTEGER_COLUMNS:
            text = value.strip()
            if not _DIGITS.fullmatch(text):
                errors.append(FieldError(name, "Must be a whole number, written with digits only.", "invalid_type"))
            else:
                data[name] = int(text)
        elif name == "properties":
            try:
                parsed = json.loads(value)
            except (ValueError, RecursionError):
                parsed = None
            if not isinstance(parsed, dict):
                errors.append(
                    FieldError(name, 'Must be a JSON object of text values, such as {"region": "north"}.', "invalid")
                )
            else:
                data[name] = parsed
        else:
            data[name] = value
    return data, errors


def _column(error: FieldError) -> str:
    """The column a service's FieldError is about (`("properties", "region")` → "properties")."""
    path = error.path
    return str(path[0]) if path else ""


# --- planning and applying ------------------------------------------------------------------------------------


@dataclass
class _Plan:
    report: ImportReport
    creates: list[OrganizationPartner]
    updates: list[OrganizationPartner]
    update_fields: set[str]


def _plan(*, organization: Organization, content: bytes) -> _Plan:
    text = _decode(content)
    records = _cells(text)
    first = next(records, None)
    if first is None:
        raise _file_error("The file is empty: it needs a header line and at least one row.", "empty")
    columns = _header(first[1])
    rows: list[tuple[int, list[str]]] = []
    for line, cells in records:
        rows.append((line, cells))
        if len(rows) > import_max_rows():
            raise _file_error(
                f"The file has more than {import_max_rows()} rows: split it into smaller files.", "too_many_rows"
            )
    if not rows:
        raise _file_error("The file has a header but no rows.", "empty")

    # Two queries, whatever the number of rows: the organization's records holding a code of the file, and its records
    # without a code whose email (lower-cased) is one of the file's.
    codes_in_file = defaultdict(list)
    code_index = columns.index("code") if "code" in columns else None
    email_index = columns.index("email")
    emails_in_file = set()
    for line, cells in rows:
        if code_index is not None and code_index < len(cells) and (code := _unescape(cells[code_index]).strip()):
            codes_in_file[code].append(line)
        if email_index < len(cells) and (email := _email_key(_unescape(cells[email_index]))):
            emails_in_file.add(email)
    existing = {}
    if codes_in_file:
        existing = {
            p.code: p
            for p in OrganizationPartner.objects.filter(organization=organization, code__in=list(codes_in_file))
        }
    known_codes = {code: partner.pk for code, partner in existing.items()}
    by_email = defaultdict(list)
    if emails_in_file:
        for partner in (
            OrganizationPartner.objects.filter(organization=organization, code="")
            .alias(email_key=Lower("email"))
            .filter(email_key__in=sorted(emails_in_file))
            .order_by("created_at", "id")
        ):
            by_email[_email_key(partner.email)].append(partner)

    results, creates, updates, update_fields = [], [], [], set()
    claims: dict[uuid.UUID, list[RowResult]] = defaultdict(list)  # record → the rows matching it
    new_records: dict[tuple[str, str], list[RowResult]] = defaultdict(list)  # (email, name) → rows creating it
    now = timezone.now()
    for line, cells in rows:
        result = RowResult(line=line, action=CREATE)
        results.append(result)
        if len(cells) != len(columns):
            result.errors.append(
                FieldError(
                    "",
                    f"This row has {len(cells)} values; the header has {len(columns)} columns.",
                    "column_count",
                )
            )
            continue
        values = dict(zip(columns, cells, strict=True))
        result.company_name = _unescape(values["company_name"]).strip()
        data, errors = partner_fields_from_text(values)
        code = data.get("code") or ""
        code = code.strip() if isinstance(code, str) else ""
        result.code = code
        partner = existing.get(code) if code else None
        if partner is not None:
            result.matched_by = MATCH_CODE
        elif "email" not in {_column(e) for e in errors}:
            partner, result.matched_by, ambiguous = _match_by_email(
                by_email.get(_email_key(data.get("email", "")), []), result.company_name, name_required=bool(code)
            )
            if ambiguous:
                errors.append(_ambiguous_error(ambiguous, data.get("email", "")))
        if partner is not None:
            result.action, result.partner_id = UPDATE, partner.pk
            if result.matched_by != MATCH_CODE:
                claims[partner.pk].append(result)
        elif not code and not errors:
            new_records[(_email_key(data.get("email", "")), _name_key(result.company_name))].append(result)
        if code and len(codes_in_file[code]) > 1:
            others = [str(n) for n in codes_in_file[code] if n != line][:5]
            errors.append(
                FieldError("code", f"The code {code!r} is also on line(s) {', '.join(others)} of the file.", "unique")
            )
        failed = {_column(e) for e in errors}
        try:
            cleaned = organization_partner_clean(
                organization=organization,
                data={k: v for k, v in data.items() if k not in failed},
                partner=partner,
                known_codes=known_codes,
            )
        except ValidationFailed as exc:
            errors.extend(FieldError(_column(e), e.msg, e.code) for e in exc.errors if _column(e) not in failed)
            cleaned = None
        result.errors = errors
        if errors or cleaned is None:
            continue
        if partner is None:
            creates.append(OrganizationPartner(organization=organization, **cleaned))
            continue
        changes = [name for name, value in cleaned.items() if getattr(partner, name) != value]
        result.changes = changes
        if not changes:
            result.action = UNCHANGED
            continue
        for name in changes:
            setattr(partner, name, cleaned[name])
        partner.updated_at = now
        update_fields.update(changes)
        updates.append(partner)
    _same_record_errors(claims, new_records)
    return _Plan(ImportReport(columns=columns, rows=results), creates, updates, update_fields)


def _email_key(email: str) -> str:
    return email.strip().lower()


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _match_by_email(
    candidates: list[OrganizationPartner], company_name: str, *, name_required: bool
) -> tuple[OrganizationPartner | None, str, list[OrganizationPartner]]:
    """(the record a row without a known code updates, how it was found, the records it cannot tell apart) among the
    records without a code that have the row's email: the only one, else the only one with the row's company name.
    `name_required` (a row bringing a new code): only a record with the row's company name too, else none; so a new
    partner with a code and a shared email is created, not taken for the record without a code."""
    if not candidates:
        return None, "", []
    if len(candidates) == 1 and not name_required:
        return candidates[0], MATCH_EMAIL, []
    named = [partner for partner in candidates if _name_key(partner.company_name) == _name_key(company_name)]
    if len(named) == 1:
        return named[0], MATCH_EMAIL_AND_NAME, []
    if name_required and not named:
        return None, "", []
    return None, "", named or candidates


def _ambiguous_error(partners: list[OrganizationPartner], email: str) -> FieldError:
    names = ", ".join(f"“{p.company_name}”" for p in partners[:5]) + (", …" if len(partners) > 5 else "")
    return FieldError(
        "email",
        f"This row matches {len(partners)} partners without a code that have the email {email.strip()!r} ({names}): "
        "nothing tells which one it updates. Give those partners codes and put the code in the row, or remove "
        "the duplicate partner.",
        "ambiguous",
    )


def _same_record_errors(
    claims: dict[uuid.UUID, list[RowResult]], new_records: dict[tuple[str, str], list[RowResult]]
) -> None:
    """Rows of one file that would update the same record, or create two records alike (same email and company
    name, no code), are each an error naming the other lines: writing them would lose a row or duplicate a record."""
    for rows in claims.values():
        for row in rows if len(rows) > 1 else ():
            others = ", ".join([str(other.line) for other in rows if other is not row][:5])
            row.errors.append(
                FieldError(
                    "email",
                    f"Line(s) {others} of the file match the same partner (by email): only one row may update it. "
                    "Remove the repeated row, or give each row its own code.",
                    "duplicate",
                )
            )
    for rows in new_records.values():
        for row in rows if len(rows) > 1 else ():
            others = ", ".join([str(other.line) for other in rows if other is not row][:5])
            row.errors.append(
                FieldError(
                    "email",
                    f"Line(s) {others} of the file have the same company name and email: importing would create "
                    "the partner twice. Remove the repeated rows, or give them codes.",
                    "duplicate",
                )
            )


@transaction.atomic
def partner_import(*, organization: Organization, content: bytes, dry_run: bool = True) -> ImportReport:
    """Checks a CSV file of partner records (see the module's docstring) and, unless `dry_run`, writes all its rows
    in this transaction. Raises ValidationFailed (`file`) for an unreadable file, ImportFileTooLarge over the size
    limit, and, when applying, ImportRowsInvalid if any row has an error (nothing written)."""
    plan = _plan(organization=organization, content=content)
    report = plan.report
    if dry_run:
        return report
    if not report.valid:
        raise ImportRowsInvalid(report)
    try:
        with transaction.atomic():
            OrganizationPartner.objects.bulk_create(plan.creates, batch_size=CREATE_BATCH_SIZE)
            if plan.updates:
                _bulk_update(plan.updates, sorted(plan.update_fields | {"updated_at"}))
    except IntegrityError:  # a concurrent write took one of the file's codes after the check
        raise ValidationFailed.single(
            "file",
            "Another change to this organization's partners took one of the file's codes meanwhile: nothing was "
            "imported. Check the file again.",
            "conflict",
        ) from None
    created = iter(plan.creates)
    for row in report.rows:
        if row.action == CREATE:
            row.partner_id = next(created).pk
    report.applied = True
    return report


def _bulk_update(partners: list[OrganizationPartner], fields: list[str]) -> None:
    """`bulk_update` in batches. On PostgreSQL one `UPDATE ... FROM (VALUES ...)` a batch: Django's CASE WHEN per
    column makes the server compare every row with every case (10,000 rows: 19 s instead of under 1 s)."""
    if connection.vendor != "postgresql":
        OrganizationPartner.objects.bulk_update(partners, fields, batch_size=UPDATE_BATCH_SIZE)
        return
    meta = OrganizationPartner._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    casts = ", ".join(f"%s::{column.db_type(connection)}" for column in columns)
    names = ", ".join(connection.ops.quote_name(column.column) for column in columns)
    sets = ", ".join(
        f"{connection.ops.quote_name(c.column)} = v.{connection.ops.quote_name(c.column)}" for c in columns[1:]
    )
    table, pk = connection.ops.quote_name(meta.db_table), connection.ops.quote_name(meta.pk.column)
    with connection.cursor() as cursor:
        for start in range(0, len(partners), UPDATE_BATCH_SIZE):
            batch = partners[start : start + UPDATE_BATCH_SIZE]
            values = ", ".join([f"({casts})"] * len(batch))
            params = [
                column.get_db_prep_save(getattr(partner, column.attname), connection)
                for partner in batch
                for column in columns
            ]
            cursor.execute(
                f"UPDATE {table} AS t SET {sets} FROM (VALUES {values}) AS v({names}) WHERE t.{pk} = v.{pk}",  # noqa: S608 - names from the model
                params,
            )


# --- export ---------------------------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def _escape(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _export_cells(partner: OrganizationPartner) -> list[str]:
    cells = []
    for name in COLUMNS:
        value = getattr(partner, name)
        if name == "properties":
            cells.append(json.dumps(value, ensure_ascii=False, sort_keys=True) if value else "")
        elif value is None:
            cells.append("")
        else:
            cells.append(_escape(str(value)))
    return cells


def partner_export_lines(*, partners) -> Iterator[str]:
    """The CSV lines (header first) of `partners` (a queryset, e.g. `selectors.partner_list(...)`), read in chunks so
    a response can stream any number of them."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for partner in partners.iterator(chunk_size=2000):
        yield writer.writerow(_export_cells(partner))
