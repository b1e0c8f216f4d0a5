"""The reason written beside an engagement rating is sealed (an organizer's words about
a person). The column name is bound into each ciphertext, so the plain column is renamed
aside, a sealed ``reason`` added, every row copied, and the plain column dropped."""

from django.db import migrations

import groundswell.core.crypto


def seal(apps, schema_editor):
    Assessment = apps.get_model("people", "Assessment")
    batch = []
    for row in Assessment._base_manager.only("pk", "plain_reason").iterator(chunk_size=2000):
        if not row.plain_reason:
            continue
        row.reason = row.plain_reason
        batch.append(row)
        if len(batch) == 2000:
            Assessment._base_manager.bulk_update(batch, ["reason"])
            batch = []
    if batch:
        Assessment._base_manager.bulk_update(batch, ["reason"])


def unseal(apps, schema_editor):
    Assessment = apps.get_model("people", "Assessment")
    for row in Assessment._base_manager.only("pk", "reason").iterator(chunk_size=2000):
        if row.reason:
            Assessment._base_manager.filter(pk=row.pk).update(plain_reason=row.reason[:200])


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0002_search_index"),
    ]

    operations = [
        migrations.RenameField("assessment", "reason", "plain_reason"),
        migrations.AddField(
            model_name="assessment",
            name="reason",
            field=groundswell.core.crypto.EncryptedTextField(blank=True, verbose_name="why"),
        ),
        migrations.RunPython(seal, unseal),
        migrations.RemoveField("assessment", "plain_reason"),
    ]
