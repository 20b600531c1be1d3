"""A target is a stretch of days an enterprise owes reports (`since`, `until`): the targets made before this owe
from their assignment's start, as they did; the daily sync then closes those of suspended or closed enterprises."""

import django.db.models.expressions
from django.db import migrations, models


def since_the_assignment_start(apps, schema_editor):
    target_model = apps.get_model("reports", "Target")
    assignment_model = apps.get_model("reports", "Assignment")
    for pk, start_on in assignment_model.objects.values_list("pk", "start_on").iterator():
        target_model.objects.filter(assignment_id=pk).update(since=start_on)


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0005_assignment_tag"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="target", name="target_once"),
        migrations.AddField(model_name="target", name="since",
                            field=models.DateField(null=True, verbose_name="应报起始日")),
        migrations.AddField(model_name="target", name="until",
                            field=models.DateField(blank=True, null=True, verbose_name="应报截止日")),
        migrations.RunPython(since_the_assignment_start, migrations.RunPython.noop),
        migrations.AlterField(model_name="target", name="since", field=models.DateField(verbose_name="应报起始日")),
        migrations.AddConstraint(
            model_name="target",
            constraint=models.UniqueConstraint(fields=("assignment", "enterprise", "since"), name="target_window_once"),
        ),
        migrations.AddConstraint(
            model_name="target",
            constraint=models.UniqueConstraint(condition=models.Q(("until__isnull", True)),
                                               fields=("assignment", "enterprise"), name="target_one_open_window"),
        ),
        migrations.AddConstraint(
            model_name="target",
            constraint=models.CheckConstraint(
                condition=models.Q(("until__isnull", True),
                                   ("until__gte", django.db.models.expressions.F("since")), _connector="OR"),
                name="target_window_forward"),
        ),
    ]
