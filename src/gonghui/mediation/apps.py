from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "gonghui.mediation"
    label = "mediation"
    verbose_name = "劳动争议调解"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gonghui.mediation import navigation, scoping  # noqa: F401 - console section, scoping policies
