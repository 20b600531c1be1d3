"""The four relief policies of the seed (see gonghui.relief.policies), published from 2020-01-01."""

from django.db import migrations


def forwards(apps, schema_editor):
    from gonghui.relief.policies import install

    install(apps.get_model("relief", "Policy"), apps.get_model("relief", "PolicyVersion"))


class Migration(migrations.Migration):
    dependencies = [("relief", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
