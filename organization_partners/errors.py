"""The organization partner records' domain errors (organization_partners.services, .csv_import_export)."""

from typing import TYPE_CHECKING

from config.errors import DomainError, FieldError, ObjectNotFound, ValidationFailed

if TYPE_CHECKING:
    from organization_partners.csv_import_export import ImportReport


class OrganizationPartnerNotFound(ObjectNotFound):
    code = "PartnerNotFound"
    default_message = "Partner not found."


class ImportFileTooLarge(DomainError):
    status = 413
    code = "FileTooLarge"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The file is larger than {limit // 1_000_000} MB: split it into smaller files.")


class ImportRowsInvalid(ValidationFailed):
    """Applying refused: some rows have errors. `report` says which; nothing was written."""

    def __init__(self, report: "ImportReport") -> None:
        self.report = report
        errors = [
            FieldError(("file", row.line, *((error.field,) if error.field else ())), error.msg, error.code)
            for row in report.rows
            for error in row.errors
        ]
        super().__init__(errors, message=f"{report.error_rows} row(s) have errors: nothing was imported.")
