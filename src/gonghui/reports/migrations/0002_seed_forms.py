"""The four forms of 三表一单, shipped ready to assign."""

from django.db import migrations


def ship(apps, schema_editor):  # noqa: ANN001, ANN201
    from gonghui.reports.seed_forms import SEED_FORMS

    FormTemplate = apps.get_model("reports", "FormTemplate")
    FormVersion = apps.get_model("reports", "FormVersion")
    for form in SEED_FORMS:
        template, created = FormTemplate.objects.get_or_create(code=form["code"], defaults={
            "name": form["name"], "description": form["description"], "approval_step": form["approval_step"]})
        if created:
            FormVersion.objects.create(template=template, number=1, schema=form["schema"])


def unship(apps, schema_editor):  # noqa: ANN001, ANN201
    from gonghui.reports.seed_forms import SEED_FORMS

    apps.get_model("reports", "FormTemplate").objects.filter(code__in=[f["code"] for f in SEED_FORMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(ship, unship)]
