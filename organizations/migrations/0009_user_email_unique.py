"""One account per email address, case-insensitive, decided by the database (concurrent sign-ups through one
invitation link made several accounts with one email). Accounts without an email (staff made in the shell) are not
concerned. Django's User model belongs to django.contrib.auth, so the index is created here in SQL (PostgreSQL and
SQLite both take an expression index with a condition)."""

from django.db import migrations

INDEX = "auth_user_email_ci_unique"


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("organizations", "0008_partners_and_invitations_moved"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE UNIQUE INDEX {INDEX} ON auth_user (LOWER(email)) WHERE email <> ''",
            f"DROP INDEX {INDEX}",
        ),
    ]
