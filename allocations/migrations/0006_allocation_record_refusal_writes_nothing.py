"""An allocation's record writes nothing when its posting is refused, and three fewer indexes per allocation.

`allocation_record(...)` (0005) kept the nonce spent when `ledger_post` refused the posting, for the caller to
insert the refused allocation in the same transaction. The allocation service now runs without a transaction of its
own on PostgreSQL (each `allocation_record` call is one statement, atomic by itself), so a refusal takes the nonce
back (DELETE of the row the call just inserted) and answers the refusal with nothing written; the caller records
the refused allocation with a second call, which spends the nonce. Same signature, so `CREATE OR REPLACE`.

The allocation's connection, client and partner, and a ledger entry's account, lose their single-column indexes:
each leads a composite index (the allocation's list orderings, `ledger_entry_account`), which serves a look-up by it
alone.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models


RECORD = """
CREATE OR REPLACE FUNCTION allocation_record(
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
            DELETE FROM organizations_usednonce WHERE organization_id = p_organization AND nonce = p_nonce;
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
"""


def _replace_record(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RECORD, params=None)  # plpgsql `%` placeholders are not query parameters


def _restore_record(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        old = importlib.import_module("allocations.migrations.0005_ledger_post_in_postgresql")
        start = old.FORWARD.index("CREATE FUNCTION allocation_record(")
        end = old.FORWARD.index("CREATE FUNCTION ledger_account_balance_guard()")
        schema_editor.execute(old.FORWARD[start:end].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"), None)


class Migration(migrations.Migration):
    dependencies = [
        ("allocations", "0005_ledger_post_in_postgresql"),
        ("partners", "0005_trust_org_labels"),
    ]

    operations = [
        migrations.RunPython(_replace_record, _restore_record),
        migrations.AlterField(
            model_name="allocation",
            name="client",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="allocations",
                to="partners.networkclient",
            ),
        ),
        migrations.AlterField(
            model_name="allocation",
            name="connection",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="allocations",
                to="partners.connection",
            ),
        ),
        migrations.AlterField(
            model_name="allocation",
            name="partner",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="allocations",
                to="partners.partner",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="entries",
                to="allocations.ledgeraccount",
            ),
        ),
    ]
