from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "gonghui.reports"
    label = "reports"
    verbose_name = "报表与复工服务"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gonghui.orgs import identity
        from gonghui.reports import navigation, scoping  # noqa: F401 - console section, scoping policies
        from gonghui.reports.services import land_confirmed_row

        identity.register_link_handler("reports.report", land_confirmed_row)
