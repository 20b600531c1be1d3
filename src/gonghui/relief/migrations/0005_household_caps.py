"""A household is its members: `HouseholdMember.id_number` (sealed) and `id_hash` (computed as a registry person's),
filled for the members linked to a registry file and for each file's 本人; the shipped policies' caps corrected to
what the seed says (a cap belongs to the category its text names; "other" relief is per event, not once a life)."""

from django.db import migrations, models

import gonghui.core.fields


def fill_member_hashes(apps, schema_editor):
    member_model = apps.get_model("relief", "HouseholdMember")
    for member in member_model.objects.select_related("person", "file__person").iterator(chunk_size=2000):
        source = member.person or (member.file.person if member.relation == "本人" else None)
        if source is None or not source.id_hash:
            continue
        member.id_number, member.id_hash = source.id_number, source.id_hash
        member.save(update_fields=["id_number", "id_hash"])


def correct_shipped_caps(apps, schema_editor):
    from gonghui.relief.policies import SHIPPED, SHIPPED_BEFORE_0005

    version_model = apps.get_model("relief", "PolicyVersion")
    application_model = apps.get_model("relief", "Application")
    shipped = {item["code"]: item for item in SHIPPED}
    for code, old_caps in SHIPPED_BEFORE_0005.items():
        item = shipped[code]
        for version in version_model.objects.filter(policy__code=code):
            if (version.spec or {}).get("caps") != old_caps:
                continue  # an official's own version: theirs to change
            version.spec = {**version.spec, "caps": item["spec"]["caps"]}
            version.note = item["note"]
            version.save(update_fields=["spec", "note"])
            groups = sorted({cap.get("group") or code for cap in item["spec"]["caps"]
                             if cap.get("kind") == "per_household_year"})
            application_model.objects.filter(version=version).update(cap_groups=groups)
    epidemic = shipped["epidemic-grant-1000"]
    for version in version_model.objects.filter(policy__code="epidemic-grant-1000"):
        if version.spec == epidemic["spec"]:
            version.note = epidemic["note"]
            version.save(update_fields=["note"])


class Migration(migrations.Migration):

    dependencies = [
        ("relief", "0004_money_batch_budget"),
    ]

    operations = [
        migrations.AddField(
            model_name="householdmember",
            name="id_hash",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="householdmember",
            name="id_number",
            field=gonghui.core.fields.EncryptedTextField(blank=True, default="", verbose_name="身份证号"),
        ),
        migrations.RunPython(fill_member_hashes, migrations.RunPython.noop),
        migrations.RunPython(correct_shipped_caps, migrations.RunPython.noop),
    ]
