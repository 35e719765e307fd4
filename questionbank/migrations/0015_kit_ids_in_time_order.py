"""New kits get time-ordered ids (UUID version 7, `models.new_kit_id`).

The default is Django's, not the database's: nothing changes in the schema. Only
the model state is altered, since SQLite's schema editor would otherwise copy the
whole kit table to change nothing.
"""

from django.db import migrations, models

import questionbank.models


class Migration(migrations.Migration):
    dependencies = [("questionbank", "0014_bank_version_notify")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="kit",
                    name="id",
                    field=models.UUIDField(
                        default=questionbank.models.new_kit_id,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
            ],
        ),
    ]
