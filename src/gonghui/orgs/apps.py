from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "gonghui.orgs"
    label = "orgs"
    verbose_name = "组织与账号"

    def ready(self) -> None:
        from gonghui.orgs import exports, imports, signals  # noqa: F401 - register handlers
