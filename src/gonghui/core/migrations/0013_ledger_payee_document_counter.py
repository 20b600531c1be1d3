"""The ledger's payee becomes a real reference to the person's file; one counter for document numbers.

The payee column keeps its name and values (`payee_person_id`): the state learns it is a foreign key, then the
database gets the constraint. On SQLite that rebuilds the table, which drops its append-only triggers: they are
put back right after (gonghui.core.audit_guard). An entry naming a file that does not exist stops the migration
with the entries to look at, rather than a bare constraint error.
"""

import django.db.models.deletion
from django.db import migrations, models

from gonghui.core import audit_guard


def check_payees(apps, schema_editor):
    PaymentEntry = apps.get_model("core", "PaymentEntry")
    Payee = apps.get_model("orgs", "Person")
    orphans = list(PaymentEntry.objects.exclude(payee_person_id__in=Payee.objects.values("pk"))
                   .values_list("pk", flat=True)[:20])
    if orphans:
        raise RuntimeError(f"ledger entries name a payee file that does not exist: {orphans}")


def lift_guard(apps, schema_editor):
    audit_guard.remove(schema_editor, ("ledger",))


def put_guard_back(apps, schema_editor):
    audit_guard.install(schema_editor, ("ledger",))


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0012_calendarday_arrangement'),
        ('orgs', '0012_person_id_type_guardian_consent'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name='paymententry', name='ledger_purpose_payee_idx'),
                migrations.RemoveField(model_name='paymententry', name='payee_person_id'),
                migrations.AddField(
                    model_name='paymententry',
                    name='payee_person',
                    field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name='+', to='orgs.person',
                                            verbose_name='收款人档案'),
                ),
                migrations.AddIndex(
                    model_name='paymententry',
                    index=models.Index(fields=['purpose_code', 'payee_person'], name='ledger_purpose_payee_idx'),
                ),
            ],
            database_operations=[],  # the same column and indexes
        ),
        migrations.RunPython(check_payees, migrations.RunPython.noop),
        migrations.RunPython(lift_guard, put_guard_back),
        migrations.AlterField(
            model_name='paymententry',
            name='payee_person',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+',
                                    to='orgs.person', verbose_name='收款人档案'),
        ),
        migrations.RunPython(put_guard_back, lift_guard),
        migrations.CreateModel(
            name='DocumentCounter',
            fields=[
                ('key', models.CharField(max_length=80, primary_key=True, serialize=False)),
                ('value', models.BigIntegerField(default=0)),
            ],
            options={
                'verbose_name': '文书编号计数器',
                'verbose_name_plural': '文书编号计数器',
            },
        ),
    ]
