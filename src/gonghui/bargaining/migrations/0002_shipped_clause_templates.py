"""The shipped wording of each content area (集体合同规定 第八条): what a new clause starts from."""

from django.db import migrations


def ship(apps, schema_editor):  # noqa: ANN001, ANN201
    from gonghui.bargaining.clause_texts import SHIPPED

    ClauseTemplate = apps.get_model("bargaining", "ClauseTemplate")
    for area, (title, text) in SHIPPED.items():
        ClauseTemplate.objects.get_or_create(area=area, unit=None, defaults={"title": title, "text": text})


def unship(apps, schema_editor):  # noqa: ANN001, ANN201
    apps.get_model("bargaining", "ClauseTemplate").objects.filter(unit__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("bargaining", "0001_initial")]
    operations = [migrations.RunPython(ship, unship)]
