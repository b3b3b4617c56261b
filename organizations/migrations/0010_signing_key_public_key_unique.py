from django.db import migrations, models
from django.db.models import Count


def refuse_shared_keys(apps, schema_editor):
    """A public key registered by several organizations cannot be given to one of them by a migration: stop and say
    which, so staff deactivate and remove the wrong registrations first (issue 14, H1)."""
    SigningKey = apps.get_model("organizations", "SigningKey")
    shared = list(
        SigningKey.objects.values("compressed_public_key")
        .annotate(organizations=Count("organization", distinct=True))
        .filter(organizations__gt=1)
        .values_list("compressed_public_key", flat=True)[:20]
    )
    if shared:
        raise RuntimeError(
            "These public keys are registered by more than one organization; keep each in one organization, then "
            f"migrate again: {', '.join(shared)}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0009_user_email_unique"),
    ]

    operations = [
        migrations.RunPython(refuse_shared_keys, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="signingkey",
            name="signing_key_unique_per_organization",
        ),
        migrations.AddConstraint(
            model_name="signingkey",
            constraint=models.UniqueConstraint(fields=("compressed_public_key",), name="signing_key_public_key_unique"),
        ),
    ]
