from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "gonghui.membership"
    label = "membership"
    verbose_name = "会员管理"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gonghui.membership import navigation, scoping  # noqa: F401 - console section, scoping policies
