"""Sign-in attempts recorded before issue 19 kept a typed name as typed (`name:<text>`), so an ID or card number
typed as a user name sat there in plain text. They are rewritten as the keyed hash `orgs.auth.attempt_key` now
keeps, so lockout goes on counting the same typed name."""

from django.db import migrations


def hash_typed_names(apps, schema_editor):  # noqa: ANN001, ANN201
    from gonghui.core.crypto import lookup_hash

    attempt = apps.get_model("orgs", "LoginAttempt")
    for pk, username in attempt.objects.filter(username__startswith="name:").values_list("pk", "username").iterator():
        typed = username[len("name:"):]
        if len(typed) == 32 and all(c in "0123456789abcdef" for c in typed):
            continue  # already a keyed hash
        attempt.objects.filter(pk=pk).update(username=f"name:{lookup_hash(typed.strip().lower(), 'login')[:32]}")


class Migration(migrations.Migration):
    dependencies = [("orgs", "0008_door_login_client")]
    operations = [migrations.RunPython(hash_typed_names, migrations.RunPython.noop)]
