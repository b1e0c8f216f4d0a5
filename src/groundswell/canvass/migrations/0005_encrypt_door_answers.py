"""Door-visit answers are sealed like the notes beside them: the plain JSON column is
renamed aside, a sealed column takes the name ``answers`` (the name is bound into each
ciphertext), every row is copied across, and the plain column is dropped."""

from django.db import migrations

import groundswell.core.crypto


def seal(apps, schema_editor):
    DoorVisit = apps.get_model("canvass", "DoorVisit")
    batch = []
    for visit in DoorVisit._base_manager.only("pk", "plain_answers").iterator(chunk_size=2000):
        visit.answers = visit.plain_answers or {}
        batch.append(visit)
        if len(batch) == 2000:
            DoorVisit._base_manager.bulk_update(batch, ["answers"])
            batch = []
    if batch:
        DoorVisit._base_manager.bulk_update(batch, ["answers"])


def unseal(apps, schema_editor):
    DoorVisit = apps.get_model("canvass", "DoorVisit")
    for visit in DoorVisit._base_manager.only("pk", "answers").iterator(chunk_size=2000):
        DoorVisit._base_manager.filter(pk=visit.pk).update(plain_answers=visit.answers)


class Migration(migrations.Migration):

    dependencies = [
        ("canvass", "0004_walk_list_of_chosen_people"),
    ]

    operations = [
        migrations.RenameField("doorvisit", "answers", "plain_answers"),
        migrations.AddField(
            model_name="doorvisit",
            name="answers",
            field=groundswell.core.crypto.EncryptedJSONField(blank=True, default=dict),
        ),
        migrations.RunPython(seal, unseal),
        migrations.RemoveField("doorvisit", "plain_answers"),
    ]
