from django.apps import AppConfig

# What relief holds on a person: the hardship files (one open file a person: two open files refuse the merge),
# the household members on the registry, the applications. Grants and caps follow the files and applications.
CLAIMS = ("relief.HardshipFile.person", "relief.HouseholdMember.person", "relief.Application.person")


class ReliefConfig(AppConfig):
    name = "gonghui.relief"
    label = "relief"
    verbose_name = "困难职工帮扶"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext as _

        from gonghui.core import merges
        from gonghui.orgs import identity
        from gonghui.relief import clocks, navigation, retention, scoping, tasks  # noqa: F401 - clocks, console section, policies, job kinds, purge
        from gonghui.relief.models import Application

        def open_application(person: object) -> str:
            settled = (Application.State.REJECTED, Application.State.RELEASED)
            open_ = Application.objects.filter(person=person).exclude(state__in=settled).exists()
            return _("有未办结的帮扶救助申请") if open_ else ""

        identity.register_hold(open_application)
        merges.register_person_holder("relief", claims=CLAIMS, move=merges.reassign(*CLAIMS))
