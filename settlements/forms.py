"""Web forms of the settlement pages. They check the shape of the input and build each signed request's fields
(settlements.payloads); settlements.services decide the rest. Amounts are typed in whole units of the currency
(`partners.amounts.parse_units`) and signed in base units."""

import datetime
import uuid

from django import forms
from django.utils import timezone

from organizations.signing import NONCE_PATTERN, new_nonce
from organizations.web import DomainErrorForm
from partners.amounts import format_units, parse_units
from settlements.errors import DisputeExists
from settlements.payloads import DisputeCloseFields, DisputeFields, DisputeUpdateFields, Movement, SettlementFields

MAX_TEXT = 1000
DEFAULT_ROWS = 3
MAX_ROWS = 30
AMOUNT_ATTRS = {"inputmode": "decimal", "class": "mono num", "autocomplete": "off"}


def _units(text: str, currency) -> int:
    try:
        return parse_units(text, currency.decimals)
    except ValueError as error:
        raise forms.ValidationError(str(error)) from None


# --- the client's disputes -------------------------------------------------------------------------------------------


class DisputeForm(DomainErrorForm):
    """Step 1 of a dispute: one of the client's connections in the settlement, what it expected per currency (whole
    units, signed: negative, it expected to lose), and why."""

    # The refusals that are not about one field show at the top of the form (None).
    domain_error_fields = {DisputeExists: "connection"}

    connection = forms.ChoiceField(help_text="Your connection whose transfers you dispute.")
    reason = forms.CharField(max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    nonce = forms.RegexField(regex=NONCE_PATTERN, widget=forms.HiddenInput)

    def __init__(self, *args, settlement, connections, currencies, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("nonce", new_nonce())
        super().__init__(*args, **kwargs)
        self.settlement = settlement
        self.currencies = {c.code: c for c in currencies}
        self.fields["connection"].choices = [(str(c.pk), c.name) for c in connections]
        for code, currency in sorted(self.currencies.items()):
            self.fields[f"expected_{code}"] = forms.CharField(
                required=False,
                max_length=100,
                label=f"Expected {code}",
                help_text=f"In whole {code} ({currency.decimals} decimals), from your side: “-0.25” you lose, "
                "“0.25” you gain. Leave empty to expect nothing in this currency.",
                widget=forms.TextInput(attrs=AMOUNT_ATTRS),
            )
        # The fields in reading order: connection, the amounts, the reason.
        self.order_fields(["connection", *[f"expected_{c}" for c in sorted(self.currencies)], "reason"])

    def expected_fields(self):
        return [self[f"expected_{code}"] for code in sorted(self.currencies)]

    def clean(self):
        cleaned = super().clean()
        expected = {}
        for code, currency in self.currencies.items():
            text = (cleaned.get(f"expected_{code}") or "").strip()
            if not text:
                continue
            try:
                expected[code] = _units(text, currency)
            except forms.ValidationError as error:
                self.add_error(f"expected_{code}", error)
        cleaned["expected_transfers"] = expected
        cleaned["reason"] = (cleaned.get("reason") or "").strip()
        return cleaned

    def expected_display(self) -> list[tuple[str, str, int]]:
        """(whole units, code, base units) of what the client expects, for step 2."""
        return [
            (format_units(q, self.currencies[code].decimals, signed=True), code, q)
            for code, q in sorted(self.cleaned_data["expected_transfers"].items())
        ]

    def dispute_fields(self) -> DisputeFields:
        data = self.cleaned_data
        return DisputeFields(
            settlement_id=self.settlement.pk,
            connection_id=uuid.UUID(data["connection"]),
            expected_transfers=data["expected_transfers"],
            nonce=data["nonce"],
            reason=data["reason"],
        )


class DisputeUpdateForm(DomainErrorForm):
    """Retracting an open dispute (its connection's transfers will complete) or un-retracting it (they will be held
    back again): which one is fixed by the dispute's state when the page was opened (`retracted`, hidden)."""

    reason = forms.CharField(required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2}))
    retracted = forms.TypedChoiceField(
        choices=[("true", "true"), ("false", "false")], coerce=lambda v: v == "true", widget=forms.HiddenInput
    )
    nonce = forms.RegexField(regex=NONCE_PATTERN, widget=forms.HiddenInput)

    def __init__(self, *args, dispute, **kwargs) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("nonce", new_nonce())
        initial.setdefault("retracted", "false" if dispute.retracted else "true")
        super().__init__(*args, **kwargs)
        self.dispute = dispute
        retracting = (self.data.get("retracted") or initial["retracted"]) == "true"
        self.fields["reason"].label = "Why you retract it" if retracting else "Why it stands again"

    def update_fields(self) -> DisputeUpdateFields:
        data = self.cleaned_data
        return DisputeUpdateFields(
            dispute_id=self.dispute.pk,
            connection_id=self.dispute.connection_id,
            retracted=data["retracted"],
            nonce=data["nonce"],
            reason=data["reason"].strip(),
        )


