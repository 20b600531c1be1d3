from django.db import migrations

BUILTIN = ("劳模", "一线职工", "农民工", "灵活就业", "困难职工", "退役军人")


def forwards(apps, schema_editor):
    Tag = apps.get_model("orgs", "Tag")
    for name in BUILTIN:
        Tag.objects.get_or_create(name=name, defaults={"builtin": True})


class Migration(migrations.Migration):
    dependencies = [("orgs", "0002_tag_enterprise_person_consent_and_more")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
