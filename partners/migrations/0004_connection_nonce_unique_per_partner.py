from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0003_network"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="connection",
            constraint=models.UniqueConstraint(fields=("partner", "nonce"), name="connection_nonce_unique_per_partner"),
        ),
    ]
