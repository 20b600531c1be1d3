"""A merged file names a file that is not itself merged (one step), as merges keep it from now on
(orgs.services.move_person_records): files merged before into a file later merged again are re-pointed."""

from django.db import migrations
from django.db.models import F


def flatten(apps, schema_editor):
    Person = apps.get_model("orgs", "Person")
    for _depth in range(100):
        chained = Person.objects.filter(merged_into__merged_into__isnull=False)
        if not chained.exists():
            return
        for person in chained.annotate(root=F("merged_into__merged_into")).only("pk"):
            Person.objects.filter(pk=person.pk).update(merged_into_id=person.root)


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0012_person_id_type_guardian_consent'),
    ]

    operations = [migrations.RunPython(flatten, migrations.RunPython.noop)]
