from django.apps import AppConfig


class ReliefConfig(AppConfig):
    name = "gonghui.relief"
    label = "relief"
    verbose_name = "困难职工帮扶"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gonghui.relief import navigation, retention, scoping, tasks  # noqa: F401 - console section, policies, job kinds, purge
