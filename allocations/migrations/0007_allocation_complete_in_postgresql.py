"""A partner's clearing or release of a reserved allocation in one round trip: `allocation_complete(...)`.

It locks the allocation row, answers 'NotReserved' (nothing written) when a concurrent update completed it first,
spends the nonce ('NonceReused', nothing written), makes the completing posting through `ledger_post` (a refusal
takes the nonce back and is answered as ledger_post's, nothing written) and records the allocation's new status,
reason, partner reference and completion. The caller (allocations.services.allocations) has read the allocation and
the partner's signing keys in one statement and checked the request; on 'NotReserved' it reads the allocation again
and answers as for a final one. PostgreSQL only; on SQLite the service runs the same steps in Python.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION allocation_complete(
    p_allocation uuid, p_organization uuid, p_nonce text, p_now timestamptz,
    p_status text, p_reason text, p_reason_code text, p_partner_external_id text,
    p_posting_id uuid, p_posting_kind text, p_memo text,
    p_owners uuid[], p_kinds text[], p_currencies bigint[], p_amounts numeric[],
    OUT outcome text, OUT refused_line integer, OUT refused_balance numeric
) LANGUAGE plpgsql AS $$
DECLARE
    current_status text;
    posted record;
BEGIN
    SELECT a.status INTO current_status FROM allocations_allocation a WHERE a.id = p_allocation FOR UPDATE;
    IF current_status IS DISTINCT FROM 'reserved' THEN
        outcome := 'NotReserved';
        RETURN;
    END IF;
    INSERT INTO organizations_usednonce (organization_id, nonce, used_at) VALUES (p_organization, p_nonce, p_now)
    ON CONFLICT (organization_id, nonce) DO NOTHING;
    IF NOT FOUND THEN
        outcome := 'NonceReused';
        RETURN;
    END IF;
    SELECT * INTO posted FROM ledger_post(
        p_posting_id, p_posting_kind, p_memo, NULL, p_now, p_owners, p_kinds, p_currencies, p_amounts);
    IF posted.refusal IS NOT NULL THEN
        DELETE FROM organizations_usednonce WHERE organization_id = p_organization AND nonce = p_nonce;
        outcome := posted.refusal;
        refused_line := posted.refused_line;
        refused_balance := posted.refused_balance;
        RETURN;
    END IF;
    UPDATE allocations_allocation
    SET completion_id = p_posting_id, status = p_status, reason = p_reason, reason_code = p_reason_code,
        partner_external_id = p_partner_external_id, updated_at = p_now
    WHERE id = p_allocation;
    outcome := 'completed';
END $$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS allocation_complete(
    uuid, uuid, text, timestamptz, text, text, text, text, uuid, text, text, uuid[], text[], bigint[], numeric[]);
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # plpgsql `%` placeholders are not query parameters

    return run


class Migration(migrations.Migration):
    dependencies = [("allocations", "0006_allocation_record_refusal_writes_nothing")]

    operations = [migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD))]
