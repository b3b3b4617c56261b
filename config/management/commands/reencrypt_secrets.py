"""Re-encrypts every encrypted column of every model with the first key of ENCRYPTION_KEYS (after a rotation).

Rotation: put the new key first in ENCRYPTION_KEYS and keep the old ones after it, deploy, run this command, then
remove the old keys. Rows are read and written in batches of primary keys, each batch in its own transaction; a row
already encrypted with the first key is left alone, so running the command again changes nothing. Each write
compares the stored token it read, so a value the application rewrote meanwhile is never overwritten.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, router, transaction

from config.crypto import SecretUnreadable, encrypted_fields, is_current, rotate


class Command(BaseCommand):
    help = "Re-encrypts every encrypted column with the first key of ENCRYPTION_KEYS (run after adding a new key)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        unreadable_total = 0
        for field in encrypted_fields():
            rotated, current, unreadable = self.reencrypt_column(field, batch_size)
            unreadable_total += unreadable
            line = f"{field.model._meta.label}.{field.name}: {rotated} re-encrypted, {current} already current"
            if unreadable:
                line += f", {unreadable} UNREADABLE with every key"
            self.stdout.write(line)
        if unreadable_total:
            raise CommandError(
                f"{unreadable_total} value(s) cannot be decrypted with any key in ENCRYPTION_KEYS and were left as "
                "they are: put the key that encrypted them back in ENCRYPTION_KEYS and run the command again."
            )

    def reencrypt_column(self, field, batch_size: int) -> tuple[int, int, int]:
        model = field.model
        using = router.db_for_write(model)
        connection = connections[using]
        quote = connection.ops.quote_name
        table, pk, column = quote(model._meta.db_table), quote(model._meta.pk.column), quote(field.column)
        # Raw SQL: the ORM would hand back clear values; this works on the stored tokens themselves.
        select_first = f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY {pk} LIMIT %s"  # noqa: S608
        select_next = (
            f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL AND {pk} > %s ORDER BY {pk} LIMIT %s"  # noqa: S608
        )
        update = f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s"  # noqa: S608
        rotated = current = unreadable = 0
        last = None
        while True:
            with transaction.atomic(using=using), connection.cursor() as cursor:
                if last is None:
                    cursor.execute(select_first, [batch_size])
                else:
                    cursor.execute(select_next, [last, batch_size])
                rows = cursor.fetchall()
                for row_pk, token in rows:
                    if is_current(token):
                        current += 1
                        continue
                    try:
                        new_token = rotate(token)
                    except SecretUnreadable:
                        unreadable += 1
                        continue
                    cursor.execute(update, [new_token, row_pk, token])
                    if cursor.rowcount == 1:
                        rotated += 1
                    else:  # rewritten by the application meanwhile, with the current key
                        current += 1
            if len(rows) < batch_size:
                return rotated, current, unreadable
            last = rows[-1][0]
