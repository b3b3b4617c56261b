"""The ledger's rules, enforced by PostgreSQL itself (on SQLite, allocations.services.ledger enforces them alone):

- entries and transactions are immutable: UPDATE and DELETE raise;
- every transaction sums to zero per currency: a deferred constraint trigger checks it at commit, once per
  transaction that received entries.

Balances never below zero (non-external accounts) and non-zero entries are CHECK constraints of 0001.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger % rows are immutable (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE OR DELETE ON allocations_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_transaction_immutable BEFORE UPDATE OR DELETE ON allocations_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unbalanced record;
BEGIN
    SELECT a.currency_id, SUM(e.amount) AS total INTO unbalanced
    FROM allocations_ledgerentry e JOIN allocations_ledgeraccount a ON a.id = e.account_id
    WHERE e.transaction_id = NEW.transaction_id
    GROUP BY a.currency_id
    HAVING SUM(e.amount) <> 0
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: currency % sums to %',
            NEW.transaction_id, unbalanced.currency_id, unbalanced.total
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ledger_entry_balanced AFTER INSERT ON allocations_ledgerentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS ledger_entry_balanced ON allocations_ledgerentry;
DROP FUNCTION IF EXISTS ledger_check_balanced();
DROP TRIGGER IF EXISTS ledger_transaction_immutable ON allocations_ledgertransaction;
DROP TRIGGER IF EXISTS ledger_entry_immutable ON allocations_ledgerentry;
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # plpgsql `%` placeholders are not query parameters

    return run


class Migration(migrations.Migration):
    dependencies = [("allocations", "0001_ledger")]

    operations = [migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD))]
