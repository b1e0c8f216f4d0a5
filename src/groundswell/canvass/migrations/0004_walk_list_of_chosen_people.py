# A walk list of chosen people's doors (an event's follow-up list) has no turf.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('canvass', '0003_question_rsvp'),
        ('geo', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='walklist',
            name='turf',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='walk_lists', to='geo.turf'),
        ),
    ]