class DisputeCloseForm(DomainErrorForm):
    """The client closes its own dispute: it was not valid, so its connection's original transfers stand (they go
    into the partner's next settlement)."""

    notes = forms.CharField(
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the dispute is closed (for instance: the partner showed the missing trades).",
    )
    nonce = forms.RegexField(regex=NONCE_PATTERN, widget=forms.HiddenInput)

    def __init__(self, *args, dispute, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("nonce", new_nonce())
        super().__init__(*args, **kwargs)
        self.dispute = dispute

    def clean_notes(self) -> str:
        notes = self.cleaned_data["notes"].strip()
        if not notes:
            raise forms.ValidationError("Say why the dispute is closed.")
        return notes

    def close_fields(self) -> DisputeCloseFields:
        return DisputeCloseFields(
            dispute_id=self.dispute.pk, notes=self.cleaned_data["notes"], nonce=self.cleaned_data["nonce"]
        )


# --- the partner's settlements ---------------------------------------------------------------------------------------


def _cutoff_initial() -> str:
    return timezone.now().strftime("%Y-%m-%dT%H:%M")


class SettlementForm(DomainErrorForm):
    """A partner's settlement: `rows` rows of connection, currency, signed amount in whole units (empty rows are
    left out), notes, and for partners with disputes enabled (`v2`) the cutoff (the newest trade settled).

    `held`: connection id → currency code → what the connection holds (base units). A net loss above it is refused
    here, before anything is signed; the service decides again when the request is sent."""

    external_id = forms.CharField(
        max_length=255, label="Settlement ID", help_text="Your own id for it (externalId): a retry reuses it."
    )
    notes = forms.CharField(required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2}))
    cutoff_at = forms.DateTimeField(
        required=False,
        label="Cutoff (UTC)",
        help_text="The newest trade this settlement covers; clients may dispute until the dispute window after it.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"),
        input_formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"],
    )
    rows = forms.IntegerField(min_value=1, max_value=MAX_ROWS, widget=forms.HiddenInput)
    nonce = forms.RegexField(regex=NONCE_PATTERN, widget=forms.HiddenInput)

    def __init__(self, *args, connections, currencies, held, v2: bool, rows: int = DEFAULT_ROWS, **kwargs) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("nonce", new_nonce())
        initial.setdefault("external_id", f"settlement-{timezone.now():%Y%m%d}-{uuid.uuid4().hex[:6]}")
        initial.setdefault("cutoff_at", _cutoff_initial())
        initial["rows"] = rows
        super().__init__(*args, **kwargs)
        if self.is_bound:
            try:
                rows = max(1, min(MAX_ROWS, int(self.data.get("rows", rows))))
            except (TypeError, ValueError):
                rows = DEFAULT_ROWS
        self.row_count = rows
        self.connections = {str(c.pk): c for c in connections}
        self.currencies = {c.code: c for c in currencies}
        self.held = held
        self.v2 = v2
        if v2:
            self.fields["cutoff_at"].required = True
        else:
            del self.fields["cutoff_at"]
        connection_choices = [("", "—"), *[(str(c.pk), _connection_label(c)) for c in connections]]
        currency_choices = [("", "—"), *[(code, code) for code in sorted(self.currencies)]]
        for i in range(rows):
            self.fields[f"row{i}_connection"] = forms.ChoiceField(
                required=False, label="Connection", choices=connection_choices
            )
            self.fields[f"row{i}_currency"] = forms.ChoiceField(
                required=False, label="Currency", choices=currency_choices
            )
            self.fields[f"row{i}_amount"] = forms.CharField(
                required=False,
                max_length=100,
                label="Amount",
                widget=forms.TextInput(attrs=AMOUNT_ATTRS),
            )

    def row_fields(self) -> list[tuple]:
        return [
            (i, self[f"row{i}_connection"], self[f"row{i}_currency"], self[f"row{i}_amount"])
            for i in range(self.row_count)
        ]

    def clean_external_id(self) -> str:
        value = self.cleaned_data["external_id"].strip()
        if not value:
            raise forms.ValidationError("Give the settlement an id.")
        return value

    def clean_cutoff_at(self) -> datetime.datetime | None:
        value = self.cleaned_data.get("cutoff_at")
        if value is not None:
            value = value.astimezone(datetime.UTC).replace(microsecond=0)
        return value

    def clean(self):
        cleaned = super().clean()
        movements: list[Movement] = []
        seen: set[tuple[str, str]] = set()
        for i in range(self.row_count):
            connection_id = cleaned.get(f"row{i}_connection") or ""
            code = cleaned.get(f"row{i}_currency") or ""
            text = (cleaned.get(f"row{i}_amount") or "").strip()
            if not (connection_id or code or text):
                continue
            if not connection_id:
                self.add_error(f"row{i}_connection", "Choose the connection.")
            if not code:
                self.add_error(f"row{i}_currency", "Choose the currency.")
            if not text:
                self.add_error(f"row{i}_amount", "Give the amount.")
            if not (connection_id and code and text):
                continue
            try:
                quantity = _units(text, self.currencies[code])
            except forms.ValidationError as error:
                self.add_error(f"row{i}_amount", error)
                continue
            if quantity == 0:
                self.add_error(f"row{i}_amount", "Leave the row empty rather than settle 0.")
                continue
            if (connection_id, code) in seen:
                self.add_error(f"row{i}_currency", "This connection and currency are on another row already.")
                continue
            seen.add((connection_id, code))
            held = self.held.get(connection_id, {}).get(code, 0)
            if quantity < 0 and -quantity > held:
                currency = self.currencies[code]
                self.add_error(
                    f"row{i}_amount",
                    f"{self.connections[connection_id].name} holds {format_units(held, currency.decimals, code)}: "
                    f"it cannot lose {format_units(-quantity, currency.decimals, code)}.",
                )
                continue
            movements.append(Movement(uuid.UUID(connection_id), code, quantity))
        if not movements and not self.errors:
            self.add_error(None, "Fill in at least one row: a connection, a currency and an amount.")
        cleaned["movements"] = tuple(movements)
        return cleaned

    def settlement_fields(self) -> SettlementFields:
        data = self.cleaned_data
        cutoff = data.get("cutoff_at") if self.v2 else None
        return SettlementFields(
            external_id=data["external_id"],
            movements=data["movements"],
            counterparty_form=False,
            nonce=data["nonce"],
            notes=data["notes"].strip(),
            cutoff_at=cutoff,
            cutoff_at_text=cutoff.strftime("%Y-%m-%dT%H:%M:%SZ") if cutoff else "",
        )

    def movement_lines(self) -> list[dict]:
        """The rows as step 2 shows them: connection, whole units (signed), base units, what it holds."""
        lines = []
        for movement in self.cleaned_data["movements"]:
            currency = self.currencies[movement.currency]
            connection = self.connections[str(movement.connection_id)]
            held = self.held.get(str(movement.connection_id), {}).get(movement.currency, 0)
            lines.append(
                {
                    "connection": connection,
                    "code": movement.currency,
                    "units": format_units(movement.quantity, currency.decimals, movement.currency, signed=True),
                    "base": movement.quantity,
                    "held": format_units(held, currency.decimals, movement.currency),
                }
            )
        return lines


def _connection_label(connection) -> str:
    return f"{connection.name} ({connection.client.enterprise.name})"
