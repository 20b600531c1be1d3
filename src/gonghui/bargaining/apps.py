from django.apps import AppConfig


class BargainingConfig(AppConfig):
    name = "gonghui.bargaining"
    label = "bargaining"
    verbose_name = "集体协商与集体合同"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gonghui.bargaining import clocks, navigation, scoping  # noqa: F401 - clock recomputer, console, scoping
        from gonghui.core import merges

        claims = ("bargaining.Representative.person", "bargaining.Delegate.person")  # seats at the table, delegates
        merges.register_person_holder("bargaining", claims=claims, move=merges.reassign(*claims))
