"""PL/pgSQL functions: the ledger posting and an allocation's record, and the balances tied to the posting
(PostgreSQL only; on SQLite, allocations.services runs the same rules in Python).

`ledger_post(...)` takes a transaction's lines as parallel arrays (owner, kind, currency, amount), creates the
accounts it touches on first use, locks them in ascending id order, refuses an overdraft of a non-external account or
a balance past NUMERIC(78,0) without writing anything (it answers the refusal and the line it concerns; the caller's
transaction stays usable), and otherwise writes the new balances, the transaction and its entries: one round trip.

`allocation_record(...)` records a client's allocation or deallocation in one round trip: its nonce, its first
posting (through `ledger_post`) and its row (allocations.services.allocations).

The stored balance has one writer: `ledger_account_balance_guard` refuses an account inserted with a balance other
than zero, and any change of a balance outside `ledger_post` (which opens the door with a transaction-local setting
for its one UPDATE, and closes it again). `ledger_verify` still recomputes every balance from the entries.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION ledger_post(
    p_id uuid, p_kind text, p_memo text, p_created_by integer, p_now timestamptz,
    p_owners uuid[], p_kinds text[], p_currencies bigint[], p_amounts numeric[],
    OUT refusal text, OUT refused_line integer, OUT refused_balance numeric
) LANGUAGE plpgsql AS $$
DECLARE
    wanted integer;
    locked integer;
    refused record;
BEGIN
    IF EXISTS (SELECT FROM unnest(p_currencies, p_amounts) AS l(currency_id, amount)
               GROUP BY l.currency_id HAVING sum(l.amount) <> 0) THEN
        RAISE EXCEPTION 'ledger_post: the lines of % do not sum to zero per currency', p_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT count(*) INTO wanted FROM (SELECT DISTINCT * FROM unnest(p_owners, p_kinds, p_currencies)) AS keys;

    -- Lock the accounts in ascending id order; create the missing ones (a first posting to them) and lock again.
    FOR attempt IN 1..2 LOOP
        SELECT count(*) INTO locked FROM (
            SELECT a.id FROM allocations_ledgeraccount a
            WHERE (a.owner_id, a.kind, a.currency_id) IN (SELECT * FROM unnest(p_owners, p_kinds, p_currencies))
            ORDER BY a.id FOR UPDATE
        ) AS accounts;
        EXIT WHEN locked = wanted OR attempt = 2;
        INSERT INTO allocations_ledgeraccount (owner_id, kind, currency_id, balance, created_at, updated_at)
        SELECT DISTINCT l.owner_id, l.kind, l.currency_id, 0, p_now, p_now
        FROM unnest(p_owners, p_kinds, p_currencies) AS l(owner_id, kind, currency_id)
        ON CONFLICT (owner_id, kind, currency_id) DO NOTHING;
    END LOOP;

    -- The first line (in the caller's order) whose account the posting would overdraw or overflow.
    SELECT d.line, a.balance, a.balance + d.delta AS after, a.kind INTO refused
    FROM (
        SELECT l.owner_id, l.kind, l.currency_id, sum(l.amount) AS delta, min(l.line) AS line
        FROM unnest(p_owners, p_kinds, p_currencies, p_amounts) WITH ORDINALITY
            AS l(owner_id, kind, currency_id, amount, line)
        GROUP BY l.owner_id, l.kind, l.currency_id
    ) d
    JOIN allocations_ledgeraccount a
        ON (a.owner_id, a.kind, a.currency_id) = (d.owner_id, d.kind, d.currency_id)
    WHERE (a.kind <> 'external' AND a.balance + d.delta < 0) OR abs(a.balance + d.delta) >= 1e78
    ORDER BY d.line
    LIMIT 1;
    IF FOUND THEN
        refusal := CASE WHEN abs(refused.after) >= 1e78 THEN 'LedgerBalanceOverflow' ELSE 'InsufficientFunds' END;
        refused_line := refused.line;
        refused_balance := refused.balance;
        RETURN;
    END IF;

    PERFORM set_config('ledger.posting', 'on', true);
    UPDATE allocations_ledgeraccount a SET balance = a.balance + d.delta, updated_at = p_now
    FROM (
        SELECT l.owner_id, l.kind, l.currency_id, sum(l.amount) AS delta
        FROM unnest(p_owners, p_kinds, p_currencies, p_amounts) AS l(owner_id, kind, currency_id, amount)
        GROUP BY l.owner_id, l.kind, l.currency_id
    ) d
    WHERE (a.owner_id, a.kind, a.currency_id) = (d.owner_id, d.kind, d.currency_id);
    PERFORM set_config('ledger.posting', '', true);

    INSERT INTO allocations_ledgertransaction (id, kind, memo, created_by_id, created_at)
    VALUES (p_id, p_kind, left(p_memo, 500), p_created_by, p_now);
    INSERT INTO allocations_ledgerentry (transaction_id, account_id, amount, created_at)
    SELECT p_id, a.id, l.amount, p_now
    FROM unnest(p_owners, p_kinds, p_currencies, p_amounts) WITH ORDINALITY
        AS l(owner_id, kind, currency_id, amount, line)
    JOIN allocations_ledgeraccount a
        ON (a.owner_id, a.kind, a.currency_id) = (l.owner_id, l.kind, l.currency_id)
    WHERE l.amount <> 0
    ORDER BY l.line;
END $$;

-- An allocation or deallocation recorded in one round trip: the nonce spent (or 'NonceReused', nothing written),
-- the first posting (unless p_posting_kind is NULL: a rule refused it, no money moves), the allocation row with it.
-- A posting refusal comes back as ledger_post's, nothing posted nor inserted (the nonce stays spent): the caller
-- records the refused allocation itself. A second allocation with the same clientExternalId fails on its unique
-- constraint as any insert would (unique_violation): the caller answers from the original.
CREATE FUNCTION allocation_record(
    p_allocation jsonb, p_organization uuid, p_nonce text, p_now timestamptz,
    p_posting_id uuid, p_posting_kind text, p_memo text,
    p_owners uuid[], p_kinds text[], p_currencies bigint[], p_amounts numeric[],
    OUT outcome text, OUT refused_line integer, OUT refused_balance numeric
) LANGUAGE plpgsql AS $$
DECLARE
    posted record;
BEGIN
    INSERT INTO organizations_usednonce (organization_id, nonce, used_at) VALUES (p_organization, p_nonce, p_now)
    ON CONFLICT (organization_id, nonce) DO NOTHING;
    IF NOT FOUND THEN
        outcome := 'NonceReused';
        RETURN;
    END IF;
    IF p_posting_kind IS NOT NULL THEN
        SELECT * INTO posted FROM ledger_post(
            p_posting_id, p_posting_kind, p_memo, NULL, p_now, p_owners, p_kinds, p_currencies, p_amounts);
        IF posted.refusal IS NOT NULL THEN
            outcome := posted.refusal;
            refused_line := posted.refused_line;
            refused_balance := posted.refused_balance;
            RETURN;
        END IF;
        p_allocation := p_allocation || jsonb_build_object('posting_id', p_posting_id);
    END IF;
    INSERT INTO allocations_allocation SELECT * FROM jsonb_populate_record(NULL::allocations_allocation, p_allocation);
    outcome := 'recorded';
END $$;

CREATE FUNCTION ledger_account_balance_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.balance <> 0 THEN
            RAISE EXCEPTION 'ledger account % is created with a balance of %: balances start at 0 and only '
                'ledger_post() changes them', NEW.id, NEW.balance
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    ELSIF NEW.balance IS DISTINCT FROM OLD.balance
            AND coalesce(current_setting('ledger.posting', true), '') <> 'on' THEN
        RAISE EXCEPTION 'ledger account % balance changed outside ledger_post(): only a posting writes balances',
            OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER ledger_account_balance_guard BEFORE INSERT OR UPDATE OF balance ON allocations_ledgeraccount
    FOR EACH ROW EXECUTE FUNCTION ledger_account_balance_guard();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS ledger_account_balance_guard ON allocations_ledgeraccount;
DROP FUNCTION IF EXISTS ledger_account_balance_guard();
DROP FUNCTION IF EXISTS allocation_record(
    jsonb, uuid, text, timestamptz, uuid, text, text, uuid[], text[], bigint[], numeric[]);
DROP FUNCTION IF EXISTS ledger_post(uuid, text, text, integer, timestamptz, uuid[], text[], bigint[], numeric[]);
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # plpgsql `%` placeholders are not query parameters

    return run


class Migration(migrations.Migration):
    dependencies = [("allocations", "0004_ledger_entry_plural")]

    operations = [migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD))]
