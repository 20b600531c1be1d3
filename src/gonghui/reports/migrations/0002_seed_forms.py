"""The four forms of 三表一单, shipped ready to assign."""

from django.db import migrations


def ship(apps, schema_editor):  # noqa: ANN001, ANN201
    from gonghui.reports.seed_forms import install

    install(apps.get_model("reports", "FormTemplate"), apps.get_model("reports", "FormVersion"))


def unship(apps, schema_editor):  # noqa: ANN001, ANN201
    from gonghui.reports.seed_forms import SEED_FORMS

    apps.get_model("reports", "FormTemplate").objects.filter(code__in=[f["code"] for f in SEED_FORMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(ship, unship)]
