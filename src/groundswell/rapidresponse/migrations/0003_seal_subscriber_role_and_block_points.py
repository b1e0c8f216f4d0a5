"""A subscriber's role is sealed (the column name is bound into each ciphertext, so the
plain column is renamed aside, a sealed ``role`` added, every row copied, the plain one
dropped), and every stored home point becomes the centre of its block-level cell
(targeting.block_point), as new points are stored."""

import math

from django.db import migrations, models

import groundswell.core.crypto

BLOCK_DEGREES = 0.0005  # targeting.BLOCK_DEGREES when this was written


def _snap(value):
    return round((math.floor(value / BLOCK_DEGREES) + 0.5) * BLOCK_DEGREES, 6)


def seal(apps, schema_editor):
    Subscriber = apps.get_model("rapidresponse", "Subscriber")
    batch = []
    for sub in Subscriber._base_manager.only("pk", "plain_role", "latitude", "longitude") \
            .iterator(chunk_size=2000):
        sub.role = sub.plain_role or "neighbor"
        if sub.latitude is not None and sub.longitude is not None:
            sub.latitude, sub.longitude = _snap(sub.latitude), _snap(sub.longitude)
        batch.append(sub)
        if len(batch) == 2000:
            Subscriber._base_manager.bulk_update(batch, ["role", "latitude", "longitude"])
            batch = []
    if batch:
        Subscriber._base_manager.bulk_update(batch, ["role", "latitude", "longitude"])


def unseal(apps, schema_editor):
    Subscriber = apps.get_model("rapidresponse", "Subscriber")
    for sub in Subscriber._base_manager.only("pk", "role").iterator(chunk_size=2000):
        Subscriber._base_manager.filter(pk=sub.pk).update(plain_role=sub.role)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        ("people", "0002_search_index"),
        ("rapidresponse", "0002_alert_chunks"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="subscriber",
            name="rapidrespon_network_75f50d_idx",
        ),
        migrations.RenameField("subscriber", "role", "plain_role"),
        migrations.AddField(
            model_name="subscriber",
            name="role",
            field=groundswell.core.crypto.EncryptedTextField(
                choices=[("neighbor", "Neighbor"), ("responder", "Responder"),
                         ("legal_observer", "Legal observer"), ("dispatcher", "Dispatcher")],
                default="neighbor", verbose_name="role"),
        ),
        migrations.RunPython(seal, unseal),
        migrations.RemoveField("subscriber", "plain_role"),
        migrations.AddIndex(
            model_name="subscriber",
            index=models.Index(fields=["network", "left_at"],
                               name="rapidrespon_network_22f09a_idx"),
        ),
    ]
