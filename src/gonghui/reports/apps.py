from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "gonghui.reports"
    label = "reports"
    verbose_name = "报表与复工服务"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gonghui.core import merges
        from gonghui.orgs import identity
        from gonghui.reports import navigation, scoping, targets  # noqa: F401 - console section, scoping policies
        from gonghui.reports.services import land_confirmed_row

        targets.connect()  # an enterprise saved, or its tags changed: its stretches owed follow (reports.targets)

        identity.register_link_handler("reports.report", land_confirmed_row)
        claims = ("reports.Isolation.person", "reports.HealthReading.person")
        merges.register_person_holder("reports", claims=claims, move=merges.reassign(*claims))
