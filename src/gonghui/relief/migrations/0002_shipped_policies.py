"""The four relief policies of the seed (see gonghui.relief.policies), published from 2020-01-01."""

import datetime
from decimal import Decimal

from django.db import migrations


def forwards(apps, schema_editor):
    from gonghui.relief.policies import SHIPPED

    Policy = apps.get_model("relief", "Policy")
    PolicyVersion = apps.get_model("relief", "PolicyVersion")
    for item in SHIPPED:
        policy, created = Policy.objects.get_or_create(code=item["code"], defaults={"name": item["name"]})
        if not created:
            continue
        PolicyVersion.objects.create(
            policy=policy, number=1, status="published", effective_from=datetime.date(2020, 1, 1), spec=item["spec"],
            review_levels=item["review_levels"], notice_days=item["notice_days"], note=item["note"],
            escalate_above=Decimal(item["escalate_above"]) if item.get("escalate_above") else None)


class Migration(migrations.Migration):
    dependencies = [("relief", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
