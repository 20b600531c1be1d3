from django.apps import AppConfig


class BargainingConfig(AppConfig):
    name = "gonghui.bargaining"
    label = "bargaining"
    verbose_name = "集体协商与集体合同"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gonghui.bargaining import clocks, navigation, scoping  # noqa: F401 - clock recomputer, console, scoping
